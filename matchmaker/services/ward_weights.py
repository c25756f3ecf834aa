"""Ward weights: where help is needed most, from any ward-level index the council trusts.

An officer uploads a CSV of `ward,value` (the Social Progress Index, a deprivation score...). Values are
rescaled to 0..1 across Brent, turned round when higher values mean less need (as with the Social
Progress Index), and lift the scores of needs in those wards. None is shipped: the council brings its own.
"""

import csv
import io
import math
from dataclasses import dataclass, field

from sqlalchemy import select, update

from matchmaker.extensions import db
from matchmaker.models import User, Ward
from matchmaker.services import audit
from matchmaker.services.reference_data import ward_index, ward_key

MAX_BYTES = 100_000


@dataclass
class WardWeightsReport:
    errors: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)  # ward name -> weight

    @property
    def ok(self) -> bool:
        return not self.errors


def parse(data: bytes, higher_means_more_need: bool) -> tuple[WardWeightsReport, dict[int, tuple[float, float]]]:
    """Check every row; returns the report and, if all is well, ward id -> (value, weight)."""
    report = WardWeightsReport()
    if not data.strip():
        report.errors.append("The file is empty")
        return report, {}
    if len(data) > MAX_BYTES:
        report.errors.append("The file is larger than 100 KB: it should have one row for each of Brent's 22 wards")
        return report, {}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append("The file is not UTF-8 encoded: save it as 'CSV UTF-8' and try again")
        return report, {}
    reader = csv.DictReader(io.StringIO(text))
    headers = {ward_key(h or ""): h for h in reader.fieldnames or []}
    if "ward" not in headers or "value" not in headers:
        report.errors.append("The header must have the columns ward and value")
        return report, {}
    index, values, seen = ward_index(), {}, set()
    for number, row in enumerate(reader, start=2):
        name, raw = (row.get(headers["ward"]) or "").strip(), (row.get(headers["value"]) or "").strip()
        ward = index.get(ward_key(name)) if name else None
        if ward is None:
            report.errors.append(
                f"row {number}, column ward: '{name}' is not a Brent ward"
                if name
                else f"row {number}, column ward: the ward is missing"
            )
        elif ward.id in seen:
            report.errors.append(f"row {number}, column ward: {ward.name} is in the file twice")
        else:
            seen.add(ward.id)
        try:
            value = float(raw.replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            report.errors.append(f"row {number}, column value: '{raw}' is not a number")
            continue
        if ward is not None:
            values[ward.id] = (ward.name, value)
    if not values and not report.errors:
        report.errors.append("The file has no rows")
    if report.errors:
        return report, {}
    low, high = min(v for _, v in values.values()), max(v for _, v in values.values())
    weights = {}
    for ward_id, (name, value) in values.items():
        share = 0.5 if high == low else (value - low) / (high - low)
        weight = round(share if higher_means_more_need else 1.0 - share, 4)
        weights[ward_id] = (value, weight)
        report.weights[name] = weight
    return report, weights


def save(weights: dict[int, tuple[float, float]], officer: User) -> None:
    """Replace all ward weights: wards missing from the file have none."""
    clear(officer, record=False)
    for ward_id, (value, weight) in weights.items():
        db.session.execute(update(Ward).where(Ward.id == ward_id).values(need_index_value=value, need_weight=weight))
    db.session.flush()
    audit.record("ward_weights.uploaded", officer, officer, detail={"wards": len(weights)})


def clear(officer: User, record: bool = True) -> None:
    db.session.execute(update(Ward).values(need_index_value=None, need_weight=None))
    db.session.flush()
    if record:
        audit.record("ward_weights.cleared", officer, officer)


def current() -> dict[str, float]:
    """ONS code -> weight, for the matching engine."""
    return {
        code: weight
        for code, weight in db.session.execute(
            select(Ward.ons_code, Ward.need_weight).where(Ward.need_weight.is_not(None))
        )
    }
