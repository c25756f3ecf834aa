"""Load test: gunicorn with several workers on PostgreSQL, loaded like a busy council service.

It prepares a PostgreSQL database with 10,000 needs, 2,000 offers and the matching engine's 50,000 proposals
(bulk inserts, then the engine itself), starts gunicorn with `gunicorn.conf.py` (4 workers by default), and
runs virtual users over HTTP for a while: visitors browsing needs, people searching (with typos), suppliers
browsing offers (signed in), and brokerage officers working the queue (signed in). With an API token in
MATCHMAKER_LOADTEST_API_TOKEN it adds API reads (/api/v1/needs and /api/v1/offers). It prints throughput and
p50/p95/p99 latency for each kind of request and overall, and the errors (any status of 400 or more, or a
failed connection). The target is p95 under 100 ms with 4 workers, and no errors.

    createdb -h 127.0.0.1 -U postgres loadtest_ops
    .venv/bin/python benchmarks/load_test.py --database-url postgresql://postgres@127.0.0.1:5432/loadtest_ops
    .venv/bin/python benchmarks/load_test.py --database-url ... --users 8 --duration 120   # harder

The database is prepared once (about a minute) and reused by later runs; --fresh empties it first (everything in
it is lost: use a scratch database). The load generator runs on the same machine as gunicorn and PostgreSQL,
so on a small machine it takes some of the CPU it is measuring.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "load test password kettle"
SEARCHES = ["englsh lessons", "wheelchiar ramp", "laptop", "food bank", "mentoring young people", "footbal",
            "accountant trustees", "minibus", "tree planting", "homework club", "coding", "kitchen"]
PRIORITIES = ["good-jobs", "inclusive-economy", "reducing-inequalities", "environment", "vcse-capacity"]
WARDS = ["E05013503", "E05013515", "E05013510", "E05013500", "E05013507"]
SORTS = ["score", "age", "needed_by"]


# Preparing the database -----------------------------------------------------------------------------------------


def prepare(database_url: str, fresh: bool, needs: int, offers: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, inspect, select, text

    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.models import Need, Offer, Organisation, OrganisationKind, Proposal, Role, User
    from matchmaker.services import matching
    from matchmaker.services.reference_data import load_reference_data
    from tests.helpers.bulk import bulk_needs, bulk_organisations, bulk_suppliers_and_offers

    app = create_app({"ENV": "testing", "SECRET_KEY": "load-test-preparation", "SQLALCHEMY_DATABASE_URI": database_url,
                      "EMAIL_BACKEND": "memory", "PASSWORD_HASH_METHOD": "scrypt"})
    with app.app_context():
        if fresh:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_reference_data()
        db.session.commit()
        has_needs = "need" in inspect(db.engine).get_table_names() and db.session.scalar(
            select(func.count()).select_from(Need))
        if not has_needs:
            started = time.perf_counter()
            groups = bulk_organisations(needs // 20, seed=8)
            bulk_needs(needs, groups, seed=8)
            bulk_suppliers_and_offers(offers, seed=8)
            print(f"inserted {needs:,} needs and {offers:,} offers in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            matching.refresh_all(top=5)
            db.session.commit()
            print(f"the engine proposed matches in {time.perf_counter() - started:.1f} s")
            people = [("officer", Role.OFFICER, None), ("admin", Role.ADMIN, None),
                      ("supplier", Role.SUPPLIER_MEMBER, OrganisationKind.SUPPLIER),
                      ("group", Role.GROUP_MEMBER, OrganisationKind.VCSE)]
            for name, role, kind in people:
                for n in range(8):
                    org = db.session.scalar(select(Organisation).where(Organisation.kind == kind).offset(n).limit(1)) \
                        if kind else None
                    user = User(email=f"{name}{n}@loadtest.example.org", full_name=f"Load {name.title()} {n}",
                                role=role, organisation=org)
                    user.set_password(PASSWORD)
                    db.session.add(user)
            db.session.commit()
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Need, Offer, Proposal)}
        print("database: " + ", ".join(f"{n:,} {table}s" for table, n in counts.items()))
        ids = {
            "need": list(db.session.scalars(select(Need.id).order_by(func.random()).limit(2000))),
            "offer": list(db.session.scalars(select(Offer.id).order_by(func.random()).limit(500))),
            "proposal": list(db.session.scalars(select(Proposal.id).order_by(func.random()).limit(2000))),
            "pages": max(1, counts["need"] // app.config["PAGE_SIZE"]),
        }
        db.engine.dispose()
    return ids


# Running gunicorn ----------------------------------------------------------------------------------------------


def start_gunicorn(database_url: str, workers: int, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "MATCHMAKER_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "MATCHMAKER_BASE_URL": f"http://127.0.0.1:{port}", "DATABASE_URL": database_url,
           "MATCHMAKER_SECURE_COOKIES": "false",  # plain HTTP on the loopback; behind TLS in production
           "MATCHMAKER_LOGIN_RATE_LIMIT": "10000 per minute",  # every virtual user signs in from 127.0.0.1
           "MATCHMAKER_LOG_LEVEL": os.environ.get("MATCHMAKER_LOG_LEVEL", "INFO")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = log_path.open("w")
    process = subprocess.Popen([str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers),
                                "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped; see {log_path}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    sys.exit(f"gunicorn did not become ready; see {log_path}")


# Virtual users -------------------------------------------------------------------------------------------------


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task: str, ms: float, ok: bool, detail: str) -> None:
        with self.lock:
            self.samples[task].append(ms)
            if not ok:
                self.errors[task] += 1
                if len(self.error_examples) < 10:
                    self.error_examples.append(detail)


class Browser:
    """One person's keep-alive connection and session cookie."""

    def __init__(self, port: int, headers: dict | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str, float]:
        headers = {**self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, "", (time.perf_counter() - started) * 1000
        elapsed = (time.perf_counter() - started) * 1000
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed

    def sign_in(self, email: str) -> None:
        status, page, _ = self.request("GET", "/sign-in")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _, _ = self.request("POST", "/sign-in", {"csrf_token": token, "email": email, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"sign-in failed for {email}: {status}")


def visitor(rng, ids) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.3:
        return "browse needs", f"/needs?page={rng.randint(1, ids['pages'])}"
    if roll < 0.55:
        return "filter needs", f"/needs?priority={rng.choice(PRIORITIES)}&ward={rng.choice(WARDS)}"
    return "read a need", f"/needs/{rng.choice(ids['need'])}"


def searcher(rng, ids) -> tuple[str, str]:
    return "search needs", "/needs?" + urllib.parse.urlencode({"q": rng.choice(SEARCHES)})


def supplier(rng, ids) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.5:
        return "browse offers", f"/offers?page={rng.randint(1, 40)}"
    if roll < 0.75:
        return "read an offer", f"/offers/{rng.choice(ids['offer'])}"
    return "read a need", f"/needs/{rng.choice(ids['need'])}"


def officer(rng, ids) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.45:
        return "officer queue", f"/officers/queue?sort={rng.choice(SORTS)}&page={rng.randint(1, 20)}"
    if roll < 0.6:
        return "officer queue", f"/officers/queue?priority={rng.choice(PRIORITIES)}&ward={rng.choice(WARDS)}"
    if roll < 0.85:
        return "officer decision", f"/officers/queue/proposal/{rng.choice(ids['proposal'])}"
    return "officer need review", f"/officers/needs/{rng.choice(ids['need'])}"


def api_reader(rng, ids) -> tuple[str, str]:
    if rng.random() < 0.6:
        return "api needs", f"/api/v1/needs?page={rng.randint(1, 50)}"
    return "api offers", f"/api/v1/offers?page={rng.randint(1, 20)}"


def run_user(number: int, kind: str, port: int, ids: dict, stop_at: float, record_from: float,
             results: Results, think: float) -> None:
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {os.environ['MATCHMAKER_LOADTEST_API_TOKEN']}"} if kind == "api" else {}
    browser = Browser(port, headers)
    if kind in ("supplier", "officer"):
        browser.sign_in(f"{kind}{number % 8}@loadtest.example.org")
    choose = {"visitor": visitor, "searcher": searcher, "supplier": supplier, "officer": officer,
              "api": api_reader}[kind]
    while (now := time.monotonic()) < stop_at:
        task, path = choose(rng, ids)
        status, _, ms = browser.request("GET", path)
        if now >= record_from:
            results.add(task, ms, 200 <= status < 400, f"{status} GET {path}")
        if think:
            time.sleep(rng.uniform(0, 2 * think))


def mix(users: int, with_api: bool) -> list[str]:
    """The virtual users, in proportions of a busy day: mostly anonymous readers, a few officers."""
    cycle = ["visitor", "officer", "searcher", "supplier", "visitor", "officer", "searcher", "visitor"]
    if with_api:
        cycle = cycle[:4] + ["api"] + cycle[4:]
    return [cycle[n % len(cycle)] for n in range(users)]


# Reporting -----------------------------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(results: Results, seconds: float, workers: int, users: list[str]) -> bool:
    every = sorted(ms for samples in results.samples.values() for ms in samples)
    errors = sum(results.errors.values())
    print(f"\n{len(users)} virtual users ({', '.join(f'{users.count(k)} {k}' for k in dict.fromkeys(users))}), "
          f"gunicorn with {workers} workers, {seconds:.0f} s measured\n")
    print(f"{'request':<22} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for task in sorted(results.samples):
        ordered = sorted(results.samples[task])
        print(f"{task:<22} {len(ordered):>7} {len(ordered) / seconds:>7.1f} {statistics.median(ordered):>8.1f} "
              f"{percentile(ordered, 0.95):>8.1f} {percentile(ordered, 0.99):>8.1f} {results.errors[task]:>7}")
    if not every:
        print("no requests completed")
        return False
    p95 = percentile(every, 0.95)
    print(f"{'all':<22} {len(every):>7} {len(every) / seconds:>7.1f} {statistics.median(every):>8.1f} "
          f"{p95:>8.1f} {percentile(every, 0.99):>8.1f} {errors:>7}")
    for example in results.error_examples:
        print("  error:", example)
    met = p95 < 100 and errors == 0
    print(f"\ntarget p95 < 100 ms and no errors: {'met' if met else 'NOT met'} (p95 {p95:.1f} ms, {errors} errors)")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/loadtest_ops"))
    parser.add_argument("--fresh", action="store_true", help="empty the database and prepare it again")
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=8, help="virtual users at once (default 8)")
    parser.add_argument("--duration", type=float, default=60, help="seconds measured (default 60)")
    parser.add_argument("--warmup", type=float, default=15, help="seconds run before measuring (default 15)")
    parser.add_argument("--think", type=float, default=0.05,
                        help="average pause between one user's requests, seconds (default 0.05)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not args.database_url.startswith(("postgresql", "postgres://")):
        sys.exit("The load test runs on PostgreSQL: give --database-url postgresql://...")

    ids = prepare(args.database_url, args.fresh, args.needs, args.offers)
    log_path = Path(tempfile.gettempdir()) / f"matchmaker-loadtest-{args.port}.log"
    server = start_gunicorn(args.database_url, args.workers, args.port, log_path)
    with_api = bool(os.environ.get("MATCHMAKER_LOADTEST_API_TOKEN"))
    users = mix(args.users, with_api)
    results = Results()
    record_from = time.monotonic() + args.warmup
    stop_at = record_from + args.duration
    try:
        threads = [threading.Thread(target=run_user, daemon=True,
                                    args=(n, kind, args.port, ids, stop_at, record_from, results, args.think))
                   for n, kind in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()  # graceful: workers finish the request in hand
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
    met = report(results, args.duration, args.workers, users)
    if not with_api:
        print("API reads not included: set MATCHMAKER_LOADTEST_API_TOKEN to a personal API token to add them.")
    print(f"gunicorn's log: {log_path}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
