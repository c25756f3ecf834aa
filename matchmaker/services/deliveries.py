"""Delivery: the supplier reports what it gave, the group confirms what it received, an officer verifies.

Only verified quantities count, each once, against the match's one offer and so its one contract. Partial
delivery is normal: the need becomes partly met, or met when what was verified covers it.

Each use case locks the match before reading its state (services.locking), so of two identical requests at once
the second sees what the first did: a delivery is confirmed or verified once, and reports never add up to more
than the match allocated.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Delivery, Match, MatchStatus, NeedStatus, User, utcnow
from matchmaker.services import audit
from matchmaker.services import needs as need_service
from matchmaker.services.brokerage import move
from matchmaker.services.errors import DomainError, NotAllowed, StateConflict
from matchmaker.services.locking import lock, refresh_all
from matchmaker.services.responses import record_response

S = MatchStatus


def _amount(match: Match, quantity: Decimal) -> str:
    return match.offer.unit.format(quantity) if match.offer.unit else format(quantity.normalize(), "f")


def report(
    match: Match,
    user: User,
    quantity: Decimal,
    delivered_on: date,
    note: str = "",
    complete: bool = False,
    measure_id: int | None = None,
    submission_key: str | None = None,
) -> Delivery:
    """The supplier says what it gave; `complete` says the match's agreed help has all been given.
    `submission_key` is the report form's one-time key: the same key twice (a double-click) reports once."""
    if user.organisation_id != match.offer.contract.supplier_id:
        raise NotAllowed("Only the supplier in this match can report what it delivered")
    _lock(match)
    if submission_key and db.session.scalar(select(Delivery.id).where(Delivery.submission_key == submission_key)):
        raise StateConflict("This delivery has already been reported", match_id=match.id)
    if match.status not in (S.INTRODUCED, S.IN_DELIVERY):
        raise NotAllowed(f"A match that is {match.status.label.lower()} takes no more deliveries")
    if quantity is None or quantity <= 0:
        raise DomainError("Amount delivered must be more than 0", field="quantity")
    if delivered_on > date.today():
        raise DomainError("Date delivered must be today or in the past", field="delivered_on")
    if match.quantity is not None and match.total("quantity") + quantity > match.quantity:
        left = match.quantity - match.total("quantity")
        raise DomainError(
            f"Amount delivered cannot be more than the {_amount(match, left)} still to deliver under this match",
            field="quantity",
        )
    from matchmaker.services.offers import _measure

    measure = _measure(measure_id, match.offer.unit) if measure_id != match.offer.measure_id else None
    delivery = Delivery(
        match=match,
        quantity=quantity,
        delivered_on=delivered_on,
        note=note.strip(),
        reported_by_id=user.id,
        measure=measure,
        submission_key=submission_key or None,
    )
    db.session.add(delivery)
    db.session.flush()
    audit.record(
        "delivery.reported",
        match,
        user,
        note=f"{_amount(match, quantity)} on {delivered_on:%-d %B %Y}",
        detail={"title": "Delivery reported"},
    )
    record_response(match, "supplier", user, "reported a delivery")  # moving the match on is a response
    if match.status is S.INTRODUCED:
        move(match, S.IN_DELIVERY, user)
    if complete:
        move(match, S.DELIVERED, user, note="The supplier says everything agreed has been delivered")
    return delivery


def _lock(match: Match) -> None:
    """Take the match's lock and reload it and its deliveries as committed (another request may just have
    changed them)."""
    lock(match)
    refresh_all(Delivery, Delivery.match_id == match.id)


def set_measure(delivery: Delivery, user: User, measure_id: int | None) -> None:
    """The supplier changes the council measure a delivery counts towards, or removes its own tag (None) so it
    counts as its offer's again. Once an officer has verified it, the figures stand as verified."""
    from matchmaker.services.offers import _measure

    match = delivery.match
    if user.organisation_id != match.offer.contract.supplier_id:
        raise NotAllowed("Only the supplier in this match can change what a delivery counts towards")
    if delivery.verified_at is not None:
        raise NotAllowed("This delivery has been verified: ask the brokerage team to change its measure")
    # Choosing the offer's own measure is the same as having no tag of its own: it follows the offer.
    delivery.measure = (
        _measure(measure_id, match.offer.unit) if measure_id not in (None, match.offer.measure_id) else None
    )
    db.session.flush()
    counted = delivery.measure or match.offer.measure
    audit.record(
        "delivery.measure",
        match,
        user,
        note=f"Counts towards {counted.code}" if counted else "Counts towards no measure",
        detail={"title": "Delivery measure changed"},
    )


