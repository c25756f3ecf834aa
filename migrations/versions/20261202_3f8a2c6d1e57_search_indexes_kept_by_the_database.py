"""search indexes kept by the database: tsvector and trigrams on PostgreSQL, FTS5 on SQLite

Revision ID: 3f8a2c6d1e57
Revises: e3b8c1d4f5a6
Create Date: 2026-12-02 13:45:00

Replaces the per-worker in-memory index (services/search.py says how the search uses these). The app's models
do not declare these objects: services.search.declared_by_models keeps Alembic's comparison from reporting them.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f8a2c6d1e57"
down_revision = "e3b8c1d4f5a6"
branch_labels = None
depends_on = None

TABLES = ("need", "offer")


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        _postgresql_up()
    else:
        for table in TABLES:
            _sqlite_up(table)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_search_vocab ON {table}")
            op.execute(f"DROP TABLE {table}_search_vocab")
            op.execute(f"DROP INDEX ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute("DROP FUNCTION search_vocab_add()")
        op.execute("DROP FUNCTION search_fold(text)")
        # The extensions stay: they may have been there before, for other uses.
    else:
        for table in TABLES:
            for trigger in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_search_{trigger}")
            op.execute(f"DROP TABLE {table}_search_vocab")
            op.execute(f"DROP TABLE {table}_search")


def _postgresql_up():
    # Both are "trusted" extensions: the database's owner may create them without being a superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # unaccent() is only STABLE (its dictionary could change); a generated column needs IMMUTABLE, and naming the
    # dictionary and its schema makes this one safe to declare so.
    op.execute(
        "CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1))"
    )
    # The vocabulary only grows (a word no longer in any text finds nothing, at no harm): adding with ON CONFLICT
    # DO NOTHING takes no lock on words already there, so posting needs at once does not queue on common words.
    op.execute(
        "CREATE FUNCTION search_vocab_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "EXECUTE format('INSERT INTO %I (word) SELECT unnest(tsvector_to_array($1)) ON CONFLICT DO NOTHING', "
        "TG_TABLE_NAME || '_search_vocab') USING NEW.search_vector; RETURN NULL; END $$"
    )
    for table in TABLES:
        # 'simple': no stemming and no stop words, so a word's start finds it ("garden" finds "gardening") as on
        # SQLite; typos come from the vocabulary.
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', search_fold(title)), 'A') || "
            "setweight(to_tsvector('simple', search_fold(description)), 'B')) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")
        op.execute(f"CREATE TABLE {table}_search_vocab (word text PRIMARY KEY)")
        op.execute(f"CREATE INDEX ix_{table}_search_vocab_word ON {table}_search_vocab USING gin (word gin_trgm_ops)")
        op.execute(
            f"INSERT INTO {table}_search_vocab (word) "
            f"SELECT DISTINCT unnest(tsvector_to_array(search_vector)) FROM {table}"
        )
        op.execute(
            f"CREATE TRIGGER {table}_search_vocab AFTER INSERT OR UPDATE OF title, description ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION search_vocab_add()"
        )


def _sqlite_up(table: str):
    # An external-content FTS5 table: it holds only the index, reading the text from the table itself. Triggers
    # keep it current on every write. (A batch migration that rebuilds `need` or `offer` drops these triggers:
    # such a migration must create them again, then run the 'rebuild' below.)
    op.execute(
        f"CREATE VIRTUAL TABLE {table}_search USING fts5(title, description, content='{table}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(f"CREATE VIRTUAL TABLE {table}_search_vocab USING fts5vocab({table}_search, 'row')")
    add = f"INSERT INTO {table}_search(rowid, title, description) VALUES (new.id, new.title, new.description);"
    remove = (
        f"INSERT INTO {table}_search({table}_search, rowid, title, description) "
        "VALUES ('delete', old.id, old.title, old.description);"
    )
    op.execute(f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {add} END")
    op.execute(f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER {table}_search_update AFTER UPDATE OF title, description ON {table} BEGIN {remove} {add} END"
    )
    op.execute(f"INSERT INTO {table}_search({table}_search) VALUES ('rebuild')")
