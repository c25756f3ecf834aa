"""Remedial plans: what the council and a supplier agree to do when a contract's social value falls behind.

The policy (section 9) treats undelivered social value as a contract failure: first a remedial plan, then, if
the problem continues, escalation through the contract governance structure.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.contracts import Contract
from matchmaker.models.user import User


class PlanStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class EscalationLevel(StrEnum):
    """The steps of the council's contract governance structure, lowest first."""

    HEAD_OF_SERVICE = "head_of_service"
    DIRECTOR = "director"
    BOARD = "board"

    @property
    def rank(self) -> int:
        return list(EscalationLevel).index(self) + 1

    @property
    def label(self) -> str:
        return {
            "head_of_service": "Level 1: the commissioning head of service",
            "director": "Level 2: the contract's sponsoring director",
            "board": "Level 3: the council's contract governance board",
        }[self.value]


class RemedialPlan(Base):
    __tablename__ = "remedial_plan"
    # At most one plan still in force per contract: the database refuses a second, whatever two officers do.
    __table_args__ = (
        Index(
            "uq_remedial_plan_one_in_force",
            "contract_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.OPEN)
    problem: Mapped[str] = mapped_column(Text)  # what is behind, in the officer's words
    state_when_opened: Mapped[str] = mapped_column(String(20))  # "Behind" or "At risk"
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contract: Mapped[Contract] = relationship()
    opened_by: Mapped[User | None] = relationship()
    actions: Mapped[list["RemedialAction"]] = relationship(
        back_populates="plan", order_by="[RemedialAction.due_on, RemedialAction.id]", cascade="all, delete-orphan"
    )
    escalations: Mapped[list["Escalation"]] = relationship(
        back_populates="plan", order_by="Escalation.id", cascade="all, delete-orphan"
    )

    @property
    def level(self) -> "EscalationLevel | None":
        return self.escalations[-1].level if self.escalations else None

    @property
    def in_force(self) -> bool:
        return self.status is not PlanStatus.CLOSED


class RemedialAction(Base):
    __tablename__ = "remedial_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("remedial_plan.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))  # a person or team, at the supplier or the council
    due_on: Mapped[date]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[RemedialPlan] = relationship(back_populates="actions")

    def overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today


class Escalation(Base):
    __tablename__ = "remedial_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("remedial_plan.id", ondelete="CASCADE"), index=True)
    level: Mapped[EscalationLevel] = mapped_column(str_enum(EscalationLevel))
    escalated_to: Mapped[str] = mapped_column(String(200))  # the person or body, by name or role
    reason: Mapped[str] = mapped_column(Text)
    escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[RemedialPlan] = relationship(back_populates="escalations")
    escalated_by: Mapped[User | None] = relationship()
