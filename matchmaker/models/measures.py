"""Measures: the council's own list of what it counts as social value (code, name, unit, priority, proxy value).

None is shipped with values: the best-known framework's licence forbids redistribution, so each council uploads
its own list (see seeds/measures-example.csv for the shape). Offers and deliveries can be tagged with one.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base, str_enum, utcnow
from matchmaker.models.needs import Unit
from matchmaker.models.reference import Priority


class Measure(Base):
    __tablename__ = "measure"
    __table_args__ = (CheckConstraint("proxy_value IS NULL OR proxy_value >= 0", name="proxy_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # the council's code, e.g. "BR-JOB-01"
    name: Mapped[str] = mapped_column(String(200))
    # One of the units offers are counted in, so a delivery's quantity is a quantity of this measure.
    unit: Mapped[Unit] = mapped_column(str_enum(Unit))
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="RESTRICT"), index=True)
    proxy_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # pounds per unit, only if the council gave one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    priority: Mapped[Priority] = relationship()

    @property
    def label(self) -> str:
        return f"{self.code}: {self.name} ({self.unit.value})"

    def __repr__(self) -> str:
        return f"<Measure {self.code}>"
