"""The public list of needs: filters, search, paging, and a need's own page, never with contact details."""

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from matchmaker.extensions import db
from matchmaker.models import NeedStatus, OrganisationStatus, Role, Unit, Ward
from tests.helpers.browsing import member, officer, pagination_links, signed_in_client
from tests.helpers.builders import make_need, make_organisation, make_user
from tests.helpers.placeholders import app_with_endpoints
from tests.helpers.web import text_of

KILBURN, HARLESDEN, ROUNDWOOD = "E05013503", "E05013501", "E05013509"


def titles(response) -> list[str]:
    """The results' titles, in the order shown."""
    html = response.get_data(as_text=True)
    found = re.findall(r'<h2 class="govuk-heading-m[^"]*"><a class="govuk-link" href="/needs/\d+">(.*?)</a></h2>', html)
    return [unescape(title) for title in found]


# The list -----------------------------------------------------------------------------------------------------


def test_only_open_and_partly_met_needs_are_listed(app, client):
    with app.app_context():
        for status in NeedStatus:
            make_need(status=status, title=f"A need that is {status.label.lower()}")
    response = client.get("/needs")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["A need that is open", "A need that is partly met"]
    assert "2 needs" in text_of(response)


def test_a_result_shows_what_the_need_is(app, client):
    with app.app_context():
        org = make_organisation("Kilburn Youth Choir")
        need = make_need(
            org,
            title="Music teachers",
            priorities=("good-jobs", "vcse-capacity"),
            wards=("Kilburn", "Queens Park"),
            support_types=("skills", "volunteering"),
            quantity=40,
            unit=Unit.HOURS,
            needed_by=date(2030, 3, 5),
        )
        need_id = need.id
    response = client.get("/needs")
    page = text_of(response)
    assert f'href="/needs/{need_id}">Music teachers</a>' in response.get_data(as_text=True)
    for shown in (
        "1 need",
        "Kilburn Youth Choir",
        "Good jobs",
        "VCSE capacity",
        "Kilburn, Queens Park",
        "Volunteering, Skills and expertise",
        "40 hours",
        "5 March 2030",
    ):
        assert shown in page, shown


def test_no_needs_says_so(client):
    response = client.get("/needs")
    assert "0 needs" in text_of(response)
    assert "There are no open needs at the moment" in text_of(response)


@pytest.fixture
def tagged(app):
    """Four needs, A to D, tagged differently."""
    with app.app_context():
        make_need(title="A", priorities=("good-jobs",), wards=("Kilburn",), support_types=("volunteering",))
        make_need(
            title="B", priorities=("environment",), wards=("Harlesden and Kensal Green",), support_types=("in-kind",)
        )
        make_need(title="C", priorities=("good-jobs", "environment"), borough_wide=True, support_types=("skills",))
        make_need(
            title="D",
            priorities=("vcse-capacity",),
            wards=("Kilburn", "Roundwood"),
            support_types=("volunteering", "space"),
        )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "ABCD"),
        ("priority=good-jobs", "AC"),
        ("priority=environment", "BC"),
        ("priority=good-jobs&priority=vcse-capacity", "ACD"),  # any of the chosen priorities
        ("type=volunteering", "AD"),
        ("type=in-kind&type=space", "BD"),
        (f"ward={KILBURN}", "ACD"),  # C is borough-wide
        (f"ward={HARLESDEN}", "BC"),
        (f"ward={ROUNDWOOD}&ward={HARLESDEN}", "BCD"),
        (f"priority=good-jobs&ward={KILBURN}", "AC"),  # every filter must be met
        (f"priority=good-jobs&ward={KILBURN}&type=volunteering", "A"),
        ("priority=inclusive-economy", ""),
    ],
)
def test_filters(client, tagged, query, expected):
    response = client.get(f"/needs?{query}")
    assert response.status_code == 200
    assert "".join(sorted(titles(response))) == expected


