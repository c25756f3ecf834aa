"""Responding to an introduction, and what happens when a party does not.

"Responding" means a party tells us it has been in touch with the other (the "We have been in touch" button on
its match), or moves the match on: the supplier reporting a delivery, the group confirming one. Each party has
MATCHMAKER_RESPONSE_WORKING_DAYS working days (default 10; weekends and England-and-Wales bank holidays do not
count) from the introduction. After that, officers are alerted once (`matchmaker matches chase`), and the party
that did respond can end the match and ask for a new one: the allocation returns to the offer and the pairing
is never proposed again.
"""

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, Role, User, utcnow
from matchmaker.services import audit
from matchmaker.services.brokerage import move, release_unverified
from matchmaker.services.errors import NotAllowed, StateConflict
from matchmaker.services.locking import lock
from matchmaker.services.working_days import add_working_days

S = MatchStatus
SIDES = ("group", "supplier")


def response_days() -> int:
    return int(current_app.config.get("RESPONSE_WORKING_DAYS", 10))


def side_of(match: Match, user: User) -> str | None:
    if user.organisation_id is None:
        return None
    if user.organisation_id == match.need.organisation_id:
        return "group"
    if user.organisation_id == match.offer.contract.supplier_id:
        return "supplier"
    return None


def party(match: Match, side: str):
    return match.need.organisation if side == "group" else match.offer.supplier


def other(side: str) -> str:
    return "supplier" if side == "group" else "group"


def responded_at(match: Match, side: str):
    return match.group_responded_at if side == "group" else match.supplier_responded_at


def deadline(match: Match) -> date | None:
    """The last working day for both parties to respond, for a match waiting on a response."""
    if match.introduced_at is None:
        return None
    return add_working_days(match.introduced_at.date(), response_days())


def waiting_on(match: Match) -> list[str]:
    """The sides that have not responded to the introduction (only while the match is introduced)."""
    if match.status is not S.INTRODUCED:
        return []
    return [side for side in SIDES if responded_at(match, side) is None]


def waiting_names(match: Match) -> str:
    return " and ".join(party(match, side).name for side in waiting_on(match))


def is_overdue(match: Match, today: date | None = None) -> bool:
    due = deadline(match)
    return bool(waiting_on(match)) and due is not None and (today or date.today()) > due


def _overdue_before(today: date) -> datetime:
    """Introductions made before this moment are past their deadline. A later introduction never has an earlier
    deadline, so one cut-off date answers for every match and the database can do the rest."""
    days = response_days()
    day = today - timedelta(days=days)  # N working days after it end on or after today: not overdue yet
    while add_working_days(day, days) >= today:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def overdue_clause(today: date | None = None):
    """SQL: the match is introduced, a party has not responded, and its deadline has passed."""
    return and_(
        Match.status == S.INTRODUCED,
        Match.introduced_at < _overdue_before(today or date.today()),
        or_(Match.group_responded_at.is_(None), Match.supplier_responded_at.is_(None)),
    )


def overdue_matches(today: date | None = None) -> list[Match]:
    """Introduced matches where a party has not responded in time, oldest introduction first."""
    return list(db.session.scalars(select(Match).where(overdue_clause(today)).order_by(Match.introduced_at, Match.id)))


def overdue_count(today: date | None = None, chased: bool | None = None) -> int:
    query = select(func.count()).select_from(Match).where(overdue_clause(today))
    if chased is not None:
        query = query.where(Match.chased_at.is_not(None) if chased else Match.chased_at.is_(None))
    return db.session.scalar(query)


def to_chase(today: date | None = None) -> list[int]:
    """Ids of overdue matches the officers have not been alerted to yet, oldest first."""
    return list(
        db.session.scalars(
            select(Match.id)
            .where(overdue_clause(today), Match.chased_at.is_(None))
            .order_by(Match.introduced_at, Match.id)
        )
    )


def record_response(match: Match, side: str, actor: User | None, how: str) -> bool:
    """Note that `side` has responded (once). Returns False if it already had."""
    if responded_at(match, side) is not None:
        return False
    if side == "group":
        match.group_responded_at = utcnow()
    else:
        match.supplier_responded_at = utcnow()
    db.session.flush()
    audit.record(
        "match.responded",
        match,
        actor,
        note=f"{party(match, side).name} {how}",
        detail={"title": "Responded to the introduction", "side": side},
    )
    return True


def respond(match: Match, user: User) -> None:
    """A party says it has been in touch with the other, as the introduction asked."""
    side = side_of(match, user)
    if side is None:
        raise NotAllowed("Only the group and the supplier in this match can respond to the introduction")
    lock(match)  # "We have been in touch" twice at once is recorded once
    if match.status not in (S.INTRODUCED, S.IN_DELIVERY):
        raise NotAllowed(f"A match that is {match.status.label.lower()} is not waiting for a response")
    if not record_response(match, side, user, "has been in touch"):
        raise NotAllowed("You have already told us you have been in touch")


def officers_to_alert() -> list[User]:
    """Every active brokerage officer; administrators only if there are no officers."""
    officers = db.session.scalars(
        select(User).where(User.role == Role.OFFICER, User.active.is_(True)).order_by(User.id)
    ).all()
    return list(officers) or list(
        db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id))
    )


def mark_chased(match: Match) -> None:
    """Recorded only once the officers' alert has gone, so a mail failure is retried on the next run."""
    match.chased_at = utcnow()
    names = waiting_names(match)
    db.session.flush()
    audit.record(
        "match.chased",
        match,
        None,
        note=f"No response from {names} within {response_days()} working days: officers alerted",
        detail={"title": "Officers alerted: no response", "waiting_on": waiting_on(match)},
    )


def can_ask_for_new_match(match: Match, user: User, today: date | None = None) -> bool:
    side = side_of(match, user)
    return (
        side is not None
        and is_overdue(match, today)
        and responded_at(match, side) is not None
        and other(side) in waiting_on(match)
    )


def ask_for_new_match(match: Match, user: User, today: date | None = None) -> str:
    """The party that responded ends the stale match. Returns the side that did not respond."""
    side = side_of(match, user)
    if side is None:
        raise NotAllowed("Only the group and the supplier in this match can ask for a new match")
    lock(match)  # a second request waits here, then finds the match ended: its allocation is released once
    if match.status in (S.CANCELLED, S.FAILED):
        raise StateConflict(f"This match has already been ended: it is {match.status.label.lower()}", match_id=match.id)
    if match.status is not S.INTRODUCED:
        raise NotAllowed(f"A match that is {match.status.label.lower()} cannot be replaced for want of a response")
    if responded_at(match, side) is None:
        raise NotAllowed("Tell us you have been in touch before asking for a new match")
    if other(side) not in waiting_on(match):
        raise NotAllowed(f"{party(match, other(side)).name} has responded: talk to them, or to the brokerage team")
    if not is_overdue(match, today):
        raise NotAllowed(f"{party(match, other(side)).name} has until {deadline(match):%-d %B %Y} to respond")
    silent = other(side)
    match.no_response_from = silent
    match.reason_text = f"No response from {party(match, silent).name}"
    move(
        match,
        S.CANCELLED,
        user,
        note=f"{party(match, side).name} asked for a new match: no response from "
        f"{party(match, silent).name} within {response_days()} working days",
    )
    release_unverified(match)
    return silent