def confirm(
    delivery: Delivery, user: User, received: Decimal, note: str = "", story: str = "", share_story: bool = False
) -> None:
    """The group says what it received (it may be less than reported), and may tell its story: reports show a
    story only if the group agreed to share it, and only once the match is verified."""
    match = delivery.match
    if user.organisation_id != match.need.organisation_id:
        raise NotAllowed("Only the group in this match can confirm what it received")
    _lock(match)
    if delivery.confirmed_at is not None:
        raise StateConflict("This delivery has already been confirmed", match_id=match.id)
    if received is None or received < 0:
        raise DomainError("Amount received must be 0 or more", field="received")
    if received > delivery.quantity:
        raise DomainError(
            f"Amount received cannot be more than the {_amount(match, delivery.quantity)} reported", field="received"
        )
    if share_story and not story.strip():
        raise DomainError("Write your story, or untick sharing it", field="story")
    delivery.received_quantity, delivery.received_note = received, note.strip()
    delivery.story, delivery.story_shared = story.strip(), bool(share_story and story.strip())
    delivery.confirmed_by_id, delivery.confirmed_at = user.id, utcnow()
    db.session.flush()
    audit.record(
        "delivery.confirmed",
        match,
        user,
        note=f"Received {_amount(match, received)}",
        detail={"title": "Delivery confirmed"},
    )
    record_response(match, "group", user, "confirmed a delivery")


def verify(delivery: Delivery, officer: User, quantity: Decimal | None = None) -> None:
    """An officer checks the two accounts agree: the verified amount is what counts from now on."""
    match = delivery.match
    if not officer.is_officer:
        raise NotAllowed("Only brokerage officers can verify deliveries")
    _lock(match)
    if delivery.verified_at is not None:
        raise StateConflict("This delivery has already been verified", match_id=match.id)
    if delivery.confirmed_at is None:
        raise NotAllowed("The group has not confirmed this delivery yet")
    if match.status in (S.CANCELLED, S.FAILED):
        # What it did not verify went back to the offer when it ended: counting it now would count it twice.
        raise NotAllowed(f"This match is {match.status.label.lower()}: its deliveries can no longer be verified")
    counted = delivery.received_quantity if quantity is None else quantity
    if counted < 0 or counted > delivery.received_quantity:
        raise DomainError(
            f"Verified amount must be between 0 and the {_amount(match, delivery.received_quantity)} "
            "the group received",
            field="verified",
        )
    delivery.verified_quantity, delivery.verified_by_id, delivery.verified_at = counted, officer.id, utcnow()
    db.session.flush()
    audit.record(
        "delivery.verified",
        match,
        officer,
        note=f"Verified {_amount(match, counted)}",
        detail={"title": "Delivery verified"},
    )
    if match.status is S.DELIVERED and all(d.verified_at for d in match.deliveries):
        move(match, S.VERIFIED, officer)
    _update_need(match, officer)


def _update_need(match: Match, officer: User) -> None:
    """Partly met while verified help falls short of the need; met once it covers it (same unit), or once a
    match for a need without an amount is verified (see needs.status_by_deliveries)."""
    need = match.need
    lock(need)  # verifications under two of its matches at once: the second counts the first's
    if need.status not in (NeedStatus.OPEN, NeedStatus.PARTLY_MET):
        return
    target = need_service.status_by_deliveries(need)
    if target is NeedStatus.OPEN:
        target = NeedStatus.PARTLY_MET  # a verified delivery, even of nothing, is help recorded
    if need.status is not target:
        need_service.move_by_delivery(need, target, officer)
