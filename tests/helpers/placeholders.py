"""A second app on the same database, with placeholder pages for endpoints other work has not built yet.

Pages link to some endpoints only once they exist (`"suppliers.pledge" in current_app.view_functions`). The
session's app has served requests, so no route can be added to it; this builds a fresh one that can.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from matchmaker.extensions import db
from matchmaker.web.access import public


@contextmanager
def app_with_endpoints(app: Flask, *endpoints: str) -> Iterator[Flask]:
    from matchmaker import create_app

    other = create_app({**app.config})
    for endpoint in endpoints:
        if endpoint not in other.view_functions:
            # No URL variables: url_for() puts the values it is given in the query string.
            other.add_url_rule(f"/placeholder/{endpoint}", endpoint, public(lambda **_: "placeholder"))
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()
