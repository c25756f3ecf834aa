"""Signed-in users browse suppliers' active offers; contract values and references stay private."""

import re
from datetime import date
from html import unescape

import pytest
from flask import url_for

from matchmaker.models import OfferStatus, OrganisationKind, Role, Unit
from tests.helpers.browsing import member, officer, pagination_links, signed_in_client
from tests.helpers.builders import make_contract, make_offer, make_organisation, make_user
from tests.helpers.placeholders import app_with_endpoints
from tests.helpers.web import text_of

KILBURN, ROUNDWOOD = "E05013503", "E05013509"


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    found = re.findall(
        r'<h2 class="govuk-heading-m[^"]*"><a class="govuk-link" href="/offers/\d+">(.*?)</a></h2>', html
    )
    return [unescape(title) for title in found]


@pytest.fixture
def group_client(app):
    with app.app_context():
        email = member(Role.GROUP_MEMBER)
    return signed_in_client(app, email)


def test_offers_are_for_signed_in_users(app, client):
    with app.app_context():
        offer_id = make_offer().id
    for url in ("/offers", f"/offers/{offer_id}", "/offers?priority=good-jobs"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/sign-in?next="), url


def test_a_group_sees_active_offers_with_what_is_left(app, group_client):
    with app.app_context():
        supplier = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        contract = make_contract(supplier, ref="BC-SECRET-77", title="Highways maintenance", value=4_321_987)
        offer_id = make_offer(
            contract,
            title="Volunteer days",
            quantity=200,
            unit=Unit.HOURS,
            allocated=80,
            priorities=("vcse-capacity",),
            wards=("Kilburn", "Roundwood"),
            support_types=("volunteering",),
            available_until=date(2031, 6, 30),
        ).id
        make_offer(contract, title="Withdrawn days", status=OfferStatus.WITHDRAWN)
        make_offer(
            contract,
            title="Donation",
            quantity=500,
            unit=Unit.POUNDS,
            allocated=200,
            support_types=("donation",),
            borough_wide=True,
        )
    response = group_client.get("/offers")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Donation", "Volunteer days"]
    page = text_of(response)
    for shown in (
        "2 offers",
        "Northway Construction Ltd",
        "VCSE capacity",
        "Kilburn, Roundwood",
        "Volunteering",
        "120 of 200 hours left",
        "£300 of £500 left",
        "Borough-wide",
        "30 June 2031",
    ):
        assert shown in page, shown

    detail = group_client.get(f"/offers/{offer_id}")
    assert detail.status_code == 200
    for shown in (
        "Volunteer days",
        "Northway Construction Ltd",
        "120 of 200 hours left",
        "30 June 2031",
        "Building community and voluntary sector capacity",
    ):
        assert shown in text_of(detail), shown
    for private in ("BC-SECRET-77", "Highways maintenance", "4,321,987", "4321987", "contracts@brent.example.org"):
        for html in (response.get_data(as_text=True), detail.get_data(as_text=True)):
            assert private not in html, private


def test_an_offer_with_no_set_amount_says_so(app, group_client):
    with app.app_context():
        offer_id = make_offer(title="Meeting room", quantity=None, support_types=("space",)).id
    assert "No set amount" in text_of(group_client.get(f"/offers/{offer_id}"))


def test_supplier_contact_details_are_not_shown(app, group_client):
    with app.app_context():
        supplier = make_organisation(
            "Acme Facilities",
            kind=OrganisationKind.SUPPLIER,
            contact_name="Sam Secretname",
            contact_email="sam@acme.example.org",
            contact_phone="020 7946 0111",
            address="1 Hidden Road, NW2",
        )
        offer_id = make_offer(supplier=supplier).id
    for url in ("/offers", f"/offers/{offer_id}"):
        html = group_client.get(url).get_data(as_text=True)
        assert "Acme Facilities" in html
        for private in ("Sam Secretname", "sam@acme.example.org", "020 7946 0111", "1 Hidden Road"):
            assert private not in html


@pytest.fixture
def tagged(app):
    with app.app_context():
        make_offer(title="A", priorities=("good-jobs",), wards=("Kilburn",), support_types=("employment",))
        make_offer(title="B", priorities=("environment",), wards=("Roundwood",), support_types=("in-kind",))
        make_offer(title="C", priorities=("environment", "vcse-capacity"), borough_wide=True, support_types=("skills",))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "ABC"),
        ("priority=environment", "BC"),
        ("type=employment&type=skills", "AC"),
        (f"ward={KILBURN}", "AC"),
        (f"ward={ROUNDWOOD}&priority=environment&type=in-kind", "B"),
        ("priority=nonsense&ward=nowhere&page=abc", "ABC"),
    ],
)
def test_filters(group_client, tagged, query, expected):
    response = group_client.get(f"/offers?{query}")
    assert response.status_code == 200
    assert "".join(sorted(titles(response))) == expected


def test_search_tolerates_typos(app, group_client):
    with app.app_context():
        make_offer(title="Refurbished laptops", description="Twenty laptops from our office refresh.")
        make_offer(title="Wheelchair ramp installation", description="Our joiners can fit a ramp.")
    assert titles(group_client.get("/offers?q=laptps")) == ["Refurbished laptops"]
    assert titles(group_client.get("/offers?q=wheelchiar+ramp")) == ["Wheelchair ramp installation"]
    assert titles(group_client.get("/offers?q=quantum")) == []


def test_offers_are_paged_with_filters_kept(app, group_client):
    with app.app_context():
        contract = make_contract()
        for n in range(25):
            make_offer(contract, title=f"Mentoring {n}", priorities=("good-jobs",))
    first = group_client.get("/offers?priority=good-jobs")
    assert "25 offers" in text_of(first) and len(titles(first)) == 20
    next_page = pagination_links(first)["Next"]
    assert "priority=good-jobs" in next_page and "page=2" in next_page
    assert len(titles(group_client.get(next_page))) == 5


def test_a_withdrawn_offer_is_only_for_its_supplier_and_officers(app, group_client):
    with app.app_context():
        owner = make_user(Role.SUPPLIER_MEMBER)
        offer_id = make_offer(supplier=owner.organisation, title="Old offer", status=OfferStatus.WITHDRAWN).id
        owner_email, other_supplier, an_officer = owner.email, member(Role.SUPPLIER_MEMBER), officer()
    assert group_client.get(f"/offers/{offer_id}").status_code == 404
    assert signed_in_client(app, other_supplier).get(f"/offers/{offer_id}").status_code == 404
    for email in (owner_email, an_officer):
        reader = signed_in_client(app, email)
        response = reader.get(f"/offers/{offer_id}")
        assert response.status_code == 200 and "This offer has been withdrawn" in text_of(response)
        assert "Old offer" not in titles(reader.get("/offers"))


def test_an_offer_that_does_not_exist_is_not_found(group_client):
    assert group_client.get("/offers/987654").status_code == 404


def test_officers_can_download_the_filtered_offers(app):
    with app.app_context():
        make_offer()
        an_officer, group = officer(), member(Role.GROUP_MEMBER)
    with app_with_endpoints(app, "imports.export") as other:
        html = signed_in_client(other, an_officer).get("/offers?type=skills").get_data(as_text=True)
        href = unescape(re.search(r'href="([^"]+)">Download these results as CSV</a>', html).group(1))
        with other.test_request_context():
            assert href == url_for("imports.export", kind="offers", fmt="csv", type=["skills"])
        assert "Download these results" not in signed_in_client(other, group).get("/offers").get_data(as_text=True)
