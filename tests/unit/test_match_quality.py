"""On the labelled evaluation sets (seeds/eval*), the engine ranks better than the baselines and flags needs no
offer meets.

benchmarks/match_quality.py prints the same figures with ablations; these tests keep them from sliding back.
"""

from datetime import date
from pathlib import Path

import pytest

from matchmaker.matching import Engine, Weights, load_vocabulary
from matchmaker.matching.evaluate import baselines, flagging, load_eval_set, quality, rank_with
from matchmaker.matching.geography import load_geography
from matchmaker.matching.items import Context

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def engine():
    return Engine(load_geography(SEEDS / "wards.csv"), load_vocabulary(SEEDS / "synonyms.csv"), Weights())


def test_the_engine_beats_each_baseline_on_the_labelled_set(engine):
    data = load_eval_set(SEEDS / "eval", TODAY)
    assert len(data.needs) >= 40 and len(data.offers) >= 30
    fitted = engine.fit(data.needs, data.offers, Context(today=TODAY))
    results = {name: quality(rank_with(fitted, data.needs, scorer), data.gold) for name, scorer in baselines().items()}
    engine_quality = results.pop("engine")
    for name, baseline in results.items():
        assert engine_quality.hit1 > baseline.hit1 and engine_quality.mrr > baseline.mrr, f"{name}: {baseline}"
        assert engine_quality.hit3 >= baseline.hit3, f"{name}: {baseline} vs engine {engine_quality}"
    # Where the engine stands today, so a change that makes it worse is noticed.
    assert engine_quality.hit1 >= 0.9 and engine_quality.hit3 >= 0.97, str(engine_quality)


# Where the engine stands on each set (docs/matching.md), a little below, so a change that makes it worse fails.
FLOORS = {
    "eval": (0.92, 0.98, 0.95),
    "eval-holdout": (0.96, 1.0, 0.98),
    "eval-plain": (0.93, 1.0, 0.95),
    "eval-plain-holdout": (0.80, 0.95, 0.88),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_engine_keeps_its_figures_on_every_set_and_beats_words_or_meaning_alone(engine, name):
    data = load_eval_set(SEEDS / name, TODAY)
    fitted = engine.fit(data.needs, data.offers, Context(today=TODAY))
    scorers = baselines()
    ranked = {key: quality(rank_with(fitted, data.needs, scorers[key]), data.gold) for key in scorers}
    figures = ranked["engine"]
    hit1, hit3, mrr = FLOORS[name]
    assert figures.hit1 >= hit1 and figures.hit3 >= hit3 and figures.mrr >= mrr, str(figures)
    for alone in ("TF-IDF text only", "semantic only"):
        assert figures.mrr > ranked[alone].mrr, f"{alone}: {ranked[alone]} vs engine {figures}"


def test_needs_with_no_right_offer_are_flagged_and_few_answered_ones_are(engine):
    data = load_eval_set(SEEDS / "eval-plain", TODAY)
    assert len(data.no_answer) >= 3
    flagged = flagging(engine.propose(data.needs, data.offers, Context(today=TODAY)), data)
    assert flagged.no_answer_flagged * 3 >= 2 * flagged.no_answer, str(flagged)
    assert flagged.answered_flagged * 10 <= flagged.answered, str(flagged)
