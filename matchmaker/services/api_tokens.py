"""Personal API tokens: created and revoked by their owner, checked on every API request.

A token is shown once, when it is made; only its SHA-256 is kept. It acts as its user, in the role the user had
when it was made, until it is revoked, expires, the user is deactivated or the user's role changes.
"""

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import ApiToken, User, utcnow
from matchmaker.services import audit
from matchmaker.services.errors import DomainError, NotAllowed

PREFIX = "mm_"
MAX_NAME_LENGTH = 80
MAX_TOKENS = 20  # live tokens per user: enough for every script a person runs, few enough to review
MAX_LIFETIME_DAYS = 366
# Writing last_used_at on every request would turn every API read into a write; to the minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first (revoked and expired ones are kept for the audit trail)."""
    now = utcnow()
    return [
        t
        for t in db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
        if t.is_usable(now)
    ]


def create_token(user: User, name: str, expires_on: date | None, today: date | None = None) -> tuple[ApiToken, str]:
    """Make a token for `user`. Returns the record and the token itself, which is never available again."""
    name = " ".join((name or "").split())
    today = today or datetime.now(UTC).date()
    if not name:
        raise DomainError("Enter a name for the token", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"Name must be {MAX_NAME_LENGTH} characters or fewer", field="name")
    if expires_on is not None and expires_on <= today:
        raise DomainError("The expiry date must be in the future", field="expires_on")
    if expires_on is not None and expires_on > today + timedelta(days=MAX_LIFETIME_DAYS):
        raise DomainError("The expiry date must be within a year", field="expires_on")
    if len(tokens_of(user)) >= MAX_TOKENS:
        raise DomainError(f"You already have {MAX_TOKENS} tokens. Revoke one you no longer use first", field="name")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:8],
        role=user.role,
        # The end of the chosen day, UTC: a token "expiring on 1 March" still works on 1 March.
        expires_at=datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=UTC) if expires_on else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        token,
        user,
        detail={"name": name, "prefix": token.prefix, "expires_on": expires_on.isoformat() if expires_on else None},
    )
    return token, raw


def revoke_token(token: ApiToken, user: User) -> None:
    if token.user_id != user.id:
        raise NotAllowed("You can only revoke your own tokens")
    if token.revoked_at is not None:
        raise NotAllowed("This token has already been revoked")
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoked", token, user, detail={"name": token.name, "prefix": token.prefix})


def revoke_all(user: User, reason: str) -> int:
    """Revoke every token of the user that still works; returns how many."""
    now = utcnow()
    revoked = 0
    for token in tokens_of(user):
        token.revoked_at = now
        audit.record("api_token.revoked", token, user, note=reason, detail={"name": token.name, "prefix": token.prefix})
        revoked += 1
    db.session.flush()
    return revoked


def authenticate(raw: str | None) -> User | None:
    """The user a bearer token stands for, or None if it is unknown, revoked, expired or no longer fits the user."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    now = utcnow()
    if token is None or not token.is_usable(now):
        return None
    user = token.user
    if not user.active or user.role is not token.role:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return user
