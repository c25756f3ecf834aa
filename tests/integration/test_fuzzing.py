"""Property-based fuzzing of the main forms and the CSV import: whatever is sent, never a server error, and a
request that is refused writes nothing (no partial organisation, need, contract or import).

Examples are kept few (the whole suite runs on a 2-core machine); hypothesis remembers failing examples in
.hypothesis/ and tries them first next time.
"""

import io
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Contract, Need, Offer, Organisation, OrganisationKind, Role, User
from tests.helpers.builders import make_contract, make_officer, make_organisation, make_user
from tests.helpers.web import csrf_token, sign_in

FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a person (or an attacker) might type: anything printable, control characters, very long values, and
# values close to valid ones.
junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),  # dense in control characters
    st.text(alphabet=string.printable, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e999",
            "NaN",
            "£1,000,000.005",
            "31",
            "2",
            "2027",
            "29",
            "13",
            "x" * 6000,
            "<script>alert(1)</script>",
            "'; DROP TABLE need; --",
            "\x00",
            # The classes of issue 12: control characters, line breaks in one-line fields, huge numbers and
            # strings (surrogates cannot be sent in a form: a browser's UTF-8 cannot carry them).
            "Stone\x00bridge",
            "\x1b[31mred",
            "\x7f\x85\x9f",
            "Name\r\nBcc: attacker@example.com",
            "two\nlines",
            "\u2028",
            str(2**31),
            str(2**63),
            "9" * 40,
            "1e400",
            "x" * 100_000,
            "E05013515",
            "borough-wide",
            "good-jobs",
            "volunteering",
            "hours",
            "vcse",
            "supplier",
            "@",
            "a@b.c",
        ]
    ),
)
values = st.one_of(junk, st.lists(junk, max_size=3))


def _counts(app) -> tuple:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Organisation, User, Need, Contract, Offer, AuditEvent)
        )


def _post(client, url, data, form_url=None):
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})
    assert response.status_code < 500, f"{url} answered {response.status_code} to {data!r}"
    return response


def _refused(response) -> bool:
    """The form came back with errors (rather than a redirect after saving)."""
    return response.status_code != 302


def _fields(names, valid: dict | None = None):
    """Some of the fields, each junk; half the time laid over a valid submission, so that the junk gets past
    the form's checks into the services and the database."""
    junk_fields = st.fixed_dictionaries({}, optional={name: values for name in names})
    if valid is None:
        return junk_fields
    return st.one_of(junk_fields, junk_fields.map(lambda fields: {**valid, **fields}))


@pytest.fixture
def supplier_client(app):
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        contract_id = make_contract(supplier).id
    client = app.test_client()
    sign_in(client, email)
    return client, contract_id


@pytest.fixture
def group_client(app):
    with app.app_context():
        email = make_user(Role.GROUP_MEMBER).email
    client = app.test_client()
    sign_in(client, email)
    return client


