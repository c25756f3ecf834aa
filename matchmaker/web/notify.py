"""Sends notifications after the change they report has been committed. A mail failure never loses the change."""

from collections.abc import Iterable

from flask import current_app, flash

from matchmaker import email
from matchmaker.models import User

FAILURE_MESSAGE = (
    "The change was saved, but the email about it could not be sent. Tell the people concerned "
    "directly; the failure has been logged for the service's administrators."
)


def _deliver(messages: list, template: str, tell_user: bool) -> bool:
    try:
        email.send_many(messages)
    except email.EmailDeliveryError:
        current_app.logger.exception("Email %r could not be sent to %d recipient(s)", template, len(messages))
        if tell_user:
            flash(FAILURE_MESSAGE)
        return False
    return True


def send_after_commit(template: str, to: str, subject: str, tell_user: bool = True, **context) -> bool:
    """Send one message, or log the failure. With tell_user=False the failure is not shown on the page (where
    showing it would say whether an account exists)."""
    return _deliver([email.render(template, to=to, subject=subject, **context)], template, tell_user)


def send_to_members(template: str, members: Iterable[User], subject: str, tell_user: bool = True, **context) -> bool:
    """One personal message to each member, sent over one connection, with at most one failure banner."""
    messages = [email.render(template, to=m.email, subject=subject, user=m, **context) for m in members if m.active]
    return _deliver(messages, template, tell_user) if messages else True
