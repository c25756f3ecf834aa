"""Brokerage: officers approve or reject proposals and pledges; matches move through their states.

Capacity is allocated by one conditional UPDATE, so the database itself refuses to allocate more than an
offer has left, however many officers approve at the same moment. Every state change goes through `move`,
which checks the transition is allowed and writes the audit record the match's timeline shows.

Every decision is a compare-and-set on the current state, so of any number of identical requests at once exactly
one has an effect and the others are told what happened (StateConflict): approving takes the proposal (deletes
it) or moves the pledge from pending in one conditional statement; `move` updates a match only from the status it
was read in; ending a match locks it first, so what it releases is worked out from its state as it is now.
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
from matchmaker.services.errors import DomainError, NotAllowed, StateConflict
from matchmaker.services.locking import lock

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
    """Change the match's status, only from the status it was read in: if another request moved it meanwhile,
    nothing changes and StateConflict says what it is now."""
    if to not in ALLOWED[match.status]:
        raise NotAllowed(f"A match that is {match.status.label.lower()} cannot become {to.label.lower()}")
    previous = match.status
    values: dict = {"status": to}
    if to is S.INTRODUCED:
        values["introduced_at"] = utcnow()  # the parties' time to respond runs from here
    db.session.flush()
    moved = db.session.execute(
        update(Match)
        .where(Match.id == match.id, Match.status == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(match, ["status", "introduced_at", "updated_at"])
    if moved != 1:
        raise StateConflict(
            f"This match has just been changed by someone else: it is now {match.status.label.lower()}",
            match_id=match.id,
        )
    audit.record("match.status", match, actor, previous.value, to.value, note=note)


def _source(proposal: Proposal | None, pledge: Pledge | None) -> dict:
    if pledge is not None:
        return {"source": "pledge", "pledge": pledge}
    return {
        "source": "engine",
        "proposal_id": proposal.id if proposal else None,
        "score": proposal.score if proposal else None,
        "components": proposal.components if proposal else None,
    }


def decision_on(kind: str, item_id: int) -> Match | None:
    """The match (approved, or declined) that an officer's decision on this proposal or pledge made, if any."""
    column = Match.pledge_id if kind == "pledge" else Match.proposal_id
    return db.session.scalar(select(Match).where(column == item_id).order_by(Match.id.desc()).limit(1))


def already_decided(kind: str, item_id: int) -> StateConflict:
    """What to tell an officer whose proposal or pledge was decided by someone else first (match_id None: there
    is no record of a decision, so the proposal never existed or the engine replaced it)."""
    decision = decision_on(kind, item_id)
    if kind == "pledge":
        pledge = db.session.get(Pledge, item_id)
        if pledge is not None and pledge.status is PledgeStatus.WITHDRAWN:
            return StateConflict("This pledge has been withdrawn by the supplier")
    if decision is None:
        return StateConflict(f"This {kind} is no longer waiting for a decision: the engine has replaced it")
    verb = "rejected" if decision.status is S.DECLINED else "approved"
    return StateConflict(f"This {kind} has already been {verb}", match_id=decision.id)


def _claim(proposal: Proposal | None, pledge: Pledge | None, to: PledgeStatus) -> None:
    """Compare-and-set on what is being decided: the one request that deletes the proposal, or moves the pledge
    from pending, goes on; any other, however close behind, changes nothing and is told what happened."""
    if proposal is not None:
        taken = db.session.execute(delete(Proposal).where(Proposal.id == proposal.id)).rowcount
        if taken != 1:
            raise already_decided("proposal", proposal.id)
    if pledge is not None:
        taken = db.session.execute(
            update(Pledge)
            .where(Pledge.id == pledge.id, Pledge.status == PledgeStatus.PENDING)
            .values(status=to)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(pledge, ["status"])
        if taken != 1:
            raise already_decided("pledge", pledge.id)


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
    source = _source(proposal, pledge)
    _claim(proposal, pledge, PledgeStatus.APPROVED)  # first: the loser of a race stops here, having done nothing
    if not need.status.is_public:
        raise NotAllowed("This need is no longer open")
    allocate(offer, quantity)
    match = Match(need=need, offer=offer, quantity=quantity, status=S.APPROVED, decided_by_id=officer.id, **source)
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
    source = _source(proposal, pledge)
    _claim(proposal, pledge, PledgeStatus.REJECTED)
    match = Match(
        need=need,
        offer=offer,
        quantity=None,
        status=S.DECLINED,
        reason=reason,
        reason_text=text.strip(),
        decided_by_id=officer.id,
        **source,
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
    lock(match)  # a second "end" waits here, then sees the match ended; a verification cannot slip in between
    if match.status in (S.CANCELLED, S.FAILED):
        raise StateConflict(f"This match has already been ended: it is {match.status.label.lower()}", match_id=match.id)
    move(match, outcome, officer, note=reason.strip())
    return release_unverified(match)


def release_unverified(match: Match) -> Decimal:
    """Return to the offer what the match allocated but was not verified as delivered; refresh the need's
    proposals. Returns the amount released. Call it only with the match locked and just ended (`end`), so it
    runs once per match."""
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
