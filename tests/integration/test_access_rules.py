"""Scans every route: each declares who may use it, and everyone else is refused.

New routes are picked up automatically, so a route added without a rule, or with the wrong one, fails here.
"""

import re

import pytest

from matchmaker.web.access import PUBLIC, SIGNED_IN, rule_for
from tests.helpers.personas import PERSONAS, ROLE_OF, build_world


def _routes(app):
    # Signing out last, so that every persona stays signed in for the rest of the scan.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.sign_out", r.rule))
    for rule in rules:
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def _token(client, persona: str) -> str:
    page = "/sign-in" if persona == "anonymous" else "/account/password"
    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_every_endpoint_declares_an_access_rule(app):
    with app.test_request_context():
        missing = sorted({r.endpoint for r, _ in _routes(app) if rule_for(r.endpoint) is None})
    assert missing == [], f"endpoints without an access rule: {missing}"


def test_an_endpoint_without_a_rule_is_refused_to_everyone(app):
    from matchmaker import create_app

    bare = create_app({**app.config, "TESTING": True})
    bare.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert bare.test_client().get("/forgotten").status_code == 403


def test_every_route_refuses_the_wrong_people(app):
    world = build_world(app)
    checked = 0
    for rule, method in _routes(app):
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        url = rule.build(world.url_values, append_unknown=False)[1]
        for persona in PERSONAS:
            client = world.clients[persona]
            # API routes: the persona's token, and a session cookie that must count for nothing.
            headers = world.api_headers[persona] if access.token else {}
            if method == "GET":
                response = client.get(url, headers=headers)
            else:
                response = client.post(url, data={"csrf_token": _token(client, persona)}, headers=headers)
            role = ROLE_OF[persona]
            where = f"{method} {url} as {persona}"
            assert response.status_code < 500, where
            if access.token:
                assert response.mimetype in ("application/json", "application/problem+json"), where
                if role is None:
                    assert response.status_code == 401, where
                elif access.kind == SIGNED_IN or role in access.roles:
                    assert response.status_code not in (401, 403), where
                else:
                    assert response.status_code == 403, where
                    assert response.get_json()["status"] == 403, where
            elif access.kind == PUBLIC:
                assert response.status_code not in (401, 403), where
            elif role is None:
                assert response.status_code == 302, where
                assert response.headers["Location"].startswith("/sign-in?next="), where
            elif access.kind == SIGNED_IN or role in access.roles:
                assert response.status_code != 403, where
                assert not response.headers.get("Location", "").startswith("/sign-in"), where
            else:
                assert response.status_code == 403, where
                assert "You do not have permission to see this page" in response.get_data(as_text=True), where
            checked += 1
    assert checked >= 5 * 15  # every persona against every route and method


@pytest.mark.parametrize("persona", ["group", "supplier"])
def test_members_cannot_reach_officer_or_admin_pages(app, persona):
    world = build_world(app)
    client = world.clients[persona]
    for url in ("/officers/organisations", f"/officers/organisations/{world.url_values['org_id']}", "/admin/users",
                "/admin/users/new"):
        assert client.get(url).status_code == 403, url