def test_a_borough_wide_need_is_in_every_ward(app, client):
    with app.app_context():
        make_need(title="Everywhere", borough_wide=True)
        make_need(title="Only Kilburn", wards=("Kilburn",))
        codes = list(db.session.scalars(db.select(Ward.ons_code)))
    assert len(codes) == 22
    for code in codes:
        response = client.get(f"/needs?ward={code}")
        expected = ["Everywhere", "Only Kilburn"] if code == KILBURN else ["Everywhere"]
        assert sorted(titles(response)) == expected, code
        assert f"{len(expected)} need{'s' if len(expected) > 1 else ''}" in text_of(response)


def test_the_form_shows_the_filters_in_use(client, tagged):
    html = client.get(f"/needs?priority=environment&ward={KILBURN}&type=space&q=hall").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/needs"', html)
    checked = re.findall(r'name="(priority|ward|type)" type="checkbox" value="([^"]+)" checked', html)
    assert sorted(checked) == [("priority", "environment"), ("type", "space"), ("ward", KILBURN)]
    assert re.search(r'<input [^>]*name="q" type="search"[^>]* value="hall"', html)
    assert "Apply filters" in html and 'href="/needs">Clear filters</a>' in html


@pytest.mark.parametrize(
    "query",
    [
        "priority=no-such-priority",
        "ward=E99999999",
        "ward=Kilburn",
        "type=",
        "priority=good-jobs&priority=nope",
        "page=abc",
        "page=0",
        "page=-3",
        "page=1.5",
        "page=%C2%B2",
        "page=99999999999999999999",
        "q=" + "x" * 5000,
        "q=%00",
        "q=%F0%9F%8C%B3",
    ],
)
def test_odd_values_never_break_the_page(client, tagged, query):
    response = client.get(f"/needs?{query}")
    assert response.status_code == 200, query


def test_unknown_filter_values_are_ignored(client, tagged):
    response = client.get("/needs?priority=no-such-priority&ward=E99999999&type=nonsense")
    assert "".join(sorted(titles(response))) == "ABCD"
    assert " checked" not in response.get_data(as_text=True)
    only_known = client.get("/needs?priority=good-jobs&priority=nope")
    assert "".join(sorted(titles(only_known))) == "AC"


def test_without_a_search_the_soonest_needed_come_first_then_the_newest(app, client):
    with app.app_context():
        today = date.today()
        make_need(title="Later", needed_by=today + timedelta(days=60))
        make_need(title="No date, older", needed_by=None)
        make_need(title="Soonest", needed_by=today + timedelta(days=2))
        make_need(title="No date, newer", needed_by=None)
    assert titles(client.get("/needs")) == ["Soonest", "Later", "No date, newer", "No date, older"]


def test_results_are_paged_and_links_keep_the_filters(app, client):
    with app.app_context():
        org = make_organisation()
        for n in range(45):
            make_need(org, title=f"English lessons group {n:02d}", priorities=("good-jobs",))
        make_need(org, title="English lessons elsewhere", priorities=("environment",))

    first = client.get("/needs?priority=good-jobs&q=englsh")
    assert "45 needs" in text_of(first) and "Showing 1 to 20" in text_of(first)
    assert len(titles(first)) == 20
    assert "Community needs (page 1 of 3)" in first.get_data(as_text=True)
    links = pagination_links(first)
    assert set(links) == {"1", "2", "3", "Next"}
    for href in links.values():
        assert parse_qs(urlsplit(href).query)["priority"] == ["good-jobs"]
        assert parse_qs(urlsplit(href).query)["q"] == ["englsh"]
    assert parse_qs(urlsplit(links["Next"]).query)["page"] == ["2"]
    assert "page" not in parse_qs(urlsplit(links["1"]).query)

    second = client.get(links["Next"])
    assert "Showing 21 to 40" in text_of(second)
    assert set(pagination_links(second)) == {"Previous", "1", "2", "3", "Next"}
    third = client.get(pagination_links(second)["Next"])
    assert len(titles(third)) == 5 and "Next" not in pagination_links(third)
    seen = titles(first) + titles(second) + titles(third)
    assert sorted(seen) == [f"English lessons group {n:02d}" for n in range(45)]

    # Past the end: the last page, not an error.
    beyond = client.get("/needs?priority=good-jobs&q=englsh&page=9999")
    assert beyond.status_code == 200 and titles(beyond) == titles(third)


