"""The migrations and the models describe the same schema, so `matchmaker setup` builds what the code expects."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matchmaker.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
