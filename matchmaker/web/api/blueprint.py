"""The API's one blueprint, so one rate limit counts every call a token makes, and its documentation helpers."""

import json
from http import HTTPStatus

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from matchmaker.models.limits import DATABASE_ID_MAX


class Parser(FlaskParser):
    """webargs's parser, answering JSON nested too deeply for Python's parser as unreadable (400), not a 500."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "", 0) from None


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Brent Social Value Matchmaker API")

# The id converters stop where the database's integer columns do: a larger id is simply not found (404),
# rather than an overflow in the database.
ID = f"int(max={DATABASE_ID_MAX})"


def refusals(*codes: int):
    """Document the error answers an operation gives (problem+json), beside the default error response."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate
