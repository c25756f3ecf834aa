"""Reading and checking needs and offers files, without a database: every kind of bad row, header and file."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from matchmaker.models import Unit
from matchmaker.services.csv_columns import NEEDS, OFFERS, format_decimal, protect, unprotect
from matchmaker.services.csv_parsing import EMPTY, NOT_UTF8, NeedRow, Vocabulary, parse_file

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MAX_BYTES = 10 * 1024 * 1024
NEED_HEADER = "ref,organisation,title,description,priorities,wards,support_types,quantity,unit,needed_by"
OFFER_HEADER = (
    "ref,supplier,contract_ref,contract_value,title,description,priorities,wards,support_types,"
    "quantity,unit,available_until"
)
GOOD_NEED = (
    "N-1,Kilburn Food Bank,Volunteers to sort food,Sorting donations on Saturdays,good-jobs,Kilburn,volunteering,,,"
)


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.build(
        priorities=[(int(r["number"]), r["slug"]) for r in _seed("priorities.csv")],
        wards=[(r["ons_code"], r["ward_name_council"], r["ward_name_ons"]) for r in _seed("wards.csv")],
        support_types=[r["slug"] for r in sorted(_seed("support_types.csv"), key=lambda r: int(r["position"]))],
    )


def needs(vocabulary, *lines: str, header: str = NEED_HEADER, encoding: str = "utf-8"):
    return parse_file(NEEDS, "\n".join([header, *lines]).encode(encoding), vocabulary, MAX_BYTES)


def errors_of(result) -> list[str]:
    return [str(e) for e in result[1]]


# Good rows ---------------------------------------------------------------------------------------------------


def test_a_good_row_becomes_plain_values(vocabulary):
    rows, errors = needs(
        vocabulary,
        'N-1,Kilburn Food Bank,Volunteers,"Sorting, packing; and more",1;environment,'
        "cricklewood & mapesbury;Harlesden and Kensal Green;E05013503,In Kind;skills,7.5,Hours,2099-03-31",
    )
    assert errors == []
    assert rows == [
        NeedRow(
            row=2,
            ref="N-1",
            organisation="Kilburn Food Bank",
            title="Volunteers",
            description="Sorting, packing; and more",
            tags=rows[0].tags,
            quantity=Decimal("7.5"),
            unit=Unit.HOURS,
            needed_by=date(2099, 3, 31),
        )
    ]
    tags = rows[0].tags
    assert tags.priorities == {"good-jobs", "environment"}
    assert tags.wards == {"E05013499", "E05013501", "E05013503"} and not tags.borough_wide
    assert tags.support_types == {"in-kind", "skills"}


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(vocabulary):
    rows, errors = needs(
        vocabulary,
        "Kilburn,N-1,Borough food,Help,good-jobs,Food Bank,donation",
        header=" Wards ,REF,title,description,priorities,organisation,support_types",
    )
    assert errors == []
    assert (rows[0].ref, rows[0].tags.wards, rows[0].quantity, rows[0].needed_by) == (
        "N-1",
        frozenset({"E05013503"}),
        None,
        None,
    )


def test_borough_wide_in_any_case(vocabulary):
    rows, errors = needs(vocabulary, GOOD_NEED.replace(",Kilburn,", ",Borough-Wide,"))
    assert errors == [] and rows[0].tags.borough_wide and rows[0].tags.wards == frozenset()


def test_a_utf8_byte_order_mark_and_windows_line_ends_are_fine(vocabulary):
    data = ("\ufeff" + NEED_HEADER + "\r\n" + GOOD_NEED.replace("Kilburn Food", "Café Kilburn") + "\r\n").encode()
    rows, errors = parse_file(NEEDS, data, vocabulary, MAX_BYTES)
    assert errors == [] and rows[0].organisation == "Café Kilburn Bank"


def test_row_numbers_are_the_spreadsheet_rows(vocabulary):
    """Blank rows count; a value spread over several lines is still one row."""
    result = needs(
        vocabulary,
        'N-1,Org,Title,"two\nlines",good-jobs,Kilburn,volunteering,,,',
        "",
        ",,,,,,,,,",
        "N-2,Org,Title,Text,bad,Kilburn,volunteering,,,",
    )
    assert errors_of(result)[0].startswith("row 5, column priorities: 'bad' is not a priority")


# Bad values: each reported as "row N, column C: what is wrong" -----------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": ""}, "row 2, column title: the title is missing"),
        ({"description": ""}, "row 2, column description: the description is missing"),
        ({"organisation": ""}, "row 2, column organisation: the organisation's name is missing"),
        ({"ref": ""}, "row 2, column ref: the reference is missing"),
        (
            {"title": "x" * 161},
            "row 2, column title: the title is 161 characters long: it must be 160 characters or fewer",
        ),
        (
            {"priorities": "jobs"},
            "row 2, column priorities: 'jobs' is not a priority: use good-jobs, inclusive-economy, "
            "reducing-inequalities, environment, vcse-capacity, or the numbers 1 to 5",
        ),
        (
            {"priorities": "6"},
            "row 2, column priorities: '6' is not a priority: use good-jobs, inclusive-economy, "
            "reducing-inequalities, environment, vcse-capacity, or the numbers 1 to 5",
        ),
        (
            {"priorities": ""},
            "row 2, column priorities: no priority given: use good-jobs, inclusive-economy, "
            "reducing-inequalities, environment, vcse-capacity, or the numbers 1 to 5",
        ),
        (
            {"wards": "Kilbrun"},
            "row 2, column wards: 'Kilbrun' is not a Brent ward (did you mean Kilburn?): name wards "
            "(like Kilburn or E05013503), separated by ;, or write borough-wide",
        ),
        (
            {"wards": "Camden Town"},
            "row 2, column wards: 'Camden Town' is not a Brent ward: name wards "
            "(like Kilburn or E05013503), separated by ;, or write borough-wide",
        ),
        (
            {"wards": "borough-wide;Kilburn"},
            "row 2, column wards: write borough-wide on its own, or name wards, not both",
        ),
        (
            {"wards": ""},
            "row 2, column wards: no ward given: name wards (like Kilburn or E05013503), separated by ;, "
            "or write borough-wide",
        ),
        (
            {"support_types": "money"},
            "row 2, column support_types: 'money' is not a type of support: use volunteering, "
            "skills, in-kind, donation, employment, space",
        ),
        (
            {"quantity": "lots", "unit": "hours"},
            "row 2, column quantity: 'lots' is not a number: write a number like 20 or 7.5",
        ),
        ({"quantity": "0", "unit": "hours"}, "row 2, column quantity: the quantity must be more than 0, not 0"),
        ({"quantity": "-3", "unit": "hours"}, "row 2, column quantity: the quantity must be more than 0, not -3"),
        ({"quantity": "1.125", "unit": "hours"}, "row 2, column quantity: 1.125 has more than 2 decimal places"),
        (
            {"quantity": "20", "unit": "hrs"},
            "row 2, column unit: 'hrs' is not a unit: use hours, people, items, pounds, days, places",
        ),
        (
            {"quantity": "20"},
            "row 2, column unit: the unit is missing: a quantity needs a unit (hours, people, items, "
            "pounds, days, places)",
        ),
        ({"unit": "hours"}, "row 2, column quantity: the quantity is missing: a unit needs a quantity"),
        (
            {"needed_by": "31/12/2026"},
            "row 2, column needed_by: '31/12/2026' is not a date in the form YYYY-MM-DD, like 2026-12-31",
        ),
        ({"needed_by": "2026-02-30"}, "row 2, column needed_by: 2026-02-30 is not a real date"),
    ],
)
def test_each_bad_value_is_reported_with_its_row_and_column(vocabulary, change, message):
    values = dict(zip(NEED_HEADER.split(","), GOOD_NEED.split(","), strict=True)) | change
    result = needs(vocabulary, ",".join(f'"{v}"' for v in values.values()))
    assert errors_of(result) == [message]


def test_every_problem_in_every_row_is_reported(vocabulary):
    result = needs(
        vocabulary,
        GOOD_NEED,
        "N-2,Org,,Text,bad,Nowhere,volunteering,,,",
        "N-3,Org,Title,Text,good-jobs,Kilburn,volunteering,5,,not a date",
    )
    assert [(e.row, e.column) for e in result[1]] == [
        (3, "title"),
        (3, "priorities"),
        (3, "wards"),
        (4, "unit"),
        (4, "needed_by"),
    ]


def test_a_reference_may_be_in_the_file_only_once(vocabulary):
    result = needs(vocabulary, GOOD_NEED, GOOD_NEED.replace("N-1", "N-2"), GOOD_NEED)
    assert errors_of(result) == ["row 4, column ref: N-1 is also on row 2: each reference can be in the file only once"]


def test_a_row_with_more_values_than_the_header(vocabulary):
    result = needs(vocabulary, GOOD_NEED + ",surplus")
    assert errors_of(result) == [
        "row 2: has 11 values but the header names 10 columns: put double quotes around values that contain commas"
    ]


def test_a_formula_guard_from_an_export_is_taken_off(vocabulary):
    rows, errors = needs(
        vocabulary, GOOD_NEED.replace("Volunteers to sort food", protect("=SUM(1,2)").replace(",", ";"))
    )
    assert errors == [] and rows[0].title == "=SUM(1;2)"


# Whole-file problems --------------------------------------------------------------------------------------


def test_a_file_that_is_not_utf8(vocabulary):
    result = needs(vocabulary, GOOD_NEED.replace("Kilburn Food", "Café Kilburn"), encoding="latin-1")
    assert errors_of(result) == [NOT_UTF8]
    assert NOT_UTF8 == "The file is not UTF-8 encoded: save it as 'CSV UTF-8' and try again"


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", "\ufeff".encode()])
def test_an_empty_file(vocabulary, data):
    assert errors_of(parse_file(NEEDS, data, vocabulary, MAX_BYTES)) == [EMPTY] == ["The file is empty"]


def test_a_file_over_the_limit(vocabulary):
    result = parse_file(NEEDS, b"x" * (MAX_BYTES + 1), vocabulary, MAX_BYTES)
    assert errors_of(result) == ["The file is larger than 10 MB"]


def test_a_header_missing_columns_or_with_unknown_ones(vocabulary):
    result = needs(
        vocabulary, GOOD_NEED, header=NEED_HEADER.replace("title,", "").replace("wards,", "area,") + ",notes"
    )
    assert errors_of(result) == [
        "The header is missing columns: title, wards",
        "The header has columns that are not in a file of needs: area, notes",
        "A file of needs has the columns: ref, organisation, title, description, priorities, wards, support_types, "
        "quantity, unit, needed_by (the last 3 may be left out)",
    ]


def test_a_header_naming_a_column_twice(vocabulary):
    result = needs(vocabulary, GOOD_NEED + ",x", header=NEED_HEADER + ",title")
    assert errors_of(result)[0] == "The header names these columns more than once: title"


def test_an_offers_file_imported_as_needs_says_so(vocabulary):
    result = needs(vocabulary, header=OFFER_HEADER)
    assert errors_of(result)[-1] == "This looks like a file of offers: import it as offers"


# Offers ------------------------------------------------------------------------------------------------------


GOOD_OFFER = (
    "O-1,Brentside Builders,BC-1,250000,Staff volunteering,Days out,good-jobs,borough-wide,volunteering,200,hours,"
)


def offers(vocabulary, *lines: str):
    return parse_file(OFFERS, "\n".join([OFFER_HEADER, *lines]).encode(), vocabulary, MAX_BYTES)


def test_a_good_offer(vocabulary):
    rows, errors = offers(vocabulary, GOOD_OFFER.replace(",250000,", ',"£1,250,000.50",'))
    assert errors == []
    assert (rows[0].contract_ref, rows[0].contract_value, rows[0].quantity) == ("BC-1", Decimal("1250000.50"), 200)


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "row 2, column contract_value: the contract value is missing"),
        ("-1", "row 2, column contract_value: the contract value must be 0 or more, not -1"),
        ("a lot", "row 2, column contract_value: 'a lot' is not a number: write a number like 20 or 7.5"),
    ],
)
def test_an_offer_needs_a_contract_value(vocabulary, value, message):
    assert errors_of(offers(vocabulary, GOOD_OFFER.replace(",250000,", f",{value},"))) == [message]


def test_rows_naming_one_contract_must_agree_about_it(vocabulary):
    result = offers(
        vocabulary,
        GOOD_OFFER,
        GOOD_OFFER.replace("O-1", "O-2").replace("250000", "300000").replace("Brentside Builders", "Other Ltd"),
    )
    assert errors_of(result) == [
        "row 3, column supplier: contract BC-1 is held by 'Brentside Builders' on row 2",
        "row 3, column contract_value: contract BC-1 has the value 250000 on row 2",
    ]


# Helpers shared with the export ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (Decimal("10.00"), "10"),
        (Decimal("7.50"), "7.5"),
        (Decimal("250000"), "250000"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_format_decimal(value, text):
    assert format_decimal(value) == text


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-5 degrees", "@home", "plain", "'quoted'", ""])
def test_formula_guard_round_trips(text):
    assert unprotect(protect(text)) == text
    assert not protect(text).startswith(("=", "+", "-", "@"))
