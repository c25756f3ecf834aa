"""Exporting needs, offers and contracts: the same columns as the import, so an export re-imports unchanged."""

import csv
import io
import json
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Need, NeedStatus, Offer, OfferStatus, OrganisationKind, Role, Unit
from matchmaker.services.csv_columns import CONTRACTS, NEEDS, OFFERS
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation, make_user
from tests.helpers.web import sign_in, text_of


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def export(runner, *args: str):
    result = runner.invoke(args=["export", *args])
    assert result.exit_code == 0, result.output
    return result


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.fixture
def borough(app):
    """Needs and offers of every shape, built directly (so without refs), in several statuses."""
    with app.app_context():
        group = make_organisation("Kilburn Food Bank")
        make_need(
            group,
            title="Sorting volunteers",
            priorities=("good-jobs", "environment"),
            wards=("Kilburn", "Cricklewood and Mapesbury"),
            support_types=("volunteering", "in-kind"),
            quantity=20,
            unit=Unit.HOURS,
        )
        make_need(
            group,
            title='=HYPERLINK("http://evil.example")',
            description="- a list\n- of things",
            borough_wide=True,
            needed_by=None,
            support_types=("space",),
        )
        make_need(group, title="A draft", status=NeedStatus.DRAFT, priorities=("vcse-capacity",))
        make_need(group, title="Long gone", status=NeedStatus.EXPIRED, needed_by=date(2024, 1, 1))
        make_need(
            make_organisation("Café Harlesden"),
            title="Coffee for the lunch club",
            ref="N-CAFE",
            wards=("Harlesden and Kensal Green",),
            quantity=7.5,
            unit=Unit.ITEMS,
        )
        builders = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        contract = make_contract(builders, ref="BC-100", value=250000)
        make_offer(
            contract,
            title="Staff volunteering",
            quantity=200,
            allocated=50,
            available_until=date.today() + timedelta(days=90),
            borough_wide=True,
        )
        make_offer(contract, title="Apprenticeships", quantity=None, ref="O-APP", support_types=("employment",))
        make_offer(
            make_contract(builders, ref="BC-200", value=1500000.5), title="Withdrawn", status=OfferStatus.WITHDRAWN
        )


# The command line ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, model, total", [("needs", Need, 5), ("offers", Offer, 3)])
def test_a_csv_export_re_imports_unchanged(app, runner, tmp_path, borough, kind, model, total):
    path = tmp_path / f"{kind}.csv"
    result = export(runner, kind, "--output", str(path))
    assert result.stderr.splitlines() == [
        f"  [{total}/{total}] rows exported",
        f"Exported {total} {kind} as CSV to {path}.",
    ]
    again = runner.invoke(args=["import", kind, str(path)])
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [f"Imported {kind}: 0 created, 0 updated, {total} unchanged."]
    with app.app_context():
        assert count(model) == total


def test_exported_needs_have_exactly_the_import_columns(app, runner, borough):
    text = export(runner, "needs").stdout
    assert text.splitlines()[0] == ",".join(NEEDS.columns)
    rows = {row["title"].lstrip("'"): row for row in rows_of(text)}
    with app.app_context():
        first = db.session.scalar(select(Need).where(Need.title == "Sorting volunteers"))
    assert rows["Sorting volunteers"] == {
        "ref": str(first.id),
        "organisation": "Kilburn Food Bank",
        "title": "Sorting volunteers",
        "description": "We would welcome help from a local business.",
        "priorities": "good-jobs;environment",
        "wards": "E05013499;E05013503",
        "support_types": "volunteering;in-kind",
        "quantity": "20",
        "unit": "hours",
        "needed_by": first.needed_by.isoformat(),
    }
    assert rows["Coffee for the lunch club"]["ref"] == "N-CAFE"
    assert rows["Coffee for the lunch club"]["quantity"] == "7.5"
    guarded = rows['=HYPERLINK("http://evil.example")']
    assert guarded["title"] == '\'=HYPERLINK("http://evil.example")'  # a spreadsheet shows it as text
    assert guarded["description"] == "'- a list\n- of things"
    assert (guarded["wards"], guarded["needed_by"], guarded["quantity"], guarded["unit"]) == (
        "borough-wide",
        "",
        "",
        "",
    )


def test_exported_offers_and_contracts(app, runner, borough):
    offers = rows_of(export(runner, "offers").stdout)
    assert list(offers[0]) == list(OFFERS.columns)
    apprenticeships = next(r for r in offers if r["title"] == "Apprenticeships")
    assert {
        k: apprenticeships[k] for k in ("ref", "supplier", "contract_ref", "contract_value", "quantity", "unit")
    } == {
        "ref": "O-APP",
        "supplier": "Brentside Builders Ltd",
        "contract_ref": "BC-100",
        "contract_value": "250000",
        "quantity": "",
        "unit": "",
    }

    contracts = rows_of(export(runner, "contracts").stdout)
    assert list(contracts[0]) == list(CONTRACTS.columns)
    assert [(c["ref"], c["supplier"], c["value"]) for c in contracts] == [
        ("BC-100", "Brentside Builders Ltd", "250000"),
        ("BC-200", "Brentside Builders Ltd", "1500000.5"),
    ]
    assert contracts[0]["start_date"] == date.today().isoformat()
    assert contracts[0]["manager_email"] == "contracts@brent.example.org"


