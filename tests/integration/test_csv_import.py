"""Importing needs and offers from CSV files: `matchmaker import needs|offers FILE` and the officers' upload page."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Contract,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
)
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

NEED_HEADER = "ref,organisation,title,description,priorities,wards,support_types,quantity,unit,needed_by"
OFFER_HEADER = (
    "ref,supplier,contract_ref,contract_value,title,description,priorities,wards,support_types,"
    "quantity,unit,available_until"
)
LATER = (date.today() + timedelta(days=60)).isoformat()
NEEDS_FILE = [
    f"N-1,kilburn food bank,Volunteers to sort food,Sorting donations on Saturdays,good-jobs;3,Kilburn,volunteering,20,hours,{LATER}",
    "N-2,Harlesden Hope,A room for a youth club,Somewhere warm on Tuesdays,vcse-capacity,Harlesden & Kensal Green,space,,,",
]
OFFERS_FILE = [
    f"O-1,Brentside Builders Ltd,BC-100,250000,Staff volunteering days,Two days a year,good-jobs,borough-wide,volunteering,200,hours,{LATER}",
    "O-2,Brentside Builders Ltd,BC-100,250000,Apprenticeships,Three places,1,Wembley Park;Alperton,employment,3,places,",
]


def csv_file(tmp_path, header: str, *lines: str, name: str = "import.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run(runner, kind: str, path, *options: str):
    return runner.invoke(args=["import", kind, str(path), *options])


@pytest.fixture
def food_bank(app):
    with app.app_context():
        return make_organisation("Kilburn Food Bank").id


# Needs from the command line ----------------------------------------------------------------------------------


def test_import_creates_open_needs_and_the_organisations_it_does_not_know(app, runner, tmp_path, food_bank):
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, *NEEDS_FILE))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "  [2/2] rows written",
        "row 3: organisation 'Harlesden Hope' is not registered: created as a VCSE or community group, approved, "
        "with no members yet",
        "Imported needs: 2 created, 0 updated, 0 unchanged.",
    ]
    with app.app_context():
        first, second = db.session.scalars(select(Need).order_by(Need.ref))
        assert (first.ref, first.organisation_id, first.status, first.amount) == (
            "N-1",
            food_bank,
            NeedStatus.OPEN,
            "20 hours",
        )
        assert [p.slug for p in first.priorities] == ["good-jobs", "reducing-inequalities"]
        assert first.published_at is not None and first.needed_by.isoformat() == LATER
        assert [w.name for w in second.wards] == ["Harlesden and Kensal Green"]
        hope = second.organisation
        assert (hope.name, hope.kind, hope.status, hope.borough_wide) == (
            "Harlesden Hope",
            OrganisationKind.VCSE,
            OrganisationStatus.APPROVED,
            True,
        )
        assert (hope.contact_name, hope.contact_email) == ("Imported", app.config["SUPPORT_EMAIL"])
        moves = db.session.execute(
            select(AuditEvent.from_state, AuditEvent.to_state)
            .where(AuditEvent.action == "need.status", AuditEvent.subject_id == first.id)
            .order_by(AuditEvent.id)
        ).all()
        assert moves == [("draft", "awaiting_moderation"), ("awaiting_moderation", "open")]


def test_importing_again_updates_by_ref_and_never_duplicates(app, runner, tmp_path, food_bank):
    path = csv_file(tmp_path, NEED_HEADER, *NEEDS_FILE)
    assert run(runner, "needs", path).exit_code == 0
    with app.app_context():
        need = db.session.scalar(select(Need).where(Need.ref == "N-1"))
        need.recurring = True  # set on the website; not in the file
        db.session.commit()

    again = run(runner, "needs", path)
    assert again.exit_code == 0, again.output
    assert "Imported needs: 0 created, 0 updated, 2 unchanged." in again.stdout

    changed = csv_file(
        tmp_path, NEED_HEADER, NEEDS_FILE[0].replace("Volunteers to sort food", "Sorters"), NEEDS_FILE[1]
    )
    result = run(runner, "needs", changed)
    assert "Imported needs: 0 created, 1 updated, 1 unchanged." in result.stdout
    with app.app_context():
        assert count(Need) == 2 and count(Organisation) == 2
        need = db.session.scalar(select(Need).where(Need.ref == "N-1"))
        assert (need.title, need.recurring, need.status) == ("Sorters", True, NeedStatus.OPEN)


def test_a_dry_run_checks_and_counts_but_writes_nothing(app, runner, tmp_path, food_bank):
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, *NEEDS_FILE), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "organisation 'Harlesden Hope' is not registered: would be created" in result.stdout
    assert (
        result.stdout.splitlines()[-1]
        == "Checked needs (dry run, nothing written): 2 to create, 0 to update, 0 unchanged."
    )
    assert "rows written" not in result.stdout
    with app.app_context():
        assert (count(Need), count(Organisation), count(AuditEvent)) == (0, 1, 0)


def test_one_bad_row_stops_the_whole_file_and_every_error_is_listed(app, runner, tmp_path, food_bank):
    path = csv_file(
        tmp_path,
        NEED_HEADER,
        NEEDS_FILE[0],
        "N-3,Kilburn Food Bank,,Text,jobs,Kilburn,volunteering,,,",
        "N-4,Kilburn Food Bank,Title,Text,good-jobs,Kilbrun,volunteering,5,,",
        NEEDS_FILE[1],
        "N-5,Kilburn Food Bank,Tins,Text,good-jobs,Kilburn,volunteering,,,2024-01-01",
    )
    result = run(runner, "needs", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "row 3, column title: the title is missing",
        "row 3, column priorities: 'jobs' is not a priority: use good-jobs, inclusive-economy, reducing-inequalities, "
        "environment, vcse-capacity, or the numbers 1 to 5",
        "row 4, column wards: 'Kilbrun' is not a Brent ward (did you mean Kilburn?): name wards (like Kilburn or "
        "E05013503), separated by ;, or write borough-wide",
        "row 4, column unit: the unit is missing: a quantity needs a unit (hours, people, items, pounds, days, places)",
        "row 6, column needed_by: 2024-01-01 is in the past",  # found against the database, alongside the rest
        "Nothing was imported: 5 problems found in import.csv.",
    ]
    with app.app_context():
        assert (count(Need), count(Organisation)) == (0, 1)


def test_needed_by_in_the_past_is_refused_unless_it_is_already_the_needs_date(app, runner, tmp_path, food_bank):
    with app.app_context():
        make_need(
            db.session.get(Organisation, food_bank),
            status=NeedStatus.EXPIRED,
            ref="N-OLD",
            title="Old need",
            description="Long gone",
            needed_by=date(2024, 1, 1),
        )
    old = "N-OLD,Kilburn Food Bank,Old need,Long gone,good-jobs,Kilburn,volunteering,,,2024-01-01"
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, old, old.replace("N-OLD", "N-NEW")))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "row 3, column needed_by: 2024-01-01 is in the past"
    assert (
        "Imported needs: 0 created, 0 updated, 1 unchanged."
        in run(runner, "needs", csv_file(tmp_path, NEED_HEADER, old)).stdout
    )


def test_a_close_name_is_matched_to_the_existing_organisation_and_reported(app, runner, tmp_path):
    with app.app_context():
        larder = make_organisation("Kensal Rise Community Larder CIC").id
    line = "L-1,Kensal Rise Community Larder,Tins,Tinned food,good-jobs,Kilburn,in-kind,,,"
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, line))
    assert result.exit_code == 0, result.output
    assert (
        "row 2: 'Kensal Rise Community Larder' matched to existing organisation 'Kensal Rise Community Larder CIC'"
        in result.stdout.splitlines()
    )
    with app.app_context():
        assert db.session.scalar(select(Need.organisation_id)) == larder and count(Organisation) == 1


@pytest.mark.parametrize(
    "name, status, kind, message",
    [
        (
            "Brentside Builders Ltd",
            OrganisationStatus.APPROVED,
            OrganisationKind.SUPPLIER,
            "'Brentside Builders Ltd' is a supplier, not a VCSE or community group",
        ),
        (
            "Queensbury Carers Circle",
            OrganisationStatus.PENDING,
            OrganisationKind.VCSE,
            "'Queensbury Carers Circle' is awaiting approval: approve it before importing its needs",
        ),
        (
            "Closed Club",
            OrganisationStatus.REJECTED,
            OrganisationKind.VCSE,
            "'Closed Club' was rejected: correct the name, or ask an administrator",
        ),
    ],
)
def test_an_organisation_that_cannot_have_needs_is_a_row_error(app, runner, tmp_path, name, status, kind, message):
    with app.app_context():
        make_organisation(name, kind=kind, status=status)
    line = f"N-1,{name},Help,Text,good-jobs,Kilburn,volunteering,,,"
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, line, line.replace("N-1", "N-2")))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"row 2, column organisation: {message}",
        f"row 3, column organisation: {message}",
    ]


def test_imports_are_not_held_to_the_live_needs_limit(app, runner, tmp_path, food_bank):
    with app.app_context():
        org = db.session.get(Organisation, food_bank)
        for _ in range(app.config["MAX_LIVE_NEEDS"]):
            make_need(org)
    lines = [f"N-{i},Kilburn Food Bank,Need {i},Text,good-jobs,Kilburn,volunteering,,," for i in range(3)]
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, *lines))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Need, Need.status == NeedStatus.OPEN) == app.config["MAX_LIVE_NEEDS"] + 3


def test_a_ref_of_digits_finds_the_need_with_that_number_and_no_ref(app, runner, tmp_path, food_bank):
    with app.app_context():
        need_id = make_need(db.session.get(Organisation, food_bank), title="Old title").id
    line = f"{need_id},Kilburn Food Bank,New title,Text,good-jobs,Kilburn,volunteering,,,"
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, line))
    assert "Imported needs: 0 created, 1 updated, 0 unchanged." in result.stdout, result.output
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert (need.title, need.ref, count(Need)) == ("New title", None, 1)

    unknown = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, line.replace(str(need_id), "999999", 1)))
    assert unknown.exit_code == 1
    assert unknown.stderr.splitlines()[0] == (
        "row 2, column ref: there is no need number 999999: a new need's reference "
        "must have a letter in it, like N-999999"
    )


def test_a_need_cannot_move_to_another_organisation(app, runner, tmp_path, food_bank):
    path = csv_file(tmp_path, NEED_HEADER, NEEDS_FILE[0])
    assert run(runner, "needs", path).exit_code == 0
    result = run(
        runner, "needs", csv_file(tmp_path, NEED_HEADER, NEEDS_FILE[0].replace("kilburn food bank", "Other Group"))
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "row 2, column organisation: need N-1 belongs to 'Kilburn Food Bank': "
        "a need cannot move to another organisation"
    )
    with app.app_context():
        assert count(Organisation) == 1


def test_long_imports_show_progress(app, runner, tmp_path, food_bank):
    lines = [f"N-{i},Kilburn Food Bank,Need {i},Text,good-jobs,Kilburn,volunteering,,," for i in range(250)]
    result = run(runner, "needs", csv_file(tmp_path, NEED_HEADER, *lines))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "  [100/250] rows written",
        "  [200/250] rows written",
        "  [250/250] rows written",
        "Imported needs: 250 created, 0 updated, 0 unchanged.",
    ]


# Files that cannot be read ----------------------------------------------------------------------------------


def _sparse(path, size: int):
    with path.open("wb") as f:
        f.seek(size - 1)
        f.write(b"\n")
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: csv_file(p, NEED_HEADER.replace(",title", ""), "x"), "The header is missing columns: title"),
        (
            lambda p: csv_file(p, NEED_HEADER, NEEDS_FILE[0].replace("kilburn", "Café"), encoding="latin-1"),
            "The file is not UTF-8 encoded: save it as 'CSV UTF-8' and try again",
        ),
        (lambda p: csv_file(p, ""), "The file is empty"),
        (lambda p: _sparse(p / "big.csv", 50 * 1024 * 1024), "The file is larger than 10 MB"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(app, runner, tmp_path, make, message):
    result = run(runner, "needs", make(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == message
    assert result.stderr.splitlines()[-1].startswith("Nothing was imported: ")
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


# Offers ------------------------------------------------------------------------------------------------------


@pytest.fixture
def builders(app):
    with app.app_context():
        return make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER).id


def test_offers_are_imported_under_a_contract_created_for_them(app, runner, tmp_path, builders):
    result = run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, *OFFERS_FILE))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        f"row 2: contract BC-100 is not recorded: created for 'Brentside Builders Ltd', worth £250000, running for a "
        f"year from today and managed by {app.config['SUPPORT_EMAIL']}: correct its title, dates and manager"
    )
    assert result.stdout.splitlines()[-1] == "Imported offers: 2 created, 0 updated, 0 unchanged."
    with app.app_context():
        contract = db.session.scalar(select(Contract))
        assert (contract.ref, contract.title, contract.supplier_id, contract.value) == (
            "BC-100",
            "BC-100",
            builders,
            250000,
        )
        assert (contract.start_date, contract.manager_email) == (date.today(), app.config["SUPPORT_EMAIL"])
        first, second = db.session.scalars(select(Offer).order_by(Offer.ref))
        assert (first.borough_wide, first.quantity, first.available_until.isoformat()) == (True, 200, LATER)
        assert sorted(w.name for w in second.wards) == ["Alperton", "Wembley Park"]

    again = run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, *OFFERS_FILE))
    assert again.stdout.splitlines() == ["Imported offers: 0 created, 0 updated, 2 unchanged."]


def test_a_new_contract_value_updates_the_contract(app, runner, tmp_path, builders):
    assert run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, *OFFERS_FILE)).exit_code == 0
    raised = [line.replace(",250000,", ",300000.50,") for line in OFFERS_FILE]
    result = run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, *raised))
    assert result.stdout.splitlines() == [
        "  [2/2] rows written",
        "row 2: contract BC-100's value changed from £250000 to £300000.5",
        "Imported offers: 0 created, 2 updated, 0 unchanged.",
    ]
    with app.app_context():
        assert db.session.scalar(select(Contract.value)) == Decimal("300000.50") and count(Contract) == 1


def test_a_contract_held_by_another_supplier_is_a_row_error(app, runner, tmp_path, builders):
    with app.app_context():
        make_contract(make_organisation("Other Ltd", kind=OrganisationKind.SUPPLIER), ref="BC-100")
    result = run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, OFFERS_FILE[0]))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "row 2, column contract_ref: contract BC-100 is held by 'Other Ltd', not 'Brentside Builders Ltd'"
    )


def test_an_offer_cannot_promise_less_than_it_has_allocated(app, runner, tmp_path, builders):
    with app.app_context():
        contract = make_contract(db.session.get(Organisation, builders), ref="BC-100", value=250000)
        make_offer(contract, ref="O-1", quantity=200, allocated=150)
    result = run(runner, "offers", csv_file(tmp_path, OFFER_HEADER, OFFERS_FILE[0].replace(",200,", ",100,")))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "row 2, column quantity: 150 of offer O-1 is already allocated: the quantity cannot be less than that"
    )


def test_a_vcse_named_as_a_supplier_is_a_row_error(app, runner, tmp_path, food_bank):
    result = run(
        runner,
        "offers",
        csv_file(tmp_path, OFFER_HEADER, OFFERS_FILE[0].replace("Brentside Builders Ltd", "Kilburn Food Bank")),
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "row 2, column supplier: 'Kilburn Food Bank' is a VCSE or community group, not a supplier"
    )


# The upload page ---------------------------------------------------------------------------------------------


@pytest.fixture
def officer(app, client):
    with app.app_context():
        sign_in(client, make_user(Role.OFFICER))
    return client


def post_file(client, data: bytes, fields: dict):
    """Posts a multipart form built in memory (the test client would spool a large one to an unclosed temp file)."""
    boundary, body = encode_multipart(
        {**fields, "file": FileStorage(io.BytesIO(data), "needs.csv", content_type="text/csv")}
    )
    return client.post("/officers/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload(client, data: bytes, kind: str = "needs", dry_run: bool = False):
    fields = {"kind": kind, "csrf_token": csrf_token(client, "/officers/import")}
    if dry_run:
        fields["dry_run"] = "y"
    return post_file(client, data, fields)


def _bytes(header: str, *lines: str) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def test_an_officer_imports_a_file_and_sees_what_happened(app, officer, food_bank):
    page = officer.get("/officers/import")
    assert page.status_code == 200 and "Import needs or offers" in text_of(page)
    response = upload(officer, _bytes(NEED_HEADER, *NEEDS_FILE))
    assert response.status_code == 200
    text = text_of(response)
    assert "Imported needs: 2 created, 0 updated, 0 unchanged." in text
    assert "organisation 'Harlesden Hope' is not registered: created" in text
    with app.app_context():
        assert count(Need, Need.status == NeedStatus.OPEN) == 2
        actor = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.created")).actor
        assert actor.role is Role.OFFICER


def test_the_upload_page_lists_the_same_errors_and_imports_nothing(app, officer, food_bank):
    response = upload(
        officer, _bytes(NEED_HEADER, NEEDS_FILE[0], "N-2,Kilburn Food Bank,,Text,jobs,Kilburn,volunteering,,,")
    )
    assert response.status_code == 200
    assert error_messages(response) == ["The file has 2 problems: nothing was imported"]
    text = text_of(response)
    assert "Row Column Problem 3 title the title is missing 3 priorities 'jobs' is not a priority" in text
    assert "Nothing was imported" in text
    with app.app_context():
        assert count(Need) == 0


def test_the_upload_page_dry_run(app, officer, food_bank):
    response = upload(officer, _bytes(NEED_HEADER, *NEEDS_FILE), dry_run=True)
    assert "Checked needs (dry run, nothing written): 2 to create, 0 to update, 0 unchanged." in text_of(response)
    with app.app_context():
        assert count(Need) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty"),
        (
            _bytes(NEED_HEADER, NEEDS_FILE[0].replace("kilburn", "Café")).decode().encode("latin-1"),
            "The file is not UTF-8 encoded: save it as 'CSV UTF-8' and try again",
        ),
        (
            _bytes("ref,title", "x,y"),
            "The header is missing columns: organisation, description, priorities, wards, support_types",
        ),
    ],
)
def test_the_upload_page_explains_a_file_it_cannot_read(app, officer, data, message):
    response = upload(officer, data)
    assert response.status_code == 200
    assert error_messages(response)[0] == message


def test_a_50mb_upload_gets_the_import_pages_own_message(app, officer):
    response = upload(officer, b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert error_messages(response) == ["The file is larger than 10 MB"]
    assert "Import needs or offers" in text_of(response)


def test_a_file_just_over_the_limit_is_refused_by_the_import(app, officer):
    response = upload(officer, b"x" * (app.config["MAX_IMPORT_BYTES"] + 1))
    assert response.status_code == 200
    assert error_messages(response) == ["The file is larger than 10 MB"]


def test_the_upload_page_asks_for_a_kind_and_a_file(app, officer):
    response = post_form(officer, "/officers/import", {})
    assert error_messages(response) == ["Select what the file contains", "Select a CSV file to import"]


@pytest.mark.parametrize("role", [Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER])
def test_only_officers_may_import(app, client, role):
    with app.app_context():
        sign_in(client, make_user(role))
    assert client.get("/officers/import").status_code == 403
    big = post_file(client, b"x" * (12 * 1024 * 1024), {"kind": "needs"})
    assert big.status_code == 413 and "Import needs or offers" not in text_of(big)
    anonymous = app.test_client().get("/officers/import")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("kind", ["needs", "offers"])
def test_the_upload_page_offers_templates_that_import_as_they_are(app, officer, kind):
    page = officer.get("/officers/import")
    assert f"Download the template for {kind} (CSV)" in text_of(page)
    link = re.search(rf'href="([^"]*kind={kind}[^"]*template=1[^"]*)"', page.get_data(as_text=True)).group(1)
    template = officer.get(unescape(link))
    assert template.headers["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    header, example, *rest = template.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rest == [] and header.startswith("ref,")
    checked = upload(officer, template.get_data(), kind=kind, dry_run=True)
    assert error_messages(checked) == []
    assert f"Checked {kind} (dry run, nothing written): 1 to create, 0 to update" in text_of(checked)
    with app.app_context():
        assert count(Need) == 0  # only checked
