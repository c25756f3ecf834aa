"""Database ids from URLs, forms and query strings: a number beyond the database's integer cannot name a record, so
it is "not found" (or ignored), never an overflow error from the database."""

from werkzeug.routing import IntegerConverter

from matchmaker.models.limits import DATABASE_ID_MAX, database_id

__all__ = ["DatabaseIdConverter", "database_id", "register_id_converter"]


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: a larger number does not match the route, so the answer is 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=DATABASE_ID_MAX, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_id_converter(app) -> None:
    """Replace the built-in `int` converter before any route is added, so no route can forget the limit."""
    app.url_map.converters["int"] = DatabaseIdConverter
