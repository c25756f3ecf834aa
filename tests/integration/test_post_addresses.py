"""A form that fails re-renders at its POST address; pressing Enter in the address bar there (or opening it from
history) must lead back to the page, not to "Method Not Allowed"."""

from flask import url_for

from tests.helpers.personas import build_world
from tests.integration.test_page_structure import POST_ADDRESSES


def test_every_post_address_answers_get_with_its_page(app):
    world = build_world(app)
    officer = world.clients["officer"]
    with app.test_request_context():
        rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
        for endpoint, page in POST_ADDRESSES.items():
            url = rules[endpoint].build(world.url_values, append_unknown=False)[1]
            expected = url_for(page, **{k: v for k, v in world.url_values.items() if k in rules[page].arguments})
            response = officer.get(url)
            assert (response.status_code, response.headers.get("Location")) == (302, expected), url
            assert officer.get(expected).status_code == 200, expected


def test_the_queue_filters_survive_the_redirect(app):
    world = build_world(app)
    response = world.clients["officer"].get("/officers/queue/approve?sort=age&ward=E05013497")
    assert response.headers["Location"] == "/officers/queue?sort=age&ward=E05013497"