def test_a_long_run_of_pages_is_shortened_with_ellipses(app, client):
    with app.app_context():
        org = make_organisation()
        for n in range(20 * 9):
            make_need(org, title=f"Need {n}")
    html = client.get("/needs?page=5").get_data(as_text=True)
    assert set(pagination_links(client.get("/needs?page=5"))) == {"Previous", "1", "4", "5", "6", "9", "Next"}
    assert html.count("govuk-pagination__item--ellipsis") == 2
    assert 'aria-current="page"' in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Englsh lesons", "English lessons for adults"),
        ("wheelchiar ramp", "Wheelchair ramp for the community hall"),
        ("laptop", "Laptops for the homework club"),
    ],
)
def test_search_tolerates_typos(app, client, query, expected):
    with app.app_context():
        make_need(title="English lessons for adults", description="Conversation practice.")
        make_need(title="Wheelchair ramp for the community hall", description="Two steps at the door.")
        make_need(title="Laptops for the homework club", description="Ten laptops.")
        make_need(title="Gardening volunteers", description="Dig and plant at the allotment.")
    response = client.get("/needs", query_string={"q": query})
    assert titles(response)[0] == expected
    assert "Gardening volunteers" not in titles(response)


def test_a_search_that_matches_nothing_says_how_to_do_better(app, client):
    with app.app_context():
        make_need(title="English lessons for adults")
    response = client.get("/needs?q=quantum+physics")
    assert titles(response) == []
    assert "There are no open needs matching your search" in text_of(response)
    assert "checking your spelling" in text_of(response)


def test_search_only_looks_at_needs_that_pass_the_filters(app, client):
    with app.app_context():
        make_need(title="English lessons in Kilburn", wards=("Kilburn",))
        make_need(title="English lessons in Roundwood", wards=("Roundwood",))
        make_need(title="English lessons in draft", status=NeedStatus.DRAFT)
    assert titles(client.get(f"/needs?q=english&ward={ROUNDWOOD}")) == ["English lessons in Roundwood"]


def test_search_sees_needs_posted_edited_closed_or_deleted_since_the_last_search(app, client):
    # The database keeps the search index: it must follow every change, not show yesterday's text.
    from matchmaker.models import Need

    with app.app_context():
        kept = make_need(title="English lessons for adults").id
        renamed = make_need(title="English conversation club").id
        closed = make_need(title="English homework help").id
        deleted = make_need(title="English books for the library").id
    assert sorted(titles(client.get("/needs?q=english"))) == [
        "English books for the library",
        "English conversation club",
        "English homework help",
        "English lessons for adults",
    ]

    with app.app_context():
        db.session.get(Need, renamed).title = "Football coaching"
        db.session.get(Need, closed).status = NeedStatus.CLOSED
        db.session.delete(db.session.get(Need, deleted))
        make_need(title="English tutors for refugee families")
        db.session.commit()
    assert sorted(titles(client.get("/needs?q=englsh"))) == [
        "English lessons for adults",
        "English tutors for refugee families",
    ]
    assert titles(client.get("/needs?q=footbal")) == ["Football coaching"]

    with app.app_context():
        db.session.get(Need, kept).description = "Conversation practice with volunteers from a local business."
        db.session.commit()
    assert titles(client.get("/needs?q=conversation")) == ["English lessons for adults"]


# A need's page ------------------------------------------------------------------------------------------------

