"""How well the matching engine ranks offers for needs, against baselines, on every labelled set.

    .venv/bin/python benchmarks/match_quality.py [FOLDER ...]      (default: every seeds/eval* folder)

For each set prints hit@1, hit@3 and mean reciprocal rank for: random, priorities only, TF-IDF text only,
semantic only, a plain unweighted sum of the signals, and the engine; then the engine without each signal (its
weight set to 0) and without the synonym vocabulary; then how "no good match yet" flags needs with no right offer
(labelled `none`) and needs with one. Baselines rank every offer; the engine drops offers whose type cannot meet
the need. seeds/eval-plain-holdout is the held-out part: read its figures, never its misses.
"""

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matchmaker.matching import Engine, Vocabulary, Weights, load_vocabulary  # noqa: E402
from matchmaker.matching.evaluate import baselines, flagging, load_eval_set, quality, rank_with  # noqa: E402
from matchmaker.matching.geography import load_geography  # noqa: E402
from matchmaker.matching.items import Context  # noqa: E402
from matchmaker.matching.weights import COMPONENTS  # noqa: E402

TODAY = date(2026, 11, 24)  # fixed, so results do not drift with the calendar


def evaluate(data, engine: Engine, scorer_names=None):
    fitted = engine.fit(data.needs, data.offers, Context(today=TODAY))
    return {
        name: quality(rank_with(fitted, data.needs, scorer), data.gold)
        for name, scorer in baselines().items()
        if scorer_names is None or name in scorer_names
    }


def line(name: str, q) -> str:
    return f"  {name:<40} {q.hit1:>6.3f} {q.hit3:>6.3f} {q.mrr:>6.3f}"


def report(folder: Path, geography, vocabulary) -> None:
    data = load_eval_set(folder, TODAY)
    weights = Weights()
    print(
        f"\n{folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}: {len(data.needs)} needs "
        f"({len(data.no_answer)} with no right offer), {len(data.offers)} offers"
    )
    print(f"  {'ranking':<40} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
    for name, q in evaluate(data, Engine(geography, vocabulary, weights)).items():
        print(line(name, q))
    print("  engine without:")
    variants = {f"  {name}": Engine(geography, vocabulary, replace(weights, **{name: 0.0})) for name in COMPONENTS}
    variants["  the synonym vocabulary"] = Engine(geography, vocabulary, weights, use_concepts=False)
    for name, variant in variants.items():
        print(line(name, evaluate(data, variant, {"engine"})["engine"]))
    proposals = Engine(geography, vocabulary, weights).propose(data.needs, data.offers, Context(today=TODAY))
    print(f"  no good match yet: {flagging(proposals, data)}")


def main() -> None:
    folders = [Path(a).resolve() for a in sys.argv[1:]] or sorted(
        p for p in (ROOT / "seeds").glob("eval*") if p.is_dir()
    )
    geography = load_geography(ROOT / "seeds" / "wards.csv")
    synonyms = ROOT / "seeds" / "synonyms.csv"
    vocabulary = load_vocabulary(synonyms) if synonyms.exists() else Vocabulary.empty()
    for folder in folders:
        report(folder, geography, vocabulary)


if __name__ == "__main__":
    main()
