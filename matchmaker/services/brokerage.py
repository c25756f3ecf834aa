"""Brokerage: officers approve or reject proposals and pledges; matches move through their states.

Capacity is allocated by one conditional UPDATE, so the database itself refuses to allocate more than an
offer has left, however many officers approve at the same moment. Every state change goes through `move`,
which checks the transition is allowed and writes the audit record the match's timeline shows.
"""

from decimal import Decimal

from sqlalchemy import delete, or_, select, update

from matchmaker.extensions import db
from matchmaker.models import (
    Match,
    MatchStatus,
    Need,
    Offer,
    OfferStatus,
    Pledge,
    PledgeStatus,
    Proposal,
    RejectionReason,
    User,
    utcnow,
)
from matchmaker.services import audit, matching
from matchmaker.services.errors import DomainError, NotAllowed

S = MatchStatus
ALLOWED: dict[MatchStatus, set[MatchStatus]] = {
    S.APPROVED: {S.INTRODUCED, S.CANCELLED},
    S.INTRODUCED: {S.IN_DELIVERY, S.DELIVERED, S.CANCELLED, S.FAILED},
    S.IN_DELIVERY: {S.DELIVERED, S.CANCELLED, S.FAILED},
    S.DELIVERED: {S.VERIFIED, S.FAILED},
    S.VERIFIED: set(),
    S.DECLINED: set(),
    S.CANCELLED: set(),
    S.FAILED: set(),
}
LIVE = (S.APPROVED, S.INTRODUCED, S.IN_DELIVERY, S.DELIVERED, S.VERIFIED)
IN_PROGRESS = (S.APPROVED, S.INTRODUCED, S.IN_DELIVERY, S.DELIVERED)  # live, and still needing someone to act


class CapacityExhausted(DomainError):
    """The offer does not have that much left: someone else's approval may just have taken it."""


def _check_officer(user: User) -> None:
    if not user.is_officer:
        raise NotAllowed("Only brokerage officers can approve or reject matches")


