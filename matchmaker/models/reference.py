"""Reference data loaded by `matchmaker setup`: wards, priorities and support types."""

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.models.base import Base


class Ward(Base):
    """A Brent electoral ward (May 2022 boundaries). Matched by ONS code, never by name."""

    __tablename__ = "ward"

    id: Mapped[int] = mapped_column(primary_key=True)
    ons_code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # council spelling: "and"
    ons_name: Mapped[str] = mapped_column(String(80))  # ONS spelling: "&"
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)
    other_boroughs_bordered: Mapped[str] = mapped_column(String(200), default="")
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON geometry, WGS84
    # Where help is needed most, from a ward-level index an officer uploads: the value as given, and the
    # weight the matching engine uses (0 = least need in Brent, 1 = most). None until uploaded.
    need_index_value: Mapped[float | None] = mapped_column(Float)
    need_weight: Mapped[float | None] = mapped_column(Float)

    adjacencies: Mapped[list["WardAdjacency"]] = relationship(
        foreign_keys="WardAdjacency.ward_id", back_populates="ward", cascade="all, delete-orphan"
    )

    @property
    def neighbours(self) -> list["Ward"]:
        return sorted((a.neighbour for a in self.adjacencies), key=lambda w: w.name)

    def __repr__(self) -> str:
        return f"<Ward {self.ons_code} {self.name}>"


class WardAdjacency(Base):
    """Two wards that share a boundary. Stored in both directions so look-ups need no OR."""

    __tablename__ = "ward_adjacency"

    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True)
    shared_boundary_km: Mapped[float] = mapped_column(Float)

    ward: Mapped[Ward] = relationship(foreign_keys=[ward_id], back_populates="adjacencies")
    neighbour: Mapped[Ward] = relationship(foreign_keys=[neighbour_id])


class Priority(Base):
    """One of the five priorities of Brent's Social Value Policy, in the policy's own words."""

    __tablename__ = "priority"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))  # the policy's wording
    short_title: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Priority {self.number} {self.slug}>"


class SupportType(Base):
    """A kind of help: volunteering, skills, in-kind, donation, employment or space."""

    __tablename__ = "support_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
