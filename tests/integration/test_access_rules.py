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
    for url in (
        "/officers/organisations",
        f"/officers/organisations/{world.url_values['org_id']}",
        "/admin/users",
        "/admin/users/new",
    ):
        assert client.get(url).status_code == 403, url


# Object level: the right role is not enough, the object must be your organisation's ------------------------

# Pages about one object that any member of the role may open on purpose: open needs are public, offers are
# browsable by anyone signed in, and any supplier may pledge to an open need.
SHARED_OBJECT_PAGES = {"browse.need", "browse.offer", "suppliers.pledge"}
OBJECT_PARAMETERS = {"need_id", "contract_id", "offer_id", "match_id", "delivery_id"}
OWNER = {"other_group": "group", "other_supplier": "supplier"}


def _object_routes(app):
    for rule, method in _routes(app):
        if not (rule.arguments & OBJECT_PARAMETERS) or rule.endpoint in SHARED_OBJECT_PAGES:
            continue
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        if access.kind == "roles" and access.roles & {ROLE_OF["group"], ROLE_OF["supplier"]}:
            yield rule, method, access


def _snapshot(app) -> list:
    """Everything a member could change about the objects in url_values."""
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import AuditEvent, Contract, Delivery, Match, Need, Offer

    with app.app_context():
        rows = []
        for model in (Need, Contract, Offer, Match, Delivery):
            for obj in db.session.scalars(select(model).order_by(model.id)):
                rows.append(sorted((k, str(v)) for k, v in vars(obj).items() if not k.startswith("_")))
        rows.append(db.session.scalar(select(db.func.count()).select_from(AuditEvent)))
        return rows


def test_members_of_another_organisation_get_not_found_for_every_object_that_is_not_theirs(app):
    world = build_world(app)
    before = _snapshot(app)
    checked = 0
    for rule, method, access in _object_routes(app):
        url = rule.build(world.url_values, append_unknown=False)[1]
        for stranger, owner in OWNER.items():
            if ROLE_OF[stranger] not in access.roles:
                continue
            client = world.clients[stranger]
            if method == "GET":
                response = client.get(url)
                # The owner can open it, so a 404 for the stranger is about ownership, not a bad URL.
                assert world.clients[owner].get(url).status_code == 200, f"{url} as {owner}"
            else:
                response = client.post(
                    url,
                    data={
                        "csrf_token": _token(client, stranger),
                        "quantity": "1",
                        "delivered_on": ["1", "1", "2026"],
                        "title": "Taken over",
                        "description": "x",
                        "received_quantity": "1",
                        "note": "x",
                    },
                )
            assert response.status_code in (403, 404), f"{method} {url} as {stranger}: {response.status_code}"
            checked += 1
    assert checked >= 15
    assert _snapshot(app) == before, "a stranger's request changed something"


def test_a_supplier_cannot_see_another_suppliers_contract(app):
    world = build_world(app)
    contract = f"/contracts/{world.url_values['contract_id']}"
    assert "Housing repairs" in world.clients["supplier"].get(contract).get_data(as_text=True)
    response = world.clients["other_supplier"].get(contract)
    assert response.status_code == 404 and "Housing repairs" not in response.get_data(as_text=True)


def test_a_group_cannot_edit_another_groups_need(app):
    from matchmaker.extensions import db
    from matchmaker.models import Need
    from tests.helpers.web import post_form

    world = build_world(app)
    edit = f"/my-needs/{world.url_values['need_id']}/edit"
    assert world.clients["other_group"].get(edit).status_code == 404
    client = world.clients["other_group"]
    response = client.post(
        edit,
        data={
            "csrf_token": _token(client, "other_group"),
            "title": "Taken over",
            "description": "Ours now",
            "save_draft": "Save as draft",
        },
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Need, world.url_values["need_id"]).title == "Trustees with finance skills"
    # The owner can (so the request above was well formed enough to matter).
    owner = post_form(
        world.clients["group"],
        edit,
        {
            "title": "Trustees wanted",
            "description": "Two new trustees.",
            "priorities": "vcse-capacity",
            "support_types": "skills",
            "wards": "E05013515",
            "needed_by-day": "1",
            "needed_by-month": "1",
            "needed_by-year": "2030",
            "save_draft": "Save as draft",
        },
    )
    assert owner.status_code in (200, 302)
