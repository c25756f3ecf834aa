"""Loads Brent's reference data from seeds/: wards, their neighbours and boundaries, priorities, support types.

Idempotent: rows are matched by ONS code or slug and updated in place, so `matchmaker setup` can run again
and again, and a corrected seed file updates the database.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Priority, SupportType, Ward, WardAdjacency

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


@dataclass
class LoadSummary:
    wards: int
    adjacencies: int
    priorities: int
    support_types: int

    def __str__(self) -> str:
        return (
            f"{self.wards} wards, {self.adjacencies} neighbouring pairs, "
            f"{self.priorities} priorities, {self.support_types} support types"
        )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _upsert(model, key: str, values: dict) -> None:
    row = db.session.execute(select(model).filter_by(**{key: values[key]})).scalar_one_or_none()
    if row is None:
        db.session.add(model(**values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def load_reference_data(seeds_dir: Path = SEEDS_DIR) -> LoadSummary:
    boundaries = {
        f["properties"]["WD22CD"]: f["geometry"]
        for f in json.loads((seeds_dir / "ward_boundaries.geojson").read_text(encoding="utf-8"))["features"]
    }
    ward_rows = _rows(seeds_dir / "wards.csv")
    for row in ward_rows:
        _upsert(
            Ward,
            "ons_code",
            {
                "ons_code": row["ons_code"],
                "name": row["ward_name_council"],
                "ons_name": row["ward_name_ons"],
                "latitude": float(row["lat"]),
                "longitude": float(row["lon"]),
                "area_km2": float(row["area_km2"]),
                "population": int(row["population_census2021"]),
                "other_boroughs_bordered": row["other_boroughs_bordered"],
                "boundary": boundaries[row["ons_code"]],
            },
        )
    db.session.flush()

    # The adjacency file names wards by their ONS spelling.
    by_ons_name = {w.ons_name: w for w in db.session.scalars(select(Ward))}
    wanted: dict[tuple[int, int], float] = {}
    for row in _rows(seeds_dir / "ward_adjacency.csv"):
        a, b = by_ons_name[row["ward_a"]], by_ons_name[row["ward_b"]]
        km = float(row["shared_boundary_km"])
        wanted[(a.id, b.id)] = km
        wanted[(b.id, a.id)] = km
    existing = {(r.ward_id, r.neighbour_id): r for r in db.session.scalars(select(WardAdjacency))}
    for pair, row in existing.items():
        if pair not in wanted:
            db.session.delete(row)
    for (ward_id, neighbour_id), km in wanted.items():
        if (ward_id, neighbour_id) in existing:
            existing[(ward_id, neighbour_id)].shared_boundary_km = km
        else:
            db.session.add(WardAdjacency(ward_id=ward_id, neighbour_id=neighbour_id, shared_boundary_km=km))

    priority_rows = _rows(seeds_dir / "priorities.csv")
    for row in priority_rows:
        _upsert(
            Priority,
            "slug",
            {
                "slug": row["slug"],
                "number": int(row["number"]),
                "title": row["title"],
                "short_title": row["short_title"],
                "summary": row["summary"],
            },
        )
    type_rows = _rows(seeds_dir / "support_types.csv")
    for row in type_rows:
        _upsert(
            SupportType,
            "slug",
            {
                "slug": row["slug"],
                "name": row["name"],
                "description": row["description"],
                "position": int(row["position"]),
            },
        )
    db.session.flush()
    return LoadSummary(len(ward_rows), len(wanted) // 2, len(priority_rows), len(type_rows))


def all_wards() -> list[Ward]:
    return list(db.session.scalars(select(Ward).order_by(Ward.name)))


def all_priorities() -> list[Priority]:
    return list(db.session.scalars(select(Priority).order_by(Priority.number)))


# Looking wards up by what people type ----------------------------------------------------------------------

BOROUGH_WIDE = "borough-wide"


def ward_key(text: str) -> str:
    """How a ward's name or code is compared: any case, "&" or "and", spaces and apostrophes ignored.

    "Cricklewood & Mapesbury", "cricklewood and mapesbury" and "Queen's Park" / "Queens Park" compare equal.
    """
    text = text.lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return " ".join(text.replace("-", " ").split())


def is_borough_wide(text: str) -> bool:
    return ward_key(text) == ward_key(BOROUGH_WIDE)


def ward_keys(ward: Ward) -> set[str]:
    """Every key a ward is known by: its ONS code, council name ("and") and ONS name ("&")."""
    return {ward_key(ward.ons_code), ward_key(ward.name), ward_key(ward.ons_name)}


def ward_index() -> dict[str, Ward]:
    """Key (see ward_key) -> ward, for resolving many names at once."""
    return {key: ward for ward in all_wards() for key in ward_keys(ward)}


def resolve_ward(text: str, index: dict[str, Ward] | None = None) -> Ward | None:
    """The ward `text` names: an ONS code (E05013499) or a name in either spelling, any case. None if unknown.

    "borough-wide" is not a ward: check it first with is_borough_wide().
    """
    return (index if index is not None else ward_index()).get(ward_key(text))
