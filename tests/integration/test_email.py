"""Email backends: an outbox folder when there is no mail server, real SMTP, and what happens when SMTP is down."""

import socket
from email import message_from_bytes, policy

import pytest

from matchmaker import email
from matchmaker.extensions import db
from matchmaker.models import Organisation, OrganisationStatus, Role
from tests.helpers.builders import make_officer, make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of

REGISTRATION = {
    "kind": "vcse",
    "name": "Queens Park Reading Circle",
    "charity_number": "",
    "company_number": "",
    "wards": ["E05013507"],
    "description": "",
    "website": "",
    "contact_name": "Bea Reader",
    "contact_email": "circle@example.org",
    "contact_phone": "",
    "address": "",
    "full_name": "Bea Reader",
    "email": "bea@example.org",
    "password": "kettle river lantern",
    "confirm_password": "kettle river lantern",
}


def _closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released without listen)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_outbox_backend_writes_a_readable_eml_file(app, client, monkeypatch, tmp_path):
    outbox = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "EMAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "EMAIL_OUTBOX_DIR", str(outbox))
    assert post_form(client, "/register", REGISTRATION).status_code == 302

    [written] = list(outbox.glob("*.eml"))
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "bea@example.org"
    assert message["Subject"] == "We have received Queens Park Reading Circle's registration"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Message-ID"] and message["Date"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear Bea Reader" in plain and "Queens Park Reading Circle" in plain
    assert "Dear Bea Reader" in html and html.lstrip().startswith("<!DOCTYPE html>")

    # A second message is a second file, not an overwrite.
    assert (
        post_form(
            app.test_client(),
            "/register",
            {**REGISTRATION, "name": "Another Circle Entirely", "email": "second@example.org"},
        ).status_code
        == 302
    )
    assert len(list(outbox.glob("*.eml"))) == 2


def test_the_outbox_folder_is_created_when_missing(app, monkeypatch, tmp_path):
    outbox = tmp_path / "deep" / "new" / "outbox"
    monkeypatch.setitem(app.config, "EMAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "EMAIL_OUTBOX_DIR", str(outbox))
    with app.test_request_context():
        email.send(
            email.render(
                "password_reset",
                to="x@example.org",
                subject="Reset",
                link="http://l/x",
                hours=1,
                user=type("U", (), {"full_name": "X"})(),
            )
        )
    assert len(list(outbox.glob("*.eml"))) == 1


def test_the_smtp_backend_delivers_a_multipart_message(app, client, smtp_server):
    assert post_form(client, "/register", REGISTRATION).status_code == 302
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["bea@example.org"]
    assert "matchmaker@localhost" in envelope.mail_from
    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "We have received Queens Park Reading Circle's registration"
    assert "Queens Park Reading Circle" in message.get_body(("plain",)).get_content()
    assert "Queens Park Reading Circle" in message.get_body(("html",)).get_content()


def test_a_batch_goes_over_one_connection(app, smtp_server):
    messages = []
    with app.test_request_context():
        for n in range(3):
            messages.append(
                email.render(
                    "password_reset",
                    to=f"p{n}@example.org",
                    subject="Reset",
                    link=f"http://l/{n}",
                    hours=1,
                    user=type("U", (), {"full_name": f"P{n}"})(),
                )
            )
        email.send_many(messages)
    assert [m["To"] for m in smtp_server.messages] == ["p0@example.org", "p1@example.org", "p2@example.org"]


def test_a_line_break_in_a_header_never_becomes_a_header_of_its_own(app, smtp_server):
    reset = dict(link="http://l/1", hours=1, user=type("U", (), {"full_name": "P"})())
    with app.test_request_context():
        # A typed subject is put on one line; any other header with a line break is refused by the library.
        email.send(email.render("password_reset", to="p@example.org", subject="Reset\r\nBcc: all@example.org", **reset))
        with pytest.raises(ValueError, match="linefeed or carriage return"):
            email.render(
                "password_reset",
                to="p@example.org",
                subject="Reset",
                headers={"List-Unsubscribe": "<http://l/u>\r\nBcc: all@example.org"},
                **reset,
            )
    [message] = smtp_server.messages
    assert message["Bcc"] is None and "Bcc" in message["Subject"]
    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [["p@example.org"]]


def test_words_outside_ascii_arrive_as_written(app, smtp_server):
    with app.test_request_context():
        email.send(
            email.render(
                "password_reset",
                to="zoë@example.org",
                subject=" · ".join(["Résumé “quoted”"] * 5),
                link="http://l/1",
                hours=1,
                user=type("U", (), {"full_name": "Zoë Ōkawa"})(),
            )
        )
    [message] = smtp_server.messages
    assert message["Subject"] == " · ".join(["Résumé “quoted”"] * 5)
    assert message["To"] == "zoë@example.org"
    assert "Zoë Ōkawa" in message.get_body(("plain",)).get_content()
    assert "Zoë Ōkawa" in message.get_body(("html",)).get_content()


def test_a_refused_message_is_a_delivery_error(app, smtp_server):
    smtp_server.fail_after = 0
    with app.test_request_context():
        message = email.render(
            "password_reset",
            to="x@example.org",
            subject="Reset",
            link="http://l/x",
            hours=1,
            user=type("U", (), {"full_name": "X"})(),
        )
        with pytest.raises(email.EmailDeliveryError):
            email.send(message)


@pytest.fixture
def smtp_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", _closed_port())
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USERNAME", "")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5.0)


def test_an_approval_is_kept_when_the_mail_server_is_down(app, client, smtp_down):
    with app.app_context():
        org = make_organisation("Willesden Green Gardeners", status=OrganisationStatus.PENDING)
        make_user(Role.GROUP_MEMBER, org, email="gardener@example.org")
        make_user(Role.GROUP_MEMBER, org, email="second.gardener@example.org")
        org_id = org.id
        officer_email = make_officer().email
    sign_in(client, officer_email)

    response = post_form(
        client,
        f"/officers/organisations/{org_id}/approve",
        {},
        form_url=f"/officers/organisations/{org_id}",
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Willesden Green Gardeners has been approved." in page
    # One banner for the failed batch, not one per member.
    assert page.count("The change was saved, but the email about it could not be sent.") == 1
    assert "Sorry, there is a problem with the service" not in page
    with app.app_context():
        assert db.session.get(Organisation, org_id).status is OrganisationStatus.APPROVED


def test_registration_succeeds_when_the_mail_server_is_down(app, client, smtp_down):
    response = post_form(client, "/register", REGISTRATION, follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "Queens Park Reading Circle is awaiting approval" in page
    assert "the email about it could not be sent" in page


def test_forgot_password_when_the_mail_server_is_down_still_gives_away_nothing(app, client, smtp_down):
    with app.app_context():
        known = make_user().email
    answers = []
    for address in (known, "stranger@example.org"):
        response = post_form(client, "/forgot-password", {"email": address})
        assert response.status_code == 200
        answers.append(text_of(response).replace(address, "ADDRESS"))
    assert "Check your email" in answers[0]
    # Whether a reset email was attempted (and failed) must not show: that would reveal the account exists.
    assert answers[0] == answers[1]
