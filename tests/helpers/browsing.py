"""Helpers for tests of the browse pages: signed-in clients, members, and reading the pagination links."""

import re
from html import unescape

from matchmaker.extensions import limiter
from matchmaker.models import OrganisationKind, Role
from tests.helpers.builders import make_organisation, make_user
from tests.helpers.web import sign_in


def pagination_links(response) -> dict[str, str]:
    """Link text ("1", "2", "Next", "Previous") -> href, from the GOV.UK pagination component."""
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="govuk-pagination.*?</nav>', html, flags=re.S)
    if not nav:
        return {}
    links = {}
    link = re.compile(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)"[^>]*>(.*?)</a>', re.S)
    for href, inner in link.findall(nav.group(0)):
        label = re.sub(r"<[^>]+>", " ", inner).split()[0]
        links[label] = unescape(href)
    return links


def signed_in_client(app, email: str):
    """A client signed in as `email`. Call it outside an app context: requests made inside one share its `g`,
    and with it the user signed in first."""
    client = app.test_client()
    with app.app_context():
        limiter.reset()  # tests here sign in more people than the sign-in rate limit allows in a minute
    sign_in(client, email)
    return client


def member(role: Role, **org) -> str:
    """A member of a new organisation (approved unless told); returns their email."""
    kind = OrganisationKind.VCSE if role is Role.GROUP_MEMBER else OrganisationKind.SUPPLIER
    return make_user(role, make_organisation(kind=kind, **org)).email


def officer() -> str:
    return make_user(Role.OFFICER).email
