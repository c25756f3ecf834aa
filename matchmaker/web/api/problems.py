"""Error answers for the JSON API: RFC 9457 problem details, never an HTML page.

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "Check the fields listed in errors", "errors": {"title": ["Enter a title"]}}

`errors` (field name -> messages) is there only when particular fields are at fault. Field names are those of the
request: body properties, or query parameters for a list.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"

DETAILS = {
    400: "The request could not be read. Send a JSON body with Content-Type: application/json",
    401: "Send a personal API token in the Authorization header: Authorization: Bearer <token>",
    403: "Your token's role does not allow this",
    404: "There is nothing here, or nothing you may see",
    405: "This address does not accept that method",
    409: "The request conflicts with the current state of the record",
    413: "The request is too large",
    415: "Send the body as JSON, with Content-Type: application/json",
    422: "Check the fields listed in errors",
    429: "Too many requests for this token. Wait, then try again",
    500: "Something went wrong on our side. Nothing was saved",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(
    status: int,
    detail: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",  # the status says it all; `title` is the status's phrase, as RFC 9457 asks
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
        "status": status,
        "detail": detail or DETAILS.get(status, DETAILS[500] if status >= 500 else "The request was refused"),
    }
    if errors:
        body["errors"] = dict(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="matchmaker"'
    return response


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs's {"json": {"wards": {"0": ["Not a valid string."]}}} as {"wards.0": ["Not a valid string."]}."""
    if isinstance(messages, Mapping):
        found: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            found.update(_flatten(value, name))
        return found
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


def field_errors(error: HTTPException) -> dict[str, list[str]]:
    """The per-field messages webargs attached to a validation error, without the location level."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    flat: dict[str, list[str]] = {}
    for _location, by_field in messages.items():  # json, query, path...
        flat.update(_flatten(by_field) if isinstance(by_field, Mapping) else {"_schema": list(by_field)})
    return flat


def from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    errors = field_errors(error) if status in (400, 422) else {}
    detail = None
    if status == 400 and errors:
        detail = "The request body is not valid JSON"
        errors = {}
    if status == 429:
        detail = f"Too many requests for this token ({error.description}). Wait, then try again"
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, detail, errors, headers)


class Problem(HTTPException):
    """Raised by API views: answered as the problem response it carries."""

    def __init__(self, status: int, detail: str | None = None, errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(description=detail, response=problem(status, detail, errors))
        self.code = status


def answer(error: HTTPException) -> Response:
    """The problem response for any HTTP error raised while answering an API request."""
    if isinstance(error, Problem) and error.response is not None:
        return error.response
    return from_http_exception(error)
