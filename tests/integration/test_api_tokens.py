"""Personal API tokens: made and revoked on the account page, kept hashed, and the only way into the API."""

import hashlib
import re
from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditEvent, Role, utcnow
from tests.helpers.api import bearer
from tests.helpers.builders import make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

TOKEN = re.compile(r"mm_[A-Za-z0-9_-]{43}")


def _create(client, name="Monthly report", expires_on: date | None = None):
    data = {"name": name}
    if expires_on:
        data.update({"expires_on": [str(expires_on.day), str(expires_on.month), str(expires_on.year)]})
    return post_form(client, "/account/api-tokens", data)


def test_a_token_is_shown_once_kept_hashed_and_audited(app, client):
    with app.app_context():
        user = make_user(Role.GROUP_MEMBER)
        user_id, email = user.id, user.email
    sign_in(client, email)
    response = _create(client)
    assert response.status_code == 200
    assert "Your new API token" in text_of(response)
    raw = TOKEN.search(response.get_data(as_text=True)).group(0)
    assert response.headers["Cache-Control"] == "no-store"

    listing = client.get("/account/api-tokens")
    assert "Monthly report" in text_of(listing)
    assert text_of(listing).split("Monthly report", 1)[1].split("Revoke")[0].count("Never") == 2
    assert raw not in listing.get_data(as_text=True)  # never shown again
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in (stored.token_hash, stored.prefix, stored.name)
        assert stored.role is Role.GROUP_MEMBER and stored.user_id == user_id
        assert stored.last_used_at is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
        assert event.actor_id == user_id and event.subject_id == stored.id

    answer = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).last_used_at is not None
    row = text_of(client.get("/account/api-tokens")).split("Monthly report", 1)[1].split("Revoke")[0]
    assert row.count("Never") == 1  # last used: now; expires: never


def test_a_revoked_token_no_longer_works(app, client):
    with app.app_context():
        user = make_user(Role.SUPPLIER_MEMBER)
        email = user.email
    sign_in(client, email)
    raw = TOKEN.search(_create(client, "Old laptop").get_data(as_text=True)).group(0)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/offers", headers=headers).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = post_form(
        client, f"/account/api-tokens/{token_id}/revoke", {}, form_url="/account/api-tokens", follow_redirects=True
    )
    assert "The token ‘Old laptop’ has been revoked" in text_of(response)
    assert "You have no API tokens" in text_of(response)
    refused = client.get("/api/v1/offers", headers=headers)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "api_token.revoked"))


def test_nobody_can_revoke_someone_elses_token(app, client):
    with app.app_context():
        owner = make_user(Role.GROUP_MEMBER)
        headers = bearer(owner)
        token_id = db.session.scalar(select(ApiToken.id))
        other = make_user(Role.GROUP_MEMBER).email
    sign_in(client, other)
    response = post_form(client, f"/account/api-tokens/{token_id}/revoke", {}, form_url="/account/api-tokens")
    assert response.status_code == 404
    assert client.get("/api/v1/needs", headers=headers).status_code == 200


def test_an_expired_token_no_longer_works(app, client):
    with app.app_context():
        user = make_user(Role.GROUP_MEMBER)
        email = user.email
    sign_in(client, email)
    tomorrow = date.today() + timedelta(days=1)
    response = _create(client, "Short-lived", expires_on=tomorrow)
    raw = TOKEN.search(response.get_data(as_text=True)).group(0)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/needs", headers=headers).status_code == 200  # works through the whole of tomorrow
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.expires_on == tomorrow
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/needs", headers=headers).status_code == 401
    assert "Short-lived" not in text_of(client.get("/account/api-tokens"))


def test_the_token_form_explains_its_mistakes(app, client):
    with app.app_context():
        user = make_user(Role.GROUP_MEMBER)
        email = user.email
    sign_in(client, email)
    assert error_messages(_create(client, name="")) == ["Enter a name for the token"]
    assert error_messages(_create(client, expires_on=date.today())) == ["The expiry date must be in the future"]
    assert error_messages(_create(client, expires_on=date.today() + timedelta(days=400))) == [
        "The expiry date must be within a year"
    ]
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_a_token_stops_working_when_its_users_role_changes_or_the_user_is_deactivated(app, client):
    with app.app_context():
        user = make_officer()
        headers = bearer(user)
        other = make_officer()
        other_headers = bearer(other)
        user.role = Role.ADMIN
        other.active = False
        db.session.commit()
    assert client.get("/api/v1/proposals", headers=headers).status_code == 401
    assert client.get("/api/v1/proposals", headers=other_headers).status_code == 401


def test_only_a_bearer_token_gets_in_never_the_session_cookie(app, client):
    with app.app_context():
        user = make_officer()
        email = user.email
    sign_in(client, email)
    assert client.get("/officers/queue").status_code == 200  # the cookie works for pages...
    for headers in (
        {},
        {"Authorization": "Basic b2ZmaWNlcjpwYXNzd29yZA=="},
        {"Authorization": "Bearer mm_not-a-token"},
        {"Authorization": "Bearer"},
    ):
        response = client.get("/api/v1/proposals", headers=headers)  # ...but not for the API
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json() == {
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Send a personal API token in the Authorization header: Authorization: Bearer <token>",
        }
    # No CSRF token is needed (or accepted as a credential): a cookie-only POST is refused for want of a token.
    assert client.post("/api/v1/needs", json={"title": "x"}).status_code == 401


def test_a_token_is_scoped_to_its_users_role(app, client):
    with app.app_context():
        group = bearer(make_user(Role.GROUP_MEMBER))
        pending = bearer(make_user(Role.GROUP_MEMBER, make_organisation(status="pending")))
    response = client.get("/api/v1/proposals", headers=group)
    assert response.status_code == 403
    assert response.get_json()["title"] == "Forbidden"
    refused = client.post("/api/v1/needs", json={}, headers=pending)
    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "Your organisation must be approved by a brokerage officer first"


def test_each_token_has_its_own_rate_limit(app, client):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        with app.app_context():
            user = make_user(Role.GROUP_MEMBER)
            first, second = bearer(user, "one"), bearer(user, "two")
        assert [client.get("/api/v1/needs", headers=first).status_code for _ in range(3)] == [200, 200, 200]
        limited = client.get("/api/v1/needs", headers=first)
        assert limited.status_code == 429
        assert limited.mimetype == "application/problem+json"
        assert limited.get_json()["status"] == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert client.get("/api/v1/needs", headers=second).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"


def test_the_api_never_answers_with_an_html_page(app, client):
    with app.app_context():
        headers = bearer(make_user(Role.GROUP_MEMBER))
    for method, url in (
        ("get", "/api/v1/no-such-thing"),
        ("delete", "/api/v1/needs"),
        ("get", "/api/v1/needs/0"),
        ("get", "/api/v1/needs/99999999999"),
        ("get", "/api/v1/needs?page=x"),
    ):
        response = getattr(client, method)(url, headers=headers)
        assert response.mimetype == "application/problem+json", url
        assert response.status_code in (404, 405, 422), url
    assert client.delete("/api/v1/needs", headers=headers).headers["Allow"]
    # ...and web pages still answer with HTML.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_an_api_route_without_an_access_rule_is_refused_even_with_a_token(app):
    from matchmaker import create_app

    bare = create_app({**app.config, "TESTING": True})
    bare.add_url_rule("/api/v1/forgotten", "forgotten", lambda: {"secret": True})
    with app.app_context():
        headers = bearer(make_officer())
    response = bare.test_client().get("/api/v1/forgotten", headers=headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
