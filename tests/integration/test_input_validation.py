"""Hostile input on every path (forms, query strings, CSV import, API): a clear message at the field, nothing
written, never a server error. One test per class of input of issue 12 (findings 5 to 8); test_fuzzing.py and
test_api_schema.py generate the same classes at random.
"""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    Match,
    Need,
    NeedStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Proposal,
    Role,
    User,
)
from matchmaker.models.limits import DESCRIPTION_MAX, TITLE_MAX
from tests.conftest import mailbox
from tests.helpers.api import bearer
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

INVALID = "Remove the invalid character"
LINE_BREAK = "Remove the line break"
TOO_BIG = 2**31  # one past PostgreSQL's integer

REGISTRATION = {
    "kind": "vcse",
    "name": "Stonebridge Residents Group",
    "wards": "E05013515",
    "description": "Residents working together.",
    "contact_name": "Ada Obi",
    "contact_email": "ada@example.org",
    "full_name": "Ada Obi",
    "email": "ada@example.org",
    "password": "kettle river lantern",
    "confirm_password": "kettle river lantern",
    "not_a_duplicate": "y",
}
NEED_FORM = {
    "title": "Volunteers for the food bank",
    "description": "Sorting on Saturdays.",
    "needed_by": ["1", "6", str(date.today().year + 2)],
    "save_draft": "Save as draft",
    "priorities": "good-jobs",
    "wards": "E05013515",
    "support_types": "volunteering",
}
API_NEED = {
    "title": "Volunteers for our Saturday larder",
    "description": "Four people to sort and hand out food.",
    "priorities": ["reducing-inequalities"],
    "wards": ["E05013499"],
    "support_types": ["volunteering"],
    "needed_by": (date.today() + timedelta(days=30)).isoformat(),
}
NEED_HEADER = "ref,organisation,title,description,priorities,wards,support_types,quantity,unit,needed_by"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _signed_in(app, role: Role, organisation_kind: OrganisationKind | None = None):
    with app.app_context():
        org = make_organisation(kind=organisation_kind) if organisation_kind else None
        user = make_user(role, org)
        email = user.email
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture
def group(app):
    return _signed_in(app, Role.GROUP_MEMBER, OrganisationKind.VCSE)


@pytest.fixture
def officer(app):
    return _signed_in(app, Role.OFFICER)


@pytest.fixture
def group_token(app):
    with app.app_context():
        return bearer(make_user(Role.GROUP_MEMBER, make_organisation(kind=OrganisationKind.VCSE)))


def _shown_at_field_and_summary(response, message: str) -> None:
    assert response.status_code == 200
    assert message in error_messages(response)
    assert "There is a problem" in text_of(response)


def _upload(client, csv_text: str):
    import io

    return client.post(
        "/officers/import",
        data={
            "kind": "needs",
            "csrf_token": csrf_token(client, "/officers/import"),
            "file": (io.BytesIO(csv_text.encode()), "needs.csv"),
        },
    )


# Finding 5: NUL and other control characters ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "contact_name", "full_name", "description", "address"])
def test_a_nul_in_the_registration_form_is_a_field_error_and_nothing_is_written(app, client, field):
    response = post_form(client, "/register", {**REGISTRATION, field: "Stone\x00bridge"})
    _shown_at_field_and_summary(response, INVALID)
    assert count(app, Organisation) == count(app, User) == 0


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_in_the_need_form_are_refused(app, group, character):
    response = post_form(group, "/my-needs/new", {**NEED_FORM, "description": f"Sorting{character} on Saturdays"})
    _shown_at_field_and_summary(response, INVALID)
    assert count(app, Need) == 0


def test_tabs_and_line_breaks_are_still_fine_in_a_description(app, group):
    response = post_form(group, "/my-needs/new", {**NEED_FORM, "description": "Sorting\ton Saturdays.\r\nAnd Sundays."})
    assert response.status_code == 302
    assert count(app, Need) == 1


