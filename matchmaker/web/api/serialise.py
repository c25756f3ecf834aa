"""Records as the API shows them: the same visibility as the web pages, contact details only to those entitled."""

from matchmaker.models import Need, Offer, Organisation, Proposal, User
from matchmaker.services.browse import manages_need, manages_offer


def _number(value):
    return float(value) if value is not None else None


def _tags(record) -> dict:
    return {
        "priorities": [p.slug for p in record.priorities],
        "borough_wide": record.borough_wide,
        "wards": [w.ons_code for w in record.wards],
        "support_types": [t.slug for t in record.support_types],
    }


def _contact(organisation: Organisation) -> dict:
    return {"name": organisation.contact_name, "email": organisation.contact_email, "phone": organisation.contact_phone}


def need(record: Need, viewer: User) -> dict:
    return {
        "id": record.id,
        "title": record.title,
        "description": record.description,
        "status": record.status.value,
        "quantity": _number(record.quantity),
        "unit": record.unit.value if record.unit else None,
        "needed_by": record.needed_by,
        "recurring": record.recurring,
        **_tags(record),
        "organisation": {"id": record.organisation.id, "name": record.organisation.name},
        "contact": _contact(record.organisation) if manages_need(record, viewer) else None,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def offer(record: Offer, viewer: User) -> dict:
    supplier = record.contract.supplier
    entitled = manages_offer(record, viewer)
    contract = record.contract
    return {
        "id": record.id,
        "title": record.title,
        "description": record.description,
        "status": record.status.value,
        "quantity": _number(record.quantity),
        "unit": record.unit.value if record.unit else None,
        "remaining": _number(record.remaining),
        "available_from": record.available_from,
        "available_until": record.available_until,
        **_tags(record),
        "supplier": {"id": supplier.id, "name": supplier.name},
        # A supplier's contracts are its own business and the council's.
        "contract": {"id": contract.id, "ref": contract.ref, "title": contract.title} if entitled else None,
        "contact": _contact(supplier) if entitled else None,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def proposal(record: Proposal) -> dict:
    return {
        "id": record.id,
        "need": {"id": record.need.id, "title": record.need.title},
        "offer": {"id": record.offer.id, "title": record.offer.title},
        "supplier": {"id": record.offer.contract.supplier.id, "name": record.offer.contract.supplier.name},
        "rank": record.rank,
        "score": record.score,
        "components": record.components or {},
        "reason": record.reason,
        "created_at": record.created_at,
    }


def match(record) -> dict:
    return {
        "id": record.id,
        "need_id": record.need_id,
        "offer_id": record.offer_id,
        "status": record.status.value,
        "quantity": _number(record.quantity),
        "reason": record.reason.value if record.reason else None,
        "created_at": record.created_at,
    }


def page(found, items: list[dict]) -> dict:
    return {
        "items": items,
        "page": found.number,
        "per_page": found.per_page,
        "total": found.total,
        "pages": found.pages,
    }
