"""Load test: gunicorn with several workers on PostgreSQL, under the load of the borough's busiest hour.

It prepares a PostgreSQL database with 10,000 needs, 2,000 offers and the matching engine's 50,000 proposals
(bulk inserts, then the engine itself), starts gunicorn with `gunicorn.conf.py` (4 workers by default), and
sends it requests for a while from five kinds of people: visitors browsing and filtering needs and reading one
(35%), people searching with typos (15%), suppliers browsing offers (15%, signed in), brokerage officers working
the queue, opening proposals and reviewing needs (20%, signed in), and partners' scripts reading the API (15%,
each with a personal API token). It prints the offered load, the throughput, p50/p95/p99 latency for each kind of
request and overall, and the errors (any status of 400 or more, or a failed connection). The target is p95 under
100 ms with 4 workers, and no errors.

The load model is open: requests arrive at a fixed average rate (Poisson arrivals, --rate) whether or not the
server has answered the earlier ones, as independent people do, and each latency is measured from when the
request was due, so a server that falls behind is charged for the queue it builds; one still unsent 30 s after
it was due counts as an error, so an overloaded run still ends. (A closed loop of users with
no think time measures only saturation: each user sends again the moment it is answered, so latency is simply
users / throughput.) The default, 20 requests/s, is 72,000 an hour: the busiest hour we can imagine for a
borough of about 2,000 partner organisations and a team of officers, some 200 people on the service at once
(after the monthly digest lands, or a local news story), each opening a page every 10 seconds, with partners'
scripts on the API. A normal busy hour is a few thousand requests, a tenth of this.

The API tokens are made for load-test accounts by the app's own token service (hashed and audited, as on the
account page) and revoked when the run ends. The API's rate limit stays at its production value (120 per
minute per token, or MATCHMAKER_API_RATE_LIMIT if set): the run makes enough tokens that each script stays under
half its allowance, as separate partners' scripts would. Only the sign-in limit is raised for the run, because
every virtual person signs in from 127.0.0.1, where in life they come from many addresses.

    createdb -h 127.0.0.1 -U postgres loadtest_ops
    .venv/bin/python benchmarks/load_test.py --database-url postgresql://postgres@127.0.0.1:5432/loadtest_ops
    .venv/bin/python benchmarks/load_test.py --database-url ... --rate 40 --duration 120   # harder

The database is prepared once (about a minute) and reused by later runs; --fresh empties it first (everything in
it is lost: use a scratch database). The load generator runs on the same machine as gunicorn and PostgreSQL,
so on a small machine it takes some of the CPU it is measuring.
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import queue
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
SEARCHES = [
    "englsh lessons",
    "wheelchiar ramp",
    "laptop",
    "food bank",
    "mentoring young people",
    "footbal",
    "accountant trustees",
    "minibus",
    "tree planting",
    "homework club",
    "coding",
    "kitchen",
]
PRIORITIES = ["good-jobs", "inclusive-economy", "reducing-inequalities", "environment", "vcse-capacity"]
WARDS = ["E05013503", "E05013515", "E05013510", "E05013500", "E05013507"]
SORTS = ["score", "age", "needed_by"]
GIVE_UP = 30.0  # seconds: a request not yet sent this long after it was due is counted as an error, not sent


def _app(database_url: str):
    from matchmaker import create_app

    return create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "load-test-preparation",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EMAIL_BACKEND": "memory",
            "PASSWORD_HASH_METHOD": "scrypt",
        }
    )


# Preparing the database -----------------------------------------------------------------------------------------


def prepare(database_url: str, fresh: bool, needs: int, offers: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import func, inspect, select, text

    from matchmaker.extensions import db
    from matchmaker.models import Need, Offer, Organisation, OrganisationKind, Proposal, Role, User
    from matchmaker.services import matching
    from matchmaker.services.reference_data import load_reference_data
    from tests.helpers.bulk import bulk_needs, bulk_organisations, bulk_suppliers_and_offers

    app = _app(database_url)
    with app.app_context():
        if fresh:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_reference_data()
        db.session.commit()
        has_needs = "need" in inspect(db.engine).get_table_names() and db.session.scalar(
            select(func.count()).select_from(Need)
        )
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
            people = [
                ("officer", Role.OFFICER, None),
                ("admin", Role.ADMIN, None),
                ("supplier", Role.SUPPLIER_MEMBER, OrganisationKind.SUPPLIER),
                ("group", Role.GROUP_MEMBER, OrganisationKind.VCSE),
            ]
            for name, role, kind in people:
                for n in range(8):
                    org = (
                        db.session.scalar(select(Organisation).where(Organisation.kind == kind).offset(n).limit(1))
                        if kind
                        else None
                    )
                    user = User(
                        email=f"{name}{n}@loadtest.example.org",
                        full_name=f"Load {name.title()} {n}",
                        role=role,
                        organisation=org,
                    )
                    user.set_password(PASSWORD)
                    db.session.add(user)
            db.session.commit()
            # What autovacuum would have done by now on a live database: statistics, and the visibility map that
            # lets counts be answered from indexes alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Need, Offer, Proposal)
        }
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
    env = {
        **os.environ,
        "MATCHMAKER_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "MATCHMAKER_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "MATCHMAKER_SECURE_COOKIES": "false",  # plain HTTP on the loopback; behind TLS in production
        "MATCHMAKER_LOGIN_RATE_LIMIT": "10000 per minute",  # every virtual user signs in from 127.0.0.1
        "MATCHMAKER_LOG_LEVEL": os.environ.get("MATCHMAKER_LOG_LEVEL", "INFO"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
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


# API tokens ------------------------------------------------------------------------------------------------------


def issue_api_tokens(database_url: str, count: int) -> tuple[list[str], list[int]]:
    """Personal API tokens for partners' scripts, made by the app's own token service as a person would make them
    on their account page (hashed, audited, expiring tomorrow), for load-test accounts of every role."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import User
    from matchmaker.services import api_tokens

    app = _app(database_url)
    raws, ids = [], []
    with app.app_context():
        owners = list(
            db.session.scalars(select(User).where(User.email.like("%@loadtest.example.org")).order_by(User.id))
        )
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        for n in range(count):
            token, raw = api_tokens.create_token(owners[n % len(owners)], f"Load test {n}", tomorrow)
            raws.append(raw)
            ids.append(token.id)
        db.session.commit()
        db.engine.dispose()
    return raws, ids


