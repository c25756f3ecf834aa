"""The impact figures and the annual report PDF, built once and kept until the figures change.

Every cache key carries a "figures version", a random token kept in the cache itself. Any committed change to
a record the figures are made of (anything but the bookkeeping in NOT_FIGURES) replaces the token, so the next
request builds afresh and the old entries are never read again (they expire after IMPACT_CACHE_SECONDS). With
several workers the cache must be shared (Redis), or one worker's change would not reach the others' copies:
gunicorn.conf.py refuses to start production like that.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from matchmaker.extensions import cache
from matchmaker.models import ApiToken, AuditEvent, DigestDelivery, DigestSubscription, Proposal, SignInLock, User

T = TypeVar("T")
log = logging.getLogger(__name__)

VERSION_KEY = "figures-version"
# Changes to these never change a published figure (the engine's proposals are not figures until approved).
NOT_FIGURES = (ApiToken, AuditEvent, DigestDelivery, DigestSubscription, Proposal, SignInLock, User)
_CHANGED = "matchmaker.figures_changed"


def _enabled() -> bool:
    return current_app.config["IMPACT_CACHE_SECONDS"] > 0


def version() -> str:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=0)  # add: of two first requests, one token wins
        current = cache.get(VERSION_KEY)
    return current


def kept(name: str, parts: tuple, build: Callable[[], T]) -> T:
    """build(), or what it gave last time for the same name and parts if the figures have not changed since."""
    if not _enabled():
        return build()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    try:
        key = f"{name}:{version()}:{digest}"
        found = cache.get(key)
    except Exception:  # the cache (Redis) is down: the page is slower, not broken
        log.exception("The figures cache is not answering; building %s afresh", name)
        return build()
    if found is not None:
        return found
    value = build()
    try:
        cache.set(key, value, timeout=current_app.config["IMPACT_CACHE_SECONDS"])
    except Exception:
        log.exception("The figures cache is not answering; %s not kept", name)
    return value


def figures_changed() -> None:
    """Make every kept figure stale (called after a commit that changed them)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=0)


def _is_figure(thing: Any) -> bool:
    return not isinstance(thing, NOT_FIGURES)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    if any(_is_figure(o) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    """UPDATE and DELETE statements (compare-and-set on capacity, bulk changes) bypass the flush."""
    if state.is_select:
        return
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, NOT_FIGURES):
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context() and _enabled():
        try:
            figures_changed()
        except Exception:  # the change is committed; stale figures for IMPACT_CACHE_SECONDS are the worst case
            log.exception("Could not clear the cached impact figures")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
