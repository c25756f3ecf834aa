"""Accounts: signing in, changing details and passwords, password-reset tokens, creating officers."""

from datetime import datetime
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.extensions import db
from matchmaker.models import Role, User, utcnow
from matchmaker.services import api_tokens, audit, sign_in_locks
from matchmaker.services.errors import DomainError, NotAllowed
from matchmaker.services.passwords import password_problem


@cache
def _dummy_hash() -> str:
    """Compared against when the email is unknown, so a wrong email takes as long as a wrong password. Made on
    first use, not at import: hashing is deliberately slow, and every command and worker start would pay it."""
    return generate_password_hash("not a real password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, exclude: User | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == normalise_email(email))
    if exclude is not None:
        query = query.where(User.id != exclude.id)
    return db.session.scalar(query) > 0


class SignInLocked(DomainError):
    """Too many wrong passwords for this address from this source: sign-ins from here are refused until `until`.

    Worded the same whether or not the address has an account. `user` is the holder (None for an unknown
    address); `notify` says the caller should email the holder, after committing (the first lock only).
    """

    def __init__(self, until: datetime, user: User | None = None, notify: bool = False) -> None:
        super().__init__(
            f"Too many failed attempts to sign in with this email address from your network. Try again after "
            f"{until:%H:%M} UTC on {until:%-d %B %Y}, or reset your password.",
            field="email",
        )
        self.until = until
        self.user = user
        self.notify = notify


def authenticate(email: str, password: str, source: str) -> User | None:
    """The user with this email and password, if they may sign in; None otherwise (never says which part was wrong).

    `source` is the client's address. Wrong passwords are counted per (address, source) by sign_in_locks: at
    LOCKOUT_THRESHOLD in a row that source is locked out of that address (SignInLocked), and the holder, if
    there is one, is signed out everywhere and told by email. The caller commits either way.
    """
    now = utcnow()
    until = sign_in_locks.locked_until(email, source, now)
    if until is not None:
        check_password_hash(_dummy_hash(), password)  # a locked answer takes as long as any other
        raise SignInLocked(until)
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_dummy_hash(), password)
        _failed(email, source, None, now)
        return None
    if not user.check_password(password):
        _failed(email, source, user, now)
        return None
    if not user.active:
        return None
    sign_in_locks.forget(email, source)
    user.last_signed_in_at = now
    return user


def _failed(email: str, source: str, user: User | None, now: datetime) -> None:
    failure = sign_in_locks.record_failure(email, source, now)
    if failure.locked_until is None:
        return
    notify = False
    if user is not None and failure.just_locked:
        # Whoever was guessing may have got in elsewhere already: end every session of the account.
        end_sessions(user)
        audit.record(
            "user.locked",
            user,
            None,
            note=f"{current_app.config['LOCKOUT_THRESHOLD']} failed sign-ins from one source",
            detail={"locked_until": failure.locked_until.isoformat()},
        )
        # One email per wave of guessing, not one per guessing address.
        notify = sign_in_locks.other_locks(email, source, now) == 0
    raise SignInLocked(failure.locked_until, user, notify)


def _check_new_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem, field="password")


def update_account(user: User, full_name: str, email: str) -> None:
    if email_taken(email, exclude=user):
        raise DomainError("Another account already uses this email address", field="email")
    user.full_name = full_name.strip()
    user.email = normalise_email(email)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Changing the password signs the user out of every other session."""
    if not user.check_password(current_password):
        raise DomainError("Your current password is incorrect", field="current_password")
    _check_new_password(new_password, user.email)
    user.set_password(new_password)
    db.session.flush()


def set_password(user: User, new_password: str) -> None:
    _check_new_password(new_password, user.email)
    user.set_password(new_password)
    # Proving control of the mailbox (a reset link, an invitation) lifts every lock on the address.
    sign_in_locks.forget(user.email)
    db.session.flush()


def reset_password(user: User, new_password: str) -> int:
    """The "someone else had my account" path: a new password, every session ended, every API token revoked.

    Returns how many tokens were revoked, so the holder can be told.
    """
    set_password(user, new_password)
    return api_tokens.revoke_all(user, reason="password reset")


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session cookie (and remember-me cookie) carries the old version."""
    user.session_version = User.session_version + 1  # in SQL, so two sign-outs at once both count
    db.session.flush()


# Password links: a reset link lasts an hour; an invitation to a new officer lasts a week.
TOKEN_PURPOSES = {"reset": "PASSWORD_RESET_MAX_AGE", "invite": "INVITATION_MAX_AGE"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"matchmaker.password-{purpose}")


def make_password_token(user: User, purpose: str = "reset") -> str:
    # The session version changes when the password does, so a link works once and dies with a new password.
    return _serializer(purpose).dumps({"user": user.id, "version": user.session_version})


def user_from_password_token(token: str) -> User | None:
    for purpose, max_age_setting in TOKEN_PURPOSES.items():
        try:
            data = _serializer(purpose).loads(token, max_age=current_app.config[max_age_setting])
        except (BadSignature, SignatureExpired):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("user"), int):
            return None
        user = db.session.get(User, data["user"])
        if user is None or user.session_version != data.get("version") or not user.active:
            return None
        return user
    return None


def create_staff_user(full_name: str, email: str, role: Role, created_by: User | None) -> User:
    """An officer or administrator, who sets their own password through the emailed link."""
    if role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed("Only officers and administrators are created this way")
    if created_by is not None and created_by.role is not Role.ADMIN:
        raise NotAllowed("Only administrators can create officers")
    if email_taken(email):
        raise DomainError("An account already exists with this email address", field="email")
    user = User(full_name=full_name.strip(), email=normalise_email(email), role=role, password_hash=None)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, created_by, to_state=role.value)
    return user


def create_first_admin(full_name: str, email: str, password: str) -> User:
    """From the CLI: the administrator who creates everyone else."""
    user = create_staff_user(full_name, email, Role.ADMIN, created_by=None)
    set_password(user, password)
    return user


def staff_and_members() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, func.lower(User.full_name))))
