"""How fast the matching engine is, against the bare floor of the same work.

    .venv/bin/python benchmarks/match_speed.py            10,000 needs x 2,000 offers
    .venv/bin/python benchmarks/match_speed.py --big      100,000 needs x 10,000 offers (memory bound check)
    .venv/bin/python benchmarks/match_speed.py --end-to-end [--big] [--database-url URL]

Prints: the full `propose` computation; refreshing one new need; peak memory; and the floor on the same data
(TF-IDF vectorising, one sparse matrix product, a top-k), so the engine's overhead is visible. Floor and full
run alternately three times (once with --big); medians of wall-clock and CPU time are printed.

--end-to-end writes the same synthetic borough into a database (a new SQLite file by default; with
--database-url, that database's tables are DROPPED and recreated: give it a scratch database), then runs the real
`matchmaker propose` command in a subprocess, alternately with the floor: what an officer or a cron job waits for,
start-up, loading, scoring and saving included. The first run saves every proposal; the reruns find most of them
unchanged. Prints each run's wall clock, the floor's, their ratio, and the command's peak resident memory.
--before DIR also runs the command from another checkout of the code (e.g. `git archive <commit> | tar -x -C DIR`)
on the same database in the same run, for a before-and-after.
"""

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matchmaker.matching import Context, Engine, NeedItem, OfferItem, Weights, load_vocabulary  # noqa: E402
from matchmaker.matching.geography import load_geography  # noqa: E402
from matchmaker.matching.signals import PRIORITIES, SUPPORT_TYPES, UNITS  # noqa: E402

TODAY = date(2026, 11, 24)
TOPICS = (
    "food bank volunteers sorting parcels",
    "english conversation classes for refugees",
    "trustees with finance skills for our board",
    "laptops for older people learning online",
    "wheelchair ramp at the hall entrance",
    "apprenticeships in construction for young people",
    "free room for evening classes",
    "tree planting and litter picks in the park",
    "minibus for day trips",
    "mentoring for job seekers and cv workshops",
    "painting and decorating the youth club",
    "grant for a summer holiday programme",
    "website and social media help",
    "counselling and peer support for carers",
    "kitchen equipment for a lunch club",
)
FILLER = [
    "we",
    "are",
    "a",
    "small",
    "charity",
    "in",
    "the",
    "borough",
    "working",
    "with",
    "families",
    "and",
    "young",
    "people",
    "who",
    "would",
    "really",
    "benefit",
    "from",
    "practical",
    "help",
    "this",
    "year",
    "our",
    "volunteers",
    "run",
    "sessions",
    "every",
    "week",
    "and",
    "need",
    "more",
    "hands",
    "and",
    "equipment",
    "to",
    "keep",
    "going",
    "through",
    "the",
    "winter",
    "months",
    "ahead",
]


def _text(rng: random.Random) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    words = rng.sample(FILLER, 20) + topic.split() + [f"w{rng.randrange(20000)}" for _ in range(8)]
    rng.shuffle(words)
    return topic.capitalize(), " ".join(words)


