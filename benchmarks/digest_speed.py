"""How long rendering and sending 2,000 personal digests takes, to a real SMTP server (aiosmtpd) on 127.0.0.1.

Run it from the repository root (target: under 30 seconds for 2,000 on a 2-core machine). It prints wall-clock
time and this process's CPU time: on a machine busy with other work, the CPU time is the fairer figure.

    .venv/bin/python benchmarks/digest_speed.py
    .venv/bin/python benchmarks/digest_speed.py --partners 5000
    .venv/bin/python benchmarks/digest_speed.py --database-url postgresql://postgres@127.0.0.1:5432/matchmaker_bench

It builds a throwaway borough (SQLite in a temporary folder unless told otherwise; a PostgreSQL database must be
an empty scratch one): groups with needs, suppliers with contracts and offers, other partners, and verified
deliveries for the borough's figures, all new in the current month. Then it runs `matchmaker digest send`
itself (through Flask's CLI runner, in this process): with --dry-run (build and render only), then the real
send, which claims, sends and records the digests a batch at a time, over one SMTP connection. It also prints
the SMTP server's CPU time: on a 2-core machine the server's work competes with the sender's.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, insert, inspect, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matchmaker import create_app  # noqa: E402
from matchmaker.extensions import db  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Contract,
    Delivery,
    DigestFrequency,
    Match,
    MatchStatus,
    Need,
    Offer,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    Role,
    SupportType,
    Unit,
    User,
    Ward,
    utcnow,
)
from matchmaker.models.contracts import offer_priority, offer_support_type, offer_ward  # noqa: E402
from matchmaker.models.organisation import organisation_ward  # noqa: E402
from matchmaker.services.digest_periods import period_containing  # noqa: E402
from matchmaker.services.reference_data import load_reference_data  # noqa: E402
from tests.helpers.bulk import bulk_needs  # noqa: E402


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("The SMTP server did not start")


def _organisations(kind: OrganisationKind, count: int, rng: random.Random, ward_ids: list[int]) -> list[int]:
    now = utcnow()
    ids = list(
        db.session.scalars(
            insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
            [
                {
                    "name": f"Bench {kind.value} {n}",
                    "kind": kind,
                    "status": OrganisationStatus.APPROVED,
                    "contact_name": "Bench Contact",
                    "contact_email": f"bench-{kind.value}-{n}@org.example.org",
                    "description": "",
                    "borough_wide": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
    )
    db.session.execute(
        organisation_ward.insert(), [{"organisation_id": i, "ward_id": w} for i in ids for w in rng.sample(ward_ids, 2)]
    )
    return ids


def _members(role: Role, organisation_ids: list[int]) -> None:
    now = utcnow()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"partner-{role.value}-{i}@bench.example.org",
                "full_name": f"Partner {i}",
                "role": role,
                "organisation_id": i,
                "active": True,
                "session_version": 1,
                "created_at": now,
            }
            for i in organisation_ids
        ],
    )


def _contracts_and_offers(supplier_ids: list[int], rng: random.Random, ids: dict) -> list[int]:
    today = date.today()
    contract_ids = list(
        db.session.scalars(
            insert(Contract).returning(Contract.id, sort_by_parameter_order=True),
            [
                {
                    "ref": f"BENCH-{n}",
                    "supplier_id": s,
                    "title": f"Bench contract {n}",
                    "value": Decimal(rng.randint(2, 60) * 100_000),
                    "start_date": today - timedelta(days=200),
                    "end_date": today + timedelta(days=500),
                    "manager_email": "contracts@brent.example.org",
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for n, s in enumerate(supplier_ids)
            ],
        )
    )
    rows = []
    for contract_id in contract_ids:
        for k in range(2):
            rows.append(
                {
                    "contract_id": contract_id,
                    "title": f"Volunteer hours {contract_id}-{k}",
                    "description": "Staff time.",
                    "borough_wide": rng.random() < 0.2,
                    "quantity": Decimal(200),
                    "unit": Unit.HOURS,
                    "allocated": Decimal(20),
                    "status": "active",
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
    offer_ids = list(db.session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), rows))
    db.session.execute(
        offer_priority.insert(),
        [{"offer_id": o, "priority_id": p} for o in offer_ids for p in rng.sample(ids["priorities"], 2)],
    )
    db.session.execute(
        offer_ward.insert(), [{"offer_id": o, "ward_id": w} for o in offer_ids for w in rng.sample(ids["wards"], 2)]
    )
    db.session.execute(
        offer_support_type.insert(), [{"offer_id": o, "support_type_id": rng.choice(ids["types"])} for o in offer_ids]
    )
    return offer_ids


def _matches(need_ids: list[int], offer_ids: list[int], count: int, rng: random.Random) -> None:
    now = utcnow()
    match_ids = list(
        db.session.scalars(
            insert(Match).returning(Match.id, sort_by_parameter_order=True),
            [
                {
                    "need_id": rng.choice(need_ids),
                    "offer_id": o,
                    "quantity": Decimal(20),
                    "status": MatchStatus.VERIFIED,
                    "source": "engine",
                    "reason_text": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for o in rng.sample(offer_ids, count)
            ],
        )
    )
    db.session.execute(
        insert(Delivery),
        [
            {
                "match_id": m,
                "quantity": Decimal(20),
                "delivered_on": date.today(),
                "note": "",
                "reported_at": now,
                "received_quantity": Decimal(20),
                "received_note": "",
                "verified_quantity": Decimal(20),
                "verified_at": now,
            }
            for m in match_ids
        ],
    )


def _count(output: str, word: str) -> int:
    """The number before `word` in the command's summary line ("Digest 2026-11: 2000 sent, ...")."""
    summary = output.strip().splitlines()[-1]
    return int(summary.split(": ", 1)[1].split(f" {word}")[0].split()[-1])


