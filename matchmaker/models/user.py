"""People who sign in. A member belongs to one organisation; officers and administrators to none."""

from datetime import datetime
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.organisation import Organisation, OrganisationKind


class Role(StrEnum):
    GROUP_MEMBER = "group_member"
    SUPPLIER_MEMBER = "supplier_member"
    PARTNER_MEMBER = "partner_member"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "group_member": "VCSE or community group member",
            "supplier_member": "Supplier member",
            "partner_member": "Partner organisation member",
            "officer": "Brokerage officer",
            "admin": "Administrator",
        }[self.value]

    @classmethod
    def member_of(cls, kind: OrganisationKind) -> "Role":
        """The role of a member of an organisation of this kind."""
        return {
            OrganisationKind.VCSE: cls.GROUP_MEMBER,
            OrganisationKind.SUPPLIER: cls.SUPPLIER_MEMBER,
            OrganisationKind.PARTNER: cls.PARTNER_MEMBER,
        }[kind]


class User(UserMixin, Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(256))  # None until a password is set
    role: Mapped[Role] = mapped_column(str_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session id: bumping it signs the user out everywhere (sign-out, password change or reset, lock).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None]
    # Set when the holder deleted the account: personal fields are anonymised, the records they made stay.
    deleted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(back_populates="members", foreign_keys=[organisation_id])

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt unless configured otherwise (the test suite uses a cheap method to stay fast).
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def is_officer(self) -> bool:
        """Officers and administrators do the brokerage work."""
        return self.role in (Role.OFFICER, Role.ADMIN)

    @property
    def is_member(self) -> bool:
        return self.role in (Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER, Role.PARTNER_MEMBER)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
