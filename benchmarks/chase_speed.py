"""How long finding and chasing unanswered introductions takes with many matches in progress.

Run it from the repository root:

    .venv/bin/python benchmarks/chase_speed.py
    .venv/bin/python benchmarks/chase_speed.py --matches 20000

It builds a throwaway SQLite database (or an empty scratch database given with --database-url), inserts
introduced matches of every age (about a third of them past their deadline, half of those answered by one side),
then times: finding the overdue ones (what the officers' queue does on every load, for its banner), the first
`matches chase` run (one alert per overdue match to 3 officers, through the in-memory mail backend), a second run
(which must send nothing), and the officers' "Matches in progress" page.
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import Match, MatchStatus  # noqa: E402
from matchmaker.services import responses  # noqa: E402
from matchmaker.services.reference_data import load_reference_data  # noqa: E402
from tests.helpers.builders import make_offer, make_officer  # noqa: E402
from tests.helpers.bulk import bulk_needs, bulk_organisations  # noqa: E402
from tests.helpers.web import sign_in  # noqa: E402


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"{label}: {(time.perf_counter() - started) * 1000:,.0f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matches", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "EMAIL_BACKEND": "memory",
            "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder}/bench.db",
            "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    rng = random.Random(0)
    with app.app_context():
        upgrade()
        load_reference_data()
        need_ids = bulk_needs(args.matches, bulk_organisations(max(1, args.matches // 50)))
        offer_id = make_offer(quantity=None).id
        officers = [make_officer(email=f"officer{n}@example.org") for n in range(3)]
        email = officers[0].email
        now = datetime.now(UTC)
        rows = []
        for need_id in need_ids:
            age = rng.randint(0, 45)
            answered = rng.random() < 0.5
            rows.append(
                {
                    "need_id": need_id,
                    "offer_id": offer_id,
                    "status": MatchStatus.INTRODUCED,
                    "source": "engine",
                    "reason_text": "",
                    "introduced_at": now - timedelta(days=age),
                    "created_at": now,
                    "updated_at": now,
                    "group_responded_at": now if answered else None,
                    "quantity": Decimal(1),
                }
            )
        db.session.execute(insert(Match), rows)
        db.session.commit()
        print(f"{args.matches:,} introduced matches ({db.engine.dialect.name})")
        overdue = timed("find the overdue matches", responses.overdue_matches)
        print(f"  {len(overdue):,} overdue")
        runner = app.test_cli_runner()
        first = timed("first chase run (alerts)", lambda: runner.invoke(args=["matches", "chase"]).output)
        print("  " + first.strip().splitlines()[-1])
        second = timed("second chase run (nothing new)", lambda: runner.invoke(args=["matches", "chase"]).output)
        print("  " + second.strip().splitlines()[-1])
    client = app.test_client()
    sign_in(client, email)
    timed("officers' queue page (with its overdue banner)", lambda: client.get("/officers/queue"))
    timed("matches in progress, first page", lambda: client.get("/officers/matches"))


if __name__ == "__main__":
    main()
