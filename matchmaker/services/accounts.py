"""Accounts: signing in, changing details and passwords, password-reset tokens, creating officers."""

from datetime import timedelta
from functools import cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.extensions import db
from matchmaker.models import Role, User, utcnow
from matchmaker.services import audit
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


class AccountLocked(DomainError):
    """Too many wrong passwords in a row: the account refuses every sign-in, right or wrong, until `until`."""

    def __init__(self, user: User, just_locked: bool) -> None:
        super().__init__(
            f"This account is locked because of too many failed sign-in attempts. Try again after "
            f"{user.locked_until:%H:%M} UTC on {user.locked_until:%-d %B %Y}, or reset your password.",
            field="email",
        )
        self.user = user
        self.just_locked = just_locked  # the caller emails the holder once, after committing


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, if they may sign in; None otherwise (never says which part was wrong).

    Counts wrong passwords per account: at LOCKOUT_THRESHOLD in a row the account is locked for
    LOCKOUT_MINUTES, its sessions end, and AccountLocked is raised. The per-IP rate limit slows one guesser;
    this stops many guessers (a botnet) working through one account. The caller commits either way.
    """
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return None
    now = utcnow()
    if user.is_locked(now):
        check_password_hash(_dummy_hash(), password)
        raise AccountLocked(user, just_locked=False)
    if not user.check_password(password):
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
        if user.failed_sign_ins >= current_app.config["LOCKOUT_THRESHOLD"]:
            _lock(user, now)
            raise AccountLocked(user, just_locked=True)
        db.session.flush()
        return None
    if not user.active:
        return None
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_signed_in_at = now
    return user


def _lock(user: User, now) -> None:
    user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    user.failed_sign_ins = 0
    # Whoever was guessing may have got in elsewhere already: end every session of the account.
    user.session_version += 1
    audit.record(
        "user.locked",
        user,
        None,
        note=f"{current_app.config['LOCKOUT_THRESHOLD']} failed sign-ins",
        detail={"locked_until": user.locked_until.isoformat()},
    )
    db.session.flush()


def _unlock(user: User) -> None:
    """Proving control of the mailbox (a reset link) unlocks the account."""
    user.failed_sign_ins = 0
    user.locked_until = None


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
    _unlock(user)
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
