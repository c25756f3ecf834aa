"""Row locks for changes that read a record's state, check it, then write: the check must see what any request
that changed the record first has committed, or two identical requests both pass it.

PostgreSQL locks the row (SELECT ... FOR UPDATE): a second request waits here until the first commits, then reads
what it wrote. SQLite has no row locks; a no-op write takes the database's write lock instead, which serialises
this request with every other writer until it commits, and reads from then on are current.
"""

from sqlalchemy import select, text

from matchmaker.extensions import db


def lock(record) -> None:
    """Wait for any other transaction changing `record`'s row to finish, then reload its columns as committed.
    Relationships are expired, so they load afresh too."""
    db.session.flush()  # nothing pending is lost by the reload
    model = type(record)
    if db.session.get_bind().dialect.name == "sqlite":
        # A raw statement, so the model's onupdate (updated_at) does not fire: a lock is not a change.
        db.session.execute(text(f"UPDATE {model.__tablename__} SET id = id WHERE id = :id"), {"id": record.id})
    db.session.execute(select(model.id).where(model.id == record.id).with_for_update()).all()
    db.session.expire(record)


def refresh_all(model, *conditions) -> None:
    """Reload every row of `model` matching `conditions`, so objects already in the session show their committed
    state (after a lock, the rows hanging off the locked one)."""
    db.session.scalars(select(model).where(*conditions).execution_options(populate_existing=True)).all()
