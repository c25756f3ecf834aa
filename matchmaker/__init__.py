"""Brent Social Value Matchmaker.

create_app() configures the app and nothing else: it never creates tables and never touches the network.
`matchmaker setup` creates or upgrades the schema.
"""

from pathlib import Path
from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from matchmaker.config import build_config
from matchmaker.request_logging import configure_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(build_config(app.instance_path, test_config))
    configure_logging(app)
    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1)
    return app


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from matchmaker.web import template_helpers

    template_helpers.init_app(app)


def register_extensions(app: Flask) -> None:
    from matchmaker.config import per_process_state
    from matchmaker.extensions import cache, csrf, db, limiter, login_manager, migrate
    from matchmaker.models import User
    from matchmaker.models.base import render_migration_type

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    if app.config["ENV"] == "production":
        for problem in per_process_state(app.config):
            # gunicorn.conf.py refuses to start several workers like this; any other server is warned here.
            app.logger.error("Per-process state in production: %s. Fine for one process only.", problem)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # The id carries the session version, so changing a password ends every other session.
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    from matchmaker.web.access import init_access
    from matchmaker.web.account.routes import bp as account_bp
    from matchmaker.web.admin.routes import bp as admin_bp
    from matchmaker.web.api import init_api
    from matchmaker.web.auth.routes import bp as auth_bp
    from matchmaker.web.browse.routes import bp as browse_bp
    from matchmaker.web.digest.routes import bp as digest_bp
    from matchmaker.web.errors import init_errors
    from matchmaker.web.groups.routes import bp as groups_bp
    from matchmaker.web.ids import register_id_converter
    from matchmaker.web.impact.routes import bp as impact_bp
    from matchmaker.web.imports.routes import bp as imports_bp
    from matchmaker.web.officers.routes import bp as officers_bp
    from matchmaker.web.ops.routes import bp as ops_bp
    from matchmaker.web.public.routes import bp as public_bp
    from matchmaker.web.remedial.routes import bp as remedial_bp
    from matchmaker.web.security import init_security
    from matchmaker.web.suppliers.routes import bp as suppliers_bp

    register_id_converter(app)
    for blueprint in (
        public_bp,
        auth_bp,
        account_bp,
        officers_bp,
        admin_bp,
        groups_bp,
        suppliers_bp,
        browse_bp,
        imports_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)
    app.register_blueprint(digest_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(remedial_bp)
    app.register_blueprint(impact_bp)
    init_access(app)
    init_security(app)
    init_errors(app)


def register_commands(app: Flask) -> None:
    from matchmaker.cli import register
    from matchmaker.cli_digest import digest_group
    from matchmaker.cli_matches import matches_group
    from matchmaker.cli_matching import propose_command, tune_command
    from matchmaker.cli_needs import needs_group

    register(app)
    app.cli.add_command(needs_group)
    app.cli.add_command(matches_group)
    app.cli.add_command(propose_command)
    app.cli.add_command(tune_command)
    app.cli.add_command(digest_group)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys unless asked, per connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # A 32 MB page cache (the default is 2 MB): reports read tens of thousands of rows, which otherwise come
        # back from the operating system page by page on every request.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()
