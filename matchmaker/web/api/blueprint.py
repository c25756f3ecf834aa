"""The API's one blueprint, so one rate limit counts every call a token makes, and its documentation helpers."""

from http import HTTPStatus

from flask_smorest import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Brent Social Value Matchmaker API")

# The id converters stop where the database's integer columns do: a larger id is simply not found (404),
# rather than an overflow in the database.
ID = "int(max=2147483647)"


def refusals(*codes: int):
    """Document the error answers an operation gives (problem+json), beside the default error response."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate
