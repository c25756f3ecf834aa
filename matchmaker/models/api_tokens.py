"""Personal API tokens: a user's credential for the JSON API, stored only as a hash."""

from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.user import Role, User


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the token, hex. The token has 256 bits of entropy, so a fast hash is enough: there is nothing
    # to guess, and a database leak gives no usable token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so the owner can tell their tokens apart ("mm_Ab3d…"); not enough to use it.
    prefix: Mapped[str] = mapped_column(String(12))
    # The role the token was made for: if the user's role changes, the token stops working.
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def expires_on(self) -> date | None:
        """The last day it works (it expires at the end of that day, UTC)."""
        return (self.expires_at - timedelta(microseconds=1)).date() if self.expires_at else None

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"
