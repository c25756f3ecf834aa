"""Single-request times and SQL query counts of the pages the load test requests, on the load-test database.

Run after benchmarks/load_test.py has prepared its database. Each page is requested through Flask's test client
(no HTTP, no gunicorn) --repeat times; it prints the median and best time, the queries one request runs, and
the time spent in SQL. With --profile PAGE it prints cProfile's top functions for that page.

    .venv/bin/python benchmarks/page_profile.py --database-url postgresql://postgres@127.0.0.1:5432/loadtest_ops
    .venv/bin/python benchmarks/page_profile.py --database-url ... --profile "search needs"
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "load test password kettle"


def pages(ids: dict) -> list[tuple[str, str | None, str]]:
    """(name, who is signed in, path): one of each request the load test makes."""
    need, offer, proposal = ids["need"], ids["offer"], ids["proposal"]
    return [
        ("browse needs", None, "/needs?page=37"),
        ("filter needs", None, "/needs?priority=environment&ward=E05013503"),
        ("search needs", None, "/needs?q=englsh+lessons"),
        ("search needs (3 words)", None, "/needs?q=mentoring+young+people"),
        ("read a need", None, f"/needs/{need}"),
        ("browse offers", "supplier", "/offers?page=7"),
        ("read an offer", "supplier", f"/offers/{offer}"),
        ("officer queue", "officer", "/officers/queue?sort=score&page=7"),
        ("officer queue (age)", "officer", "/officers/queue?sort=age&page=7"),
        ("officer queue (needed by)", "officer", "/officers/queue?sort=needed_by&page=7"),
        ("officer queue (filtered)", "officer", "/officers/queue?priority=environment&ward=E05013503"),
        ("officer decision", "officer", f"/officers/queue/proposal/{proposal}"),
        ("officer need review", "officer", f"/officers/needs/{need}"),
        ("api needs", "api", "/api/v1/needs?page=7"),
        ("api need", "api", f"/api/v1/needs/{need}"),
        ("api offers", "api", "/api/v1/offers?page=7"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOADTEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/loadtest_ops"),
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", help="name of one page to profile with cProfile")
    parser.add_argument("--only", help="only the pages whose name starts with this")
    args = parser.parse_args()

    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event, select

    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.models import ApiToken, Need, NeedStatus, Offer, Proposal, User
    from matchmaker.services import api_tokens

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "page-profile",
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "EMAIL_BACKEND": "memory",
            "LOGIN_RATE_LIMIT": "10000 per minute",
            "API_RATE_LIMIT": "100000 per minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        ids = {
            "need": db.session.scalar(
                select(Need.id).where(Need.status == NeedStatus.OPEN).order_by(Need.id).offset(500).limit(1)
            ),
            "offer": db.session.scalar(select(Offer.id).order_by(Offer.id).offset(100).limit(1)),
            "proposal": db.session.scalar(select(Proposal.id).order_by(Proposal.id).offset(1000).limit(1)),
        }
        owner = db.session.scalar(select(User).where(User.email == "officer0@loadtest.example.org"))
        if owner is None:
            sys.exit("Prepare the database first: run benchmarks/load_test.py on it once.")
        token, raw = api_tokens.create_token(owner, "Page profile", datetime.now(UTC).date() + timedelta(days=1))
        db.session.commit()
        token_id = token.id
        db.session.remove()

        statements: list[float] = []
        started: list[float] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _before(*_):
            started.append(time.perf_counter())

        @event.listens_for(db.engine, "after_cursor_execute")
        def _after(*_):
            statements.append(time.perf_counter() - started.pop())

    clients = {
        None: app.test_client(),
        "officer": app.test_client(),
        "supplier": app.test_client(),
        "api": app.test_client(),
    }
    for who in ("officer", "supplier"):
        form = clients[who].get("/sign-in").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        response = clients[who].post(
            "/sign-in", data={"email": f"{who}0@loadtest.example.org", "password": PASSWORD, "csrf_token": csrf}
        )
        assert response.status_code == 302, response.status_code
    headers = {"api": {"Authorization": f"Bearer {raw}"}}

    print(f"{'page':<28} {'median ms':>10} {'best ms':>8} {'queries':>8} {'SQL ms':>7}")
    try:
        for name, who, path in pages(ids):
            if args.only and not name.startswith(args.only):
                continue
            client = clients[who]
            times, counts, sql = [], [], []
            for n in range(args.repeat + 1):
                statements.clear()
                profiler = cProfile.Profile() if args.profile == name and n == args.repeat else None
                t0 = time.perf_counter()
                if profiler:
                    profiler.enable()
                response = client.get(path, headers=headers.get(who, {}))
                if profiler:
                    profiler.disable()
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code != 200:
                    sys.exit(f"{path}: {response.status_code}")
                if n and not profiler:  # the first request warms caches
                    times.append(elapsed)
                    counts.append(len(statements))
                    sql.append(sum(statements) * 1000)
                if profiler:
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            print(
                f"{name:<28} {statistics.median(times):>10.1f} {min(times):>8.1f} {statistics.median(counts):>8.0f} "
                f"{statistics.median(sql):>7.1f}"
            )
    finally:
        with app.app_context():
            token = db.session.get(ApiToken, token_id)
            api_tokens.revoke_token(token, token.user)
            db.session.commit()


if __name__ == "__main__":
    main()
