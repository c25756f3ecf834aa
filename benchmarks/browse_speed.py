"""How fast the needs pages answer with 10,000 needs: median and 95th-percentile times, and SQL statements.

Run it from the repository root (about 15 seconds on SQLite):

    .venv/bin/python benchmarks/browse_speed.py
    .venv/bin/python benchmarks/browse_speed.py --needs 20000 --repeat 50

By default it builds a throwaway SQLite database in a temporary folder. To measure PostgreSQL, give it an
empty scratch database (it creates the schema there and fills it; it refuses a database that already has needs):

    createdb matchmaker_bench
    .venv/bin/python benchmarks/browse_speed.py --database-url postgresql://postgres@127.0.0.1:5432/matchmaker_bench

It goes through the whole app (Flask's test client: routing, access rules, templates), not over HTTP, so the
times leave out only the web server. The data is random but seeded (tests/helpers/bulk.py), so runs compare.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, func, inspect, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import Need  # noqa: E402
from matchmaker.services.reference_data import load_reference_data  # noqa: E402
from tests.helpers.bulk import bulk_needs, bulk_organisations  # noqa: E402

KILBURN = "E05013503"


def build(database_url: str, needs: int, seed: int):
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EMAIL_BACKEND": "memory",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        if "need" in inspect(db.engine).get_table_names() and db.session.scalar(select(func.count()).select_from(Need)):
            sys.exit("That database already has needs in it: give the benchmark an empty scratch database.")
        upgrade()
        load_reference_data()
        db.session.commit()
        started = time.perf_counter()
        organisations = bulk_organisations(max(1, needs // 50), seed=seed)
        ids = bulk_needs(needs, organisations, seed=seed)
        print(
            f"Inserted {needs:,} needs for {len(organisations):,} organisations in "
            f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
        engine = db.engine
    return app, engine, ids


def measure(app, engine, url: str, repeat: int) -> tuple[float, float, int]:
    client = app.test_client()
    for _ in range(2):  # warm up: compiled templates, cached SQL
        assert client.get(url).status_code == 200, url
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    times = []
    for _ in range(repeat):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, url
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="an empty scratch database (default: SQLite in a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'benchmark.db'}"
        app, engine, ids = build(url, args.needs, args.seed)
        pages = [
            ("Browse, first page", "/needs"),
            ("Browse, page 50", "/needs?page=50"),
            ("Search with a typo", "/needs?q=englsh"),
            ("Search, two words", "/needs?q=wheelchiar+ramp"),
            ("Priority and ward", f"/needs?priority=good-jobs&ward={KILBURN}"),
            ("A need's page", f"/needs/{ids[len(ids) // 2]}"),
        ]
        print(f"\n{args.repeat} requests each, anonymous reader\n")
        print(f"{'page':<22} {'url':<44} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for label, page_url in pages:
            median, p95, queries = measure(app, engine, page_url, args.repeat)
            print(f"{label:<22} {page_url:<44} {median:>10.1f} {p95:>8.1f} {queries:>8}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