SECRETS = {
    "contact_name": "Priya Hiddenname",
    "contact_email": "priya.private@larder.example.org",
    "contact_phone": "020 7946 0999",
    "address": "12 Secret Street, London NW10 1AA",
}


def _secrets_absent(response) -> None:
    html = response.get_data(as_text=True)
    for value in SECRETS.values():
        assert value not in html
        assert value.replace(" ", "") not in html


def test_no_contact_details_on_the_list_or_the_need_page(app, client):
    with app.app_context():
        org = make_organisation("Kensal Rise Larder", **SECRETS)
        poster = make_user(Role.GROUP_MEMBER, org, email="poster@larder.example.org", full_name="Posy Poster")
        need_id = make_need(org, title="Fridge for the larder", created_by=poster).id
        emails = [member(Role.GROUP_MEMBER), member(Role.SUPPLIER_MEMBER)]
    for reader in [client] + [signed_in_client(app, email) for email in emails]:
        for url in ("/needs", f"/needs/{need_id}", "/needs?q=fridge"):
            response = reader.get(url)
            assert response.status_code == 200
            assert "Kensal Rise Larder" in text_of(response)
            _secrets_absent(response)
            assert "poster@larder.example.org" not in response.get_data(as_text=True)
            assert "Posy Poster" not in response.get_data(as_text=True)


def test_the_need_page_shows_the_need_in_full(app, client):
    with app.app_context():
        org = make_organisation("Harlesden Tenants Association", wards=("Harlesden and Kensal Green", "Stonebridge"))
        need = make_need(
            org,
            title="Laptops for homework club",
            description="Ten laptops.\n\nWindows or Chromebooks.",
            priorities=("reducing-inequalities",),
            wards=("Stonebridge",),
            support_types=("in-kind",),
            quantity=10,
            unit=Unit.ITEMS,
            needed_by=date(2031, 1, 9),
            recurring=True,
        )
        need_id = need.id
    response = client.get(f"/needs/{need_id}")
    assert response.status_code == 200
    page = text_of(response)
    for shown in (
        "Laptops for homework club",
        "Ten laptops.",
        "Windows or Chromebooks.",
        "Harlesden Tenants Association",
        "Harlesden and Kensal Green, Stonebridge",
        "Reducing inequalities and strengthening community wellbeing, resilience, and participation",
        "Where Stonebridge",
        "Equipment and goods",
        "10 items",
        "9 January 2031",
        "Regular need Yes",
        "Status Open",
        "Posted",
    ):
        assert shown in page, shown
    assert "<title>Laptops for homework club –" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [s for s in NeedStatus if not s.is_public])
def test_a_need_that_is_not_public_is_only_for_its_organisation_and_officers(app, client, status):
    with app.app_context():
        owner = make_user(Role.GROUP_MEMBER)
        need_id = make_need(owner.organisation, status=status, title="Hidden need").id
        other_emails = [member(Role.GROUP_MEMBER), member(Role.SUPPLIER_MEMBER)]
        insider_emails = [owner.email, officer(), make_user(Role.ADMIN).email]
    others = [client] + [signed_in_client(app, email) for email in other_emails]
    insiders = [signed_in_client(app, email) for email in insider_emails]
    for other in others:
        assert other.get(f"/needs/{need_id}").status_code == 404
        assert "Hidden need" not in other.get("/needs").get_data(as_text=True)
    for insider in insiders:
        response = insider.get(f"/needs/{need_id}")
        assert response.status_code == 200
        assert status.label in text_of(response)
        assert "This need is not on the public list" in text_of(response)
        assert "Hidden need" not in titles(insider.get("/needs"))  # the list stays public needs only


def test_a_need_that_does_not_exist_is_not_found(client):
    assert client.get("/needs/987654").status_code == 404


