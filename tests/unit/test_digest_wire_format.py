"""The digest goes over SMTP in a form written directly (RenderedDigest.wire) rather than flattened by the
email package: it must be exactly what the email package would have sent."""

import uuid

import pytest

from matchmaker.services import digest_sending
from matchmaker.services.digest_sending import RenderedDigest


@pytest.mark.parametrize(
    "subject", ["Your Brent social value digest for October 2026", "Résumé of the month · “quoted” " * 4]
)
@pytest.mark.parametrize("text", ["Dear Grace,\n\nKitchen porters · Harlesden · “soon”\n" * 40, ""])
def test_the_wire_form_is_byte_for_byte_what_the_email_package_sends(app, monkeypatch, subject, text):
    boundary = uuid.UUID(int=6)
    monkeypatch.setattr(digest_sending, "formatdate", lambda **_: "Wed, 25 Nov 2026 07:00:00 -0000")
    monkeypatch.setattr(digest_sending, "make_msgid", lambda **_: "<digest-1@matchmaker.local>")
    monkeypatch.setattr(digest_sending.uuid, "uuid4", lambda: boundary)
    with app.app_context():
        rendered = RenderedDigest(
            "grace@kitchen.example.org",
            subject,
            text,
            "<p>Dear Grace,</p>\n" * 300,
            "http://localhost:5000/digest/unsubscribe/" + "a1B2-_" * 20,
        )
        message = rendered.message()
        message.set_boundary(f"=_digest_{boundary.hex}")
        wire = rendered.wire()

    assert wire.sender == "matchmaker@localhost" and wire.recipients == ("grace@kitchen.example.org",)
    assert wire.data == message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # what smtplib sends
    parsed = wire.parsed()
    assert parsed.get_body(("plain",)).get_content() == text
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_line_break_in_a_header_is_refused_not_sent_as_a_header_of_its_own(app):
    with app.app_context():
        rendered = RenderedDigest(
            "grace@kitchen.example.org",
            "Your digest\r\nBcc: everyone@example.org",
            "Hi",
            "<p>Hi</p>",
            "http://localhost:5000/digest/unsubscribe/x",
        )
        with pytest.raises(ValueError, match="Subject"):
            rendered.wire()
