"""Meaning vectors of needs' and offers' texts, computed once when the text is saved, read by every propose run."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.models.base import Base, utcnow


class TextEmbedding(Base):
    """One vector per need or per offer. `model` names the embedding model and its version, `text_hash` the
    text it was computed from: when either differs from today's, the vector is stale and is computed again."""

    __tablename__ = "text_embedding"
    __table_args__ = (CheckConstraint("(need_id IS NULL) <> (offer_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), unique=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), unique=True)
    model: Mapped[str] = mapped_column(String(80))
    text_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the text encoded (title and description)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian, unit length
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
