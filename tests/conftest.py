"""Shared fixtures: one app and schema per test session, a clean database for every test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another (CI runs the suite a second
time with TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test). The schema is built by running the
Alembic migrations, so every run also proves the migrations work on that database.
"""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text, update

from matchmaker import create_app
from matchmaker.extensions import cache, db, limiter
from matchmaker.models import Ward
from matchmaker.services.reference_data import load_reference_data

REFERENCE_TABLES = {"ward", "ward_adjacency", "priority", "support_type", "alembic_version"}

pytest_plugins = ["tests.helpers.smtp"]


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'matchmaker-test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "EMAIL_BACKEND": "memory",
            "EMAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
            "RATELIMIT_STORAGE_URI": "memory://",
            # Hashing is still real, just cheap: scrypt's deliberate slowness would dominate the suite's run time.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        _fresh_schema()
        upgrade()
        load_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _clean_state(request, app):
    """Each test starts with reference data only, no rate-limit history, nothing cached and an empty mailbox."""
    with app.app_context():
        limiter.reset()
        cache.clear()
        mailbox(app).clear()
    yield
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(table.delete())
        # The one thing officers can change in reference data: ward weights.
        db.session.execute(update(Ward).values(need_index_value=None, need_weight=None))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services or builders directly."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def mailbox(app) -> list:
    """Messages sent through the in-memory backend (tests that need real SMTP use the smtp_server fixture)."""
    from matchmaker.email.backends import MemoryBackend

    return app.extensions.setdefault("matchmaker.memory_mail", MemoryBackend()).sent
