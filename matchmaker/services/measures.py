"""The council's measure list: uploaded as CSV by an officer, checked row by row, written only when all is well.

Columns: code, name, unit, priority and, optionally, proxy_value (pounds per unit). A code already on the list
is updated in place, so tags on offers and deliveries survive a corrected upload; measures not in the file are
kept (they may be tagged already). Reports show quantities per measure, and pounds only where the council
supplied a proxy value.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Measure, Priority, Unit, User
from matchmaker.services import audit
from matchmaker.services.csv_columns import Layout
from matchmaker.services.csv_parsing import AMOUNT_MAX, UNITS, FileProblem, RowError, read_records

MEASURES = Layout("measures", ("code", "name", "unit", "priority", "proxy_value"), frozenset({"proxy_value"}))
MAX_BYTES = 1024 * 1024
CODE_MAX, NAME_MAX = 30, 200


@dataclass(frozen=True)
class MeasureRow:
    row: int
    code: str
    name: str
    unit: Unit
    priority: str  # slug
    proxy_value: Decimal | None


@dataclass
class MeasuresUpload:
    rows: list[MeasureRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    added: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _priorities() -> dict[str, str]:
    """Slug, number or title (any case) -> slug."""
    found = {}
    for number, slug, title, short in db.session.execute(
        select(Priority.number, Priority.slug, Priority.title, Priority.short_title)
    ):
        for text in (slug, str(number), title, short):
            found[text.strip().lower()] = slug
    return found


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("£", "").strip())
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def parse(data: bytes) -> MeasuresUpload:
    """Every problem in the file, each with its row and column; or the rows, if there are none."""
    upload = MeasuresUpload()
    try:
        records, upload.errors = read_records(data, MEASURES, MAX_BYTES)
    except FileProblem as problem:
        upload.errors = problem.errors
        return upload
    priorities, seen = _priorities(), {}
    for number, values in records:
        errors: list[RowError] = []

        def error(column: str, message: str, errors=errors, number=number) -> None:
            errors.append(RowError(number, column, message))

        code = values.get("code", "")
        if not code:
            error("code", "enter the measure's code")
        elif len(code) > CODE_MAX:
            error("code", f"the code must be {CODE_MAX} characters or fewer")
        elif code.lower() in seen:
            error("code", f"{code} is also on row {seen[code.lower()]}: each code once")
        else:
            seen[code.lower()] = number
        name = values.get("name", "")
        if not name:
            error("name", "enter the measure's name")
        elif len(name) > NAME_MAX:
            error("name", f"the name must be {NAME_MAX} characters or fewer")
        unit_text = values.get("unit", "").lower()
        unit = next((u for u in Unit if u.value == unit_text or u.value == unit_text + "s"), None)
        if unit is None:
            error(
                "unit",
                f"'{values.get('unit', '')}' is not a unit: use one of {UNITS}"
                if unit_text
                else f"enter the unit, one of {UNITS}",
            )
        priority_text = values.get("priority", "")
        priority = priorities.get(priority_text.strip().lower())
        if priority is None:
            error(
                "priority",
                f"'{priority_text}' is not one of the five priorities: use 1 to 5 or a slug such as good-jobs"
                if priority_text
                else "enter the priority, 1 to 5",
            )
        proxy_text = values.get("proxy_value", "")
        proxy = None
        if proxy_text:
            proxy = _decimal(proxy_text)
            if proxy is None:
                error("proxy_value", f"'{proxy_text}' is not an amount in pounds: leave it empty if there is none")
            elif proxy < 0 or proxy >= AMOUNT_MAX:
                error("proxy_value", "the proxy value must be £0 or more, and less than £1,000,000,000,000")
                proxy = None
            elif proxy != proxy.quantize(Decimal("0.01")):
                error("proxy_value", "the proxy value can have up to 2 decimal places (pence)")
        if errors:
            upload.errors.extend(errors)
        else:
            upload.rows.append(MeasureRow(number, code, name, unit, priority, proxy))
    if not records and not upload.errors:
        upload.errors.append(RowError(None, None, "The file has no measures"))
    upload.errors.sort(key=lambda e: e.row or 0)
    if upload.errors:
        upload.rows = []
    return upload


def save(upload: MeasuresUpload, officer: User) -> None:
    """Write a clean upload: add new codes, update known ones (matched without regard to case)."""
    if not upload.ok:
        raise ValueError("an upload with errors cannot be saved")
    priority_ids = dict(db.session.execute(select(Priority.slug, Priority.id)).all())
    existing = {m.code.lower(): m for m in db.session.scalars(select(Measure))}
    for row in upload.rows:
        measure = existing.get(row.code.lower())
        if measure is None:
            measure = Measure(code=row.code)
            db.session.add(measure)
            upload.added += 1
        else:
            upload.updated += 1
        measure.code, measure.name, measure.unit = row.code, row.name, row.unit
        measure.priority_id, measure.proxy_value = priority_ids[row.priority], row.proxy_value
    db.session.flush()
    audit.record("measures.uploaded", officer, officer, detail={"added": upload.added, "updated": upload.updated})


def all_measures() -> list[Measure]:
    return list(db.session.scalars(select(Measure).order_by(Measure.code)))


def measures_for(unit: Unit | None) -> list[Measure]:
    """The measures an offer or delivery in this unit can be tagged with: the same unit, so quantities add up."""
    if unit is None:
        return []
    return list(db.session.scalars(select(Measure).where(Measure.unit == unit).order_by(Measure.code)))
