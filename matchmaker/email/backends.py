"""Where email goes: a real SMTP server, an outbox folder (no server configured), or memory (tests of rendering).

All have one interface: send(list of EmailMessage). The SMTP backend reuses one connection per batch.
"""

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app


class EmailDeliveryError(RuntimeError):
    """The message could not be handed to the mail server."""


class TemporaryDeliveryError(EmailDeliveryError):
    """Worth trying again later: a 4xx answer, or the connection failed or dropped."""


class ConnectionLost(TemporaryDeliveryError):
    """No usable session with the server (could not connect or log in, or it hung up): nothing more will go
    through it for now, whatever the message."""


class PermanentDeliveryError(EmailDeliveryError):
    """The server refused the message for good (a 5xx answer, such as an address that does not exist)."""


def classify(error: Exception) -> EmailDeliveryError:
    """An SMTP or network error as temporary or permanent, keeping the server's words for officers to read."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
        words = "; ".join(
            f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}" for code, reply in answers
        )
        permanent = all(code >= 500 for code, _ in answers)
        return (PermanentDeliveryError if permanent else TemporaryDeliveryError)(words)
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(error, smtplib.SMTPServerDisconnected):
        reply = (
            error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        )
        words = f"{error.smtp_code} {reply}"
        return (PermanentDeliveryError if 500 <= error.smtp_code < 600 else TemporaryDeliveryError)(words)
    return ConnectionLost(str(error) or type(error).__name__)


class SMTPConnection:
    """One open SMTP session: send messages one at a time, each failure classified."""

    def __init__(self, backend: "SMTPBackend") -> None:
        self.backend = backend
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        backend = self.backend
        try:
            self.smtp = smtplib.SMTP(backend.host, backend.port, timeout=backend.timeout)
            if backend.starttls:
                self.smtp.starttls(context=ssl.create_default_context())
            if backend.username:
                self.smtp.login(backend.username, backend.password)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            # Even a 5xx here (a refused login) says nothing about any recipient: never a permanent failure.
            raise ConnectionLost(str(classify(error))) from error

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.open()
        try:
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            classified = classify(error)
            if isinstance(classified, ConnectionLost):
                self.close()  # the session is gone: the next send opens a new one
            else:
                self._reset()
            raise classified from error

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


class _PlainConnection:
    """The outbox and memory backends, behind the same one-at-a-time interface."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def send(self, message: EmailMessage) -> None:
        self.backend.send([message])

    def close(self) -> None:
        pass


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

    def connect(self) -> SMTPConnection:
        return SMTPConnection(self)


class OutboxBackend:
    """Writes each message as an .eml file, for development without a mail server."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, messages: list[EmailMessage]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
            (self.folder / f"{name}.eml").write_bytes(bytes(message))

    def connect(self) -> _PlainConnection:
        return _PlainConnection(self)


class MemoryBackend:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, messages: list[EmailMessage]) -> None:
        self.sent.extend(messages)

    def connect(self) -> _PlainConnection:
        return _PlainConnection(self)


@contextmanager
def connection() -> Iterator:
    """One connection for a batch whose messages must each succeed or fail on their own (the digest):
    `conn.send(message)` raises TemporaryDeliveryError or PermanentDeliveryError for that message only."""
    conn = get_backend().connect()
    try:
        yield conn
    finally:
        conn.close()


def get_backend() -> Backend:
    config = current_app.config
    kind = config["EMAIL_BACKEND"]
    if kind == "smtp":
        return SMTPBackend(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_USERNAME"],
            config["SMTP_PASSWORD"],
            config["SMTP_STARTTLS"],
            config["SMTP_TIMEOUT"],
        )
    if kind == "outbox":
        return OutboxBackend(config["EMAIL_OUTBOX_DIR"])
    if kind == "memory":
        return current_app.extensions.setdefault("matchmaker.memory_mail", MemoryBackend())
    raise ValueError(f"Unknown EMAIL_BACKEND {kind!r}: use smtp, outbox or memory")
