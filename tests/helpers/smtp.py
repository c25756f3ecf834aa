"""A real SMTP server (aiosmtpd) on 127.0.0.1, and the app pointed at it."""

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """Collects what the server received, parsed back into messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list = []
        self.fail_after: int | None = None  # refuse messages after this many, to test failures halfway
        self.refuse: dict[str, str] = {}  # recipient address -> the server's answer, such as "550 No such mailbox"
        self.hang_up_after: int | None = None  # drop the connection at the next MAIL once this many have arrived
        self.keep_hanging_up = False  # ... and at every MAIL after that (a relay going down mid-run)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.hang_up_after is not None and len(self.messages) >= self.hang_up_after:
            if not self.keep_hanging_up:
                self.hang_up_after = None
            server.transport.abort()  # no answer: the client sees the connection go
            return "421 4.4.2 Connection dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "451 Requested action aborted: local error in processing"
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in m["To"].lower()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "EMAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USERNAME", "")
    try:
        yield mailbox
    finally:
        controller.stop()