def borough(needs: int, offers: int, wards: list[str]) -> tuple[list[NeedItem], list[OfferItem]]:
    rng = random.Random(42)
    need_items = []
    for i in range(needs):
        title, description = _text(rng)
        need_items.append(
            NeedItem(
                id=i + 1,
                title=title,
                description=description,
                priorities=frozenset(rng.sample(PRIORITIES, rng.randint(1, 2))),
                wards=frozenset(rng.sample(wards, rng.randint(1, 2))),
                support_types=frozenset(rng.sample(SUPPORT_TYPES, 1)),
                quantity=float(rng.randint(1, 100)),
                unit=rng.choice(UNITS),
                needed_by=TODAY + timedelta(rng.randint(1, 200)),
                posted=TODAY - timedelta(rng.randint(0, 90)),
                organisation_id=rng.randint(1, needs // 5 + 1),
            )
        )
    offer_items = []
    for i in range(offers):
        title, description = _text(rng)
        wide = rng.random() < 0.3
        quantity = float(rng.randint(10, 500))
        offer_items.append(
            OfferItem(
                id=i + 1,
                title=title,
                description=description,
                priorities=frozenset(rng.sample(PRIORITIES, rng.randint(1, 3))),
                wards=frozenset() if wide else frozenset(rng.sample(wards, rng.randint(1, 4))),
                borough_wide=wide,
                support_types=frozenset(rng.sample(SUPPORT_TYPES, rng.randint(1, 2))),
                quantity=quantity,
                remaining=quantity * rng.random(),
                unit=rng.choice(UNITS),
                supplier_id=rng.randint(1, 300),
            )
        )
    return need_items, offer_items


def floor(needs: list[NeedItem], offers: list[OfferItem], top: int) -> float:
    """The least any TF-IDF matcher must do: vectorise, one sparse product, a top-k per need."""
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32)
    matrix = vectorizer.fit_transform(
        [f"{n.title} {n.description}" for n in needs] + [f"{o.title} {o.description}" for o in offers]
    )
    need_m, offer_m = matrix[: len(needs)], matrix[len(needs) :].T.tocsr()
    for start in range(0, len(needs), 2048):
        scores = (need_m[start : start + 2048] @ offer_m).toarray()
        np.argpartition(-scores, top - 1, axis=1)[:, :top]
    return time.perf_counter() - started


def stored_meaning(items: list) -> list:
    """The items with their meaning vectors, as propose finds them stored: encoded here in one batch, as an
    import does, and timed (issue 13: 10,000 needs in under 60 s)."""
    from dataclasses import replace

    from matchmaker.matching import semantic

    semantic.encode(["load the model first"])
    started = time.perf_counter()
    vectors = semantic.encode([semantic.document(i.title, i.description) for i in items])
    print(f"  encoding {len(items):,} texts' meaning in one batch: {time.perf_counter() - started:6.2f} s wall")
    return [replace(i, embedding=semantic.to_bytes(v)) for i, v in zip(items, vectors, strict=True)]


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return float(np.median([r[0] for r in runs])), float(np.median([r[1] for r in runs]))


# End to end: the real command on a real database ---------------------------------------------------------------


