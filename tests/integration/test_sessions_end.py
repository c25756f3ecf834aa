"""Sessions end on the server: a copy of a session cookie stops working after sign-out, a password change or reset,
or a lock, and a password reset revokes the account's API tokens."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditEvent
from tests.conftest import mailbox
from tests.helpers.api import bearer
from tests.helpers.builders import PASSWORD, make_user
from tests.helpers.web import post_form, sign_in, text_of

EMAIL = "rosa@example.org"
NEW_PASSWORD = "marble otter lighthouse"


def _signed_in_with_a_copy(app):
    """A signed-in browser, and a second client holding a copy of its session cookie (as a thief would)."""
    with app.app_context():
        make_user(email=EMAIL, full_name="Rosa Mendes")
    browser = app.test_client()
    sign_in(browser, EMAIL)
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get("/account").status_code == 200  # the copy works, as any cookie does, until the session ends
    return browser, thief


def _reset_link(app, client) -> str:
    post_form(client, "/forgot-password", {"email": EMAIL})
    message = mailbox(app)[-1]
    assert message["Subject"] == "Reset your Matchmaker password"
    return urlsplit(re.search(r"https?://\S+/reset-password/\S+", message.get_body(("plain",)).get_content())[0]).path


def _sign_out(app, browser):
    post_form(browser, "/sign-out", {}, form_url="/account/password")


def _change_password(app, browser):
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    assert post_form(browser, "/account/password", form).status_code == 302


def _reset_password(app, browser):
    stranger = app.test_client()
    path = _reset_link(app, stranger)
    post_form(stranger, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})


def _lock(app, browser):
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        post_form(guesser, "/sign-in", {"email": EMAIL, "password": "a wrong guess"})


@pytest.mark.parametrize("event", [_sign_out, _change_password, _reset_password, _lock])
def test_a_copied_session_cookie_stops_working_when_the_session_ends(app, monkeypatch, event):
    monkeypatch.setitem(app.config, "LOCKOUT_THRESHOLD", 3)  # under the per-address rate limit
    browser, thief = _signed_in_with_a_copy(app)
    event(app, browser)
    replay = thief.get("/account")
    assert replay.status_code == 302 and urlsplit(replay.headers["Location"]).path == "/sign-in"


def test_a_password_reset_revokes_the_accounts_api_tokens_and_says_so(app):
    with app.app_context():
        user = make_user(email=EMAIL, full_name="Rosa Mendes")
        tokens = [bearer(user, "Monthly report"), bearer(user, "Dashboard sync")]
    client = app.test_client()
    for headers in tokens:
        assert client.get("/api/v1/needs", headers=headers).status_code == 200
    email = text_of_email(app, client)
    assert "revokes its personal API tokens" in email

    path = _reset_link(app, client)
    assert "revokes its personal API tokens" in text_of(client.get(path))
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert "We also revoked your 2 API tokens" in text_of(client.get("/sign-in"))
    for headers in tokens:
        refused = client.get("/api/v1/needs", headers=headers)
        assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    with app.app_context():
        assert all(t.revoked_at is not None for t in db.session.scalars(select(ApiToken)))
        notes = db.session.scalars(select(AuditEvent.note).where(AuditEvent.action == "api_token.revoked")).all()
        assert notes == ["password reset", "password reset"]


def text_of_email(app, client) -> str:
    post_form(client, "/forgot-password", {"email": EMAIL})
    return mailbox(app)[-1].get_body(("plain",)).get_content()