def allocate(offer: Offer, quantity: Decimal | None) -> None:
    """Take `quantity` from the offer's remaining capacity in one conditional UPDATE, or refuse."""
    if quantity is None:
        if offer.quantity is not None:
            raise DomainError(f"Enter how much of the offer to allocate, in {offer.unit.value}", field="quantity")
        return
    if offer.quantity is None:
        # Nothing to take from: an amount would only pile up in `allocated` until the column overflowed.
        raise DomainError("This offer has no set amount: leave the amount empty", field="quantity")
    if quantity <= 0:
        raise DomainError("Amount must be more than 0", field="quantity")
    taken = db.session.execute(
        update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.status == OfferStatus.ACTIVE,
            or_(Offer.quantity.is_(None), Offer.allocated + quantity <= Offer.quantity),
        )
        .values(allocated=Offer.allocated + quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(offer, ["allocated", "status"])
    if taken != 1:
        if offer.status is not OfferStatus.ACTIVE:
            raise CapacityExhausted("This offer has been withdrawn", field="quantity")
        left = offer.remaining if offer.remaining is not None else Decimal(0)
        if left <= 0:
            raise CapacityExhausted(
                "Nothing is left of this offer: another approval has just used it up", field="quantity"
            )
        raise CapacityExhausted(
            f"Only {offer.unit.format(left)} left of this offer: approve that much or less", field="quantity"
        )


def move(match: Match, to: MatchStatus, actor: User | None, note: str = "") -> None:
    if to not in ALLOWED[match.status]:
        raise NotAllowed(f"A match that is {match.status.label.lower()} cannot become {to.label.lower()}")
    previous = match.status
    match.status = to
    if to is S.INTRODUCED:
        match.introduced_at = utcnow()  # the parties' time to respond runs from here
    db.session.flush()
    audit.record("match.status", match, actor, previous.value, to.value, note=note)


def _source(proposal: Proposal | None, pledge: Pledge | None) -> dict:
    if pledge is not None:
        return {"source": "pledge", "pledge": pledge}
    return {
        "source": "engine",
        "score": proposal.score if proposal else None,
        "components": proposal.components if proposal else None,
    }


def _settle_pledge(pledge: Pledge | None, to: PledgeStatus) -> None:
    if pledge is None:
        return
    if pledge.status is not PledgeStatus.PENDING:
        raise NotAllowed(f"This pledge has already been {pledge.status.value}")
    pledge.status = to


def approve(
    need: Need,
    offer: Offer,
    officer: User,
    quantity: Decimal | None,
    *,
    proposal: Proposal | None = None,
    pledge: Pledge | None = None,
) -> Match:
    """Allocate from the offer and record the match. Raises CapacityExhausted if the offer has too little left."""
    _check_officer(officer)
    if not need.status.is_public:
        raise NotAllowed("This need is no longer open")
    _settle_pledge(pledge, PledgeStatus.APPROVED)
    allocate(offer, quantity)
    match = Match(
        need=need,
        offer=offer,
        quantity=quantity,
        status=S.APPROVED,
        decided_by_id=officer.id,
        **_source(proposal, pledge),
    )
    db.session.add(match)
    db.session.flush()
    audit.record(
        "match.status",
        match,
        officer,
        None,
        S.APPROVED.value,
        detail={"quantity": str(quantity) if quantity is not None else None},
    )
    if proposal is not None:
        db.session.delete(proposal)
    # Only what this approval changed: this need's proposals, and the offer everywhere once it is used up.
    # (The nightly `matchmaker propose` re-ranks the rest; a full refresh here would serialise approvals.)
    matching.need_changed(need)
    if offer.remaining is not None and offer.remaining <= 0:
        db.session.execute(delete(Proposal).where(Proposal.offer_id == offer.id))
    return match


def reject(
    need: Need,
    offer: Offer,
    officer: User,
    reason: RejectionReason,
    text: str = "",
    *,
    proposal: Proposal | None = None,
    pledge: Pledge | None = None,
) -> Match:
    """Record the decision, so the pair is not proposed again unless the need or offer changes."""
    _check_officer(officer)
    if reason is RejectionReason.OTHER and not text.strip():
        raise DomainError("Enter the reason", field="reason_text")
    _settle_pledge(pledge, PledgeStatus.REJECTED)
    match = Match(
        need=need,
        offer=offer,
        quantity=None,
        status=S.DECLINED,
        reason=reason,
        reason_text=text.strip(),
        decided_by_id=officer.id,
        **_source(proposal, pledge),
    )
    db.session.add(match)
    db.session.flush()
    audit.record(
        "match.status",
        match,
        officer,
        None,
        S.DECLINED.value,
        note=reason.label + (f": {text.strip()}" if text.strip() else ""),
    )
    if proposal is not None:
        db.session.delete(proposal)
    matching.need_changed(need)
    return match


def excluded_pairs() -> frozenset[tuple[int, int]]:
    """Pairs the engine must not propose: matched ones, and declined ones unless the need or offer changed since."""
    rows = db.session.execute(
        select(Match.need_id, Match.offer_id, Match.status, Match.created_at, Need.updated_at, Offer.updated_at)
        .join(Need, Match.need_id == Need.id)
        .join(Offer, Match.offer_id == Offer.id)
        .where(or_(Match.status.in_(LIVE + (S.DECLINED,)), Match.no_response_from.is_not(None)))
    ).all()
    # A pairing ended because one side never answered stays excluded whatever changes: the other side asked
    # for someone else.
    return frozenset(
        (need_id, offer_id)
        for need_id, offer_id, status, decided, need_changed, offer_changed in rows
        if status is not S.DECLINED or (need_changed <= decided and offer_changed <= decided)
    )


def timeline(match: Match):
    from matchmaker.models import AuditEvent

    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "match", AuditEvent.subject_id == match.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def engine_decisions():
    """Officers' decisions on the engine's proposals, as training data: for each need, each approved offer
    over the offers declined for it, with the components the engine gave them when they were decided."""
    from matchmaker.matching.tuning import Decision

    rows = db.session.execute(
        select(Match.need_id, Match.status, Match.components)
        .where(Match.source == "engine", Match.components.is_not(None), Match.status.in_(LIVE + (S.DECLINED,)))
        .order_by(Match.need_id, Match.id)
    ).all()
    by_need: dict[int, dict[str, list]] = {}
    for need_id, status, components in rows:
        side = "declined" if status is S.DECLINED else "approved"
        by_need.setdefault(need_id, {"approved": [], "declined": []})[side].append(components)
    return [
        Decision(need_id, chosen, tuple(sides["declined"]))
        for need_id, sides in by_need.items()
        if sides["declined"]
        for chosen in sides["approved"]
    ]


def end(match: Match, officer: User, outcome: MatchStatus, reason: str) -> Decimal:
    """Cancel a match, or record that it failed. What was allocated but not verified as delivered goes back to
    the offer, so it can help someone else. Returns the amount released."""
    _check_officer(officer)
    if outcome not in (S.CANCELLED, S.FAILED):
        raise NotAllowed("A match can only be ended as cancelled or failed")
    if not reason.strip():
        raise DomainError("Enter the reason", field="reason")
    move(match, outcome, officer, note=reason.strip())
    return release_unverified(match)


def release_unverified(match: Match) -> Decimal:
    """Return to the offer what the match allocated but was not verified as delivered; refresh the need's
    proposals. Returns the amount released."""
    release = Decimal(0)
    if match.quantity is not None:
        release = max(match.quantity - match.total("verified_quantity"), Decimal(0))
        if release:
            db.session.execute(
                update(Offer)
                .where(Offer.id == match.offer_id)
                .values(allocated=Offer.allocated - release)
                .execution_options(synchronize_session=False)
            )
            db.session.refresh(match.offer, ["allocated"])
    matching.need_changed(match.need)
    return release
