"""Reads a needs or offers CSV file into plain rows, checking every value. No database and no Flask.

The result is either a list of rows (dataclasses holding slugs, ONS codes, Decimals and dates) or every
problem found, each a RowError. Row numbers are the spreadsheet's: the header is row 1, so the first data row
is row 2, and blank rows still count. csv_import resolves the rows against the database and writes them.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from matchmaker.models.limits import AMOUNT_LIMIT as AMOUNT_MAX
from matchmaker.models.limits import DESCRIPTION_MAX, REF_MAX, TITLE_MAX, text_problem
from matchmaker.models.limits import ORGANISATION_NAME_MAX as NAME_MAX
from matchmaker.models.needs import Unit
from matchmaker.services.csv_columns import NEEDS, OFFERS, SEPARATOR, Layout, unprotect
from matchmaker.services.reference_data import is_borough_wide, ward_key

NOT_UTF8 = "The file is not UTF-8 encoded: save it as 'CSV UTF-8' and try again"
EMPTY = "The file is empty"
# Free text that may run over several lines; every other column is one line (a name, a reference, a code).
MULTI_LINE_COLUMNS = frozenset({"description"})
UNITS = ", ".join(u.value for u in Unit)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the problem is with the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class FileProblem(Exception):
    """The file as a whole cannot be read: its size, encoding or header."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.errors = [RowError(None, None, m) for m in messages]


@dataclass(frozen=True)
class Vocabulary:
    """The reference data a file's values are checked against, as plain look-ups."""

    priorities: dict[str, str]  # slug or number, as written in a file -> slug
    priority_slugs: tuple[str, ...]  # in the policy's order
    wards: dict[str, str]  # ward_key(code or either spelling of the name) -> ONS code
    ward_names: dict[str, str]  # ONS code -> council spelling, for suggestions
    support_types: tuple[str, ...]

    @classmethod
    def build(
        cls, priorities: Iterable[tuple[int, str]], wards: Iterable[tuple[str, str, str]], support_types: Iterable[str]
    ) -> "Vocabulary":
        """priorities: (number, slug); wards: (ONS code, council name, ONS name); support types: slugs."""
        ordered = sorted(priorities)
        wards = list(wards)
        return cls(
            priorities={**{slug: slug for _, slug in ordered}, **{str(n): slug for n, slug in ordered}},
            priority_slugs=tuple(slug for _, slug in ordered),
            wards={ward_key(text): code for code, name, ons_name in wards for text in (code, name, ons_name)},
            ward_names={code: name for code, name, _ in wards},
            support_types=tuple(support_types),
        )


@dataclass(frozen=True)
class Tagging:
    priorities: frozenset[str]  # slugs
    wards: frozenset[str]  # ONS codes; empty when borough-wide
    borough_wide: bool
    support_types: frozenset[str]  # slugs


@dataclass(frozen=True)
class NeedRow:
    row: int
    ref: str
    organisation: str
    title: str
    description: str
    tags: Tagging
    quantity: Decimal | None
    unit: Unit | None
    needed_by: date | None


@dataclass(frozen=True)
class OfferRow:
    row: int
    ref: str
    supplier: str
    contract_ref: str
    contract_value: Decimal
    title: str
    description: str
    tags: Tagging
    quantity: Decimal | None
    unit: Unit | None
    available_until: date | None


# The file and its header -----------------------------------------------------------------------------------


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileProblem(f"The file is larger than {describe_size(max_bytes)}")


def describe_size(n_bytes: int) -> str:
    megabytes = n_bytes / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{n_bytes} bytes"


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError:
        raise FileProblem(NOT_UTF8) from None
    if not text.strip():
        raise FileProblem(EMPTY)
    return text


def check_header(names: list[str], layout: Layout) -> None:
    given = [n for n in names if n]
    problems = []
    twice = sorted({n for n in given if given.count(n) > 1})
    if twice:
        problems.append(f"The header names these columns more than once: {', '.join(twice)}")
    missing = [c for c in layout.required if c not in given]
    if missing:
        problems.append(f"The header is missing columns: {', '.join(missing)}")
    unknown = [n for n in dict.fromkeys(given) if n not in layout.columns]
    if unknown:
        problems.append(f"The header has columns that are not in a file of {layout.kind}: {', '.join(unknown)}")
    if problems:
        other = OFFERS if layout is NEEDS else NEEDS
        if set(other.required) <= set(given):
            problems.append(f"This looks like a file of {other.kind}: import it as {other.kind}")
        else:
            problems.append(
                f"A file of {layout.kind} has the columns: {', '.join(layout.columns)} "
                f"(the last {len(layout.optional)} may be left out)"
            )
        raise FileProblem(*problems)


