"""What officers read in the menu and on their pages says what is there now."""

import re

import pytest

from tests.helpers.builders import make_officer
from tests.helpers.web import sign_in, text_of


@pytest.fixture
def officer(app, client):
    with app.app_context():
        sign_in(client, make_officer().email)
    return client


def _menu(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Main menu".*?</nav>', html, re.S).group(0)
    return {
        re.sub(r"\s+", " ", text).strip(): href
        for href, text in re.findall(r'href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    }


def test_the_menu_leads_to_the_engines_proposals_and_to_the_matches_in_progress(officer):
    menu = _menu(officer.get("/officers/queue"))
    assert (menu["Proposals"], menu["Matches"]) == ("/officers/matching", "/officers/matches")
    assert "Proposed matches" in text_of(officer.get(menu["Proposals"]))
    assert "Matches in progress" in text_of(officer.get(menu["Matches"]))


def test_the_pledges_page_says_where_pledges_are_decided(officer):
    page = text_of(officer.get("/officers/pledges"))
    assert "brokerage console" not in page
    assert "Decide on each from the brokerage queue" in page


def test_the_digest_page_does_not_call_every_recipient_a_partner(officer):
    page = text_of(officer.get("/officers/digests"))
    assert "Email digest" in page and "Recipients (" in page
    assert "Every member of an approved organisation (community groups, suppliers and other partners)" in page
    assert "Partner" not in page
