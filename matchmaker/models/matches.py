"""Matches: a need and an offer an officer has brought together, from approval through to proof of delivery."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.contracts import Offer, Pledge
from matchmaker.models.measures import Measure
from matchmaker.models.needs import Need


class MatchStatus(StrEnum):
    APPROVED = "approved"
    INTRODUCED = "introduced"
    IN_DELIVERY = "in_delivery"
    DELIVERED = "delivered"
    VERIFIED = "verified"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RejectionReason(StrEnum):
    """Why an officer turned a proposal or pledge down: the engine learns from these."""

    WRONG_WARD = "wrong_ward"
    WRONG_TYPE = "wrong_type"
    NEED_MET = "need_met"
    CANNOT_DELIVER = "cannot_deliver"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "wrong_ward": "Wrong ward: too far from where the need is",
            "wrong_type": "Wrong type of help for this need",
            "need_met": "The need is already met",
            "cannot_deliver": "The supplier cannot deliver it",
            "other": "Another reason",
        }[self.value]


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        Index("ix_match_need_offer", "need_id", "offer_id"),
        # One decision per proposal and per pledge, whatever the application does: a double-click or two officers
        # at once cannot make two matches (each taking capacity) of one of them.
        UniqueConstraint("proposal_id"),
        UniqueConstraint("pledge_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledge.id", ondelete="SET NULL"))
    # The engine's proposal this decided (proposals are deleted once decided, so no foreign key): lets an officer
    # who decides it a moment too late be told what became of it.
    proposal_id: Mapped[int | None]
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # allocated from the offer; None: no set amount
    status: Mapped[MatchStatus] = mapped_column(str_enum(MatchStatus), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "engine" or "pledge"
    score: Mapped[float | None] = mapped_column(Float)
    components: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the engine's view when decided: training data
    reason: Mapped[RejectionReason | None] = mapped_column(str_enum(RejectionReason))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Responding to the introduction: each party says it has been in touch (or moves the match on). Officers are
    # alerted once (chased_at) when a party has not within the working days allowed; the party that did respond
    # can then end the match and ask for another, and the pairing is not proposed again (no_response_from).
    introduced_at: Mapped[datetime | None]
    group_responded_at: Mapped[datetime | None]
    supplier_responded_at: Mapped[datetime | None]
    chased_at: Mapped[datetime | None]
    no_response_from: Mapped[str | None] = mapped_column(String(20))  # "group" or "supplier"

    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()
    pledge: Mapped[Pledge | None] = relationship()
    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="match", order_by="Delivery.id")

    def total(self, field: str) -> Decimal:
        return sum((getattr(d, field) or Decimal(0) for d in self.deliveries), Decimal(0))


class Delivery(Base):
    """What a supplier says it gave under a match, what the group says it received, what an officer verified.

    Only the verified quantity counts, once, against the match's one offer and so its one contract.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        Index("ix_delivery_delivered_on", "delivered_on"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_quantity IS NULL OR received_quantity >= 0", name="received_not_negative"),
        CheckConstraint("verified_quantity IS NULL OR verified_quantity >= 0", name="verified_not_negative"),
        # What counts never exceeds what was received, nor that what was reported.
        CheckConstraint("received_quantity IS NULL OR received_quantity <= quantity", name="received_within_reported"),
        CheckConstraint(
            "verified_quantity IS NULL OR verified_quantity <= received_quantity", name="verified_within_received"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # reported by the supplier
    delivered_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    # The report form's one-time key: a double-click sends the same key twice, and only one delivery is made.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # confirmed by the group
    received_note: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None]
    verified_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # what counts
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    # What it counts as, when the supplier says (otherwise its offer's measure, if any).
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id", ondelete="SET NULL"), index=True)
    # The group's own words, written when confirming; reports show it only if they agreed to share it.
    story: Mapped[str] = mapped_column(Text, default="")
    story_shared: Mapped[bool] = mapped_column(default=False)

    match: Mapped[Match] = relationship(back_populates="deliveries")
    measure: Mapped["Measure | None"] = relationship()
