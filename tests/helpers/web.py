"""Helpers that use the site the way a browser does: fetch the form (and its CSRF token), then post it."""

import re
from html import unescape

from tests.helpers.builders import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, form_url: str | None = None, follow_redirects: bool = False):
    """Post `data` to `url` with the CSRF token from `form_url` (default: the same page)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)


def sign_in(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    response = post_form(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {email}"
    return response


def text_of(response) -> str:
    """The page's visible text, tags stripped and whitespace squashed, for asserting on what a user reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def error_messages(response) -> list[str]:
    """GOV.UK error messages shown next to fields (without the visually hidden 'Error:' prefix)."""
    html = response.get_data(as_text=True)
    found = re.findall(r'<p id="[^"]+-error" class="govuk-error-message">(.*?)</p>', html, flags=re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", m))).replace("Error:", "").strip() for m in found]
