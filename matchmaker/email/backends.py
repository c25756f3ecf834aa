"""Where email goes: a real SMTP server, an outbox folder (no server configured), or memory (tests of rendering).

All have one interface: send(list of EmailMessage). The SMTP backend reuses one connection per batch.
"""

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app


class EmailDeliveryError(RuntimeError):
    """The message could not be handed to the mail server."""


class Backend(Protocol):
    def send(self, messages: list[EmailMessage]) -> None: ...


class SMTPBackend:
    def __init__(self, host: str, port: int, username: str, password: str, starttls: bool, timeout: float) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, messages: list[EmailMessage]) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                for message in messages:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise EmailDeliveryError(f"Could not send email through {self.host}:{self.port}: {error}") from error


class OutboxBackend:
    """Writes each message as an .eml file, for development without a mail server."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, messages: list[EmailMessage]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
            (self.folder / f"{name}.eml").write_bytes(bytes(message))


class MemoryBackend:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, messages: list[EmailMessage]) -> None:
        self.sent.extend(messages)


def get_backend() -> Backend:
    config = current_app.config
    kind = config["EMAIL_BACKEND"]
    if kind == "smtp":
        return SMTPBackend(
            config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_USERNAME"], config["SMTP_PASSWORD"],
            config["SMTP_STARTTLS"], config["SMTP_TIMEOUT"],
        )
    if kind == "outbox":
        return OutboxBackend(config["EMAIL_OUTBOX_DIR"])
    if kind == "memory":
        return current_app.extensions.setdefault("matchmaker.memory_mail", MemoryBackend())
    raise ValueError(f"Unknown EMAIL_BACKEND {kind!r}: use smtp, outbox or memory")
