"""Council contracts held by suppliers, and the social-value offers committed under them."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.limits import TITLE_MAX
from matchmaker.models.measures import Measure
from matchmaker.models.needs import Need, Unit
from matchmaker.models.organisation import Organisation
from matchmaker.models.reference import Priority, SupportType, Ward


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(60), unique=True)  # the council's contract reference
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # pounds
    start_date: Mapped[date]
    end_date: Mapped[date]
    manager_email: Mapped[str] = mapped_column(String(254))  # the council's contract manager
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    supplier: Mapped[Organisation] = relationship()
    offers: Mapped[list["Offer"]] = relationship(back_populates="contract", order_by="Offer.id")

    def __repr__(self) -> str:
        return f"<Contract {self.ref}>"


class OfferStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


offer_priority = Table(
    "offer_priority",
    Base.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True),
)
offer_ward = Table(
    "offer_ward",
    Base.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_offer_ward_ward_id", "ward_id"),
)
offer_support_type = Table(
    "offer_support_type",
    Base.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("support_type_id", ForeignKey("support_type.id", ondelete="CASCADE"), primary_key=True),
)


class Offer(Base):
    """Social value a supplier has committed under a contract. Capacity is guarded by the database itself."""

    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("(quantity IS NULL) = (unit IS NULL)", name="quantity_has_unit"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        # Remaining capacity can never go below zero, whatever the application does.
        CheckConstraint("quantity IS NULL OR allocated <= quantity", name="allocated_within_quantity"),
        CheckConstraint(
            "available_until IS NULL OR available_from IS NULL OR available_until >= available_from",
            name="period_ordered",
        ),
        Index("ix_offer_available_until", "available_until"),  # the browse order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(60), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    borough_wide: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # committed
    unit: Mapped[Unit | None] = mapped_column(str_enum(Unit))
    allocated: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    available_from: Mapped[date | None]
    available_until: Mapped[date | None]
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.ACTIVE)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="offers")
    measure: Mapped["Measure | None"] = relationship()
    priorities: Mapped[list[Priority]] = relationship(secondary=offer_priority, order_by=Priority.number)
    wards: Mapped[list[Ward]] = relationship(secondary=offer_ward, order_by=Ward.name)
    support_types: Mapped[list[SupportType]] = relationship(secondary=offer_support_type, order_by=SupportType.position)

    @property
    def supplier(self) -> Organisation:
        return self.contract.supplier

    @property
    def remaining(self) -> Decimal | None:
        return None if self.quantity is None else self.quantity - (self.allocated or Decimal(0))

    @property
    def area(self) -> str:
        return "Borough-wide" if self.borough_wide else ", ".join(w.name for w in self.wards)

    @property
    def reference(self) -> str:
        return self.ref or str(self.id)

    def __repr__(self) -> str:
        return f"<Offer {self.id}>"


class PledgeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"pending": "Waiting for an officer"}.get(self.value, self.value.capitalize())


class Pledge(Base):
    """A supplier's offer of part of an offer's capacity to a need. Officers approve it (brokerage)."""

    __tablename__ = "pledge"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PledgeStatus] = mapped_column(str_enum(PledgeStatus), default=PledgeStatus.PENDING, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offer: Mapped[Offer] = relationship()
    need: Mapped[Need] = relationship()

    @property
    def amount(self) -> str:
        """ "25 hours", or the bare number for an offer with no unit."""
        return self.offer.unit.format(self.quantity) if self.offer.unit else format(self.quantity.normalize(), "f")
