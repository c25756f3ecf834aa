"""Schemathesis against the API's own OpenAPI document: generated requests, valid and invalid, for every operation,
each with a token of a role allowed to use it and the ids of real records. No answer may be a server error, and
every answer must match the document (status codes, content types, headers and bodies).

Kept to tens of seconds: MAX_EXAMPLES requests per operation, no shrinking. Runs on SQLite and, in CI, PostgreSQL
(which refuses NUL characters and out-of-range integers that SQLite would take).
"""

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matchmaker.web.access import rule_for
from tests.helpers.personas import ROLE_OF, build_world

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _persona_for(app, method: str, path: str) -> str:
    """A persona whose role may use the operation (any for the ones every token holder may use)."""
    endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    with app.test_request_context():
        rule = rule_for(endpoint)
    return next(p for p in ("group", "supplier", "officer", "admin") if rule.allows(ROLE_OF[p]))


def test_the_api_keeps_to_its_openapi_document(app):
    world = build_world(app)
    previous, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], "100000 per minute"  # answers, not limits
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 11
    try:
        for operation in operations:
            # Real records, so that requests reach the views rather than stopping at "not found".
            ids = {p.name: world.url_values[p.name] for p in operation.path_parameters}
            persona = _persona_for(app, operation.method.upper(), operation.path.format(**ids))
            # Invalid data where there is something to get wrong (the path's ids are fixed to real records).
            has_input = bool(list(operation.query) or list(operation.body))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else (GenerationMode.POSITIVE,):
                strategy = operation.as_strategy(mode, path_parameters=ids, headers=world.api_headers[persona])

                @given(case=strategy)
                @settings(
                    max_examples=MAX_EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def check(case):
                    case.call_and_validate(checks=CHECKS)

                try:
                    check()
                except Exception as error:
                    error.add_note(f"{operation.label} as {persona}, {mode.value} data")
                    raise
    finally:
        app.config["API_RATE_LIMIT"] = previous


def test_the_document_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), "/api/v1" + path.removeprefix("/api/v1"))
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    routes = {
        (method, rule.rule.replace("<int(max=2147483647):", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token",
    }


# Issue 12's classes of hostile input, sent to every operation in every place it reads: not left to chance.
HOSTILE_STRINGS = ["a\x00b", "\x1b[31m", "A\r\nBcc: x@y.z", "\ud800", "x" * 100_000, str(2**31), "9" * 40]
HOSTILE_NUMBERS = [2**31, 2**63, 10**30, 1e308]


def _raw_json(value) -> str:
    """JSON as an attacker writes it: ensure_ascii keeps a lone surrogate as the escape \\ud800."""
    import json

    return json.dumps(value, ensure_ascii=True)


def test_hostile_values_in_every_api_operation_are_refused_cleanly(app):
    world = build_world(app)
    previous, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], "100000 per minute"
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    tried = 0
    try:
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post", "patch"):
                    continue
                names = [p["name"] for p in operation.get("parameters", []) + item.get("parameters", [])]
                url = "/api/v1" + path.removeprefix("/api/v1")
                for name in names:
                    if name in world.url_values:
                        url = url.replace("{" + name + "}", str(world.url_values[name]))
                persona = _persona_for(app, method.upper(), url)
                headers = {**world.api_headers[persona], "Content-Type": "application/json"}
                query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
                body_ref = (
                    operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
                )
                body = schemas[body_ref["$ref"].rsplit("/", 1)[1]]["properties"] if "$ref" in body_ref else {}
                requests = []
                for name in query:
                    for value in HOSTILE_STRINGS + [str(n) for n in HOSTILE_NUMBERS]:
                        requests.append((url, {name: value.replace("\ud800", "")}, None))
                for name, spec in body.items():
                    values = HOSTILE_STRINGS + HOSTILE_NUMBERS
                    if spec.get("type") == "array":
                        values = [[v] for v in values] + [["x"] * 10_000]
                    for value in values:
                        requests.append((url, None, _raw_json({name: value})))
                if method != "get":
                    depth = 50_000
                    requests.append((url, None, "[" * depth + "]" * depth))
                    requests.append((url, None, '{"x": "\\ud800"}'))
                for target, args, data in requests:
                    response = client.open(target, method=method.upper(), query_string=args, data=data, headers=headers)
                    assert response.status_code < 500, f"{method.upper()} {target} {args} {str(data)[:80]}"
                    if response.status_code >= 400:
                        assert response.mimetype == "application/problem+json"
                    tried += 1
    finally:
        app.config["API_RATE_LIMIT"] = previous
    assert tried > 300
