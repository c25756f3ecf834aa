"""Health checks for load balancers and orchestrators: JSON, public, never cached.

/healthz answers while the process can serve requests (a liveness check: it never touches the database, so a
database outage does not get every app server restarted). /readyz answers 200 only when the database
answers too (a readiness check: take this server out of the pool until it does).
"""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from matchmaker.extensions import db
from matchmaker.web.access import public

bp = Blueprint("ops", __name__)


def _no_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@public
def healthz():
    return _no_cache(jsonify(status="ok"))


@bp.get("/readyz")
@public
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("Readiness check failed: the database did not answer", exc_info=True)
        return _no_cache(jsonify(status="unavailable", database="unreachable")), 503
    return _no_cache(jsonify(status="ok", database="ok"))
