"""Priorities, wards and support types chosen for a need or an offer, looked up once per save."""

from dataclasses import dataclass, field

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Priority, SupportType, Ward
from matchmaker.services.errors import DomainError


@dataclass
class Tags:
    priority_ids: tuple[int, ...] = ()
    ward_ids: tuple[int, ...] = ()
    borough_wide: bool = False
    support_type_ids: tuple[int, ...] = field(default_factory=tuple)


def apply_tags(record, tags: Tags) -> None:
    """Set priorities, area and support types on a need or offer, or raise the error for the first missing one."""
    if not tags.priority_ids:
        raise DomainError("Select at least one priority", field="priorities")
    if not tags.borough_wide and not tags.ward_ids:
        raise DomainError("Select at least one ward, or borough-wide", field="wards")
    if not tags.support_type_ids:
        raise DomainError("Select at least one type of support", field="support_types")
    record.priorities = list(db.session.scalars(select(Priority).where(Priority.id.in_(tags.priority_ids))))
    record.borough_wide = tags.borough_wide
    record.wards = [] if tags.borough_wide else list(db.session.scalars(select(Ward).where(Ward.id.in_(tags.ward_ids))))
    record.support_types = list(
        db.session.scalars(select(SupportType).where(SupportType.id.in_(tags.support_type_ids)))
    )


def describe_tags(record) -> dict[str, str]:
    """A readable snapshot, for history records."""
    return {
        "priorities": ", ".join(p.short_title for p in record.priorities),
        "wards": "Borough-wide" if record.borough_wide else ", ".join(w.name for w in record.wards),
        "support_types": ", ".join(t.name for t in record.support_types),
    }
