"""The versioned JSON API at /api/v1/, described by the OpenAPI document at /api/v1/openapi.json.

flask-smorest (marshmallow schemas through webargs and apispec) validates requests and writes the document from
the same schemas, so the two cannot drift apart. Callers authenticate with a personal API token
(`Authorization: Bearer mm_...`), never with the session cookie, so the API needs no CSRF token; each token has
its own rate limit.
"""

import http

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from matchmaker.web.api.problems import PROBLEM_TYPE
from matchmaker.web.api.schemas import ProblemSchema

API_VERSION = "1.0.0"


class MatchmakerApi(Api):
    """flask-smorest with problem+json errors (RFC 9457), answered by matchmaker.web.errors for every /api/ path."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every error in the whole app, web pages included, with JSON.
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _limit_key() -> str:
    """Each token has its own allowance; requests without one share their address's."""
    from matchmaker.services.api_tokens import hash_token

    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        return "api-token:" + hash_token(raw.strip())
    return "api-address:" + get_remote_address()


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def init_api(app: Flask) -> None:
    from matchmaker.extensions import csrf, limiter
    from matchmaker.web.access import public
    from matchmaker.web.api import needs, offers, proposals, reports  # noqa: F401  (their routes join the blueprint)
    from matchmaker.web.api.blueprint import bp

    app.config.setdefault("API_RATE_LIMIT", "120 per minute")
    app.config.update(
        {
            "API_TITLE": "Brent Social Value Matchmaker",
            "API_VERSION": API_VERSION,
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
            "API_SPEC_OPTIONS": {
                "info": {
                    "description": "Needs, offers, the engine's proposals and report figures. Authenticate with a "
                    "personal API token from your account page: `Authorization: Bearer <token>`. "
                    "Errors are RFC 9457 problem details. Text may not contain control characters (NUL, escape and "
                    "the like) or lone surrogates; titles and names are one line; the longest values and largest "
                    "numbers are stated on each field (maxLength, maxItems, maximum)."
                },
                "components": {
                    "securitySchemes": {
                        "token": {"type": "http", "scheme": "bearer", "description": "A personal API token"}
                    }
                },
                "security": [{"token": []}],
            },
        }
    )
    api = MatchmakerApi(app)
    csrf.exempt(bp)  # no cookie authenticates the API, so there is no cross-site request to forge
    limiter.limit(_limit, key_func=_limit_key)(bp)
    api.register_blueprint(bp)

    spec_view = app.view_functions["api-docs.openapi_json"]

    def openapi_json():
        return spec_view()

    app.view_functions["api-docs.openapi_json"] = public(openapi_json)
