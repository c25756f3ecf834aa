"""The migrations and the models describe the same schema, so `matchmaker setup` builds what the code expects."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matchmaker.extensions import db
from matchmaker.services.search import declared_by_models


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": declared_by_models}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(tmp_path):
    """Each migration's downgrade works, so a bad release can be rolled back (on a scratch SQLite database)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from matchmaker import create_app

    scratch = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"}
    )
    with scratch.app_context():
        upgrade()
        assert "organisation" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert {"organisation", "app_user", "ward"} <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()
