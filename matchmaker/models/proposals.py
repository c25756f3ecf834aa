"""The engine's proposals: for each open need, the offers most likely to meet it, with the reason why."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, utcnow
from matchmaker.models.contracts import Offer
from matchmaker.models.needs import Need


class Proposal(Base):
    __tablename__ = "proposal"
    __table_args__ = (
        UniqueConstraint("need_id", "offer_id", name="uq_proposal_need_offer"),
        Index("ix_proposal_need_rank", "need_id", "rank"),
        Index("ix_proposal_score", "score"),
        # Counting the officers' queue (the top ranks of open needs and active offers) from the index alone.
        Index("ix_proposal_rank_pair", "rank", "need_id", "offer_id"),
        # The queue's "waiting longest first" order, read off the index a page at a time.
        Index("ix_proposal_created_at", "created_at", "id"),
        # Ids are never reused (SQLite otherwise reuses the highest after a delete, which proposals' refreshes
        # do all the time): a match records the id of the proposal it decided, once (uq_match_proposal_id).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)  # 1 = best for this need
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()
