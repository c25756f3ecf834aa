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