def read_records(
    data: bytes, layout: Layout, max_bytes: int
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The data rows as (row number, {column: stripped value}). Raises FileProblem for the file as a whole."""
    check_size(len(data), max_bytes)
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        names = [unprotect(c.strip()).strip().lower() for c in next(reader)]
    except csv.Error as error:
        raise FileProblem(f"The file cannot be read as CSV ({error})") from None
    check_header(names, layout)

    records: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(number + 1, None, f"cannot be read as CSV ({error})"))
            break
        number += 1
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        extra = [c for i, c in enumerate(cells) if c and (i >= len(names) or not names[i])]
        if extra:
            errors.append(
                RowError(
                    number,
                    None,
                    f"has {len(cells)} values but the header names {len([n for n in names if n])} "
                    "columns: put double quotes around values that contain commas",
                )
            )
            continue
        values = {name: unprotect(cells[i]) if i < len(cells) else "" for i, name in enumerate(names) if name}
        problems = [
            RowError(number, name, problem)
            for name, value in values.items()
            if (problem := text_problem(value, single_line=name not in MULTI_LINE_COLUMNS))
        ]
        if problems:  # the row's other checks would only repeat themselves about a value nobody can read
            errors.extend(problems)
            continue
        records.append((number, values))
    return records, errors


# The values in a row ---------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


class _Cells:
    """One row's values, read column by column; each problem is recorded and reading goes on."""

    def __init__(self, number: int, values: dict[str, str], vocabulary: Vocabulary, errors: list[RowError]) -> None:
        self.number, self.values, self.vocabulary, self.errors = number, values, vocabulary, errors

    def error(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, what: str, max_length: int | None = None) -> str:
        value = self.values.get(column, "")
        if not value:
            self.error(column, f"{what} is missing")
        elif max_length and len(value) > max_length:
            self.error(column, f"{what} is {len(value)} characters long: it must be {max_length} characters or fewer")
        return value

    def decimal(self, column: str, what: str, required: bool = False, zero_allowed: bool = False) -> Decimal | None:
        text = self.values.get(column, "")
        if not text:
            if required:
                self.error(column, f"{what} is missing")
            return None
        try:
            value = Decimal(text.replace(",", "").lstrip("£"))
        except InvalidOperation:
            self.error(column, f"'{text}' is not a number: write a number like 20 or 7.5")
            return None
        if not value.is_finite():
            self.error(column, f"'{text}' is not a number: write a number like 20 or 7.5")
        elif value < 0 or (value == 0 and not zero_allowed):
            self.error(column, f"{what} must be {'0 or more' if zero_allowed else 'more than 0'}, not {text}")
        elif value >= AMOUNT_MAX:
            self.error(column, f"{text} is too large")
        elif value != value.quantize(Decimal("0.01")):
            self.error(column, f"{text} has more than 2 decimal places")
        else:
            return value
        return None

    def date(self, column: str) -> date | None:
        text = self.values.get(column, "")
        if not text:
            return None
        if not _ISO_DATE.fullmatch(text):
            self.error(column, f"'{text}' is not a date in the form YYYY-MM-DD, like 2026-12-31")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(column, f"{text} is not a real date")
            return None

    def amount(self) -> tuple[Decimal | None, Unit | None]:
        quantity = self.decimal("quantity", "the quantity")
        text = self.values.get("unit", "")
        unit = None
        if text:
            try:
                unit = Unit(text.lower())
            except ValueError:
                self.error("unit", f"'{text}' is not a unit: use {UNITS}")
        if self.values.get("quantity") and not text:
            self.error("unit", f"the unit is missing: a quantity needs a unit ({UNITS})")
        if text and not self.values.get("quantity"):
            self.error("quantity", "the quantity is missing: a unit needs a quantity")
        return (quantity, unit) if quantity is not None and unit is not None else (None, None)

    def _items(self, column: str) -> list[str]:
        return list(dict.fromkeys(i.strip() for i in self.values.get(column, "").split(SEPARATOR) if i.strip()))

    def tags(self) -> Tagging:
        v = self.vocabulary
        priorities_hint = f"use {', '.join(v.priority_slugs)}, or the numbers 1 to {len(v.priority_slugs)}"
        priorities = set()
        items = self._items("priorities")
        for item in items:
            slug = v.priorities.get(_slug(item))
            if slug is None:
                self.error("priorities", f"'{item}' is not a priority: {priorities_hint}")
            else:
                priorities.add(slug)
        if not items:
            self.error("priorities", f"no priority given: {priorities_hint}")

        types_hint = f"use {', '.join(v.support_types)}"
        types = set()
        items = self._items("support_types")
        for item in items:
            if _slug(item) in v.support_types:
                types.add(_slug(item))
            else:
                self.error("support_types", f"'{item}' is not a type of support: {types_hint}")
        if not items:
            self.error("support_types", f"no type of support given: {types_hint}")

        wards, borough_wide = self._wards()
        return Tagging(frozenset(priorities), wards, borough_wide, frozenset(types))

    def _wards(self) -> tuple[frozenset[str], bool]:
        hint = "name wards (like Kilburn or E05013503), separated by ;, or write borough-wide"
        items = self._items("wards")
        if not items:
            self.error("wards", f"no ward given: {hint}")
            return frozenset(), False
        if any(is_borough_wide(i) for i in items):
            if len(items) > 1:
                self.error("wards", "write borough-wide on its own, or name wards, not both")
            return frozenset(), True
        codes = set()
        for item in items:
            code = self.vocabulary.wards.get(ward_key(item))
            if code is None:
                self.error("wards", f"'{item}' is not a Brent ward{self._suggest_ward(item)}: {hint}")
            else:
                codes.add(code)
        return frozenset(codes), False

    def _suggest_ward(self, text: str) -> str:
        from rapidfuzz import fuzz, process  # C++ scorers, a noticeable share of start-up: loaded when first used

        found = process.extractOne(ward_key(text), self.vocabulary.wards.keys(), scorer=fuzz.ratio, score_cutoff=75)
        return f" (did you mean {self.vocabulary.ward_names[self.vocabulary.wards[found[0]]]}?)" if found else ""


# Whole files -----------------------------------------------------------------------------------------------


def _need(cells: _Cells) -> NeedRow:
    quantity, unit = cells.amount()
    return NeedRow(
        row=cells.number,
        ref=cells.text("ref", "the reference", REF_MAX),
        organisation=cells.text("organisation", "the organisation's name", NAME_MAX),
        title=cells.text("title", "the title", TITLE_MAX),
        description=cells.text("description", "the description", DESCRIPTION_MAX),
        tags=cells.tags(),
        quantity=quantity,
        unit=unit,
        needed_by=cells.date("needed_by"),
    )


def _offer(cells: _Cells) -> OfferRow:
    quantity, unit = cells.amount()
    return OfferRow(
        row=cells.number,
        ref=cells.text("ref", "the reference", REF_MAX),
        supplier=cells.text("supplier", "the supplier's name", NAME_MAX),
        contract_ref=cells.text("contract_ref", "the contract reference", REF_MAX),
        contract_value=cells.decimal("contract_value", "the contract value", required=True, zero_allowed=True),
        title=cells.text("title", "the title", TITLE_MAX),
        description=cells.text("description", "the description", DESCRIPTION_MAX),
        tags=cells.tags(),
        quantity=quantity,
        unit=unit,
        available_until=cells.date("available_until"),
    )


def _check_refs(rows: list, errors: list[RowError]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if row.ref and row.ref in first:
            errors.append(
                RowError(
                    row.row,
                    "ref",
                    f"{row.ref} is also on row {first[row.ref]}: each reference can be in the file only once",
                )
            )
        first.setdefault(row.ref, row.row)


def _check_contracts(rows: list[OfferRow], errors: list[RowError]) -> None:
    """Rows naming the same contract must agree about its supplier and value."""
    first: dict[str, OfferRow] = {}
    for row in rows:
        seen = first.setdefault(row.contract_ref, row)
        if seen is row or not row.contract_ref:
            continue
        if seen.supplier.lower() != row.supplier.lower():
            errors.append(
                RowError(
                    row.row, "supplier", f"contract {row.contract_ref} is held by '{seen.supplier}' on row {seen.row}"
                )
            )
        if None not in (seen.contract_value, row.contract_value) and seen.contract_value != row.contract_value:
            errors.append(
                RowError(
                    row.row,
                    "contract_value",
                    f"contract {row.contract_ref} has the value {seen.contract_value} on row {seen.row}",
                )
            )


def parse_rows(
    layout: Layout, records: list[tuple[int, dict[str, str]]], vocabulary: Vocabulary, errors: list[RowError]
) -> list[NeedRow] | list[OfferRow]:
    """Every row checked; problems are added to `errors` (so the rows are only usable if there are none)."""
    read = _need if layout is NEEDS else _offer
    rows = [read(_Cells(number, values, vocabulary, errors)) for number, values in records]
    _check_refs(rows, errors)
    if layout is OFFERS:
        _check_contracts(rows, errors)
    errors.sort(key=lambda e: (e.row or 0, layout.columns.index(e.column) if e.column in layout.columns else -1))
    return rows


def parse_file(layout: Layout, data: bytes, vocabulary: Vocabulary, max_bytes: int) -> tuple[list, list[RowError]]:
    """(rows, errors): the rows are only to be used if there are no errors."""
    try:
        records, errors = read_records(data, layout, max_bytes)
    except FileProblem as problem:
        return [], problem.errors
    return parse_rows(layout, records, vocabulary, errors), errors