def test_json_is_a_list_of_objects_with_the_same_columns_and_values(app, runner, borough):
    listed = json.loads(export(runner, "needs", "--format", "json").stdout)
    from_csv = rows_of(export(runner, "needs").stdout)
    assert [list(row) for row in listed] == [list(NEEDS.columns)] * 5
    # The same values; only the CSV guards cells a spreadsheet would take for formulas.
    assert listed == [
        {k: v[1:] if v.startswith("'=") or v.startswith("'-") else v for k, v in row.items()} for row in from_csv
    ]


def test_export_filters_as_the_lists_do(app, runner, borough):
    def titles(*options: str) -> set[str]:
        return {row["title"] for row in rows_of(export(runner, "needs", *options).stdout)}

    assert titles("--status", "draft") == {"A draft"}
    assert titles("--priority", "5") == {"A draft"}
    assert titles("--status", "open", "--ward", "cricklewood & mapesbury") == {
        "Sorting volunteers",
        '\'=HYPERLINK("http://evil.example")',
    }  # borough-wide is in every ward
    assert titles("--type", "in-kind", "--search", "sortng") == {"Sorting volunteers"}


@pytest.mark.parametrize(
    "options, message",
    [
        (["needs", "--ward", "Camden"], "There is no Brent ward 'Camden'"),
        (["needs", "--status", "lost"], "There is no need status 'lost'"),
        (["offers", "--priority", "jobs"], "There is no priority 'jobs'"),
        (["contracts", "--status", "open"], "Contracts are always exported whole: leave out the filters"),
    ],
)
def test_export_refuses_unknown_filters(app, runner, options, message):
    result = runner.invoke(args=["export", *options])
    assert result.exit_code == 2 and message in result.stderr


def test_an_export_to_a_file_written_as_utf8(app, runner, tmp_path, borough):
    path = tmp_path / "needs.json"
    export(runner, "needs", "--format", "json", "-o", str(path))
    assert "Café Harlesden" in path.read_text(encoding="utf-8")


# The download page ------------------------------------------------------------------------------------------------


@pytest.fixture
def officer(app, client):
    with app.app_context():
        sign_in(client, make_user(Role.OFFICER))
    return client


def test_officers_download_what_the_lists_show(app, officer, borough):
    response = officer.get("/officers/export?kind=needs&fmt=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="needs-{date.today().isoformat()}.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so Excel reads UTF-8
    listed = {row["title"] for row in rows_of(text)}
    assert listed == {"Sorting volunteers", '\'=HYPERLINK("http://evil.example")', "Coffee for the lunch club"}

    # The browse lists' own query arguments.
    filtered = officer.get("/officers/export?kind=needs&fmt=csv&priority=environment&ward=E05013503")
    assert {row["title"] for row in rows_of(filtered.get_data(as_text=True))} == {"Sorting volunteers"}
    assert "needs-filtered-" in filtered.headers["Content-Disposition"]

    everything = officer.get("/officers/export?kind=needs&fmt=json&status=all")
    assert everything.headers["Content-Type"] == "application/json"
    # Every status is no filter: the file is not named as a filtered one.
    assert everything.headers["Content-Disposition"] == f'attachment; filename="needs-{date.today().isoformat()}.json"'
    open_only = officer.get("/officers/export?kind=needs&fmt=csv&status=open")
    assert "needs-filtered-" in open_only.headers["Content-Disposition"]
    assert len(everything.get_json()) == 5

    offers = officer.get("/officers/export?kind=offers&fmt=csv")
    assert {row["title"] for row in rows_of(offers.get_data(as_text=True))} == {"Staff volunteering", "Apprenticeships"}


def test_a_download_re_imports_unchanged(app, officer, runner, tmp_path, borough):
    path = tmp_path / "offers.csv"
    path.write_bytes(officer.get("/officers/export?kind=offers&fmt=csv&status=all").data)
    result = runner.invoke(args=["import", "offers", str(path)])
    assert result.stdout.splitlines() == ["Imported offers: 0 created, 0 updated, 3 unchanged."], result.output


def test_the_download_page_lists_every_download(app, officer):
    page = officer.get("/officers/export")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Download needs, offers and contracts" in text_of(page)
    html = page.get_data(as_text=True)
    for link in (
        "kind=needs&amp;fmt=csv&amp;status=all",
        "kind=offers&amp;fmt=json&amp;status=all",
        "kind=contracts&amp;fmt=csv",
    ):
        assert link in html


@pytest.mark.parametrize(
    "query, status", [("kind=pledges", 404), ("kind=needs&fmt=xml", 404), ("kind=needs&status=lost", 400)]
)
def test_a_download_that_cannot_be_made(app, officer, query, status):
    assert officer.get(f"/officers/export?{query}").status_code == status


@pytest.mark.parametrize("role", [Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER])
def test_only_officers_may_download(app, client, role):
    with app.app_context():
        sign_in(client, make_user(role))
    assert client.get("/officers/export?kind=needs&fmt=csv").status_code == 403
    anonymous = app.test_client().get("/officers/export?kind=contracts&fmt=json")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")


def test_the_needs_lists_download_link_gives_what_the_list_shows(app, officer, borough):
    page = officer.get("/needs?priority=environment&q=sorting")
    link = re.search(r'href="([^"]+)">Download these results as CSV', page.get_data(as_text=True))
    assert link, "no download link on the needs list"
    download = officer.get(unescape(link.group(1)))
    assert download.status_code == 200
    assert [row["title"] for row in rows_of(download.get_data(as_text=True))] == ["Sorting volunteers"]
