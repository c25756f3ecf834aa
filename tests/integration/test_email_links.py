"""Links in emails lead back to the site the person uses: in development, whatever address (and port) the app is
reached on when MATCHMAKER_BASE_URL is unset; otherwise always the configured address, whatever the Host header."""

import re

import pytest

from matchmaker.models import Role
from tests.conftest import mailbox
from tests.helpers.builders import make_user


def _reset_link(app, email: str, reached_on: str) -> str:
    """Ask for a password reset from a browser that reached the app on `reached_on`."""
    client = app.test_client()
    page = client.get("/forgot-password", base_url=reached_on).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/forgot-password", data={"email": email, "csrf_token": token}, base_url=reached_on)
    [message] = mailbox(app)
    [link] = re.findall(r"https?://\S+/reset-password/\S+", message.get_body(("plain",)).get_content())
    return link


@pytest.fixture
def email(app) -> str:
    with app.app_context():
        return make_user(Role.GROUP_MEMBER, full_name="Rosa Reset").email


def test_in_development_without_a_base_url_links_use_the_address_in_the_browser(app, email, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL_FROM_REQUEST", True)
    assert _reset_link(app, email, "http://127.0.0.1:5163").startswith("http://127.0.0.1:5163/reset-password/")


def test_with_a_base_url_links_ignore_the_host_header(app, email, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL_FROM_REQUEST", False)
    monkeypatch.setitem(app.config, "BASE_URL", "https://matchmaker.brent.gov.uk")
    assert _reset_link(app, email, "http://evil.example.com").startswith(
        "https://matchmaker.brent.gov.uk/reset-password/"
    )
