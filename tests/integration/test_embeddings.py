"""Meaning vectors are computed once per text and model, stored, and read (not recomputed) by propose."""

import numpy as np
from sqlalchemy import select, update

from matchmaker.extensions import db
from matchmaker.matching import semantic
from matchmaker.models import Need, TextEmbedding
from matchmaker.services import embeddings
from tests.helpers.builders import make_need, make_offer


def _stored(app):
    with app.app_context():
        return {
            (r.need_id, r.offer_id): (r.model, r.text_hash, r.vector) for r in db.session.scalars(select(TextEmbedding))
        }


def _encoded_texts(monkeypatch) -> list[str]:
    """Records every text the model encodes (the real model still does the work)."""
    seen: list[str] = []
    real = semantic.encode

    def recording(texts):
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(semantic, "encode", recording)
    return seen


def test_propose_encodes_each_text_once_and_then_reads_the_stored_vectors(app, runner, monkeypatch):
    with app.app_context():
        need_id = make_need(title="Someone clicked a dodgy email", description="Our members' details are not safe.").id
        offer_id = make_offer(title="Cyber security health checks", description="Backups and passwords.").id
    encoded = _encoded_texts(monkeypatch)
    assert runner.invoke(args=["propose"]).exit_code == 0
    stored = _stored(app)
    assert set(stored) == {(need_id, None), (None, offer_id)}
    model, _, vector = stored[(need_id, None)]
    assert model == semantic.model_name() and model.startswith("wordllama-")
    assert np.isclose(np.linalg.norm(np.frombuffer(vector, dtype=np.float32)), 1.0, atol=1e-5)
    texts = [
        "Someone clicked a dodgy email. Our members' details are not safe.",
        "Cyber security health checks. Backups and passwords.",
    ]
    assert [encoded.count(t) for t in texts] == [1, 1]

    encoded.clear()
    assert runner.invoke(args=["propose"]).exit_code == 0
    # Only reasons' phrases are encoded again, never a whole text: the vectors come from the table.
    assert not set(texts) & set(encoded)
    assert _stored(app) == stored


def test_a_changed_text_or_model_is_encoded_again(app, runner, monkeypatch):
    with app.app_context():
        need_id = make_need(title="Water through the ceiling", description="The back room smells of damp.").id
        make_offer(title="Condition surveys", description="Chartered surveyors check roofs and damp.")
    runner.invoke(args=["propose"])
    before = _stored(app)[(need_id, None)]
    with app.app_context():
        db.session.execute(update(Need).where(Need.id == need_id).values(description="The roof leaks every winter."))
        db.session.commit()
    runner.invoke(args=["propose"])
    after = _stored(app)[(need_id, None)]
    assert after[1] != before[1] and after[2] != before[2]
    assert after[1] == embeddings.text_hash("Water through the ceiling", "The roof leaks every winter.")

    with app.app_context():
        db.session.execute(update(TextEmbedding).values(model="an-older-model@0.1"))
        db.session.commit()
    encoded = _encoded_texts(monkeypatch)
    runner.invoke(args=["propose"])
    assert {m for m, _, _ in _stored(app).values()} == {semantic.model_name()}
    assert "Water through the ceiling. The roof leaks every winter." in encoded