def test_a_nul_in_the_organisation_profile_and_account_forms_is_refused(app):
    client = _signed_in(app, Role.GROUP_MEMBER, OrganisationKind.VCSE)
    page = client.get("/organisation/edit")
    assert page.status_code == 200
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        data = {
            "kind": org.kind.value,
            "name": "Kilburn\x00 Food Bank",
            "wards": "borough-wide",
            "contact_name": org.contact_name,
            "contact_email": org.contact_email,
        }
    _shown_at_field_and_summary(post_form(client, "/organisation/edit", data), INVALID)
    _shown_at_field_and_summary(post_form(client, "/account/details", {"full_name": "Ada\x00 Obi"}), INVALID)
    with app.app_context():
        assert db.session.scalar(select(Organisation.name)) != "Kilburn\x00 Food Bank"


@pytest.mark.parametrize(
    "query",
    [
        "/officers/queue?priority=%00",
        "/officers/queue?ward=%00&support_type=%00",
        "/officers/queue?sort=%00",
        "/needs?q=%00",
        "/needs?priority=%00&ward=%00&type=%00",
        "/offers?q=%00",
        "/officers/organisations?q=%00",
    ],
)
def test_a_nul_in_a_query_string_filter_is_ignored_or_refused_never_a_server_error(officer, query):
    assert officer.get(query).status_code in (200, 400)


def test_a_nul_in_a_csv_import_is_a_row_error_and_nothing_is_imported(app, officer):
    with app.app_context():
        make_organisation("Kilburn Food Bank")
    response = _upload(
        officer, f"{NEED_HEADER}\nN-1,Kilburn Food Bank,Food\x00 sorting,Saturdays,good-jobs,Kilburn,volunteering,,,\n"
    )
    assert response.status_code == 200
    assert f"2 title {INVALID}" in text_of(response)
    assert count(app, Need) == 0


@pytest.mark.parametrize("field", ["title", "description"])
def test_a_nul_sent_to_the_api_is_a_field_problem(app, client, group_token, field):
    response = client.post("/api/v1/needs", json={**API_NEED, field: "Food\x00 sorting"}, headers=group_token)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {field: [INVALID]}
    assert count(app, Need) == 0


# Finding 6: line breaks in single-line fields, and nothing half-done -----------------------------------------------


@pytest.mark.parametrize("value", ["Stonebridge\r\nBcc: x@example.com", "Stonebridge\nResidents", "Stone\rbridge"])
def test_registration_refuses_a_line_break_in_a_name_and_creates_no_account(app, client, value):
    response = post_form(client, "/register", {**REGISTRATION, "name": value})
    _shown_at_field_and_summary(response, LINE_BREAK)
    response = post_form(client, "/register", {**REGISTRATION, "full_name": value})
    _shown_at_field_and_summary(response, LINE_BREAK)
    assert count(app, Organisation) == count(app, User) == 0
    assert mailbox(app) == []


def test_the_need_form_refuses_a_line_break_in_the_title(app, group):
    response = post_form(group, "/my-needs/new", {**NEED_FORM, "title": "Volunteers\r\nfor the food bank"})
    _shown_at_field_and_summary(response, LINE_BREAK)
    assert count(app, Need) == 0


def test_the_api_refuses_a_line_break_in_a_title(app, client, group_token):
    response = client.post("/api/v1/needs", json={**API_NEED, "title": "Volunteers\nneeded"}, headers=group_token)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"title": [LINE_BREAK]}
    assert count(app, Need) == 0


def test_a_csv_import_refuses_a_line_break_in_a_title_or_name(app, officer):
    with app.app_context():
        make_organisation("Kilburn Food Bank")
    response = _upload(
        officer,
        f'{NEED_HEADER}\nN-1,"Kilburn\nFood Bank","Food\r\nsorting",Saturdays,good-jobs,Kilburn,volunteering,,,\n',
    )
    text = text_of(response)
    assert f"2 organisation {LINE_BREAK} 2 title {LINE_BREAK}" in text
    assert count(app, Need) == 0


