"""Needs: what a VCSE or community group asks for, tagged to priorities, wards and support types."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.limits import TITLE_MAX
from matchmaker.models.organisation import Organisation
from matchmaker.models.reference import Priority, SupportType, Ward

if TYPE_CHECKING:
    from matchmaker.models.user import User


class Unit(StrEnum):
    HOURS = "hours"
    PEOPLE = "people"
    ITEMS = "items"
    POUNDS = "pounds"
    DAYS = "days"
    PLACES = "places"

    # Shadows str.format on purpose (a unit formats an amount of itself); templates call unit.format(quantity).
    def format(self, quantity: Decimal | None) -> str:  # type: ignore[override]
        if quantity is None:
            return ""
        if self is Unit.POUNDS:
            return f"£{quantity:,.2f}".replace(".00", "")
        number = f"{quantity:,.2f}".rstrip("0").rstrip(".")
        return f"{number} {self.singular if number == '1' else self.value}"

    @property
    def singular(self) -> str:
        """ "1 hour", "1 place": the unit for exactly one, which pages and emails print as often as any other."""
        return {"people": "person"}.get(self.value, self.value.removesuffix("s"))


class NeedStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_MODERATION = "awaiting_moderation"
    OPEN = "open"
    PARTLY_MET = "partly_met"
    MET = "met"
    CLOSED = "closed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_live(self) -> bool:
        """Counts towards an organisation's limit of live needs."""
        return self in (NeedStatus.AWAITING_MODERATION, NeedStatus.OPEN, NeedStatus.PARTLY_MET)

    @property
    def is_public(self) -> bool:
        return self in (NeedStatus.OPEN, NeedStatus.PARTLY_MET)


need_priority = Table(
    "need_priority",
    Base.metadata,
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True),
)
need_ward = Table(
    "need_ward",
    Base.metadata,
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_need_ward_ward_id", "ward_id"),
)
need_support_type = Table(
    "need_support_type",
    Base.metadata,
    Column("need_id", ForeignKey("need.id", ondelete="CASCADE"), primary_key=True),
    Column("support_type_id", ForeignKey("support_type.id", ondelete="CASCADE"), primary_key=True),
)


class Need(Base):
    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("(quantity IS NULL) = (unit IS NULL)", name="quantity_has_unit"),
        Index("ix_need_status_needed_by", "status", "needed_by"),
        # The browse order (soonest needed first): the first page comes straight off this index.
        Index("ix_need_needed_by", "needed_by"),
        # Counting open needs (list totals, the queue's count) from the index alone.
        Index("ix_need_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(60), unique=True)  # external reference, for imports
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    borough_wide: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[Unit | None] = mapped_column(str_enum(Unit))
    needed_by: Mapped[date | None]
    recurring: Mapped[bool] = mapped_column(default=False)
    status: Mapped[NeedStatus] = mapped_column(str_enum(NeedStatus), default=NeedStatus.DRAFT)
    moderation_comment: Mapped[str | None] = mapped_column(Text)
    expiry_warning_sent_for: Mapped[date | None]  # the needed-by date we last warned about
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped["User | None"] = relationship()
    priorities: Mapped[list[Priority]] = relationship(secondary=need_priority, order_by=Priority.number)
    wards: Mapped[list[Ward]] = relationship(secondary=need_ward, order_by=Ward.name)
    support_types: Mapped[list[SupportType]] = relationship(secondary=need_support_type, order_by=SupportType.position)

    @property
    def area(self) -> str:
        return "Borough-wide" if self.borough_wide else ", ".join(w.name for w in self.wards)

    @property
    def amount(self) -> str:
        return self.unit.format(self.quantity) if self.unit else ""

    @property
    def reference(self) -> str:
        return self.ref or str(self.id)

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status}>"
