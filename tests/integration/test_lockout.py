"""Account lockout: many wrong passwords for one account, from anywhere, lock it; the holder is told by email."""

from datetime import timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, User, utcnow
from tests.conftest import mailbox
from tests.helpers.builders import PASSWORD, make_user
from tests.helpers.web import error_messages, post_form, sign_in

WRONG = "Enter a correct email address and password"


def _from(app, number: int):
    """A client at its own IP address, as the machines of a botnet are, so the per-IP limit never triggers."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"
    return client


def _attempt(app, number: int, email: str, password: str = "wrong password guess"):
    return post_form(_from(app, number), "/sign-in", {"email": email, "password": password})


def _user(app, email):
    with app.app_context():
        user = make_user(email=email, full_name="Grace Mensah")
        return user.id


def test_ten_wrong_passwords_from_ten_addresses_lock_the_account_and_email_its_holder(app):
    user_id = _user(app, "grace@example.org")
    for number in range(9):
        assert error_messages(_attempt(app, number, "grace@example.org")) == [WRONG]
    assert mailbox(app) == []
    locked = _attempt(app, 9, "grace@example.org")
    [message] = error_messages(locked)
    assert message.startswith("This account is locked because of too many failed sign-in attempts. Try again after")
    assert message.endswith("or reset your password.")
    [email] = mailbox(app)
    assert email["To"] == "grace@example.org" and email["Subject"] == "Your Matchmaker account has been locked"
    assert "/forgot-password" in email.get_body(("plain",)).get_content()
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked"))
        assert event.subject_id == user_id


def test_a_locked_account_refuses_even_the_right_password_until_the_lock_ends(app):
    user_id = _user(app, "grace@example.org")
    for number in range(10):
        _attempt(app, number, "grace@example.org")
    refused = _attempt(app, 50, "grace@example.org", PASSWORD)
    assert refused.status_code == 200 and error_messages(refused)[0].startswith("This account is locked")
    assert len(mailbox(app)) == 1  # one email per lock, not one per attempt
    with app.app_context():
        db.session.get(User, user_id).locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _attempt(app, 51, "grace@example.org", PASSWORD).status_code == 302


def test_a_right_password_resets_the_count(app):
    _user(app, "grace@example.org")
    for number in range(9):
        _attempt(app, number, "grace@example.org")
    assert _attempt(app, 20, "grace@example.org", PASSWORD).status_code == 302
    for number in range(9):
        assert error_messages(_attempt(app, 30 + number, "grace@example.org")) == [WRONG]


def test_locking_signs_the_account_out_everywhere(app):
    _user(app, "grace@example.org")
    session = _from(app, 100)
    sign_in(session, "grace@example.org")
    assert session.get("/account").status_code == 200
    for number in range(10):
        _attempt(app, number, "grace@example.org")
    assert session.get("/account").status_code == 302


def test_resetting_the_password_by_email_unlocks_the_account(app):
    user_id = _user(app, "grace@example.org")
    for number in range(10):
        _attempt(app, number, "grace@example.org")
    with app.app_context():
        from matchmaker.services.accounts import make_password_token

        token = make_password_token(db.session.get(User, user_id), "reset")
    client = _from(app, 60)
    new = "marble otter lighthouse"
    assert post_form(client, f"/reset-password/{token}", {"password": new, "confirm_password": new}).status_code == 302
    assert _attempt(app, 61, "grace@example.org", new).status_code == 302


def test_unknown_emails_lock_nothing_and_say_the_same_as_a_wrong_password(app):
    for number in range(12):
        assert error_messages(_attempt(app, number, "nobody@example.org")) == [WRONG]
    assert mailbox(app) == []


def test_the_per_address_limit_still_applies(app):
    _user(app, "grace@example.org")
    client = _from(app, 7)
    statuses = [
        post_form(
            client,
            "/sign-in",
            {"email": "grace@example.org", "password": "wrong guess"},
        ).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429
