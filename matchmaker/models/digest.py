"""The partner digest: who wants it, about what and how often; and what happened to each (person, period)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.reference import Priority, Ward
from matchmaker.models.user import User


class DigestFrequency(StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"monthly": "Monthly", "weekly": "Weekly", "none": "Never: do not send me the digest"}[self.value]


digest_subscription_priority = Table(
    "digest_subscription_priority",
    Base.metadata,
    Column("subscription_id", ForeignKey("digest_subscription.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True),
)
digest_subscription_ward = Table(
    "digest_subscription_ward",
    Base.metadata,
    Column("subscription_id", ForeignKey("digest_subscription.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True),
)


class DigestSubscription(Base):
    """A partner's choices. A member with no row gets the default: monthly, every priority, their
    organisation's wards. No priorities chosen means every priority; no wards chosen means all of Brent."""

    __tablename__ = "digest_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[DigestFrequency] = mapped_column(str_enum(DigestFrequency), default=DigestFrequency.MONTHLY)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    priorities: Mapped[list[Priority]] = relationship(secondary=digest_subscription_priority, order_by=Priority.number)
    wards: Mapped[list[Ward]] = relationship(secondary=digest_subscription_ward, order_by=Ward.name)


class DigestStatus(StrEnum):
    SENDING = "sending"  # claimed by a run; if it stays here the run stopped mid-send, so it is never resent
    SENT = "sent"
    SKIPPED_EMPTY = "skipped_empty"
    RETRY = "retry"  # the mail server refused for now (4xx, connection lost): the next run tries again
    FAILED = "failed"  # refused for good (5xx, bad address): not retried

    @property
    def label(self) -> str:
        return {
            "sending": "Interrupted while sending: may not have arrived",
            "sent": "Sent",
            "skipped_empty": "Not sent: nothing relevant",
            "retry": "Not sent yet: will retry",
            "failed": "Failed",
        }[self.value]


class DigestDelivery(Base):
    """One row per (person, period): the record that makes sending idempotent."""

    __tablename__ = "digest_delivery"
    __table_args__ = (
        UniqueConstraint("user_id", "period", name="uq_digest_delivery_user_period"),
        Index("ix_digest_delivery_period_status", "period", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # "2026-11" (a month) or "2026-W48" (an ISO week)
    status: Mapped[DigestStatus] = mapped_column(str_enum(DigestStatus))
    email: Mapped[str] = mapped_column(String(254))  # where it went, as the address may change later
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")  # the mail server's answer when it failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
