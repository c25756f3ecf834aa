"""Needs: posting, moderation, editing with history, closing and reopening, and daily expiry.

Every status change goes through `_move`, which checks the transition is allowed and writes the audit
record that the need's history page shows. It changes the status only from the one it was read in
(compare-and-set), so two requests at once cannot both move it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, update

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Delivery,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    Unit,
    User,
    utcnow,
)
from matchmaker.services import audit, matching
from matchmaker.services.errors import DomainError, NotAllowed, StateConflict
from matchmaker.services.tagging import Tags, apply_tags, describe_tags

S = NeedStatus
ALLOWED: dict[NeedStatus, set[NeedStatus]] = {
    S.DRAFT: {S.AWAITING_MODERATION, S.CLOSED},
    S.AWAITING_MODERATION: {S.OPEN, S.PARTLY_MET, S.MET, S.DRAFT, S.CLOSED},
    S.OPEN: {S.PARTLY_MET, S.MET, S.CLOSED, S.EXPIRED, S.AWAITING_MODERATION},
    S.PARTLY_MET: {S.OPEN, S.MET, S.CLOSED, S.EXPIRED, S.AWAITING_MODERATION},
    S.MET: {S.OPEN, S.PARTLY_MET, S.CLOSED},
    S.CLOSED: {S.OPEN, S.PARTLY_MET, S.DRAFT},
    S.EXPIRED: {S.OPEN, S.PARTLY_MET, S.CLOSED},
}
EXPIRY_WARNING_DAYS = 7


@dataclass
class NeedDetails:
    title: str
    description: str
    tags: Tags
    quantity: Decimal | None = None
    unit: Unit | None = None
    needed_by: date | None = None
    recurring: bool = False
    ref: str | None = None


def _snapshot(need: Need) -> dict[str, str]:
    return {
        "title": need.title,
        "description": need.description,
        "quantity": need.amount,
        "needed_by": f"{need.needed_by:%-d %B %Y}" if need.needed_by else "",
        "recurring": "yes" if need.recurring else "no",
        **describe_tags(need),
    }


def _apply(need: Need, details: NeedDetails) -> None:
    if (details.quantity is None) != (details.unit is None):
        raise DomainError("Enter both a quantity and its unit, or neither", field="quantity")
    if details.quantity is not None and details.quantity <= 0:
        raise DomainError("Quantity must be more than 0", field="quantity")
    need.title = details.title.strip()
    need.description = details.description.strip()
    need.quantity, need.unit = details.quantity, details.unit
    need.needed_by = details.needed_by
    need.recurring = details.recurring
    if details.ref is not None:
        need.ref = details.ref or None
    apply_tags(need, details.tags)


def max_live_needs() -> int:
    return int(current_app.config["MAX_LIVE_NEEDS"])


def live_needs_count(organisation: Organisation, excluding: Need | None = None) -> int:
    query = (
        select(func.count())
        .select_from(Need)
        .where(Need.organisation_id == organisation.id, Need.status.in_([s for s in NeedStatus if s.is_live]))
    )
    if excluding is not None and excluding.id is not None:
        query = query.where(Need.id != excluding.id)
    return db.session.scalar(query)


def _check_live_limit(need: Need) -> None:
    limit = max_live_needs()
    if live_needs_count(need.organisation, excluding=need) >= limit:
        raise DomainError(
            f"Your organisation already has {limit} live needs, the most allowed. Close a need, or wait for one "
            "to be met, before adding another",
            field="title",
        )


def _move(need: Need, to: NeedStatus, actor: User | None, note: str = "", enforce_live_limit: bool = True) -> None:
    if to not in ALLOWED[need.status]:
        raise NotAllowed(f"A need that is {need.status.label.lower()} cannot become {to.label.lower()}")
    if to.is_live and not need.status.is_live and enforce_live_limit:
        _check_live_limit(need)
    previous = need.status
    values: dict = {"status": to}
    if to.is_public and need.published_at is None:
        values["published_at"] = utcnow()
    db.session.flush()
    moved = db.session.execute(
        update(Need)
        .where(Need.id == need.id, Need.status == previous)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(need, ["status", "published_at", "updated_at"])
    if moved != 1:
        raise StateConflict(f"This need has just been changed by someone else: it is now {need.status.label.lower()}")
    audit.record("need.status", need, actor, previous.value, to.value, note=note)
    if previous.is_public or to.is_public:
        matching.need_changed(need)


def _check_member(need: Need, user: User) -> None:
    if user.organisation_id != need.organisation_id:
        raise NotAllowed("Only members of the organisation that posted this need can change it")


def create_need(organisation: Organisation, user: User | None, details: NeedDetails, submit: bool) -> Need:
    """A draft, or (submit=True) a need sent straight to the officers for moderation."""
    if not organisation.is_approved:
        raise NotAllowed("Your organisation must be approved before it can post needs")
    need = Need(organisation=organisation, created_by=user, status=NeedStatus.DRAFT)
    _apply(need, details)
    db.session.add(need)
    db.session.flush()
    audit.record("need.created", need, user, to_state=need.status.value, detail={"values": _snapshot(need)})
    if submit:
        _move(need, NeedStatus.AWAITING_MODERATION, user)
    return need


def update_need(
    need: Need, user: User | None, details: NeedDetails, enforce_live_limit: bool = True
) -> dict[str, list[str]]:
    """Save changes and keep them in the need's history. Returns what changed.

    user=None is the command line (an import); enforce_live_limit=False is for officers' imports.
    """
    if user is not None and user.role.value not in ("officer", "admin"):
        _check_member(need, user)
    before = _snapshot(need)
    _apply(need, details)
    db.session.flush()
    after = _snapshot(need)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changes:
        audit.record("need.updated", need, user, detail={"changes": changes})
        if need.status.is_public:
            matching.need_changed(need)
    # New wording from a group goes past an officer again before the public sees it (officers' and imports' don't).
    if (
        user is not None
        and not user.is_officer
        and need.status.is_public
        and ("title" in changes or "description" in changes)
    ):
        _move(need, NeedStatus.AWAITING_MODERATION, user, note="Reworded after publication")
    # A need that had expired and is given a date in the future is live again.
    if need.status is NeedStatus.EXPIRED and need.needed_by and need.needed_by >= date.today():
        _move(need, _reopened(need), user, note="Needed-by date extended", enforce_live_limit=enforce_live_limit)
    return changes


def open_imported(need: Need, actor: User | None) -> None:
    """Publish a need an officer imported: through moderation to open, recorded, and not held to the live limit."""
    _move(need, NeedStatus.AWAITING_MODERATION, actor, note="Imported", enforce_live_limit=False)
    _move(need, NeedStatus.OPEN, actor, note="Imported", enforce_live_limit=False)


def submit_need(need: Need, user: User) -> None:
    _check_member(need, user)
    need.moderation_comment = None
    _move(need, NeedStatus.AWAITING_MODERATION, user)


def status_by_deliveries(need: Need) -> NeedStatus:
    """Open, partly met or met, by the help verified under the need's live matches: met once what was verified
    covers the need (in its unit), or, for a need without an amount, once a match is verified as complete."""
    from matchmaker.services.brokerage import LIVE

    live = (Match.need_id == need.id, Match.status.in_(LIVE))
    verified = (Delivery.verified_at.is_not(None),)
    if not db.session.scalar(select(func.count()).select_from(Delivery).join(Match).where(*live, *verified)):
        return NeedStatus.OPEN
    if need.quantity is not None and need.unit is not None:
        total = db.session.scalar(
            select(func.coalesce(func.sum(Delivery.verified_quantity), 0))
            .join(Match)
            .join(Offer, Match.offer_id == Offer.id)
            .where(*live, *verified, Offer.unit == need.unit)
        )
        met = Decimal(total) >= need.quantity
    else:
        met = bool(
            db.session.scalar(
                select(func.count()).select_from(Match).where(*live, Match.status == MatchStatus.VERIFIED)
            )
        )
    return NeedStatus.MET if met else NeedStatus.PARTLY_MET


def _reopened(need: Need) -> NeedStatus:
    """Open again for more help, keeping the help verified so far: partly met if there is any."""
    return NeedStatus.OPEN if status_by_deliveries(need) is NeedStatus.OPEN else NeedStatus.PARTLY_MET


def publish_need(need: Need, officer: User) -> None:
    """Open, or partly met or met if help was verified before it went back to moderation (a reworded need keeps
    what it has been given)."""
    if not officer.is_officer:
        raise NotAllowed("Only brokerage officers can publish needs")
    _move(need, status_by_deliveries(need), officer)


def return_need(need: Need, officer: User, comment: str) -> None:
    if not officer.is_officer:
        raise NotAllowed("Only brokerage officers can return needs")
    if not comment.strip():
        raise DomainError("Enter a comment saying what the group should change", field="comment")
    need.moderation_comment = comment.strip()
    _move(need, NeedStatus.DRAFT, officer, note=comment.strip())


def close_need(need: Need, user: User, note: str = "") -> None:
    if not user.is_officer:
        _check_member(need, user)
    _move(need, NeedStatus.CLOSED, user, note=note)


def reopen_need(need: Need, user: User) -> None:
    """Back to open if it was published and its date is still ahead; an unpublished need goes back to draft."""
    if not user.is_officer:
        _check_member(need, user)
    if need.published_at is None:
        _move(need, NeedStatus.DRAFT, user)
        return
    if need.needed_by and need.needed_by < date.today():
        raise DomainError(
            "Change the needed-by date to a date in the future before reopening this need", field="needed_by"
        )
    _move(need, _reopened(need), user)


def move_by_delivery(need: Need, to: NeedStatus, officer: User) -> None:
    """Partly met or met, as verified deliveries add up (see services.deliveries)."""
    _move(need, to, officer, note="Verified delivery")


def history(need: Need) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "need", AuditEvent.subject_id == need.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def needs_to_expire(today: date) -> list[Need]:
    return list(
        db.session.scalars(
            select(Need)
            .where(Need.status.in_([NeedStatus.OPEN, NeedStatus.PARTLY_MET]), Need.needed_by < today)
            .order_by(Need.id)
        )
    )


def expire(need: Need) -> None:
    _move(need, NeedStatus.EXPIRED, None, note="Needed-by date passed")


def needs_to_warn(today: date) -> list[Need]:
    """Open needs whose date falls within the week and whose owners have not been warned about that date."""
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    return [
        need
        for need in db.session.scalars(
            select(Need)
            .where(
                Need.status.in_([NeedStatus.OPEN, NeedStatus.PARTLY_MET]),
                Need.needed_by >= today,
                Need.needed_by <= horizon,
            )
            .order_by(Need.id)
        )
        if need.expiry_warning_sent_for != need.needed_by
    ]


def mark_warned(need: Need) -> None:
    need.expiry_warning_sent_for = need.needed_by
    db.session.flush()
