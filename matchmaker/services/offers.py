"""Offers under a contract, and pledges of their capacity to needs."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import EllipsisType

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Contract, Need, Offer, OfferStatus, Pledge, PledgeStatus, Unit, User
from matchmaker.services import audit, matching, pledge_fit
from matchmaker.services.errors import DomainError, NotAllowed
from matchmaker.services.tagging import Tags, apply_tags


@dataclass
class OfferDetails:
    title: str
    description: str
    tags: Tags
    quantity: Decimal | None = None
    unit: Unit | None = None
    available_from: date | None = None
    available_until: date | None = None
    ref: str | None = None
    measure_id: int | None | EllipsisType = ...  # the council measure it counts as; ... leaves it as it is


def _apply(offer: Offer, details: OfferDetails) -> None:
    if (details.quantity is None) != (details.unit is None):
        raise DomainError("Enter both a committed quantity and its unit, or neither", field="quantity")
    if (offer.allocated or 0) > 0 and (details.quantity is None or details.unit is not offer.unit):
        # What was allocated is counted in this unit: changing or clearing it would lose track of it.
        raise DomainError(
            f"Keep the committed quantity in {offer.unit.value}: some of this offer is already allocated",
            field="quantity",
        )
    if details.quantity is not None:
        if details.quantity <= 0:
            raise DomainError("Committed quantity must be more than 0", field="quantity")
        if details.quantity < (offer.allocated or 0):
            # In the offer's unit, "30 hours": the database gives 30.00, which "{:g}" would show as it is.
            allocated = offer.unit.format(offer.allocated) if offer.unit else format(offer.allocated.normalize(), "f")
            raise DomainError(
                f"Committed quantity cannot be less than the {allocated} already allocated", field="quantity"
            )
    if details.available_from and details.available_until and details.available_until < details.available_from:
        raise DomainError("The end of the period must be the same as or after its start", field="available_until")
    offer.title = details.title.strip()
    offer.description = details.description.strip()
    offer.quantity, offer.unit = details.quantity, details.unit
    offer.available_from, offer.available_until = details.available_from, details.available_until
    if details.ref is not None:
        offer.ref = details.ref or None
    if details.measure_id is not ...:
        offer.measure = _measure(details.measure_id, details.unit)
    apply_tags(offer, details.tags)


def _measure(measure_id: int | None, unit: Unit | None):
    """The council measure an offer or delivery counts as: it must be counted in the same unit, so quantities add up."""
    from matchmaker.models import Measure

    if measure_id is None:
        return None
    measure = db.session.get(Measure, measure_id)
    if measure is None:
        raise DomainError("Select a measure from the list", field="measure")
    if measure.unit is not unit:
        raise DomainError(
            f"Select a measure counted in {unit.value if unit else 'the same unit as the offer'}, "
            f"as this offer is, or none ({measure.code} is counted in {measure.unit.value})",
            field="measure",
        )
    return measure


def _check_owner(contract: Contract, user: User | None) -> None:
    if user is not None and not user.is_officer and user.organisation_id != contract.supplier_id:
        raise NotAllowed("Only the supplier that holds this contract can change its offers")


def create_offer(contract: Contract, user: User | None, details: OfferDetails) -> Offer:
    _check_owner(contract, user)
    # Attached to the contract only once its details are valid: _apply's look-ups autoflush, and a new offer
    # already in contract.offers but not yet in the session makes SQLAlchemy warn (and leaves a half-built offer
    # behind if _apply refuses it).
    offer = Offer(allocated=Decimal(0), status=OfferStatus.ACTIVE)
    _apply(offer, details)
    offer.contract = contract
    db.session.add(offer)
    db.session.flush()
    audit.record("offer.created", offer, user)
    matching.offer_changed(offer)
    return offer


def update_offer(offer: Offer, user: User, details: OfferDetails) -> None:
    _check_owner(offer.contract, user)
    _apply(offer, details)
    db.session.flush()
    audit.record("offer.updated", offer, user)
    matching.offer_changed(offer)


def withdraw_offer(offer: Offer, user: User) -> None:
    _check_owner(offer.contract, user)
    if offer.status is OfferStatus.WITHDRAWN:
        raise NotAllowed("This offer has already been withdrawn")
    offer.status = OfferStatus.WITHDRAWN
    db.session.flush()
    audit.record("offer.status", offer, user, OfferStatus.ACTIVE.value, OfferStatus.WITHDRAWN.value)
    matching.offer_changed(offer)


def pledge(offer: Offer, need: Need, user: User, quantity: Decimal, note: str = "") -> Pledge:
    """A supplier pledges part of an offer to a need; it waits in the officers' queue."""
    _check_owner(offer.contract, user)
    if offer.status is not OfferStatus.ACTIVE:
        raise DomainError("This offer has been withdrawn", field="offer")
    if not need.status.is_public:
        raise DomainError("This need is no longer open", field="quantity")
    fit = pledge_fit.assess(offer, need)
    if not fit.can_help:
        raise DomainError(
            f"Choose an offer that can help with this need: {fit.types_warning[0].lower()}{fit.types_warning[1:]}",
            field="offer",
        )
    if quantity <= 0:
        raise DomainError("Amount must be more than 0", field="quantity")
    available = pledgeable(offer)
    if available is not None and quantity > available:
        raise DomainError(
            f"Amount must be {offer.unit.format(available)} or less: that is what is left of this offer "
            "after the pledges waiting for the brokerage team",
            field="quantity",
        )
    record = Pledge(
        offer=offer, need=need, quantity=quantity, note=note.strip(), created_by_id=user.id, status=PledgeStatus.PENDING
    )
    db.session.add(record)
    db.session.flush()
    audit.record("pledge.created", record, user, to_state=PledgeStatus.PENDING.value)
    return record


def pledgeable(offer: Offer) -> Decimal | None:
    """What is left to pledge: remaining capacity less the pledges still waiting for an officer."""
    if offer.remaining is None:
        return None
    waiting = db.session.scalar(
        select(func.coalesce(func.sum(Pledge.quantity), 0)).where(
            Pledge.offer_id == offer.id, Pledge.status == PledgeStatus.PENDING
        )
    )
    return max(offer.remaining - Decimal(waiting), Decimal(0))


def pending_pledges() -> list[Pledge]:
    return list(
        db.session.scalars(select(Pledge).where(Pledge.status == PledgeStatus.PENDING).order_by(Pledge.created_at))
    )


def pledges_for_need(need: Need) -> list[Pledge]:
    return list(db.session.scalars(select(Pledge).where(Pledge.need_id == need.id).order_by(Pledge.created_at)))
