"""Ward-to-ward closeness from Brent's real wards: same ward, neighbouring ward, then decay with distance."""

import math
from dataclasses import dataclass

import numpy as np

SAME_WARD = 1.0
NEIGHBOUR = 0.75
BOROUGH_WIDE_OFFER = 0.9  # covers every ward, but a local offer in the same ward is a little better
WARD_OFFER_FOR_BOROUGH_WIDE_NEED = 0.6
DECAY_KM = 2.0  # beyond neighbours, closeness halves about every 1.4 km
FAR_CEILING = 0.5  # a non-neighbouring ward never scores above this


# Places in Brent that are not ward names but are how people say where they are. Text matching leaves out
# these and the wards' names (see Geography.place_names): where a need or an offer is, the location signal
# reads from its wards.
OTHER_PLACES = (
    "Wembley",
    "Willesden",
    "Brondesbury",
    "Mapesbury",
    "Kensal Rise",
    "Kensal Green",
    "Neasden",
    "Park Royal",
    "Church End",
    "Fryent",
    "Fryent Country Park",
    "Gladstone Park",
    "Roundwood Park",
    "King Edward VII Park",
    "Brent Cross",
    "Kilburn High Road",
    "Harlesden High Street",
    "Willesden High Road",
    "Willesden Junction",
    "Wembley Stadium",
    "Wembley Park",
    "Chalkhill",
    "South Kilburn",
    "St Raphael's",
    "Harlesden Town Centre",
    "Ealing Road",
    "Brent River Park",
    "Northwick Park Hospital",
    "Central Middlesex",
    "Dollis Hill",
    "Welsh Harp",
)


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    latitude: float
    longitude: float
    neighbours: frozenset[str]


def _km(a: Ward, b: Ward) -> float:
    # Equirectangular approximation: exact enough across one borough.
    x = math.radians(b.longitude - a.longitude) * math.cos(math.radians((a.latitude + b.latitude) / 2))
    y = math.radians(b.latitude - a.latitude)
    return 6371.0 * math.hypot(x, y)


class Geography:
    def __init__(self, wards: list[Ward]) -> None:
        self.wards = sorted(wards, key=lambda w: w.code)
        self.index = {w.code: i for i, w in enumerate(self.wards)}
        self.names = {w.code: w.name for w in self.wards}
        n = len(self.wards)
        closeness = np.zeros((n, n), dtype=np.float32)
        for i, a in enumerate(self.wards):
            for j, b in enumerate(self.wards):
                if i == j:
                    closeness[i, j] = SAME_WARD
                elif b.code in a.neighbours:
                    closeness[i, j] = NEIGHBOUR
                else:
                    closeness[i, j] = FAR_CEILING * math.exp(-_km(a, b) / DECAY_KM)
        self.closeness = closeness

    def place_names(self) -> tuple[str, ...]:
        """Every ward's name and each part of a joined one ("Harlesden", "Kensal Green"), and OTHER_PLACES."""
        names = set(OTHER_PLACES)
        for ward in self.wards:
            names.add(ward.name)
            names.update(p.strip() for p in ward.name.replace("&", " and ").split(" and ") if p.strip())
        return tuple(sorted(names))

    def relation(
        self, need_wards: frozenset[str], need_borough_wide: bool, offer_wards: frozenset[str], offer_borough_wide: bool
    ) -> tuple[str, str | None]:
        """In words, for the reason line: ("same", ward name), ("neighbour", name), ("borough-wide", None)..."""
        if offer_borough_wide:
            return "borough-wide", None
        if need_borough_wide:
            return "some wards", None
        shared = sorted(need_wards & offer_wards)
        if shared:
            return "same", self.names.get(shared[0], shared[0])
        for code in sorted(need_wards):
            ward = self.wards[self.index[code]] if code in self.index else None
            if ward and ward.neighbours & offer_wards:
                return "neighbour", self.names.get(sorted(ward.neighbours & offer_wards)[0])
        return "far", None


def load_geography_csv(lines) -> Geography:
    """Build from seeds/wards.csv (neighbours are listed by their ONS names, separated by `|`)."""
    import csv

    rows = list(csv.DictReader(lines))
    code_of = {r["ward_name_ons"]: r["ons_code"] for r in rows}
    return Geography(
        [
            Ward(
                r["ons_code"],
                r["ward_name_council"],
                float(r["lat"]),
                float(r["lon"]),
                frozenset(code_of[n] for n in r["neighbours"].split("|") if n in code_of),
            )
            for r in rows
        ]
    )


def load_geography(path) -> Geography:
    with open(path, encoding="utf-8", newline="") as lines:
        return load_geography_csv(lines)
