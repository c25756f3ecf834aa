"""Fits the engine's weights to decisions people made: which offer was chosen for a need, over which others.

Pairwise learning to rank: for each decision, the components of the chosen offer minus those of each offer
passed over form one example; a logistic regression without intercept learns how much each component
counts. Weights are the (non-negative) coefficients. Quality is judged by k-fold cross-validation over
needs, so a weight set is only accepted if it ranks needs it was not fitted on better than the current one.
"""

from dataclasses import dataclass, replace

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from matchmaker.matching.engine import FittedEngine
from matchmaker.matching.evaluate import Quality, quality
from matchmaker.matching.items import NeedItem
from matchmaker.matching.weights import COMPONENTS, Weights


@dataclass(frozen=True)
class TuningResult:
    before: Quality  # cross-validated, current weights
    after: Quality  # cross-validated, weights fitted on the other folds
    weights: Weights  # fitted on all decisions

    @property
    def better(self) -> bool:
        return (self.after.mrr, self.after.hit1) > (self.before.mrr, self.before.hit1)


def _features(parts: dict[str, np.ndarray]) -> np.ndarray:
    return np.stack([np.asarray(parts[name], dtype=np.float32) for name in COMPONENTS], axis=2)  # needs x offers x k


def fit_weights(
    features: np.ndarray, eligible: np.ndarray, chosen: dict[int, int], rows: list[int], base: Weights
) -> Weights:
    diffs = []
    for row in rows:
        best = chosen.get(row)
        if best is None:
            continue
        others = np.flatnonzero(eligible[row])
        others = others[others != best]
        diffs.append(features[row, best][None, :] - features[row, others])
    if not diffs:
        return base
    x = np.concatenate(diffs)
    x = np.concatenate([x, -x])  # both orders, so the classes balance and no intercept is needed
    y = np.concatenate([np.ones(len(x) // 2), np.zeros(len(x) // 2)])
    model = LogisticRegression(fit_intercept=False, C=1.0, max_iter=1000).fit(x, y)
    coefficients = np.clip(model.coef_[0], 0.0, None)
    if coefficients.sum() <= 0:
        return base
    coefficients = coefficients / coefficients.sum()
    return replace(base, **{name: round(float(c), 4) for name, c in zip(COMPONENTS, coefficients, strict=False)})


def _rank(features: np.ndarray, eligible: np.ndarray, weights: Weights, rows: list[int]) -> dict[int, list[int]]:
    vector = np.array(weights.vector(), dtype=np.float32)
    scores = features[rows] @ (vector / vector.sum())
    scores = np.where(eligible[rows], scores, -np.inf)
    return {
        row: [int(c) for c in np.lexsort((np.arange(scores.shape[1]), -scores[i])) if np.isfinite(scores[i, c])]
        for i, row in enumerate(rows)
    }


def tune(
    fitted: FittedEngine, needs: list[NeedItem], gold: dict[int, int], folds: int = 5, seed: int = 7
) -> TuningResult:
    """gold: need id -> chosen offer id. Returns cross-validated quality before and after, and the new weights."""
    parts = fitted.components(needs)
    features = _features(parts)
    eligible = (np.asarray(parts["support"]) > 0) & fitted.offers.usable[None, :]
    column = {int(offer_id): c for c, offer_id in enumerate(fitted.offers.ids)}
    row_of = {n.id: r for r, n in enumerate(needs)}
    chosen = {row_of[n]: column[o] for n, o in gold.items() if n in row_of and o in column}
    rows = sorted(chosen)
    base = fitted.engine.weights
    before_rank, after_rank = {}, {}
    splitter = KFold(n_splits=min(folds, len(rows)), shuffle=True, random_state=seed)
    for train, test in splitter.split(rows):
        train_rows, test_rows = [rows[i] for i in train], [rows[i] for i in test]
        fold_weights = fit_weights(features, eligible, chosen, train_rows, base)
        before_rank.update(_rank(features, eligible, base, test_rows))
        after_rank.update(_rank(features, eligible, fold_weights, test_rows))
    return TuningResult(
        before=quality(before_rank, chosen),
        after=quality(after_rank, chosen),
        weights=fit_weights(features, eligible, chosen, rows, base),
    )


@dataclass(frozen=True)
class Decision:
    """An officer chose one offer for a need over others, as the engine saw them at the time."""

    need_id: int
    chosen: dict[str, float]
    passed_over: tuple[dict[str, float], ...]


def _vector(components: dict[str, float]) -> np.ndarray:
    return np.array([float(components.get(name, 0.0)) for name in COMPONENTS], dtype=np.float32)


def _fit_decisions(decisions: list[Decision], base: Weights) -> Weights:
    diffs = [(_vector(d.chosen) - _vector(other)) for d in decisions for other in d.passed_over]
    if not diffs:
        return base
    x = np.array(diffs)
    x = np.concatenate([x, -x])
    y = np.concatenate([np.ones(len(diffs)), np.zeros(len(diffs))])
    coefficients = np.clip(LogisticRegression(fit_intercept=False, max_iter=1000).fit(x, y).coef_[0], 0.0, None)
    if coefficients.sum() <= 0:
        return base
    coefficients = coefficients / coefficients.sum()
    return replace(base, **{name: round(float(c), 4) for name, c in zip(COMPONENTS, coefficients, strict=False)})


def _positions(decisions: list[Decision], weights: Weights) -> Quality:
    vector = np.array(weights.vector(), dtype=np.float32)
    vector = vector / vector.sum()
    rankings, gold = {}, {}
    for number, decision in enumerate(decisions):
        scores = [float(_vector(decision.chosen) @ vector)] + [float(_vector(o) @ vector) for o in decision.passed_over]
        # A tie counts against the chosen offer: weights must prefer it, not merely allow it.
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], 0 if i != 0 else 1))
        rankings[number], gold[number] = order, 0
    return quality(rankings, gold)


def tune_decisions(decisions: list[Decision], base: Weights, folds: int = 5, seed: int = 7) -> TuningResult:
    """Cross-validated by need: weights fitted without a need's decisions are judged on them."""
    need_ids = sorted({d.need_id for d in decisions})
    splitter = KFold(n_splits=min(folds, len(need_ids)), shuffle=True, random_state=seed)
    before, after = [], []
    for _train, test in splitter.split(need_ids):
        held_out = {need_ids[i] for i in test}
        fitted = _fit_decisions([d for d in decisions if d.need_id not in held_out], base)
        testing = [d for d in decisions if d.need_id in held_out]
        before.append((_positions(testing, base), len(testing)))
        after.append((_positions(testing, fitted), len(testing)))

    def pooled(results) -> Quality:
        total = sum(n for _, n in results)
        return Quality(*(sum(getattr(q, f) * n for q, n in results) / total for f in ("hit1", "hit3", "mrr")))

    return TuningResult(before=pooled(before), after=pooled(after), weights=_fit_decisions(decisions, base))