REGISTRATION = [
    "kind",
    "name",
    "charity_number",
    "company_number",
    "wards",
    "description",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "address",
    "borough_wide",
    "full_name",
    "email",
    "password",
    "confirm_password",
    "not_a_duplicate",
]
TAGS = ["priorities", "wards", "support_types", "quantity", "unit", "borough_wide"]
NEED = ["title", "description", "needed_by", "recurring", "save_draft", "submit", *TAGS]
CONTRACT = ["ref", "title", "value", "start_date", "end_date", "manager_email"]
VALID_REGISTRATION = {
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
VALID_TAGS = {
    "priorities": "good-jobs",
    "wards": "E05013515",
    "support_types": "volunteering",
    "quantity": "10",
    "unit": "hours",
}
VALID_NEED = {
    "title": "Volunteers for the food bank",
    "description": "Sorting on Saturdays.",
    "needed_by": ["1", "6", "2030"],
    "save_draft": "Save as draft",
    **VALID_TAGS,
}
VALID_CONTRACT = {
    "ref": "BC-FUZZ-1",
    "title": "Street cleaning",
    "value": "500000",
    "start_date": ["1", "4", "2026"],
    "end_date": ["31", "3", "2029"],
    "manager_email": "manager@brent.example.org",
}
VALID_OFFER = {"title": "Volunteer days", "description": "Staff volunteering.", **VALID_TAGS}
OFFER = ["title", "description", "available_from", "available_until", *TAGS]


@FUZZ
@given(data=_fields(REGISTRATION, VALID_REGISTRATION))
def test_registration_never_fails_or_half_registers(app, data):
    client = app.test_client()
    before = _counts(app)
    response = _post(client, "/register", data)
    if _refused(response):
        assert _counts(app) == before


@FUZZ
@given(email=junk, password=junk)
def test_sign_in_never_fails(app, email, password):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    with app.app_context():
        from matchmaker.extensions import limiter

        limiter.reset()
    response = _post(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code != 302  # nobody is signed in by junk


@FUZZ
@given(data=_fields(NEED, VALID_NEED))
def test_the_need_form_never_fails_or_half_saves(app, group_client, data):
    before = _counts(app)
    response = _post(group_client, "/my-needs/new", data)
    if _refused(response):
        assert _counts(app) == before


@FUZZ
@given(data=_fields(CONTRACT, VALID_CONTRACT))
def test_the_contract_form_never_fails_or_half_saves(app, supplier_client, data):
    client, _ = supplier_client
    before = _counts(app)
    response = _post(client, "/contracts/new", data)
    if _refused(response):
        assert _counts(app) == before


@FUZZ
@given(data=_fields(OFFER, VALID_OFFER))
def test_the_offer_form_never_fails_or_half_saves(app, supplier_client, data):
    client, contract_id = supplier_client
    before = _counts(app)
    response = _post(client, f"/contracts/{contract_id}/offers/new", data)
    if _refused(response):
        assert _counts(app) == before


# The CSV import -------------------------------------------------------------------------------------------

NEED_COLUMNS = [
    "ref",
    "organisation",
    "title",
    "description",
    "priorities",
    "wards",
    "support_types",
    "quantity",
    "unit",
    "needed_by",
]
OFFER_COLUMNS = [
    "ref",
    "supplier",
    "contract_ref",
    "contract_value",
    "title",
    "description",
    "priorities",
    "wards",
    "support_types",
    "quantity",
    "unit",
    "available_until",
]
cell = st.one_of(
    junk,
    st.sampled_from(
        [
            "Roundwood Community Garden",
            "good-jobs;environment",
            "Kilburn;Harlesden",
            "in-kind",
            "2027-03-31",
            "2020-02-30",
            "12.5",
            "BC-1",
            "250000",
            "N-1",
        ]
    ),
)


@st.composite
def csv_files(draw):
    kind = draw(st.sampled_from(["needs", "offers"]))
    columns = draw(st.permutations(NEED_COLUMNS if kind == "needs" else OFFER_COLUMNS))
    columns = columns[: draw(st.integers(min_value=1, max_value=len(columns)))]
    rows = draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns) + 1), max_size=5))
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]  # cut off anywhere
    encoded = text.encode("utf-8")
    if draw(st.booleans()):
        encoded = draw(st.binary(max_size=20)) + encoded  # not UTF-8, or a BOM, or NUL bytes
    return kind, encoded


@pytest.fixture
def officer_client(app):
    with app.app_context():
        make_organisation("Roundwood Community Garden")
        email = make_officer().email
    client = app.test_client()
    sign_in(client, email)
    return client


@settings(FUZZ, max_examples=40)
@given(upload=csv_files())
def test_a_csv_import_is_all_or_nothing_and_never_fails(app, officer_client, upload):
    kind, content = upload
    before = _counts(app)
    response = _post(officer_client, "/officers/import", {"kind": kind, "file": (io.BytesIO(content), "upload.csv")})
    assert response.status_code == 200
    if "nothing was imported" in response.get_data(as_text=True) or "There is a problem" in response.get_data(
        as_text=True
    ):
        assert _counts(app) == before
