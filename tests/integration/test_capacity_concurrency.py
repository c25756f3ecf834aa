"""Capacity is never oversold, even when many officers approve at the same moment.

The proof the brokerage issue asks for: 50 approvals fired at once at an offer with capacity for 10.
Each runs in its own thread, with its own database connection and transaction, as separate web requests would.
"""

import threading
from decimal import Decimal

from sqlalchemy import func, select

from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Match, MatchStatus, Need, Offer, User
from matchmaker.services import brokerage
from matchmaker.services.brokerage import CapacityExhausted
from tests.helpers.builders import make_need, make_offer, make_officer

APPROVALS = 50


def test_fifty_simultaneous_approvals_allocate_exactly_the_ten_units_there_are(app):
    # Its own app on the same database, with a connection for every request: 50 really at once.
    busy = create_app(
        {**app.config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": APPROVALS + 5, "max_overflow": 0, "pool_timeout": 60}}
    )
    with app.app_context():
        offer_id = make_offer(title="Volunteer hours", quantity=10, borough_wide=True).id
        need_ids = [make_need(title=f"Need {i}").id for i in range(APPROVALS)]
        officer_ids = [make_officer(email=f"officer{i}@example.org").id for i in range(5)]
    start = threading.Barrier(APPROVALS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(number: int) -> None:
        with busy.app_context():
            need, offer = db.session.get(Need, need_ids[number]), db.session.get(Offer, offer_id)
            officer = db.session.get(User, officer_ids[number % len(officer_ids)])
            start.wait()
            try:
                brokerage.approve(need, offer, officer, Decimal(1))
                db.session.commit()
                result = "approved"
            except CapacityExhausted as refused:
                db.session.rollback()
                result = refused.message
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(APPROVALS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with busy.app_context():
        db.engine.dispose()

    assert len(outcomes) == APPROVALS  # nothing hung, nothing crashed
    assert outcomes.count("approved") == 10
    refusals = [o for o in outcomes if o != "approved"]
    assert len(refusals) == 40
    assert set(refusals) == {"Nothing is left of this offer: another approval has just used it up"}
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == Decimal(10)
        matches = db.session.scalars(select(Match).where(Match.offer_id == offer_id)).all()
        assert len(matches) == 10 and all(m.status is MatchStatus.APPROVED and m.quantity == 1 for m in matches)
        # Nothing half-written: one audit record for each approval that happened, none for the refused.
        assert (
            db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "match.status"))
            == 10
        )
