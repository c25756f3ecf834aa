"""Signing in and out, where people land afterwards, rate limiting, and resetting a forgotten password."""

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Role, User
from tests.conftest import mailbox
from tests.helpers.builders import PASSWORD, make_officer, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

WRONG = "Enter a correct email address and password"
NEW_PASSWORD = "marble otter lighthouse"


def _member(app, **kwargs) -> tuple[int, str]:
    with app.app_context():
        user = make_user(**kwargs)
        return user.id, user.email


def _sign_in_as(client, email: str, password: str = PASSWORD, url: str = "/sign-in"):
    return post_form(client, url, {"email": email, "password": password}, form_url="/sign-in")


def _next_of(redirect) -> str:
    location = urlsplit(redirect.headers["Location"])
    assert location.path == "/sign-in", redirect.headers["Location"]
    [target] = parse_qs(location.query)["next"]
    return target


def _signed_in(client) -> bool:
    """Whether the client's session is signed in, judged by what a browser would see at /account."""
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# Signing in ------------------------------------------------------------------------------------------------


def test_right_password_signs_in_and_lands_on_the_account_page(app, client):
    user_id, email = _member(app)
    response = _sign_in_as(client, email.upper() + " ")  # typed in capitals with a stray space
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and email in text_of(page)
    with app.app_context():
        assert db.session.get(User, user_id).last_signed_in_at is not None


def test_an_officer_lands_on_the_organisations_queue(app, client):
    with app.app_context():
        email = make_officer().email
    response = _sign_in_as(client, email)
    assert response.headers["Location"] == "/officers/organisations"