def revoke_api_tokens(database_url: str, ids: list[int]) -> None:
    """Revoke the run's tokens, so repeated runs never pile up live tokens (the service allows 20 per user)."""
    from matchmaker.extensions import db
    from matchmaker.models import ApiToken
    from matchmaker.services import api_tokens

    app = _app(database_url)
    with app.app_context():
        for token_id in ids:
            token = db.session.get(ApiToken, token_id)
            if token is not None and token.revoked_at is None:
                api_tokens.revoke_token(token, token.user)
        db.session.commit()
        db.engine.dispose()


# The load: who asks for what ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    """One kind of person (or partner's script) and how large a share of the requests they make."""

    kind: str
    share: float


MIX = [
    Persona("visitor", 0.35),
    Persona("searcher", 0.15),
    Persona("supplier", 0.15),
    Persona("officer", 0.20),
    Persona("api", 0.15),
]


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
    roll = rng.random()
    if roll < 0.45:
        return "api needs", f"/api/v1/needs?page={rng.randint(1, 50)}"
    if roll < 0.7:
        return "api need", f"/api/v1/needs/{rng.choice(ids['need'])}"
    return "api offers", f"/api/v1/offers?page={rng.randint(1, 20)}"


CHOOSE = {"visitor": visitor, "searcher": searcher, "supplier": supplier, "officer": officer, "api": api_reader}


# Sending requests ------------------------------------------------------------------------------------------------


@dataclass
class Results:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    started_late: int = 0  # requests a free sender picked up more than 10 ms after they were due
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task: str, ms: float, ok: bool, detail: str, late: bool) -> None:
        with self.lock:
            self.samples[task].append(ms)
            self.started_late += late
            if not ok:
                self.errors[task] += 1
                if len(self.error_examples) < 10:
                    self.error_examples.append(detail)


