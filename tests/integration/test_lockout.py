"""Lockout per (email address, source): wrong passwords from one address lock out that address only.

A stranger cannot lock the holder out from elsewhere, and an unknown email address gets exactly the answers a
registered one does, lock included, so the sign-in page cannot be used to find accounts.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from matchmaker.extensions import db, limiter
from matchmaker.models import AuditEvent, SignInLock, User, utcnow
from tests.conftest import mailbox
from tests.helpers.api import bearer
from tests.helpers.builders import PASSWORD, make_user
from tests.helpers.web import error_messages, post_form, sign_in

WRONG = "Enter a correct email address and password"
LOCKED = "Too many failed attempts to sign in with this email address from your network. Try again after"
THRESHOLD = 4  # under the per-address limit of 5 a minute, so the lock, not the rate limit, answers


@pytest.fixture(autouse=True)
def _threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOCKOUT_THRESHOLD", THRESHOLD)


def _from(app, number: int):
    """A client at its own IP address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"203.0.113.{number}"
    return client


def _attempt(app, number: int, email: str, password: str = "wrong password guess"):
    return post_form(_from(app, number), "/sign-in", {"email": email, "password": password})


def _user(app, email="grace@example.org"):
    with app.app_context():
        return make_user(email=email, full_name="Grace Mensah").id


def _lock(app, number: int, email="grace@example.org"):
    answers = [error_messages(_attempt(app, number, email)) for _ in range(THRESHOLD)]
    assert answers[:-1] == [[WRONG]] * (THRESHOLD - 1)
    [message] = answers[-1]
    assert message.startswith(LOCKED) and message.endswith("or reset your password.")
    return message


def test_wrong_passwords_from_one_address_lock_that_address_out_and_email_the_holder(app):
    user_id = _user(app)
    for _ in range(THRESHOLD - 1):
        assert error_messages(_attempt(app, 1, "grace@example.org")) == [WRONG]
    assert mailbox(app) == []
    lock_message = error_messages(_attempt(app, 1, "grace@example.org"))[0]
    assert lock_message.startswith(LOCKED)
    [email] = mailbox(app)
    assert email["To"] == "grace@example.org" and email["Subject"] == "Your Matchmaker account has been locked"
    body = email.get_body(("plain",)).get_content()
    assert "/forgot-password" in body and "You can still sign in from anywhere else" in body
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.locked"))
        assert event.subject_id == user_id


def test_a_strangers_lock_does_not_keep_the_holder_out_from_another_address(app):
    _user(app)
    _lock(app, 1)
    refused = _attempt(app, 1, "grace@example.org", PASSWORD)
    assert refused.status_code == 200 and error_messages(refused)[0].startswith(LOCKED)
    assert _attempt(app, 2, "grace@example.org", PASSWORD).status_code == 302
    assert len(mailbox(app)) == 1  # one email per lock, not one per attempt


def test_guesses_spread_over_many_addresses_never_lock_the_holder_out(app):
    _user(app)
    for number in range(12):
        for _ in range(THRESHOLD - 1):
            assert error_messages(_attempt(app, number, "grace@example.org")) == [WRONG]
    assert _attempt(app, 99, "grace@example.org", PASSWORD).status_code == 302
    assert mailbox(app) == []


def test_the_lock_ends_after_its_time(app):
    _user(app)
    _lock(app, 1)
    with app.app_context():
        db.session.execute(update(SignInLock).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _attempt(app, 1, "grace@example.org", PASSWORD).status_code == 302


def test_a_right_password_resets_the_count_from_that_address(app):
    _user(app)
    for _ in range(THRESHOLD - 1):
        _attempt(app, 1, "grace@example.org")
    assert _attempt(app, 1, "grace@example.org", PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SignInLock)) is None
        limiter.reset()  # the per-address rate limit is not what this test is about
    for _ in range(THRESHOLD - 1):
        assert error_messages(_attempt(app, 1, "grace@example.org")) == [WRONG]


def test_locking_signs_the_account_out_everywhere(app):
    _user(app)
    session = _from(app, 100)
    sign_in(session, "grace@example.org")
    assert session.get("/account").status_code == 200
    _lock(app, 1)
    assert session.get("/account").status_code == 302


def test_every_address_locked_at_once_sends_one_email(app):
    _user(app)
    _lock(app, 1)
    _lock(app, 2)
    assert len(mailbox(app)) == 1


def test_resetting_the_password_by_email_lifts_every_lock(app):
    user_id = _user(app)
    _lock(app, 1)
    _lock(app, 2)
    with app.app_context():
        from matchmaker.services.accounts import make_password_token

        token = make_password_token(db.session.get(User, user_id), "reset")
    new = "marble otter lighthouse"
    assert (
        post_form(_from(app, 60), f"/reset-password/{token}", {"password": new, "confirm_password": new}).status_code
        == 302
    )
    assert _attempt(app, 1, "grace@example.org", new).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SignInLock)) is None


def test_an_unknown_address_gets_the_same_answers_as_a_registered_one_lock_included(app):
    _user(app)
    registered = [error_messages(_attempt(app, 1, "grace@example.org")) for _ in range(THRESHOLD + 1)]
    unknown = [error_messages(_attempt(app, 2, "nobody@example.org")) for _ in range(THRESHOLD + 1)]

    def without_time(answers):
        return [[re.sub(r"\d", "0", message) for message in messages] for messages in answers]

    assert without_time(unknown) == without_time(registered)
    assert unknown[-1][0].startswith(LOCKED)
    assert [m["To"] for m in mailbox(app)] == ["grace@example.org"]  # the only difference is in a private mailbox


def test_a_locked_out_address_cannot_use_the_accounts_api_tokens_either(app):
    user_id = _user(app)
    with app.app_context():
        headers = bearer(db.session.get(User, user_id))
    assert _from(app, 1).get("/api/v1/needs", headers=headers).status_code == 200
    _lock(app, 1)
    refused = _from(app, 1).get("/api/v1/needs", headers=headers)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"].startswith("Too many failed sign-ins to this account from your network")
    assert _from(app, 2).get("/api/v1/needs", headers=headers).status_code == 200


def test_the_per_address_limit_still_applies(app):
    _user(app)
    client = _from(app, 7)
    statuses = [
        post_form(client, "/sign-in", {"email": f"someone{n}@example.org", "password": "wrong guess"}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
