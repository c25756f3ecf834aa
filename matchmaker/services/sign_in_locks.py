"""Sign-in lockout per (email address, source): a stranger's wrong passwords lock out only the stranger.

LOCKOUT_THRESHOLD wrong passwords in a row for one address from one source (the client's IP address) stop
sign-ins for that address from that source for LOCKOUT_MINUTES; the holder signs in from anywhere else as usual.
Unknown addresses are counted and locked exactly like registered ones, so the answers never say whether an
address has an account. Guessing from many sources is slowed by the per-IP rate limit on every source and
defeated by the password rules (12 characters or more, not a common password).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from matchmaker.extensions import db
from matchmaker.models import SignInLock

# Failures older than this without a lock are forgotten, so the table only holds recent guessing.
FORGET_AFTER = timedelta(days=1)


def _key(kind: str, value: str) -> str:
    """A keyed hash: the same value always gives the same key, and the key cannot be turned back into it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def email_key(email: str) -> str:
    return _key("email", email.strip().lower())


def source_key(source: str) -> str:
    return _key("source", source)


@dataclass(frozen=True)
class Failure:
    locked_until: datetime | None  # set when this failure locked the source out
    just_locked: bool  # this very request crossed the threshold (one of any number of concurrent ones)


def locked_until(email: str, source: str, now: datetime) -> datetime | None:
    """When the lock on this address from this source ends, or None if sign-ins are allowed."""
    until = db.session.scalar(
        select(SignInLock.locked_until).where(
            SignInLock.email_key == email_key(email), SignInLock.source_key == source_key(source)
        )
    )
    return until if until is not None and until > now else None


def record_failure(email: str, source: str, now: datetime) -> Failure:
    """Count one wrong password; at the threshold, lock. One statement each, so concurrent guesses all count."""
    keys = {"email_key": email_key(email), "source_key": source_key(source)}
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SignInLock).values(**keys, failures=1, updated_at=now)
    failures = db.session.scalar(
        statement.on_conflict_do_update(
            index_elements=["email_key", "source_key"],
            set_={"failures": SignInLock.failures + 1, "updated_at": now},
        ).returning(SignInLock.failures)
    )
    db.session.execute(
        delete(SignInLock)
        .where(SignInLock.updated_at < now - FORGET_AFTER)
        .where((SignInLock.locked_until.is_(None)) | (SignInLock.locked_until < now))
        .execution_options(synchronize_session=False)
    )
    threshold = current_app.config["LOCKOUT_THRESHOLD"]
    if failures < threshold:
        return Failure(None, False)
    until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    # Compare-and-set: of several requests that reach the threshold at once, exactly one locks.
    locked = db.session.execute(
        update(SignInLock)
        .where(*(getattr(SignInLock, k) == v for k, v in keys.items()), SignInLock.failures >= threshold)
        .values(failures=0, locked_until=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Failure(until, just_locked=locked == 1)


def other_locks(email: str, source: str, now: datetime) -> int:
    """Sources other than this one locked out of this address now (the holder is emailed about the first only)."""
    return db.session.scalar(
        select(func.count())
        .select_from(SignInLock)
        .where(
            SignInLock.email_key == email_key(email),
            SignInLock.source_key != source_key(source),
            SignInLock.locked_until > now,
        )
    )


def forget(email: str, source: str | None = None) -> None:
    """A right password clears its source's count; proving control of the mailbox (a reset) clears every lock."""
    query = delete(SignInLock).where(SignInLock.email_key == email_key(email))
    if source is not None:
        query = query.where(SignInLock.source_key == source_key(source))
    db.session.execute(query.execution_options(synchronize_session=False))
