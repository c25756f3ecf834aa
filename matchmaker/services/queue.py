"""The officers' queue: pledges and the engine's proposals waiting for a decision, sorted and filtered."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Pledge,
    PledgeStatus,
    Priority,
    Proposal,
    SupportType,
    Ward,
)

SORTS = {"score": "Best score first", "age": "Waiting longest first", "needed_by": "Needed soonest first"}
PROPOSAL_RANKS = 3  # the engine's top three for each need are worth an officer's look


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "pledge" or "proposal"
    id: int
    need: Need
    offer: Offer
    score: float | None
    reason: str
    waiting_since: datetime
    amount: str

    @property
    def needed_by(self) -> date:
        return self.need.needed_by or date.max


@dataclass(frozen=True)
class QueueFilters:
    priority: str | None = None
    ward: str | None = None
    supplier: int | None = None
    support_type: str | None = None

    def keep(self, need: Need, offer: Offer) -> bool:
        if self.priority and self.priority not in {p.slug for p in need.priorities}:
            return False
        if self.ward and not need.borough_wide and self.ward not in {w.ons_code for w in need.wards}:
            return False
        if self.supplier and offer.contract.supplier_id != self.supplier:
            return False
        if self.support_type and self.support_type not in {t.slug for t in need.support_types}:
            return False
        return True


_NEED = (selectinload(Need.priorities), selectinload(Need.wards), selectinload(Need.support_types),
         selectinload(Need.organisation))
_OFFER = (selectinload(Offer.contract).selectinload(Contract.supplier),)


def items(filters: QueueFilters, sort: str) -> list[QueueItem]:
    pledges = db.session.scalars(
        select(Pledge).where(Pledge.status == PledgeStatus.PENDING)
        .options(selectinload(Pledge.need).options(*_NEED), selectinload(Pledge.offer).options(*_OFFER))
    ).all()
    proposals = db.session.scalars(
        select(Proposal).join(Need).join(Offer)
        .where(Proposal.rank <= PROPOSAL_RANKS, Need.status.in_([NeedStatus.OPEN, NeedStatus.PARTLY_MET]),
               Offer.status == OfferStatus.ACTIVE)
        .options(selectinload(Proposal.need).options(*_NEED), selectinload(Proposal.offer).options(*_OFFER))
    ).all()
    found = [QueueItem("pledge", p.id, p.need, p.offer, None, f"Pledged by {p.offer.supplier.name}"
                       + (f": “{p.note}”" if p.note else ""), p.created_at, p.amount) for p in pledges]
    found += [QueueItem("proposal", p.id, p.need, p.offer, p.score, p.reason, p.created_at,
                        p.need.amount or "Not given") for p in proposals]
    found = [item for item in found if filters.keep(item.need, item.offer)]
    key = {
        "score": lambda i: (-(i.score if i.score is not None else 2.0), i.waiting_since),  # pledges first
        "age": lambda i: (i.waiting_since, i.id),
        "needed_by": lambda i: (i.needed_by, -(i.score or 2.0)),
    }[sort if sort in SORTS else "score"]
    return sorted(found, key=key)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    from matchmaker.models import Organisation, OrganisationKind

    return {
        "priority": [(p.slug, p.short_title) for p in db.session.scalars(select(Priority).order_by(Priority.number))],
        "ward": [(w.ons_code, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.name))],
        "supplier": [(str(o.id), o.name) for o in db.session.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.SUPPLIER).order_by(Organisation.name))],
        "support_type": [(t.slug, t.name) for t in db.session.scalars(select(SupportType).order_by(SupportType.position))],
    }


def default_amount(kind: str, need: Need, offer: Offer, pledged=None):
    """The amount a clear case is approved with: the pledge as made, or as much of the need as the offer has left
    in the same unit. None with `clear=False` when an officer has to choose."""
    if offer.quantity is None:
        return None, True  # an offer with no set amount: nothing to allocate
    if kind == "pledge":
        return pledged, pledged is not None and pledged <= (offer.remaining or 0)
    if need.quantity is not None and need.unit is offer.unit and offer.remaining:
        return min(need.quantity, offer.remaining), True
    return None, False