def seed_database(database_url: str, needs: list[NeedItem], offers: list[OfferItem]) -> None:
    """Schema by `matchmaker setup`, then the synthetic borough's rows by Core executemany inserts."""
    from decimal import Decimal

    from sqlalchemy import create_engine, insert, select, text

    from matchmaker.models import Contract, Need, Offer, Organisation, Priority, SupportType, Ward
    from matchmaker.models.contracts import offer_priority, offer_support_type, offer_ward
    from matchmaker.models.needs import need_priority, need_support_type, need_ward

    if database_url.startswith("postgresql"):
        with create_engine(database_url).begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    subprocess.run([str(BIN / "matchmaker"), "setup"], env=_env(database_url), check=True, stdout=subprocess.DEVNULL)
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as db:
        ids = {
            table: dict(db.execute(select(key, Model.id)).all())
            for table, Model, key in (
                ("priority", Priority, Priority.slug),
                ("ward", Ward, Ward.ons_code),
                ("support_type", SupportType, SupportType.slug),
            )
        }

        def organisations(kind: str, count: int) -> list[int]:
            rows = [
                {
                    "name": f"Benchmark {kind} {n}",
                    "kind": kind,
                    "status": "approved",
                    "contact_name": "Benchmark",
                    "contact_email": f"{kind}{n}@example.org",
                    "description": "",
                    "borough_wide": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ]
            db.execute(insert(Organisation), rows)
            return list(db.scalars(select(Organisation.id).where(Organisation.kind == kind).order_by(Organisation.id)))

        groups = organisations("vcse", max(n.organisation_id for n in needs))
        suppliers = organisations("supplier", max(o.supplier_id for o in offers))
        db.execute(
            insert(Contract),
            [
                {
                    "ref": f"BENCH-{n}",
                    "supplier_id": supplier,
                    "title": f"Contract {n}",
                    "value": Decimal(1_000_000),
                    "start_date": TODAY - timedelta(365),
                    "end_date": TODAY + timedelta(3 * 365),
                    "manager_email": "contracts@example.org",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, supplier in enumerate(suppliers)
            ],
        )
        contract_of = dict(db.execute(select(Contract.supplier_id, Contract.id)).all())
        db.execute(
            insert(Need),
            [
                {
                    "id": n.id,
                    "organisation_id": groups[n.organisation_id - 1],
                    "title": n.title,
                    "description": n.description,
                    "borough_wide": n.borough_wide,
                    "quantity": Decimal(n.quantity),
                    "unit": n.unit,
                    "needed_by": n.needed_by,
                    "recurring": False,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                    "published_at": datetime.combine(n.posted, datetime.min.time(), UTC),
                }
                for n in needs
            ],
        )
        db.execute(
            insert(Offer),
            [
                {
                    "id": o.id,
                    "contract_id": contract_of[suppliers[o.supplier_id - 1]],
                    "title": o.title,
                    "description": o.description,
                    "borough_wide": o.borough_wide,
                    "quantity": Decimal(o.quantity),
                    "allocated": Decimal(o.quantity - o.remaining).quantize(Decimal("0.01"), "ROUND_DOWN"),
                    "unit": o.unit,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for o in offers
            ],
        )
        for items, owner, links in (
            (needs, "need_id", (need_priority, need_ward, need_support_type)),
            (offers, "offer_id", (offer_priority, offer_ward, offer_support_type)),
        ):
            for link, tags, table in zip(links, ("priorities", "wards", "support_types"), ids, strict=True):
                tag_column = f"{table}_id"
                rows = [{owner: i.id, tag_column: ids[table][t]} for i in items for t in getattr(i, tags)]
                if rows:
                    db.execute(insert(link), rows)
        if database_url.startswith("postgresql"):  # ids were given explicitly: move the sequences past them
            for table in ("need", "offer"):
                db.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
            db.execute(text("ANALYZE"))
    engine.dispose()


BIN = Path(sys.executable).parent


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "MATCHMAKER_ENV": "development"}


def run_propose(database_url: str, source: str | None = None) -> tuple[float, float, float, str]:
    """`matchmaker propose --top 5` in a subprocess: wall seconds, CPU seconds, peak RSS in MB, its summary line.

    source: another checkout of the code to run instead (say, an older commit, for a before-and-after)."""
    started = time.perf_counter()
    env = _env(database_url)
    if source:
        env["PYTHONPATH"] = source
    command = subprocess.Popen(
        [str(BIN / "matchmaker"), "propose", "--top", "5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = command.stdout.read()
    _, status, usage = os.wait4(command.pid, 0)
    wall = time.perf_counter() - started
    command.returncode = os.waitstatus_to_exitcode(status)
    if command.returncode:
        raise SystemExit(f"matchmaker propose failed:\n{output}")
    summary = next((line for line in output.splitlines() if line.startswith("Done in")), "")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary


def end_to_end(n_needs: int, n_offers: int, database_url: str | None, repeats: int, before: str | None) -> None:
    geography = load_geography(ROOT / "seeds" / "wards.csv")
    needs, offers = borough(n_needs, n_offers, [w.code for w in geography.wards])
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/propose.db"
        started = time.perf_counter()
        seed_database(url, needs, offers)
        where = url.split("://")[0].split("+")[0]
        print(
            f"Synthetic borough in {where}: {n_needs:,} open needs x {n_offers:,} offers "
            f"(written in {time.perf_counter() - started:.0f} s); `matchmaker propose --top 5` end to end"
        )
        for run in range(repeats):
            floor_wall, floor_cpu = _timed(lambda: floor(needs, offers, 5))
            wall, cpu, peak_mb, summary = run_propose(url)
            kind = "first run, every proposal new" if run == 0 else "rerun, proposals diffed"
            print(
                f"  run {run + 1} ({kind}):\n"
                f"    matchmaker propose: {wall:6.2f} s wall {cpu:6.2f} s CPU  peak RSS {peak_mb:5.0f} MB\n"
                f"    floor, same run:    {floor_wall:6.2f} s wall {floor_cpu:6.2f} s CPU  "
                f"-> {wall / floor_wall:.2f}x the floor by wall clock, {cpu / floor_cpu:.2f}x by CPU\n"
                f"    {summary}"
            )
            if before:
                old_wall, old_cpu, old_mb, _ = run_propose(url, before)
                print(
                    f"    before ({before}): {old_wall:6.2f} s wall {old_cpu:6.2f} s CPU  peak RSS {old_mb:5.0f} MB"
                    f"  -> {old_wall / floor_wall:.2f}x the floor by wall clock, {old_cpu / floor_cpu:.2f}x by CPU"
                )


def main() -> None:
    big = "--big" in sys.argv
    if "--end-to-end" in sys.argv:
        url = sys.argv[sys.argv.index("--database-url") + 1] if "--database-url" in sys.argv else None
        before = sys.argv[sys.argv.index("--before") + 1] if "--before" in sys.argv else None
        end_to_end(*((100_000, 10_000) if big else (10_000, 2_000)), url, repeats=2 if big else 3, before=before)
        return
    n_needs, n_offers = (100_000, 10_000) if big else (10_000, 2_000)
    geography = load_geography(ROOT / "seeds" / "wards.csv")
    synonyms = ROOT / "seeds" / "synonyms.csv"
    vocabulary = load_vocabulary(synonyms) if synonyms.exists() else None
    needs, offers = borough(n_needs, n_offers, [w.code for w in geography.wards])
    needs, offers = stored_meaning(needs), stored_meaning(offers)
    engine = Engine(geography, vocabulary, Weights())
    context = Context(today=TODAY)
    print(f"Synthetic borough: {n_needs:,} open needs x {n_offers:,} offers, top 5 per need")

    # Floor and full computation alternate, several times: on a shared machine one run of each can land in
    # different moments of someone else's load. Medians of wall-clock and of CPU time (the process's own
    # work, less disturbed by other processes) are printed, and the ratio of the medians.
    repeats = 1 if big else 3
    floors, fulls, made = [], [], {}

    def full_run():
        made["fitted"] = engine.fit(needs, offers, context)
        made["proposals"] = made["fitted"].propose(needs, top=5)

    for _ in range(repeats):
        floors.append(_timed(lambda: floor(needs, offers, 5)))
        made.clear()  # the last run's results are freed before the next, as a real run would
        fulls.append(_timed(full_run))
    (floor_wall, floor_cpu), (full_wall, full_cpu) = _medians(floors), _medians(fulls)
    print(
        f"  floor (TF-IDF + one sparse product + top-k):  {floor_wall:6.2f} s wall  {floor_cpu:6.2f} s CPU"
        f"  (median of {repeats})"
    )
    print(
        f"  full propose computation:                      {full_wall:6.2f} s wall  {full_cpu:6.2f} s CPU"
        f"  ({full_wall / floor_wall:.2f}x the floor by wall clock, {full_cpu / floor_cpu:.2f}x by CPU)"
    )
    fitted, proposals = made["fitted"], made.pop("proposals")
    print(f"  proposals made:                                {len(proposals):,}")
    del proposals

    # A need the fitted model has never seen: vectorised with the borough's word weights, scored, ranked.
    from dataclasses import replace as copy_with

    # Its meaning is encoded as part of the refresh (embedding=None), as when a need is first saved.
    new_need = copy_with(
        needs[len(needs) // 2], id=len(needs) + 1, title="Volunteers to paint our youth club hall", embedding=None
    )
    fitted.propose([new_need], top=5)  # warm
    runs = []
    for _ in range(50):
        started = time.perf_counter()
        fitted.propose([new_need], top=5)
        runs.append(time.perf_counter() - started)
    print(f"  refreshing one new need (median of 50):        {1000 * sorted(runs)[25]:6.1f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max resident set of the process): {peak_mb:6.0f} MB")


if __name__ == "__main__":
    main()
