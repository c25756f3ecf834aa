"""How fast the impact dashboard answers with 50,000 matches: median and 95th-percentile times, and SQL statements.

Run it from the repository root (about a minute on SQLite, most of it building the data):

    .venv/bin/python benchmarks/impact_speed.py
    .venv/bin/python benchmarks/impact_speed.py --matches 100000 --repeat 10

By default it builds a throwaway SQLite database in a temporary folder. To measure PostgreSQL, give it an
empty scratch database (it creates the schema there and fills it; it refuses a database that already has needs):

    createdb matchmaker_bench
    .venv/bin/python benchmarks/impact_speed.py --database-url postgresql://postgres@127.0.0.1:5432/matchmaker_bench

It goes through the whole app (Flask's test client: routing, access rules, templates, SVG drawing), not over
HTTP. The officer's dashboard also runs the matching engine's unmatched report over every open need, so it is
timed separately. The data is random but seeded, so runs compare.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, func, insert, inspect, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Contract,
    Delivery,
    Match,
    MatchStatus,
    Measure,
    Need,
    Offer,
    OfferStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    Unit,
    utcnow,
)
from matchmaker.models.contracts import offer_priority, offer_support_type  # noqa: E402
from matchmaker.services import impact  # noqa: E402
from matchmaker.services.reference_data import load_reference_data  # noqa: E402
from tests.helpers.builders import make_officer  # noqa: E402
from tests.helpers.bulk import bulk_needs, bulk_organisations  # noqa: E402
from tests.helpers.web import sign_in  # noqa: E402

STATUSES = (
    [MatchStatus.VERIFIED] * 4
    + [MatchStatus.IN_DELIVERY] * 2
    + [MatchStatus.DELIVERED, MatchStatus.INTRODUCED, MatchStatus.APPROVED, MatchStatus.CANCELLED, MatchStatus.FAILED]
)


def build(database_url: str, matches: int, seed: int):
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EMAIL_BACKEND": "memory",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "IMPACT_CACHE_SECONDS": 0,  # every request computes the figures afresh; the cached case is timed apart
        }
    )
    rng = random.Random(seed)
    with app.app_context():
        if "need" in inspect(db.engine).get_table_names() and db.session.scalar(select(func.count()).select_from(Need)):
            sys.exit("That database already has needs in it: give the benchmark an empty scratch database.")
        upgrade()
        load_reference_data()
        db.session.commit()
        started = time.perf_counter()
        groups = bulk_organisations(max(1, matches // 100), seed=seed)
        need_ids = bulk_needs(matches // 2, groups, seed=seed)
        now = utcnow()
        year = impact.financial_year_of(date.today())
        priority_ids = list(db.session.scalars(select(Priority.id)))
        measures = list(
            db.session.scalars(
                insert(Measure).returning(Measure.id),
                [
                    {
                        "code": f"BM-{u.value}-{n}",
                        "name": f"Benchmark {u.value} {n}",
                        "unit": u,
                        "priority_id": priority_ids[n % 5],
                        "proxy_value": Decimal(rng.randint(5, 40)) if n % 2 else None,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, u in enumerate([Unit.HOURS, Unit.ITEMS, Unit.POUNDS] * 3)
                ],
            )
        )
        suppliers = list(
            db.session.scalars(
                insert(Organisation).returning(Organisation.id),
                [
                    {
                        "name": f"Bench Supplier {n} Ltd",
                        "kind": OrganisationKind.SUPPLIER,
                        "status": OrganisationStatus.APPROVED,
                        "contact_name": "Bench",
                        "contact_email": f"s{n}@bench.example.org",
                        "description": "",
                        "borough_wide": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(100)
                ],
            )
        )
        contracts = list(
            db.session.scalars(
                insert(Contract).returning(Contract.id),
                [
                    {
                        "ref": f"BC-BENCH-{n:04d}",
                        "supplier_id": suppliers[n % len(suppliers)],
                        "title": f"Bench contract {n}",
                        "value": Decimal(rng.randint(100, 10_000) * 1000),
                        "start_date": year.start - timedelta(days=180),
                        "end_date": year.end + timedelta(days=365),
                        "manager_email": "cm@brent.example.org",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(400)
                ],
            )
        )
        units = [Unit.HOURS, Unit.ITEMS, Unit.POUNDS]
        offer_rows = []
        for n in range(2000):
            unit = units[n % 3]
            offer_rows.append(
                {
                    "contract_id": contracts[n % len(contracts)],
                    "title": f"Bench offer {n}",
                    "description": "Help",
                    "borough_wide": True,
                    "quantity": Decimal(1_000_000),
                    "unit": unit,
                    "allocated": Decimal(0),
                    "status": OfferStatus.ACTIVE,
                    "measure_id": measures[(n % 3) + 3 * (n % 2)],
                    "created_at": now - timedelta(days=rng.randint(0, 200)),
                    "updated_at": now,
                }
            )
        offers = list(db.session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), offer_rows))
        db.session.execute(
            offer_priority.insert(), [{"offer_id": o, "priority_id": priority_ids[o % 5]} for o in offers]
        )
        db.session.execute(offer_support_type.insert(), [{"offer_id": o, "support_type_id": 1} for o in offers])
        match_rows = [
            {
                "need_id": rng.choice(need_ids),
                "offer_id": rng.choice(offers),
                "quantity": Decimal(rng.randint(1, 40)),
                "status": rng.choice(STATUSES),
                "source": "engine",
                "reason_text": "",
                "created_at": now - timedelta(days=rng.randint(0, 200)),
                "updated_at": now,
            }
            for _ in range(matches)
        ]
        match_ids = list(
            db.session.scalars(insert(Match).returning(Match.id, sort_by_parameter_order=True), match_rows)
        )
        delivery_rows = []
        for match_id, row in zip(match_ids, match_rows, strict=True):
            if row["status"] in (MatchStatus.APPROVED, MatchStatus.INTRODUCED):
                continue
            quantity = row["quantity"]
            verified = row["status"] in (MatchStatus.VERIFIED, MatchStatus.CANCELLED) or rng.random() < 0.5
            delivery_rows.append(
                {
                    "match_id": match_id,
                    "quantity": quantity,
                    "note": "",
                    "received_note": "",
                    "delivered_on": date.today() - timedelta(days=rng.randint(0, 200)),
                    "reported_at": now,
                    "received_quantity": quantity if verified else None,
                    "confirmed_at": now if verified else None,
                    "verified_quantity": quantity if verified else None,
                    "verified_at": now if verified else None,
                    "story": "It helped." if verified else "",
                    "story_shared": verified and rng.random() < 0.1,
                }
            )
        db.session.execute(insert(Delivery), delivery_rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:  # as autovacuum would: the planner needs row counts
                connection.execute(text("ANALYZE"))
                connection.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        officer = make_officer().email
        print(
            f"Inserted {len(need_ids):,} needs, {len(offers):,} offers, {matches:,} matches and "
            f"{len(delivery_rows):,} deliveries in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
        engine = db.engine
    return app, engine, officer


def measure(client, engine, url: str, repeat: int) -> tuple[float, float, int]:
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
    parser.add_argument("--matches", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", help="an empty scratch database (default: SQLite in a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'benchmark.db'}"
        app, engine, officer = build(url, args.matches, args.seed)
        public, signed_in = app.test_client(), app.test_client()
        sign_in(signed_in, officer)
        with app.app_context():
            year = impact.financial_year_of(date.today())
            started = time.perf_counter()
            figures = impact.headline_figures(year.start, year.end)
            print(
                f"headline_figures() for {year.label}: {(time.perf_counter() - started) * 1000:.0f} ms; "
                f"verified value £{figures['offers']['verified']['value_pounds']:,}"
            )
        pages = [
            ("Dashboard, the public", public, "/impact"),
            ("Dashboard, value map", public, "/impact?map=value"),
            ("Open data (JSON)", public, "/impact/open-data?format=json"),
            ("Annual report page", public, "/impact/annual-report"),
            ("Dashboard, an officer", signed_in, "/impact"),
        ]
        print(f"\n{args.repeat} requests each\n")
        print(f"{'page':<24} {'url':<34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for label, client, page_url in pages:
            median, p95, queries = measure(client, engine, page_url, args.repeat)
            print(f"{label:<24} {page_url:<34} {median:>10.1f} {p95:>8.1f} {queries:>8}")
        app.config["IMPACT_CACHE_SECONDS"] = 120
        median, p95, queries = measure(public, engine, "/impact", args.repeat)
        print(f"{'Dashboard, cached':<24} {'/impact (within 2 minutes)':<34} {median:>10.1f} {p95:>8.1f} {queries:>8}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
