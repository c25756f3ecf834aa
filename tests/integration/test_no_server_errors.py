"""Every form, sent empty, malformed or with extra junk by someone allowed to use it, never causes a server error."""

import re

from matchmaker.web.access import PUBLIC, rule_for
from tests.helpers.personas import PERSONAS, ROLE_OF, build_world

JUNK_VALUES = [
    {},
    {
        "title": "x" * 10_000,
        "quantity": "1e999",
        "unit": "parsecs",
        "needed_by": ["31", "2", "2027"],
        "value": "-£1",
        "wards": ["E99999999", "borough-wide"],
        "priorities": ["nope"],
        "support_types": ["<b>"],
        "kind": "alien",
        "start_date": ["a", "b"],
        "end_date": ["1", "1", "1", "1"],
        "offer": "99999",
        "email": "@",
        "role": "root",
    },
    {
        "needed_by": ["", "", ""],
        "quantity": "NaN",
        "available_from": ["29", "2", "2027"],
        "value": "1,2,3",
        "password": "\x00",
        "confirm_password": "\x00",
        "email": "a@b.c\r\nBcc: x@y.z",
    },
]


def _token(client, persona: str) -> str:
    page = "/sign-in" if persona == "anonymous" else "/account/password"
    response = client.get(page)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, f"{persona} cannot open {page}: {response.status_code} {response.headers.get('Location')}"
    return match.group(1)


def _audit_log(app) -> list[tuple]:
    from sqlalchemy import select

    from matchmaker.extensions import db
    from matchmaker.models import AuditEvent

    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    AuditEvent.id,
                    AuditEvent.action,
                    AuditEvent.actor_id,
                    AuditEvent.subject_id,
                    AuditEvent.from_state,
                    AuditEvent.to_state,
                    AuditEvent.note,
                    AuditEvent.created_at,
                ).order_by(AuditEvent.id)
            )
        ]


def test_no_form_answers_bad_input_with_a_server_error(app):
    world = build_world(app)
    tried = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint == "auth.sign_out":  # takes no input, and would sign us out
            continue
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        url = rule.build(world.url_values, append_unknown=False)[1]
        for persona in PERSONAS:
            role = ROLE_OF[persona]
            if access.kind != PUBLIC and not (role and access.allows(role)):
                continue
            client = world.clients[persona]
            headers = world.api_headers[persona] if access.token else {}
            for data in JUNK_VALUES:
                response = client.post(url, data={**data, "csrf_token": _token(client, persona)}, headers=headers)
                assert response.status_code < 500, f"POST {url} as {persona} with {sorted(data)}"
                tried += 1
    assert tried > 30


def test_no_route_edits_or_removes_the_audit_log(app):
    """Every POST route, by everyone allowed to use it: the audit log only ever grows."""
    from matchmaker.extensions import db
    from matchmaker.models import Need, Organisation
    from matchmaker.services import audit

    world = build_world(app)
    with app.app_context():  # history that must survive whatever anyone posts
        audit.record(
            "organisation.registered",
            db.session.get(Organisation, world.url_values["org_id"]),
            None,
            to_state="pending",
        )
        audit.record(
            "need.status", db.session.get(Need, world.url_values["need_id"]), None, "awaiting_moderation", "open"
        )
        db.session.commit()
    before = _audit_log(app)
    assert [event[1] for event in before][-2:] == ["organisation.registered", "need.status"]  # after the tokens'
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint == "auth.sign_out":
            continue
        url = rule.build(world.url_values, append_unknown=False)[1]
        for persona in PERSONAS[1:]:
            client = world.clients[persona]
            client.post(
                url, data={"csrf_token": _token(client, persona), "note": "x", "reason": "other", "reason_text": "x"}
            )
    after = _audit_log(app)
    assert after[: len(before)] == before
