"""Scans every page each kind of user can open: one <h1>, a <title> that starts with it, no duplicate ids."""

from collections import Counter
from html.parser import HTMLParser

from matchmaker.web.access import PUBLIC, rule_for
from tests.helpers.personas import PERSONAS, ROLE_OF, build_world


class PageOutline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h1s: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag in ("h1", "title"):
            self._in = tag
            if tag == "h1":
                self.h1s.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1s[-1] += data
        elif self._in == "title":
            self.title += data


# Forms' POST addresses that answer a GET (someone pressing Enter in the address bar after a failed post) with a
# redirect to the page the form is on: not pages of their own. tests/integration/test_post_addresses.py checks them.
POST_ADDRESSES = {
    "officers.reject": "officers.review",
    "officers.return_need": "officers.need_review",
    "officers.approve_match": "officers.decision",
    "officers.reject_match": "officers.decision",
    "officers.verify_delivery": "officers.match",
    "officers.end_match": "officers.match",
    "officers.approve_selected": "officers.queue",
}
# Machine-readable endpoints, not pages a person reads.
NOT_PAGES = {"static", "ops.healthz", "ops.readyz", *POST_ADDRESSES}


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_page(html: str, where: str) -> None:
    outline = PageOutline()
    outline.feed(html)
    assert len(outline.h1s) == 1, f"{where}: {len(outline.h1s)} <h1> elements"
    h1 = _squash(outline.h1s[0])
    assert h1, f"{where}: empty <h1>"
    assert _squash(outline.title).startswith(h1), f"{where}: title {outline.title!r} does not start with {h1!r}"
    duplicates = [i for i, n in Counter(outline.ids).items() if n > 1]
    assert not duplicates, f"{where}: duplicate ids {duplicates}"


def test_every_page_has_one_h1_a_matching_title_and_unique_ids(app):
    world = build_world(app)
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/"):
            continue  # JSON endpoints and the API answer JSON, not pages
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        url = rule.build(world.url_values, append_unknown=False)[1]
        for persona in PERSONAS:
            if access.kind != PUBLIC and not (ROLE_OF[persona] and access.allows(ROLE_OF[persona])):
                continue
            response = world.clients[persona].get(url)
            if response.status_code == 302:
                continue  # e.g. signed-in users sent from /sign-in to their home page
            assert response.status_code < 500, f"GET {url} as {persona}: {response.status_code}"
            assert response.mimetype == "text/html", url
            check_page(response.get_data(as_text=True), f"GET {url} as {persona}")
            pages += 1
    assert pages >= 20


def test_error_pages_have_the_same_structure(client):
    check_page(client.get("/no-such-page").get_data(as_text=True), "404 page")
    check_page(client.get("/reset-password/bad-token").get_data(as_text=True), "invalid reset link")
