"""Report figures for the API: needs posted, matched and met, and offers committed, allocated and delivered, for a
period, in total and for each of the five priorities.

A need counts under every priority it is tagged with, and an offer's amounts under every priority the offer is
tagged with, so the priorities' figures can add up to more than the total. Amounts are kept per unit: hours and
pounds are never added together. Only verified deliveries count as delivered.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Table, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Delivery, Match, Need, NeedStatus, Offer, Priority
from matchmaker.models.contracts import offer_priority
from matchmaker.models.needs import need_priority
from matchmaker.services.brokerage import LIVE


@dataclass
class Figures:
    needs_posted: int = 0
    needs_matched: int = 0
    needs_met: int = 0
    offers_committed: int = 0
    committed: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    allocated: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    delivered: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


@dataclass
class PeriodFigures:
    start: date
    end: date
    totals: Figures
    by_priority: list[tuple[Priority, Figures]]


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    """Whole days, UTC: from the start of `start` to the end of `end`."""
    return (datetime.combine(start, time(), tzinfo=UTC), datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC))


def _tags(table: Table, key: str, ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(set(ids))
    tags: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ids), 500):  # keeps IN lists short
        for record_id, priority_id in db.session.execute(
                select(table.c[key], table.c.priority_id).where(table.c[key].in_(ids[start:start + 500]))):
            tags[record_id].add(priority_id)
    return tags


def period_figures(start: date, end: date) -> PeriodFigures:
    begin, until = _window(start, end)
    posted = set(db.session.scalars(select(Need.id).where(Need.published_at >= begin, Need.published_at < until)))
    matched = set(db.session.scalars(select(Match.need_id).where(
        Match.status.in_(LIVE), Match.created_at >= begin, Match.created_at < until)))
    met = set(db.session.scalars(select(AuditEvent.subject_id).where(
        AuditEvent.subject_type == "need", AuditEvent.action == "need.status",
        AuditEvent.to_state == NeedStatus.MET.value, AuditEvent.created_at >= begin, AuditEvent.created_at < until)))
    committed = db.session.execute(select(Offer.id, Offer.unit, Offer.quantity).where(
        Offer.created_at >= begin, Offer.created_at < until)).all()
    allocated = db.session.execute(select(Match.offer_id, Offer.unit, Match.quantity).join(Offer, Match.offer_id == Offer.id)
                                   .where(Match.status.in_(LIVE), Match.quantity.is_not(None),
                                          Match.created_at >= begin, Match.created_at < until)).all()
    delivered = db.session.execute(
        select(Match.offer_id, Offer.unit, Delivery.verified_quantity)
        .join(Match, Delivery.match_id == Match.id).join(Offer, Match.offer_id == Offer.id)
        .where(Delivery.verified_quantity.is_not(None), Delivery.verified_at >= begin, Delivery.verified_at < until)
    ).all()

    need_tags = _tags(need_priority, "need_id", posted | matched | met)
    offer_tags = _tags(offer_priority, "offer_id", [r[0] for r in (*committed, *allocated, *delivered)])
    priorities = list(db.session.scalars(select(Priority).order_by(Priority.number)))
    totals = Figures()
    each = {p.id: Figures() for p in priorities}

    def count(ids: set[int], name: str) -> None:
        setattr(totals, name, len(ids))
        for need_id in ids:
            for priority_id in need_tags.get(need_id, ()):
                figures = each.get(priority_id)
                if figures is not None:
                    setattr(figures, name, getattr(figures, name) + 1)

    def add(rows, name: str) -> None:
        for offer_id, unit, amount in rows:
            targets = [totals, *(each[p] for p in offer_tags.get(offer_id, ()) if p in each)]
            for figures in targets:
                if unit is not None and amount is not None:
                    getattr(figures, name)[unit.value] += amount

    count(posted, "needs_posted")
    count(matched, "needs_matched")
    count(met, "needs_met")
    totals.offers_committed = len(committed)
    for offer_id, _, _ in committed:
        for priority_id in offer_tags.get(offer_id, ()):
            if priority_id in each:
                each[priority_id].offers_committed += 1
    add(committed, "committed")
    add(allocated, "allocated")
    add(delivered, "delivered")
    return PeriodFigures(start, end, totals, [(p, each[p.id]) for p in priorities])
