"""Weights of the signals. Configuration, not code: defaults here, tuned values saved as JSON by `matchmaker tune`."""

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

COMPONENTS = ("text", "priority", "location", "support", "capacity", "urgency", "fairness")


@dataclass(frozen=True)
class Weights:
    # Defaults measured on seeds/eval with benchmarks/match_quality.py. Text leads, as a broker reads purpose
    # first; raw cosine values are small, so it needs the largest weight to count for as much as it should.
    # Priority tags are chosen loosely by groups and help little (see the ablation), so they weigh little.
    # Taken from the middle of the plateau of good settings (text 0.6-0.7, location 0.1-0.22), not its peak.
    text: float = 0.70
    priority: float = 0.05
    location: float = 0.15
    support: float = 0.12
    capacity: float = 0.04
    urgency: float = 0.02
    fairness: float = 0.02
    # How much a ward's need weight (0..1, from an uploaded index) lifts a need's scores.
    ward_boost: float = 0.15

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in COMPONENTS]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Weights":
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: Path | None) -> "Weights":
        if path is not None and path.exists():
            return cls.from_json(path.read_text(encoding="utf-8"))
        return cls()
