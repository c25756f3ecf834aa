"""The columns of the needs, offers and contracts files, and how values are written in them.

Shared by csv_import and csv_export, so that an export re-imports unchanged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
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
