"""On the labelled evaluation set (seeds/eval), the engine ranks better than every baseline.

benchmarks/match_quality.py prints the same figures with ablations; this test keeps them from sliding back.
"""

from datetime import date
from pathlib import Path

from matchmaker.matching import Engine, Weights, load_vocabulary
from matchmaker.matching.evaluate import baselines, load_eval_set, quality, rank_with
from matchmaker.matching.geography import load_geography
from matchmaker.matching.items import Context

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TODAY = date(2026, 11, 24)


def test_the_engine_beats_each_baseline_on_the_labelled_set():
    geography = load_geography(SEEDS / "wards.csv")
    vocabulary = load_vocabulary(SEEDS / "synonyms.csv")
    data = load_eval_set(SEEDS / "eval", TODAY)
    assert len(data.needs) >= 40 and len(data.offers) >= 30
    fitted = Engine(geography, vocabulary, Weights()).fit(data.needs, data.offers, Context(today=TODAY))
    results = {name: quality(rank_with(fitted, data.needs, scorer), data.gold) for name, scorer in baselines().items()}
    engine = results.pop("engine")
    for name, baseline in results.items():
        assert engine.hit1 > baseline.hit1 and engine.mrr > baseline.mrr, f"{name}: {baseline} vs engine {engine}"
        assert engine.hit3 >= baseline.hit3, f"{name}: {baseline} vs engine {engine}"
    # Where the engine stands today, so a change that makes it worse is noticed.
    assert engine.hit1 >= 0.9 and engine.hit3 >= 0.97, str(engine)