class Connection:
    """One sender's keep-alive connection; who is asking (cookies, token) comes with each request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(
        self, method: str, path: str, headers: dict | None = None, body: dict | None = None
    ) -> tuple[int, str, list[str]]:
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, "", []
        return response.status, text, response.headers.get_all("Set-Cookie") or []


def sign_in(port: int, email: str) -> dict[str, str]:
    """Sign in as a person would (the form, its CSRF token, the password); returns the session's Cookie header."""
    connection = Connection(port)
    cookies: dict[str, str] = {}

    def remember(set_cookies: list[str]) -> None:
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]

    status, page, set_cookies = connection.request("GET", "/sign-in")
    remember(set_cookies)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    status, _, set_cookies = connection.request(
        "POST", "/sign-in", header, {"csrf_token": token, "email": email, "password": PASSWORD}
    )
    if status != 302:
        raise RuntimeError(f"sign-in failed for {email}: {status}")
    remember(set_cookies)
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def arrivals(rate: float, start: float, stop: float, seed: int):
    """An open stream of requests: Poisson arrivals at `rate` per second, each from a persona drawn by share.

    Open, not a closed loop of users: a closed loop with no think time only measures saturation (each user
    sends the next request the moment the last one returns, so latency is users / throughput). Here requests
    keep arriving at the offered rate whether or not the server keeps up, as people do."""
    rng = random.Random(seed)
    kinds = [p.kind for p in MIX]
    weights = [p.share for p in MIX]
    at = start
    while True:
        at += rng.expovariate(rate)
        if at >= stop:
            return
        yield at, rng.choices(kinds, weights)[0]


def sender(
    number: int, port: int, work: queue.Queue, ids: dict, identities: dict, record_from: float, results: Results
) -> None:
    rng = random.Random(1000 + number)
    connection = Connection(port)
    while (job := work.get()) is not None:
        due, kind = job
        task, path = CHOOSE[kind](rng, ids)
        headers = rng.choice(identities[kind]) if identities.get(kind) else {}
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif -delay > GIVE_UP:  # the server is this far behind: count it as failed rather than wait for ever
            if due >= record_from:
                results.add(task, -delay * 1000, False, f"not sent: the server was {-delay:.0f} s behind", True)
            continue
        started = time.monotonic()
        status, _, _ = connection.request("GET", path, headers)
        # Measured from when the request was due, so a server that falls behind is charged for the wait too.
        ms = (time.monotonic() - due) * 1000
        if due >= record_from:
            results.add(task, ms, 200 <= status < 400, f"{status} GET {path}", started - due > 0.010)


def run_load(
    rate: float, port: int, ids: dict, identities: dict, warmup: float, duration: float, senders: int, results: Results
) -> float:
    """Offer `rate` requests per second for warmup + duration seconds; returns the seconds actually measured."""
    work: queue.Queue = queue.Queue()
    start = time.monotonic() + 0.5
    record_from = start + warmup
    threads = [
        threading.Thread(target=sender, daemon=True, args=(n, port, work, ids, identities, record_from, results))
        for n in range(senders)
    ]
    for thread in threads:
        thread.start()
    stop = record_from + duration
    for due, kind in arrivals(rate, start, stop, seed=8):
        # Hand each request over just before it is due: a sender that is free sleeps the rest itself.
        ahead = due - time.monotonic() - 0.05
        if ahead > 0:
            time.sleep(ahead)
        work.put((due, kind))
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join()  # bounded: each request has a 30 s timeout, and requests GIVE_UP late are not sent
    return duration


