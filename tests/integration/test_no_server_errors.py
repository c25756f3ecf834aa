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
    # Issue 12's classes in every field name the forms use: NUL and control characters, line breaks in one-line
    # fields, ids and amounts beyond the database's integer and numeric, and huge strings.
    {
        name: value
        for names, value in (
            (("title", "name", "full_name", "contact_name", "ref", "owner", "escalated_to"), "A\r\nBcc: x@y.z"),
            (("description", "note", "reason", "reason_text", "comment", "message", "story", "problem"), "a\x00b"),
            (("address", "website", "contact_email", "contact_phone", "charity_number"), "\x1b\x7f"),
            (("quantity", "value", "verified", "received", "amount"), "9" * 40),
            (("offer", "measure", "measure_id", "contract", "selected"), str(2**31)),
            (("priorities", "wards", "support_types", "unit", "kind", "outcome", "direction"), "\x00"),
        )
        for name in names
    }
    | {"selected": [f"proposal:{2**31}", f"pledge:{10**30}"], "period": "x" * 100_000},
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


HUGE_IDS = (2**31, 2**63, 10**30)


def test_no_route_answers_an_id_beyond_the_database_integer_with_a_server_error(app):
    """Every route with an id in its path, by someone allowed to use it: 2^31 and beyond are simply not found."""
    from werkzeug.routing import IntegerConverter

    world = build_world(app)
    tried = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        numeric = {name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)}
        if not numeric:
            continue
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        persona = next((p for p in PERSONAS if ROLE_OF[p] and access.allows(ROLE_OF[p])), "anonymous")
        client = world.clients[persona]
        headers = world.api_headers[persona] if access.token else {}
        for number in HUGE_IDS:
            url = rule.rule
            for name in rule.arguments:
                url = re.sub(rf"<[^<>]*{name}>", str(number if name in numeric else world.url_values[name]), url)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": _token(client, persona)} if method == "POST" else None
                response = client.open(url, method=method, data=data, headers=headers)
                # (405 where werkzeug finds the path under another method: still no route reached the database)
                assert response.status_code in (400, 404, 405), f"{method} {url} as {persona}: {response.status_code}"
                tried += 1
    assert tried >= 50 * len(HUGE_IDS)


QUERY_NAMES = (
    "page", "q", "year", "period", "status", "show", "kind", "fmt", "format", "download", "priority", "ward",
    "type", "supplier", "support_type", "sort", "map", "unmatched", "start", "end", "next", "per_page", "need_id",
)  # fmt: skip
HOSTILE_QUERY_VALUES = ("a\x00b", "²", str(2**31), "9" * 40, "A\r\nB", "x" * 5_000)


def test_no_page_answers_hostile_query_strings_with_a_server_error(app):
    """Every GET route, by someone allowed to use it, with each query parameter the app reads set to each class."""
    world = build_world(app)
    tried = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.sign_out") or rule.rule.startswith("/assets"):
            continue
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        persona = next((p for p in PERSONAS if ROLE_OF[p] and access.allows(ROLE_OF[p])), "anonymous")
        headers = world.api_headers[persona] if access.token else {}
        url = rule.build(world.url_values, append_unknown=False)[1]
        for value in HOSTILE_QUERY_VALUES:
            response = world.clients[persona].get(url, query_string=dict.fromkeys(QUERY_NAMES, value), headers=headers)
            assert response.status_code < 500, f"GET {url} as {persona} with {value[:20]!r}"
            tried += 1
    assert tried > 50 * len(HOSTILE_QUERY_VALUES)