def test_approving_an_organisation_whose_name_has_a_line_break_still_sends_its_email(app, officer):
    """Data from before the rule (or written another way) must not turn an approval into a 500 after saving."""
    with app.app_context():
        org = make_organisation("Harlesden\r\nBcc: attacker@example.com", status=OrganisationStatus.PENDING)
        make_user(Role.GROUP_MEMBER, org, email="member@example.org")
        org_id = org.id
    response = post_form(
        officer, f"/officers/organisations/{org_id}/approve", {}, form_url=f"/officers/organisations/{org_id}"
    )
    assert response.status_code == 302
    sent = mailbox(app)
    assert [m["To"] for m in sent] == ["member@example.org"]
    assert "\n" not in sent[0]["Subject"] and "\r" not in sent[0]["Subject"]
    assert sent[0]["Bcc"] is None
    with app.app_context():
        assert db.session.get(Organisation, org_id).status is OrganisationStatus.APPROVED


def test_publishing_a_need_whose_title_has_a_line_break_still_sends_its_email(app, officer):
    with app.app_context():
        need = make_need(status=NeedStatus.AWAITING_MODERATION, title="Food\nBcc: attacker@example.com")
        make_user(Role.GROUP_MEMBER, need.organisation, email="member@example.org")
        need_id = need.id
    response = post_form(officer, f"/officers/needs/{need_id}/publish", {}, form_url=f"/officers/needs/{need_id}")
    assert response.status_code == 302
    subjects = [m["Subject"] for m in mailbox(app)]
    assert subjects and all("\n" not in s and "\r" not in s for s in subjects)


def test_an_email_subject_never_carries_a_line_break(app):
    from matchmaker.email.message import render

    with app.test_request_context():
        message = render(
            "password_reset", to="a@example.org", subject="Reset\r\nBcc: x@example.com", user=None, link="x"
        )
    assert message["Subject"] == "Reset Bcc: x@example.com"
    assert message["Bcc"] is None


# Finding 7: out-of-range ids and numbers, lone surrogates, deep JSON ------------------------------------------------


ID_ROUTES = [
    ("officer", "GET", "/officers/organisations/{}"),
    ("officer", "POST", "/officers/organisations/{}/approve"),
    ("officer", "GET", "/officers/needs/{}"),
    ("officer", "POST", "/officers/needs/{}/publish"),
    ("officer", "GET", "/officers/queue/proposal/{}"),
    ("officer", "POST", "/officers/queue/pledge/{}/approve"),
    ("officer", "GET", "/officers/matches/{}"),
    ("officer", "POST", "/officers/matches/{}/end"),
    ("officer", "GET", "/officers/remedial-plans/{}"),
    ("officer", "GET", "/officers/digests/partners/{}"),
    ("officer", "GET", "/needs/{}"),
    ("officer", "GET", "/offers/{}"),
    ("group", "GET", "/my-needs/{}"),
    ("group", "POST", "/my-needs/{}/close"),
    ("group", "POST", "/account/api-tokens/{}/revoke"),
]


@pytest.mark.parametrize("number", [TOO_BIG, 2**63, 10**30])
def test_an_id_beyond_the_database_integer_range_is_not_found(app, officer, group, number):
    clients = {"officer": officer, "group": group}
    tried = 0
    for who, method, path in ID_ROUTES:
        url = path.format(number)
        if method == "GET":
            response = clients[who].get(url)
        else:
            response = clients[who].post(url, data={"csrf_token": csrf_token(clients[who], "/account")})
        assert response.status_code in (400, 404), f"{method} {url}: {response.status_code}"
        tried += 1
    assert tried == len(ID_ROUTES)


def test_the_largest_real_id_still_routes(app, officer):
    assert officer.get(f"/officers/needs/{TOO_BIG - 1}").status_code == 404
    with app.app_context():
        need_id = make_need().id
    assert officer.get(f"/officers/needs/{need_id}").status_code == 200