def test_only_approved_suppliers_are_offered_the_pledge_button(app):
    with app.app_context():
        need_id = make_need(title="Paint for the hall").id
        closed_id = make_need(title="Closed need", status=NeedStatus.CLOSED).id
        approved = member(Role.SUPPLIER_MEMBER)
        pending = member(Role.SUPPLIER_MEMBER, status=OrganisationStatus.PENDING)
        group, an_officer = member(Role.GROUP_MEMBER), officer()
    with app_with_endpoints(app, "suppliers.pledge") as other:
        with other.test_request_context():
            pledge_url = url_for("suppliers.pledge", need_id=need_id)
        supplier_page = signed_in_client(other, approved).get(f"/needs/{need_id}").get_data(as_text=True)
        assert re.search(rf'href="{re.escape(pledge_url)}"[^>]*>\s*Pledge support', supplier_page)
        for email in (pending, group, an_officer):
            page = signed_in_client(other, email).get(f"/needs/{need_id}").get_data(as_text=True)
            assert "Pledge support" not in page
        assert "Pledge support" not in other.test_client().get(f"/needs/{need_id}").get_data(as_text=True)
        assert signed_in_client(other, approved).get(f"/needs/{closed_id}").status_code == 404


def test_the_pledge_button_waits_for_the_pledge_page(app, monkeypatch):
    with app.app_context():
        need_id = make_need().id
        supplier = member(Role.SUPPLIER_MEMBER)
    monkeypatch.delitem(app.view_functions, "suppliers.pledge", raising=False)
    response = signed_in_client(app, supplier).get(f"/needs/{need_id}")
    assert response.status_code == 200 and "Pledge support" not in response.get_data(as_text=True)


def test_its_organisation_and_officers_are_offered_a_link_to_manage_the_need(app):
    with app.app_context():
        owner = make_user(Role.GROUP_MEMBER)
        need_id, owner_email = make_need(owner.organisation).id, owner.email
        other_group, an_officer = member(Role.GROUP_MEMBER), officer()
    with app_with_endpoints(app, "groups.need", "officers.need_review") as other:
        with other.test_request_context():
            for_owner = url_for("groups.need", need_id=need_id)
            for_officer = url_for("officers.need_review", need_id=need_id)
        owner_page = signed_in_client(other, owner_email).get(f"/needs/{need_id}").get_data(as_text=True)
        assert f'href="{for_owner}">Manage this need</a>' in owner_page
        officer_page = signed_in_client(other, an_officer).get(f"/needs/{need_id}").get_data(as_text=True)
        assert f'href="{for_officer}">Manage this need</a>' in officer_page
        for reader in (signed_in_client(other, other_group), other.test_client()):
            assert "Manage this need" not in reader.get(f"/needs/{need_id}").get_data(as_text=True)


def test_officers_can_download_the_filtered_results(app):
    with app.app_context():
        make_need()
        an_officer, group = officer(), member(Role.GROUP_MEMBER)
    with app_with_endpoints(app, "imports.export") as other:
        client = signed_in_client(other, an_officer)
        html = client.get(f"/needs?priority=good-jobs&ward={KILBURN}&q=paint").get_data(as_text=True)
        href = unescape(re.search(r'href="([^"]+)">Download these results as CSV</a>', html).group(1))
        with other.test_request_context():
            expected = url_for(
                "imports.export", kind="needs", fmt="csv", priority=["good-jobs"], ward=[KILBURN], q="paint"
            )
        assert href == expected
        for reader in (signed_in_client(other, group), other.test_client()):
            assert "Download these results" not in reader.get("/needs").get_data(as_text=True)


def test_the_navigation_links_to_needs_for_everyone(app, client):
    with app.app_context():
        group = member(Role.GROUP_MEMBER)
    anonymous = client.get("/").get_data(as_text=True)
    assert 'href="/needs"' in anonymous and 'href="/offers"' not in anonymous
    signed_in = signed_in_client(app, group).get("/").get_data(as_text=True)
    assert 'href="/needs"' in signed_in and 'href="/offers"' in signed_in
