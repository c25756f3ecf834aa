"""How well the matching engine ranks offers for needs, against baselines, on a labelled set.

    .venv/bin/python benchmarks/match_quality.py [FOLDER]      (default: seeds/eval)

Prints hit@1, hit@3 and mean reciprocal rank for: random, priorities only, TF-IDF text only, a plain
unweighted sum of the signals, and the engine; then ablations showing what each part of the engine adds.
"""

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matchmaker.matching import Engine, Vocabulary, Weights, load_vocabulary  # noqa: E402
from matchmaker.matching.evaluate import baselines, load_eval_set, quality, rank_with  # noqa: E402
from matchmaker.matching.geography import load_geography  # noqa: E402
from matchmaker.matching.items import Context  # noqa: E402

TODAY = date(2026, 11, 24)  # fixed, so results do not drift with the calendar


def evaluate(folder: Path, engine: Engine, scorer_names=None):
    data = load_eval_set(folder, TODAY)
    fitted = engine.fit(data.needs, data.offers, Context(today=TODAY))
    results = {}
    for name, scorer in baselines().items():
        if scorer_names is None or name in scorer_names:
            results[name] = quality(rank_with(fitted, data.needs, scorer), data.gold)
    return data, results


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "seeds" / "eval"
    geography = load_geography(ROOT / "seeds" / "wards.csv")
    synonyms = ROOT / "seeds" / "synonyms.csv"
    vocabulary = load_vocabulary(synonyms) if synonyms.exists() else Vocabulary.empty()
    engine = Engine(geography, vocabulary, Weights())
    data, results = evaluate(folder, engine)
    print(f"Labelled set: {folder} ({len(data.needs)} needs, {len(data.offers)} offers)\n")
    print(f"{'ranking':<34} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
    for name, q in results.items():
        print(f"{name:<34} {q.hit1:>6.3f} {q.hit3:>6.3f} {q.mrr:>6.3f}")
    print("\nAblations (engine with one part changed):")
    ablations = {
        "without the synonym vocabulary": Engine(geography, vocabulary, Weights(), use_concepts=False),
        "without location": Engine(geography, vocabulary, replace(Weights(), location=0.0)),
        "without support-type fit (filter kept)": Engine(geography, vocabulary, replace(Weights(), support=0.0)),
        "without priorities": Engine(geography, vocabulary, replace(Weights(), priority=0.0)),
    }
    for name, variant in ablations.items():
        _, r = evaluate(folder, variant, {"engine"})
        q = r["engine"]
        print(f"{name:<42} {q.hit1:>6.3f} {q.hit3:>6.3f} {q.mrr:>6.3f}")


if __name__ == "__main__":
    main()