def test_bulk_approve_and_queue_filters_with_huge_ids_are_harmless(app, officer):
    token = csrf_token(officer, "/officers/queue")
    response = officer.post(
        "/officers/queue/approve", data={"csrf_token": token, "selected": [f"proposal:{TOO_BIG}", f"pledge:{10**30}"]}
    )
    assert response.status_code == 302
    assert officer.get(f"/officers/queue?supplier={TOO_BIG}").status_code == 200
    assert officer.get(f"/officers/queue?supplier={10**30}&page={10**30}").status_code == 200
    assert count(app, Match) == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"title": "\\ud800", "description": "x"}',
        '{"title": "Food", "description": "\\udfff sorting"}',
        '{"title": "Food", "description": "x", "wards": ["\\ud800"]}',
        '{"\\ud800": 1}',
    ],
)
def test_a_lone_surrogate_sent_to_the_api_is_a_clear_problem(app, client, group_token, body):
    data = {**API_NEED, **json.loads(body)}
    response = client.post(
        "/api/v1/needs",
        data=json.dumps(data),  # ensure_ascii keeps the surrogate escaped, as an attacker would send it
        headers={**group_token, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"
    assert count(app, Need) == 0


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_bad_request(app, client, group_token, depth):
    response = client.post(
        "/api/v1/needs",
        data='{"title": ' + "[" * depth + "]" * depth + "}",
        headers={**group_token, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


@pytest.fixture
def proposal_without_quantity(app):
    with app.app_context():
        supplier = make_organisation(kind=OrganisationKind.SUPPLIER)
        offer = make_offer(make_contract(supplier), quantity=None, unit=None)
        need = make_need()
        proposal = Proposal(need=need, offer=offer, rank=1, score=0.9, components={}, reason="Close")
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


@pytest.mark.parametrize("amount", ["999999999999.99", "1e12", "99999999999999999999", "1e400"])
def test_a_huge_approval_amount_is_a_field_error(app, officer, proposal_without_quantity, amount):
    """An offer with no set amount has nothing to take from: an amount on it used to pile up in `allocated` until
    the column overflowed (a 500 on PostgreSQL at the second approval)."""
    url = f"/officers/queue/proposal/{proposal_without_quantity}"
    response = post_form(officer, f"{url}/approve", {"quantity": amount}, form_url=url)
    assert response.status_code == 200
    assert len(error_messages(response)) == 1
    assert count(app, Match) == 0


def test_a_huge_approval_amount_through_the_api_is_a_field_problem(app, client, proposal_without_quantity):
    with app.app_context():
        headers = bearer(make_user(Role.OFFICER))
    for amount in ("1e400", 10**30, 999_999_999_999):
        response = client.post(
            f"/api/v1/proposals/{proposal_without_quantity}/approve",
            data=f'{{"quantity": {amount}}}',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.get_data(as_text=True)
        assert "quantity" in response.get_json()["errors"]
    assert count(app, Match) == 0


# Finding 8: one limit for every path, stated in the OpenAPI document ------------------------------------------------


def test_the_api_holds_a_description_to_the_forms_limit(app, client, group_token):
    too_long = {**API_NEED, "description": "x" * (DESCRIPTION_MAX + 1)}
    response = client.post("/api/v1/needs", json=too_long, headers=group_token)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"description": [f"Must be {DESCRIPTION_MAX} characters or fewer"]}
    response = client.post("/api/v1/needs", json={**too_long, "description": "x" * 1_000_000}, headers=group_token)
    assert response.status_code in (413, 422)
    assert count(app, Need) == 0
    response = client.post(
        "/api/v1/needs", json={**API_NEED, "description": "x" * DESCRIPTION_MAX}, headers=group_token
    )
    assert response.status_code == 201


def test_the_form_and_the_csv_import_hold_the_same_limit(app, group, officer):
    response = post_form(group, "/my-needs/new", {**NEED_FORM, "description": "x" * (DESCRIPTION_MAX + 1)})
    assert response.status_code == 200 and error_messages(response)
    with app.app_context():
        make_organisation("Kilburn Food Bank")
    response = _upload(
        officer,
        f"{NEED_HEADER}\nN-1,Kilburn Food Bank,Food,{'x' * (DESCRIPTION_MAX + 1)},good-jobs,Kilburn,volunteering,,,\n",
    )
    assert f"{DESCRIPTION_MAX} characters or fewer" in text_of(response)
    assert count(app, Need) == 0


def test_the_openapi_document_states_every_limit(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("NeedCreate", "NeedInput", "OfferCreate", "OfferInput"):
        properties = schemas[name]["properties"]
        assert properties["title"]["maxLength"] == TITLE_MAX, name
        assert properties["description"]["maxLength"] == DESCRIPTION_MAX, name
        assert properties["quantity"]["maximum"] < 10**12, name
        for tag_list in ("priorities", "wards", "support_types"):
            assert "maxItems" in properties[tag_list], (name, tag_list)
            assert "maxLength" in properties[tag_list]["items"], (name, tag_list)
    assert schemas["RejectInput"]["properties"]["reason_text"]["maxLength"] == 2000
    # Every string the API reads has a stated limit (enums are limited by their values).
    for name, schema in schemas.items():
        if not name.endswith(("Input", "Create", "Args")):
            continue
        for field, spec in schema.get("properties", {}).items():
            if spec.get("type") == "string" and "enum" not in spec and "format" not in spec:
                assert "maxLength" in spec, f"{name}.{field} has no maxLength"


def test_a_need_at_the_limits_is_accepted_on_every_path(app, client, group, group_token, officer):
    title = "T" * TITLE_MAX
    assert client.post("/api/v1/needs", json={**API_NEED, "title": title}, headers=group_token).status_code == 201
    assert post_form(group, "/my-needs/new", {**NEED_FORM, "title": title}).status_code == 302
    assert count(app, Need) == 2
    with app.app_context():
        assert {n.title for n in db.session.scalars(select(Need))} == {title}


def test_every_form_has_the_character_check(app):
    """A form that subclassed FlaskForm directly would skip the check: every form of the app's is a base_form.Form."""
    from flask_wtf import FlaskForm

    from matchmaker.web.base_form import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = {c for c in subclasses(FlaskForm) if c.__module__.startswith("matchmaker.") and c is not Form}
    assert len(forms) > 30
    assert sorted(c.__name__ for c in forms if not issubclass(c, Form)) == []


# Numbers in forms and query strings: "²" is a digit to str.isdigit() but not to int(), and 2^31 overflows the
# database; both used to reach int() or the database.

NUMBERS = ["²", "٣", str(TOO_BIG), "9" * 40]


@pytest.mark.parametrize("number", NUMBERS)
def test_page_and_year_numbers_in_query_strings_are_harmless(officer, number):
    for url in ("/officers/matches?page={}", "/officers/contracts?page={}", "/impact/annual-report?year={}"):
        assert officer.get(url.format(number)).status_code == 200, url


@pytest.mark.parametrize("number", NUMBERS)
def test_a_measure_chosen_in_a_form_that_cannot_be_an_id_is_refused_or_ignored(app, number):
    from tests.helpers.personas import build_world

    world = build_world(app)
    supplier, ids = world.clients["supplier"], world.url_values
    match_url = f"/my-matches/{ids['match_id']}"
    today = date.today()
    report = {
        "quantity": "1",
        "delivered_on": [str(today.day), str(today.month), str(today.year)],
        "measure": number,
    }
    response = post_form(supplier, f"{match_url}/deliveries", report, form_url=match_url)
    assert response.status_code in (200, 302)
    prefix = f"measure-{ids['delivery_id']}"
    response = post_form(
        supplier,
        f"{match_url}/deliveries/{ids['delivery_id']}/measure",
        {f"{prefix}-measure": number},
        form_url=match_url,
    )
    assert response.status_code in (200, 302)
    offer = {"title": "Mentoring", "description": "Staff time.", "priorities": "good-jobs", "wards": "E05013515"}
    offer |= {"support_types": "volunteering", "measure": number}
    url = f"/contracts/{ids['contract_id']}/offers/new"
    assert post_form(supplier, url, offer).status_code in (200, 302)
