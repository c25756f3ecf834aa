"""Email: build a message from a .txt and .html template pair, and send it through the configured backend.

from matchmaker import email
email.send(email.render("password_reset", to=user.email, subject="Reset your password", user=user, link=link))
"""

from matchmaker.email.backends import (
    ConnectionLost,
    EmailDeliveryError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    connection,
    get_backend,
)
from matchmaker.email.message import render


def send(message) -> None:
    get_backend().send([message])


def send_many(messages) -> None:
    """Send a batch over one connection where the backend has connections (SMTP)."""
    get_backend().send(list(messages))


__all__ = [
    "ConnectionLost",
    "EmailDeliveryError",
    "PermanentDeliveryError",
    "TemporaryDeliveryError",
    "connection",
    "render",
    "send",
    "send_many",
]
