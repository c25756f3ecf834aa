"""Weights of the signals. Configuration, not code: defaults here, tuned values saved as JSON by `matchmaker tune`."""

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

COMPONENTS = ("text", "priority", "location", "support", "capacity", "urgency", "fairness", "semantic")


@dataclass(frozen=True)
class Weights:
    # Chosen by leave-one-set-out cross-validation over seeds/eval, seeds/eval-holdout and seeds/eval-plain
    # (docs/matching.md): the middle of the plateau where every set keeps MRR >= 0.95 (text 0.3, meaning
    # 0.3-0.5, location 0.1-0.2), not its peak. Words (TF-IDF) and meaning (embeddings) weigh alike: words are
    # exact, meaning bridges a problem described to a service offered. Priority tags are chosen loosely by
    # groups and help little (see the ablation), so they weigh little.
    text: float = 0.30
    priority: float = 0.05
    location: float = 0.15
    support: float = 0.12
    capacity: float = 0.04
    urgency: float = 0.02
    fairness: float = 0.02
    semantic: float = 0.30
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