def _cpu_of(pid: int) -> float:
    """A process's CPU time so far (Linux), or 0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def build(database_url: str, partners: int, seed: int):
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "benchmark-only",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EMAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_STARTTLS": False,
            "SMTP_USERNAME": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "DIGEST_RETRY_DELAYS": (0.1,),
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
        ids = {
            "wards": list(db.session.scalars(select(Ward.id))),
            "priorities": list(db.session.scalars(select(Priority.id))),
            "types": list(db.session.scalars(select(SupportType.id))),
        }
        groups = _organisations(OrganisationKind.VCSE, partners // 2, rng, ids["wards"])
        suppliers = _organisations(OrganisationKind.SUPPLIER, partners * 2 // 5, rng, ids["wards"])
        others = _organisations(OrganisationKind.PARTNER, partners - len(groups) - len(suppliers), rng, ids["wards"])
        for role, orgs in (
            (Role.GROUP_MEMBER, groups),
            (Role.SUPPLIER_MEMBER, suppliers),
            (Role.PARTNER_MEMBER, others),
        ):
            _members(role, orgs)
        offer_ids = _contracts_and_offers(suppliers, rng, ids)
        db.session.commit()
        need_ids = bulk_needs(partners * 3 // 2, groups, seed=seed)  # published now: new this month
        _matches(need_ids, offer_ids, min(300, len(offer_ids)), rng)
        db.session.commit()
        print(
            f"Built {partners:,} partners ({len(groups):,} groups, {len(suppliers):,} suppliers, {len(others):,} "
            f"other partners), {len(need_ids):,} needs and {len(offer_ids):,} offers in "
            f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
        )
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = build(args.database_url or f"sqlite:///{Path(folder) / 'digest-bench.db'}", args.partners, args.seed)
        with socket.socket() as probe:  # a free port for the server
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # The SMTP server runs in its own process, as a mail relay would: in this process it would compete with
        # the sender for the interpreter lock and the figure would measure that instead.
        server = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
        )
        _wait_for(port)
        app.config["SMTP_PORT"] = port
        period = period_containing(date.today(), DigestFrequency.MONTHLY).name
        runner = app.test_cli_runner()
        try:
            started, cpu = time.perf_counter(), time.process_time()
            dry = runner.invoke(args=["digest", "send", "--period", period, "--dry-run"])
            rendered, rendered_cpu = time.perf_counter() - started, time.process_time() - cpu
            if dry.exit_code:
                sys.exit(f"The dry run failed:\n{dry.output}")
            count = _count(dry.output, "would be sent")
            print(
                f"Dry run (build and render only): {count:,} digests in {rendered:.1f} s "
                f"({1000 * rendered / max(count, 1):.1f} ms each; {rendered_cpu:.1f} s of CPU)"
            )

            started, cpu, server_cpu = time.perf_counter(), time.process_time(), _cpu_of(server.pid)
            result = runner.invoke(args=["digest", "send", "--period", period])
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - cpu
            server_cpu = _cpu_of(server.pid) - server_cpu
            print(result.output.strip().splitlines()[-1])
            if result.exit_code:
                sys.exit(f"The send failed:\n{result.output}")
            sent = _count(result.output, "sent")
            print(
                f"Rendered and sent {sent:,} personal digests to a local SMTP server (aiosmtpd) in "
                f"{elapsed:.1f} s ({1000 * elapsed / max(sent, 1):.1f} ms each; {elapsed_cpu:.1f} s of this "
                f"process's CPU and {server_cpu:.1f} s of the SMTP server's; the rest is waiting for the database, the mail "
                f"server and other programs). Target: under 30 s for 2,000."
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
