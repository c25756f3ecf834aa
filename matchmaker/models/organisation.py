"""Organisations: VCSEs and community groups, suppliers, and other partners. New ones wait for an officer's vetting."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.limits import ORGANISATION_NAME_MAX
from matchmaker.models.reference import Ward

if TYPE_CHECKING:
    from matchmaker.models.user import User


class OrganisationKind(StrEnum):
    VCSE = "vcse"
    SUPPLIER = "supplier"
    # Anchor institutions (hospitals, colleges) and other council teams: vetted like the others and kept informed
    # (the digest), but they neither post needs nor hold contracts.
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {
            "vcse": "VCSE or community group",
            "supplier": "Supplier",
            "partner": "Other partner: an anchor institution or council team",
        }[self.value]


class OrganisationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"pending": "Awaiting approval", "approved": "Approved", "rejected": "Rejected"}[self.value]


organisation_ward = Table(
    "organisation_ward",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind))
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus), default=OrganisationStatus.PENDING, index=True
    )
    charity_number: Mapped[str | None] = mapped_column(String(12))
    company_number: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(200))
    # Contact details are private: shown only to the organisation's members and to officers.
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    borough_wide: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    reviewed_at: Mapped[datetime | None]
    # use_alter: organisation and app_user refer to each other, so this key is added after both tables exist.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL", use_alter=True))
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    wards: Mapped[list[Ward]] = relationship(secondary=organisation_ward, order_by=Ward.name)
    members: Mapped[list["User"]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id", order_by="User.id"
    )
    reviewed_by: Mapped["User | None"] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def is_approved(self) -> bool:
        return self.status is OrganisationStatus.APPROVED

    @property
    def area_served(self) -> str:
        if self.borough_wide:
            return "Borough-wide (all of Brent)"
        return ", ".join(w.name for w in self.wards) or "Not given"

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.status}>"
