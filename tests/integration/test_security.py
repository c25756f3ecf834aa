"""Headers, cookies, CSRF and error pages."""

import re

from matchmaker import create_app
from matchmaker.web.access import public
from tests.helpers.builders import make_user
from tests.helpers.web import sign_in, text_of


def test_security_headers_on_every_response(client):
    for url in ("/", "/sign-in", "/no-such-page", "/static/govuk/matchmaker.css"):
        with client.get(url) as response:  # static files are streamed: close them
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_only_inline_script_carries_this_responses_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts and all(f'nonce="{nonce}"' in attrs for attrs in inline_scripts)
    assert nonce not in client.get("/").get_data(as_text=True)  # a fresh nonce each time


def test_signed_in_pages_are_not_cached(app, client):
    with app.app_context():
        user = make_user()
        email = user.email
    sign_in(client, email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_and_same_site(app, client):
    with app.app_context():
        email = make_user().email
    response = sign_in(client, email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_posted_without_its_csrf_token_is_refused(client):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "whatever12345"})
    assert response.status_code == 400
    assert "Your form has expired" in text_of(response)


def test_pages_that_do_not_exist_get_a_helpful_404(client):
    response = client.get("/needs/99999")
    assert response.status_code == 404
    assert "Page not found" in text_of(response)


def test_an_unexpected_error_shows_a_plain_500_page_without_details(app):
    broken = create_app({**app.config})

    @public
    def explode():
        raise RuntimeError("database password is hunter2")

    broken.add_url_rule("/explode", "explode", explode)
    broken.logger.disabled = True  # the traceback goes to the log; keep the test output readable
    response = broken.test_client().get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "hunter2" not in page and "Traceback" not in page and "RuntimeError" not in page