# Reporting -----------------------------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(
    results: Results, seconds: float, workers: int, rate: float, senders: int, api_tokens: int, api_limit: str
) -> bool:
    every = sorted(ms for samples in results.samples.values() for ms in samples)
    errors = sum(results.errors.values())
    print(
        f"\noffered load: {rate:g} requests/s ({rate * 3600:,.0f} an hour), Poisson arrivals, "
        f"{seconds:.0f} s measured; shares: " + ", ".join(f"{p.kind} {p.share:.0%}" for p in MIX)
    )
    print(
        f"gunicorn with {workers} workers; up to {senders} requests in flight; API reads with {api_tokens} "
        f"personal tokens under the production limit of {api_limit} each\n"
    )
    print(f"{'request':<22} {'count':>7} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for task in sorted(results.samples):
        ordered = sorted(results.samples[task])
        print(
            f"{task:<22} {len(ordered):>7} {len(ordered) / seconds:>7.1f} {statistics.median(ordered):>8.1f} "
            f"{percentile(ordered, 0.95):>8.1f} {percentile(ordered, 0.99):>8.1f} {results.errors[task]:>7}"
        )
    if not every:
        print("no requests completed")
        return False
    p95 = percentile(every, 0.95)
    print(
        f"{'all':<22} {len(every):>7} {len(every) / seconds:>7.1f} {statistics.median(every):>8.1f} "
        f"{p95:>8.1f} {percentile(every, 0.99):>8.1f} {errors:>7}"
    )
    print(
        f"\nthroughput {len(every) / seconds:.1f} requests/s of {rate:g} offered; "
        f"{results.started_late} requests waited over 10 ms for a free sender"
    )
    for example in results.error_examples:
        print("  error:", example)
    met = p95 < 100 and errors == 0
    print(f"target p95 < 100 ms and no errors: {'met' if met else 'NOT met'} (p95 {p95:.1f} ms, {errors} errors)")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOADTEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/loadtest_ops"),
    )
    parser.add_argument("--fresh", action="store_true", help="empty the database and prepare it again")
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--rate",
        type=float,
        default=20,
        help="requests offered per second, Poisson arrivals (default 20: see the docstring)",
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds measured (default 60)")
    parser.add_argument("--warmup", type=float, default=15, help="seconds run before measuring (default 15)")
    parser.add_argument("--senders", type=int, default=64, help="most requests in flight at once (default 64)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not args.database_url.startswith(("postgresql", "postgres://")):
        sys.exit("The load test runs on PostgreSQL: give --database-url postgresql://...")

    ids = prepare(args.database_url, args.fresh, args.needs, args.offers)
    api_limit = os.environ.get("MATCHMAKER_API_RATE_LIMIT", "120 per minute")
    per_minute = _per_minute(api_limit)
    # Enough tokens that each stays under half its limit at the offered API rate: partners' scripts each have
    # their own token, and the limit is per token, so the run measures the app, not 429s, at production limits.
    api_rate = args.rate * next(p.share for p in MIX if p.kind == "api")
    token_count = max(1, math.ceil(api_rate * 60 / (per_minute / 2)))
    raws, token_ids = issue_api_tokens(args.database_url, token_count)
    log_path = Path(tempfile.gettempdir()) / f"matchmaker-loadtest-{args.port}.log"
    server = start_gunicorn(args.database_url, args.workers, args.port, log_path)
    results = Results()
    try:
        identities = {
            "officer": [sign_in(args.port, f"officer{n}@loadtest.example.org") for n in range(8)],
            "supplier": [sign_in(args.port, f"supplier{n}@loadtest.example.org") for n in range(8)],
            "api": [{"Authorization": f"Bearer {raw}", "Accept": "application/json"} for raw in raws],
        }
        seconds = run_load(args.rate, args.port, ids, identities, args.warmup, args.duration, args.senders, results)
    finally:
        server.terminate()  # graceful: workers finish the request in hand
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
        revoke_api_tokens(args.database_url, token_ids)
    met = report(results, seconds, args.workers, args.rate, args.senders, token_count, api_limit)
    print(f"gunicorn's log: {log_path}")
    sys.exit(0 if met else 1)


def _per_minute(limit: str) -> float:
    """The first limit of a flask-limiter string ("120 per minute", "10/second") in requests per minute."""
    match = re.match(r"\s*(\d+)\s*(?:per|/)\s*(\d*)\s*(second|minute|hour|day)", limit)
    if not match:
        return 120.0
    count, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return count / multiple * {"second": 60, "minute": 1, "hour": 1 / 60, "day": 1 / 1440}[unit]


if __name__ == "__main__":
    main()