def test_wrong_password_and_unknown_email_get_the_same_message(app, client):
    _, email = _member(app)
    wrong_password = _sign_in_as(client, email, "not the right password")
    unknown_email = _sign_in_as(client, "nobody@example.org", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert error_messages(response) == [WRONG]
        assert "There is a problem" in text_of(response)
    assert not _signed_in(client)
    # Nothing a reader sees tells the two cases apart.
    assert text_of(wrong_password) == text_of(unknown_email)


def test_empty_sign_in_form_asks_for_both_fields(client):
    response = post_form(client, "/sign-in", {})
    assert error_messages(response) == ["Enter your email address", "Enter your password"]


def test_a_signed_in_user_is_sent_home_from_the_sign_in_page(app, client):
    _, email = _member(app)
    _sign_in_as(client, email)
    response = client.get("/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_a_deactivated_user_cannot_sign_in(app, client):
    user_id, email = _member(app)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = _sign_in_as(client, email)
    assert response.status_code == 200 and error_messages(response) == [WRONG]
    assert not _signed_in(client)


def test_deactivating_a_user_ends_the_session_they_already_have(app, client):
    user_id, email = _member(app)
    _sign_in_as(client, email)
    assert _signed_in(client)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert not _signed_in(client)


def test_an_invited_officer_without_a_password_cannot_sign_in_with_an_empty_guess(app, client):
    with app.app_context():
        user = User(email="invited@example.org", full_name="Ivy Invited", role=Role.OFFICER, password_hash=None)
        db.session.add(user)
        db.session.commit()
    response = _sign_in_as(client, "invited@example.org", "anything at all")
    assert error_messages(response) == [WRONG]


# Signing out -----------------------------------------------------------------------------------------------


def test_sign_out_is_post_only_and_needs_the_form_token(app, client):
    _, email = _member(app)
    _sign_in_as(client, email)

    assert client.get("/sign-out").status_code == 405
    no_token = client.post("/sign-out")
    assert no_token.status_code == 400 and "Your form has expired" in text_of(no_token)
    assert _signed_in(client), "a forged sign-out must not sign anyone out"

    response = post_form(client, "/sign-out", {}, form_url="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "You have signed out." in text_of(client.get("/"))

    after = client.get("/account")
    assert after.status_code == 302 and _next_of(after) == "/account"


# Where people go after signing in --------------------------------------------------------------------------


def test_a_protected_page_sends_you_to_sign_in_and_back_again(app, client):
    _, email = _member(app)
    response = client.get("/account/details")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert target.startswith("/sign-in?") and _next_of(response) == "/account/details"
    assert "Sign in" in text_of(client.get(target))
    signed_in = _sign_in_as(client, email, url=target)
    assert signed_in.headers["Location"] == "/account/details"
    assert client.get("/account/details").status_code == 200


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(app, client, evil):
    with app.app_context():
        email = make_officer().email
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", query_string={"next": evil}, data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/officers/organisations"


def test_a_local_next_with_a_query_string_is_kept(app, client):
    with app.app_context():
        email = make_officer().email
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in",
        query_string={"next": "/officers/organisations?status=approved"},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/officers/organisations?status=approved"


# Rate limiting ---------------------------------------------------------------------------------------------


def test_the_sixth_failed_attempt_in_a_minute_is_refused(app, client):
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute;30 per hour"
    _, email = _member(app)
    token = csrf_token(client, "/sign-in")
    for attempt in range(5):
        response = client.post("/sign-in", data={"email": email, "password": f"guess {attempt}", "csrf_token": token})
        assert response.status_code == 200, f"attempt {attempt + 1} was refused"
    refused = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429
    assert "Too many attempts" in text_of(refused)
    assert not _signed_in(client), "even the right password is refused while limited"
    # Looking at the form is not limited.
    assert client.get("/sign-in").status_code == 200


# Password reset, over real SMTP ----------------------------------------------------------------------------


def _reset_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    links = re.findall(r"https?://\S+/reset-password/\S+", text)
    assert len(links) == 1, text
    return links[0]


def test_password_reset_end_to_end_over_smtp(app, client, smtp_server):
    user_id, email = _member(app, full_name="Rosa Reset")

    response = post_form(client, "/forgot-password", {"email": email.upper()})
    assert response.status_code == 200
    assert "Check your email" in text_of(response)

    [message] = smtp_server.messages
    assert message["To"] == email
    assert message["Subject"] == "Reset your Matchmaker password"
    assert smtp_server.envelopes[0].rcpt_tos == [email]
    assert message.is_multipart()
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear Rosa Reset" in plain and "Dear Rosa Reset" in html
    link = _reset_link(message)
    assert f'href="{link}"' in html
    path = urlsplit(link).path

    form = client.get(path)
    assert form.status_code == 200
    assert "Set a new password" in text_of(form) and email in text_of(form)
    # The rules for a new password apply here too.
    weak = post_form(client, path, {"password": "short", "confirm_password": "short"})
    assert error_messages(weak) == ["Password must be 12 characters or more"]
    mismatch = post_form(client, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "s"})
    assert error_messages(mismatch) == ["Enter the same password in both fields"]

    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert "Your password has been set" in text_of(client.get("/sign-in"))

    old = _sign_in_as(client, email, PASSWORD)
    assert error_messages(old) == [WRONG]
    assert _sign_in_as(client, email, NEW_PASSWORD).status_code == 302
    assert _signed_in(client)

    # The link worked once; now it is dead, even for someone else's browser.
    for visitor in (client, app.test_client()):
        again = visitor.get(path)
        assert again.status_code == 400
        assert "This link has expired or has already been used" in text_of(again)
    with app.app_context():
        assert db.session.get(User, user_id).check_password(NEW_PASSWORD)


def test_forgot_password_for_an_unknown_email_looks_the_same_and_sends_nothing(app, client, smtp_server):
    _, email = _member(app)
    known = post_form(client, "/forgot-password", {"email": email})
    unknown = post_form(client, "/forgot-password", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in text_of(unknown)
    assert text_of(known).replace(email, "X") == text_of(unknown).replace("stranger@example.org", "X")
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["To"] == email


def test_forgot_password_for_a_deactivated_account_sends_nothing(app, client):
    user_id, email = _member(app)
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = post_form(client, "/forgot-password", {"email": email})
    assert "Check your email" in text_of(response)
    assert mailbox(app) == []


def test_a_tampered_or_made_up_reset_link_is_refused(app, client):
    _, email = _member(app)
    post_form(client, "/forgot-password", {"email": email})
    [message] = mailbox(app)
    path = urlsplit(_reset_link(message)).path
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, "not-a-token", token + "x"):
        response = client.get(f"/reset-password/{bad}")
        assert response.status_code == 400
        assert "This link has expired or has already been used" in text_of(response)
    # Posting a new password to a bad link changes nothing either.
    response = post_form(
        client,
        f"/reset-password/{tampered}",
        {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        form_url="/sign-in",
    )
    assert response.status_code == 400
    assert _sign_in_as(client, email, PASSWORD).status_code == 302


def test_a_reset_link_for_one_user_cannot_be_edited_to_reset_another(app, client):
    _, first = _member(app)
    second_id, second = _member(app)
    post_form(client, "/forgot-password", {"email": first})
    token = urlsplit(_reset_link(mailbox(app)[0])).path.rsplit("/", 1)[1]
    payload, _, rest = token.partition(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["user"] = second_id
    forged_payload = base64.urlsafe_b64encode(json.dumps(decoded, separators=(",", ":")).encode()).decode().rstrip("=")
    response = client.get(f"/reset-password/{forged_payload}.{rest}")
    assert response.status_code == 400


def test_the_reset_link_points_at_the_configured_site_not_the_host_the_request_named(app, client):
    """Password-reset poisoning: a request sent with a forged Host header must not put that host in the email."""
    _, email = _member(app)
    page = client.get("/forgot-password", base_url="http://evil.example")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/forgot-password", base_url="http://evil.example", data={"email": email, "csrf_token": token}
    )
    assert response.status_code == 200
    [message] = mailbox(app)
    link = _reset_link(message)
    assert "evil.example" not in message.get_body(("plain",)).get_content()
    assert "evil.example" not in message.get_body(("html",)).get_content()
    assert link.startswith(app.config["BASE_URL"].rstrip("/") + "/reset-password/")


def test_an_old_reset_link_dies_when_the_password_changes_another_way(app, client):
    _, email = _member(app)
    post_form(client, "/forgot-password", {"email": email})
    path = urlsplit(_reset_link(mailbox(app)[0])).path
    _sign_in_as(client, email)
    changed = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get(path).status_code == 400


def test_forgot_password_is_rate_limited_too(app, client):
    token = csrf_token(client, "/forgot-password")
    statuses = [
        client.post("/forgot-password", data={"email": f"p{n}@example.org", "csrf_token": token}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]


# Other sessions end when the password changes --------------------------------------------------------------


def test_changing_password_signs_out_other_sessions_but_not_this_one(app):
    _, email = _member(app)
    browser_b = app.test_client()
    browser_a = app.test_client()
    sign_in(browser_b, email)
    sign_in(browser_a, email)
    assert _signed_in(browser_a) and _signed_in(browser_b)

    response = post_form(
        browser_a,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = browser_a.get("/account")
    assert page.status_code == 200
    assert "Your password has been changed. Any other devices have been signed out." in text_of(page)

    b_next = browser_b.get("/account")
    assert b_next.status_code == 302 and _next_of(b_next) == "/account"
    assert _signed_in(browser_a)


def test_resetting_a_password_signs_out_every_session(app, client):
    _, email = _member(app)
    elsewhere = app.test_client()
    _sign_in_as(elsewhere, email)
    post_form(client, "/forgot-password", {"email": email})
    path = urlsplit(_reset_link(mailbox(app)[0])).path
    post_form(client, path, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert not _signed_in(elsewhere)
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.email == email)) == email
