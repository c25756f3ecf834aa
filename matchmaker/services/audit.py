"""Writes audit records. Every state change and administrator action goes through here."""

from typing import Any

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, User


def record(
    action: str,
    subject: Any,
    actor: User | None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        subject_type=type(subject).__name__.lower(),
        subject_id=subject.id,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        detail=detail,
    )
    db.session.add(event)
    return event
