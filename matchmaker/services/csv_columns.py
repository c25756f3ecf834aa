"""The columns of the needs, offers and contracts files, and how values are written in them.

Shared by csv_import and csv_export, so that an export re-imports unchanged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

SEPARATOR = ";"  # between the values of a list column (priorities, wards, support types)

# A cell starting with one of these is a formula to a spreadsheet. Exports put an apostrophe in front (which
# spreadsheets read as "this is text"), and imports take it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Layout:
    kind: str  # "needs", "offers" or "contracts": also the CLI's and the URL's word for it
    columns: tuple[str, ...]
    optional: frozenset[str] = frozenset()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)


NEEDS = Layout(
    "needs",
    (
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
    ),
    frozenset({"quantity", "unit", "needed_by"}),
)
OFFERS = Layout(
    "offers",
    (
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
    ),
    frozenset({"quantity", "unit", "available_until"}),
)
CONTRACTS = Layout("contracts", ("ref", "supplier", "title", "value", "start_date", "end_date", "manager_email"))

LAYOUTS = {layout.kind: layout for layout in (NEEDS, OFFERS, CONTRACTS)}

# One filled-in row per importable layout, for the templates officers download from the import page: each value
# written as the import reads it, so the template, saved unchanged, imports (tests check that it does). Dates are
# filled in when the template is downloaded (example_row), as the import refuses one in the past.
_EXAMPLES = {
    "needs": {
        "ref": "HARLESDEN-2027-01",
        "organisation": "Harlesden Community Garden",
        "title": "Volunteers to build raised beds",
        "description": "Six raised beds for older residents who cannot kneel to garden.",
        "priorities": "environment;reducing-inequalities",
        "wards": "Harlesden and Kensal Green",
        "support_types": "volunteering",
        "quantity": "40",
        "unit": "hours",
        "needed_by": "",
    },
    "offers": {
        "ref": "NORTHWAY-2027-01",
        "supplier": "Northway Construction Ltd",
        "contract_ref": "BC-2027-0001",
        "contract_value": "1250000",
        "title": "Staff volunteering days",
        "description": "Our site teams can help with building and gardening projects on weekdays.",
        "priorities": "environment;vcse-capacity",
        "wards": "borough-wide",
        "support_types": "volunteering;skills",
        "quantity": "200",
        "unit": "hours",
        "available_until": "",
    },
}
TEMPLATES = tuple(_EXAMPLES)


def example_row(kind: str, today: date) -> dict[str, str]:
    row = dict(_EXAMPLES[kind])
    for column, days in (("needed_by", 90), ("available_until", 365)):
        if column in row:
            row[column] = (today + timedelta(days=days)).isoformat()
    return row


IMPORTABLE = (NEEDS.kind, OFFERS.kind)


def format_decimal(value: Decimal | None) -> str:
    """10.00 -> "10", 7.50 -> "7.5": no exponent, no trailing zeros."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def join(values: Iterable[str]) -> str:
    return SEPARATOR.join(values)


def protect(text: str) -> str:
    """Stop a spreadsheet reading a cell as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unprotect(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
