"""Wrong passwords counted per email address *and* source, so a stranger can lock only themselves out.

Both are keyed hashes (see services.sign_in_locks): the table holds no address anyone typed and no IP address,
and an unknown email address is counted exactly like a registered one, so a lock reveals nothing.
"""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.models.base import Base, utcnow


class SignInLock(Base):
    __tablename__ = "sign_in_lock"
    __table_args__ = (UniqueConstraint("email_key", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)
    source_key: Mapped[str] = mapped_column(String(64))
    # Wrong passwords in a row from this source for this address; at the threshold, locked until locked_until.
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SignInLock {self.id} {self.failures}>"
