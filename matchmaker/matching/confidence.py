"""How sure the engine is that a proposal is right, and which needs have no good match yet.

A score says how an offer ranks for one need; it does not say whether any offer fits. Needs no offer meets
still get proposals, often scored above the median right answer. What tells them apart, measured on the
labelled sets, is how far the best proposal stands above the others, and how much its words and meaning agree
with the need. Confidence is a logistic model over those three, fitted on labelled proposals (right offer or
not, with needs that have no right offer counting as wrong), so 0.8 means about 8 in 10 such proposals were
right. A need whose best proposal falls below the threshold is shown as "no good match yet".
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calibration:
    # Fitted by `fit` on seeds/eval, seeds/eval-holdout and seeds/eval-plain (the top 5 proposals of each need:
    # 544 proposals, 128 right); figures in docs/matching.md. The threshold flags 4 of the 110 answered needs
    # there and 2 of the 3 with no right offer; 0.32 or 0.35 flag no more of those, but 9 or 13 answered ones
    # (6 of 110 answered after the vocabulary clean-up; figures per set in docs/matching.md).
    margin: float = 6.857
    semantic: float = 3.034
    text: float = 4.163
    intercept: float = -1.941
    threshold: float = 0.30

    def of(self, margins: np.ndarray, semantic: np.ndarray, text: np.ndarray) -> np.ndarray:
        z = self.margin * margins + self.semantic * semantic + self.text * text + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


CALIBRATION = Calibration()


def features(scores: Sequence[float], components: Sequence[dict]) -> np.ndarray:
    """One need's proposals (best first) as (margin, semantic, text) rows. The margin is the score minus the
    best other proposal's: positive for the leader by its lead, negative for the rest by how far they trail."""
    values = np.asarray(scores, dtype=np.float64)
    rows = []
    for i, parts in enumerate(components):
        others = np.delete(values, i)
        margin = values[i] - (others.max() if others.size else 0.0)
        rows.append((margin, float(parts.get("semantic", 0.0)), float(parts.get("text", 0.0))))
    return np.array(rows, dtype=np.float64).reshape(len(rows), 3)


def confidences(scores: Sequence[float], components: Sequence[dict], calibration: Calibration = CALIBRATION):
    """Confidence (0 to 1, rounded to 3 places) of each of one need's proposals, best first."""
    if not scores:
        return []
    x = features(scores, components)
    return [round(float(c), 3) for c in calibration.of(x[:, 0], x[:, 1], x[:, 2])]


def by_need(proposals: Iterable, calibration: Calibration = CALIBRATION) -> dict[object, list[float]]:
    """need key -> confidences of its proposals in the order given (engine proposals, best first per need)."""
    grouped: dict[object, list] = {}
    for p in proposals:
        grouped.setdefault(p.need.key, []).append(p)
    return {
        key: confidences([p.score for p in ps], [p.components for p in ps], calibration) for key, ps in grouped.items()
    }


def no_good_match(confidence_by_need: dict[object, list[float]], calibration: Calibration = CALIBRATION) -> list:
    """Needs whose best proposal is below the threshold, in the order given."""
    return [key for key, values in confidence_by_need.items() if not values or max(values) < calibration.threshold]


def fit(rows: np.ndarray, right: np.ndarray, base: Calibration = CALIBRATION) -> Calibration:
    """Refit the model on labelled proposals: rows of (margin, semantic, text), right = 1 for the right offer.
    The threshold is kept: it is a policy (how many good answers may be flagged), chosen on the figures."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=1000).fit(rows, right)
    margin, semantic, text = (round(float(c), 3) for c in model.coef_[0])
    return Calibration(margin, semantic, text, round(float(model.intercept_[0]), 3), base.threshold)
