"""Stored meaning vectors for needs and offers: computed once per text and model, read by every propose run.

The matching engine loads needs and offers through `attached`, which gives each item its stored vector. A
vector is reused while the text it was computed from (title and description, by sha256) and the model (name
and version) are unchanged; the rest are encoded in one batch and saved, so a need is encoded when it is first
proposed for after a save (refresh_need, milliseconds), an import's rows together at its one refresh, and after
a model upgrade every text once, at the next propose. Flushes only: the caller commits, as services do.
"""

import hashlib
from dataclasses import replace
from typing import Literal

from sqlalchemy import delete, insert, select

from matchmaker.extensions import db
from matchmaker.matching import semantic
from matchmaker.models import TextEmbedding

Kind = Literal["need", "offer"]
_BATCH = 1000  # ids per IN (...) list


def text_hash(title: str, description: str) -> str:
    return hashlib.sha256(semantic.document(title, description).encode("utf-8")).hexdigest()


def attached(kind: Kind, items: list) -> list:
    """These engine items (NeedItem or OfferItem, by database id) with their meaning vectors: stored ones when
    fresh, the stale or missing ones encoded in one batch and stored."""
    if not items:
        return items
    column = TextEmbedding.need_id if kind == "need" else TextEmbedding.offer_id
    model = semantic.model_name()
    stored: dict[int, tuple[str, str, bytes]] = {}
    ids = [item.id for item in items]
    for start in range(0, len(ids), _BATCH):
        rows = db.session.execute(
            select(column, TextEmbedding.model, TextEmbedding.text_hash, TextEmbedding.vector).where(
                column.in_(ids[start : start + _BATCH])
            )
        )
        stored.update({owner: (m, h, v) for owner, m, h, v in rows})
    hashes = [text_hash(item.title, item.description) for item in items]
    stale = [row for row, item in enumerate(items) if stored.get(item.id, ("", "", b""))[:2] != (model, hashes[row])]
    if stale:
        vectors = semantic.encode([semantic.document(items[r].title, items[r].description) for r in stale])
        stale_ids = [items[r].id for r in stale]
        for start in range(0, len(stale_ids), _BATCH):
            db.session.execute(delete(TextEmbedding).where(column.in_(stale_ids[start : start + _BATCH])))
        db.session.execute(
            insert(TextEmbedding),
            [
                {column.key: items[r].id, "model": model, "text_hash": hashes[r], "vector": semantic.to_bytes(v)}
                for r, v in zip(stale, vectors, strict=True)
            ],
        )
        db.session.flush()
        for r, v in zip(stale, vectors, strict=True):
            stored[items[r].id] = (model, hashes[r], semantic.to_bytes(v))
    return [replace(item, embedding=stored[item.id][2]) for item in items]
