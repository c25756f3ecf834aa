"""Measures ranking quality on a labelled set: hit@1, hit@3 and mean reciprocal rank, for the engine and baselines."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matchmaker.matching.engine import FittedEngine
from matchmaker.matching.items import NeedItem
from matchmaker.matching.weights import COMPONENTS


@dataclass(frozen=True)
class Quality:
    hit1: float
    hit3: float
    mrr: float

    def __str__(self) -> str:
        return f"hit@1 {self.hit1:.3f}  hit@3 {self.hit3:.3f}  MRR {self.mrr:.3f}"


def quality(rankings: dict[int, list[int]], gold: dict[int, int]) -> Quality:
    """rankings: need id -> offer ids best first; gold: need id -> the offer a broker would pick."""
    hits1 = hits3 = reciprocal = 0.0
    for need_id, best in gold.items():
        ranked = rankings.get(need_id, [])
        position = ranked.index(best) + 1 if best in ranked else None
        hits1 += position == 1
        hits3 += position is not None and position <= 3
        reciprocal += 1.0 / position if position else 0.0
    n = max(len(gold), 1)
    return Quality(hits1 / n, hits3 / n, reciprocal / n)


NO_ANSWER = "none"  # labels.csv: best_offer_ref of a need that no offer in the set meets

Scorer = Callable[[dict[str, np.ndarray], np.ndarray], np.ndarray]


def rank_with(fitted: FittedEngine, needs: list[NeedItem], scorer: Scorer) -> dict[int, list[int]]:
    """Rank every offer for every need with `scorer(components, engine_scores)`; ties broken by offer id."""
    parts = fitted.components(needs)
    engine_scores = fitted.scores(needs, parts)
    scores = scorer(parts, engine_scores)
    ids = fitted.offers.ids
    rankings = {}
    for row, need in enumerate(needs):
        order = np.lexsort((ids, -scores[row]))
        rankings[need.id] = [int(ids[i]) for i in order if np.isfinite(scores[row, i])]
    return rankings


def baselines(seed: int = 7) -> dict[str, Scorer]:
    rng = np.random.default_rng(seed)
    return {
        "random": lambda parts, _: rng.random(parts["text"].shape),
        "priorities only": lambda parts, _: parts["priority"],
        "TF-IDF text only": lambda parts, _: parts["text"],
        "semantic only": lambda parts, _: parts["semantic"],
        "unweighted sum": lambda parts, _: sum(parts[name] for name in COMPONENTS),
        "engine": lambda _, engine_scores: engine_scores,
    }


@dataclass(frozen=True)
class EvalSet:
    needs: list[NeedItem]
    offers: list
    gold: dict[int, int]  # need id -> best offer id (needs some offer meets)
    also_good: dict[int, frozenset[int]]
    # Needs no offer in the set meets (best_offer_ref "none"): left out of hit@k and MRR, and the engine should
    # flag them "no good match yet".
    no_answer: frozenset[int] = frozenset()


def load_eval_set(folder, today) -> EvalSet:
    """Read a labelled set (needs.csv, offers.csv, labels.csv, as in seeds/eval/README.md) into engine items."""
    import csv
    from datetime import timedelta
    from pathlib import Path

    from matchmaker.matching.items import OfferItem

    folder = Path(folder)

    def rows(name):
        with (folder / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def split(value):
        return frozenset(v.strip() for v in (value or "").split(";") if v.strip())

    def area(value):
        codes = split(value)
        return ("borough-wide" in codes), frozenset(c for c in codes if c != "borough-wide")

    def number(value):
        return float(value) if value and value.strip() else None

    needs, offers, ids = [], [], {}
    for i, r in enumerate(rows("needs.csv"), start=1):
        wide, wards = area(r["wards"])
        ids[r["ref"]] = i
        days = r.get("needed_by_days") or ""
        needs.append(
            NeedItem(
                id=i,
                ref=r["ref"],
                title=r["title"],
                description=r["description"],
                priorities=split(r["priorities"]),
                wards=wards,
                borough_wide=wide,
                support_types=split(r["support_types"]),
                quantity=number(r.get("quantity")),
                unit=(r.get("unit") or None),
                needed_by=today + timedelta(days=int(days)) if days.strip() else None,
                posted=today,
                organisation_id=i,
            )
        )
    for i, r in enumerate(rows("offers.csv"), start=1):
        wide, wards = area(r["wards"])
        ids[r["ref"]] = i
        quantity = number(r.get("quantity"))
        offers.append(
            OfferItem(
                id=i,
                ref=r["ref"],
                title=r["title"],
                description=r["description"],
                priorities=split(r["priorities"]),
                wards=wards,
                borough_wide=wide,
                support_types=split(r["support_types"]),
                quantity=quantity,
                remaining=quantity,
                unit=(r.get("unit") or None),
                supplier_id=i,
            )
        )
    gold, also, no_answer = {}, {}, set()
    need_ids = {n.ref: n.id for n in needs}
    offer_ids = {o.ref: o.id for o in offers}
    for r in rows("labels.csv"):
        if r["best_offer_ref"].strip() == NO_ANSWER:
            no_answer.add(need_ids[r["need_ref"]])
            continue
        gold[need_ids[r["need_ref"]]] = offer_ids[r["best_offer_ref"]]
        also[need_ids[r["need_ref"]]] = frozenset(offer_ids[x] for x in split(r.get("also_good")))
    return EvalSet(needs, offers, gold, also, frozenset(no_answer))


@dataclass(frozen=True)
class Flagging:
    """How well "no good match yet" separates needs with no right offer from needs with one."""

    no_answer_flagged: int
    no_answer: int
    answered_flagged: int
    answered: int

    def __str__(self) -> str:
        return (
            f"no-answer flagged {self.no_answer_flagged}/{self.no_answer}  "
            f"answered flagged {self.answered_flagged}/{self.answered}"
        )


def flagging(proposals: list, data: EvalSet, calibration=None) -> Flagging:
    """Which needs the engine's proposals flag "no good match yet", against the labels."""
    from matchmaker.matching import confidence

    calibration = calibration or confidence.CALIBRATION
    flagged = set(confidence.no_good_match(confidence.by_need(proposals, calibration), calibration))
    proposed = {p.need.key for p in proposals}
    # A need with no proposal at all has no good match either.
    flagged |= {n.key for n in data.needs if n.key not in proposed}
    no_answer = [n.key for n in data.needs if n.id in data.no_answer]
    answered = [n.key for n in data.needs if n.id in data.gold]
    return Flagging(
        sum(k in flagged for k in no_answer), len(no_answer), sum(k in flagged for k in answered), len(answered)
    )


def labelled_proposals(proposals: list, data: EvalSet) -> tuple[np.ndarray, np.ndarray]:
    """(margin, semantic, text) rows of these proposals and 1 where the offer is right (best or also good)."""
    from matchmaker.matching import confidence

    grouped: dict[int, list] = {}
    for p in proposals:
        grouped.setdefault(p.need.id, []).append(p)
    rows: list = []
    right: list[int] = []
    for need_id, ps in grouped.items():
        rows.append(confidence.features([p.score for p in ps], [p.components for p in ps]))
        good = {data.gold[need_id]} | data.also_good.get(need_id, frozenset()) if need_id in data.gold else set()
        right.extend(int(p.offer.id in good) for p in ps)
    return np.concatenate(rows) if rows else np.zeros((0, 3)), np.array(right)
