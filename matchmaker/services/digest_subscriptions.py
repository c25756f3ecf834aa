"""Partners' digest choices, and unsubscribing from a signed link that needs no sign-in.

The link carries the user's id signed with the app's SECRET_KEY and a salt used for nothing else, so a token
made for another purpose (a password reset) can never unsubscribe anyone, and nobody can forge one. It does
not expire: an unsubscribe link in a year-old email must still work.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import DigestFrequency, DigestSubscription, Priority, User, Ward
from matchmaker.services import audit
from matchmaker.services.digest import interests_of
from matchmaker.services.errors import DomainError

UNSUBSCRIBE_SALT = "matchmaker.digest.unsubscribe"


def subscription_of(user: User) -> DigestSubscription | None:
    return db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))


def current_choices(user: User) -> tuple[DigestFrequency, list[int], list[int]]:
    """Frequency, priority ids and ward ids as they apply now (the defaults if never chosen)."""
    interests = interests_of(user, subscription_of(user))
    return interests.frequency, sorted(interests.priority_ids), sorted(interests.ward_ids)


def save_subscription(user: User, frequency: DigestFrequency, priority_ids: list[int], ward_ids: list[int]) -> None:
    if not user.is_member:
        raise DomainError("Only members of partner organisations receive the digest", field="frequency")
    subscription = subscription_of(user)
    if subscription is None:
        subscription = DigestSubscription(user=user)
        db.session.add(subscription)
    before = subscription.frequency.value if subscription.frequency else None
    subscription.frequency = frequency
    subscription.priorities = list(db.session.scalars(select(Priority).where(Priority.id.in_(priority_ids))))
    subscription.wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(ward_ids))))
    db.session.flush()
    audit.record("digest.subscription_changed", user, user, before, frequency.value)


def unsubscribe_serializer() -> URLSafeSerializer:
    """Made once per batch of digests: building it derives the signing key, which costs more than signing."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def make_unsubscribe_token(user: User, serializer: URLSafeSerializer | None = None) -> str:
    return (serializer or unsubscribe_serializer()).dumps({"u": user.id})


def user_for_token(token: str) -> User | None:
    try:
        payload = unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(user: User) -> bool:
    """Stop the digest for this person, keeping their interests in case they come back. False if already off."""
    subscription = subscription_of(user)
    if subscription is None:
        # Keep the defaults they were receiving, so resubscribing brings back what they had.
        _, priority_ids, ward_ids = current_choices(user)
        subscription = DigestSubscription(user=user)
        subscription.priorities = list(db.session.scalars(select(Priority).where(Priority.id.in_(priority_ids))))
        subscription.wards = list(db.session.scalars(select(Ward).where(Ward.id.in_(ward_ids))))
        db.session.add(subscription)
        before = DigestFrequency.MONTHLY
    else:
        before = subscription.frequency
    if before is DigestFrequency.NONE:
        return False
    subscription.frequency = DigestFrequency.NONE
    db.session.flush()
    audit.record(
        "digest.unsubscribed",
        user,
        user,
        before.value,
        DigestFrequency.NONE.value,
        note="From the link in the digest email",
    )
    return True
