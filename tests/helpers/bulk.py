"""Thousands of needs at once, for tests and benchmarks that need volume.

Rows go in with executemany INSERTs (one statement per table, batched by the driver), not one ORM object at a
time: 10,000 tagged needs take a second or two. The data is random but seeded, so a run can be repeated.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from matchmaker.extensions import db
from matchmaker.models import (
    Need,
    NeedStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    SupportType,
    Unit,
    Ward,
    utcnow,
)
from matchmaker.models.needs import need_priority, need_support_type, need_ward

SUBJECTS = [
    "English lessons",
    "Wheelchair ramp",
    "Gardening volunteers",
    "Laptops",
    "Food bank helpers",
    "CV workshops",
    "Mentoring for young people",
    "Football coaching",
    "An accountant for our trustees",
    "Minibus driver",
    "Hall for a community lunch",
    "Paint and decorating",
    "Website design",
    "Apprenticeship places",
    "Warm space heaters",
    "Tree planting",
    "Homework club tutors",
    "Legal advice sessions",
    "Printer and paper",
    "Coding club",
    "Tablets for older residents",
    "Kitchen equipment",
    "Job interview practice",
    "Bike repairs",
]
AUDIENCES = [
    "adults",
    "young people",
    "older residents",
    "refugee families",
    "carers",
    "our youth club",
    "the allotment",
    "a tenants' association",
    "people with disabilities",
    "our community centre",
    "new parents",
    "local schools",
]
SENTENCES = [
    "We are a small volunteer-led group in Brent.",
    "Our members meet every week and the demand keeps growing.",
    "Help from a local business would make a real difference.",
    "We can offer a warm welcome and tea.",
    "Sessions run on weekday evenings and Saturday mornings.",
    "We have no paid staff, so skilled volunteers are very welcome.",
    "Everything we do is free for residents.",
    "The space is step-free and has an accessible toilet.",
    "We would publicise your support in our newsletter.",
    "Our funding ended last year and we need to keep going.",
    "Residents have asked us for this many times.",
    "We work closely with the local school and the GP surgery.",
]


def bulk_organisations(count: int, seed: int = 0) -> list[int]:
    """Approved VCSEs, inserted in one statement. Returns their ids."""
    rows = [
        {
            "name": f"Bulk Community Group {seed}-{n}",
            "kind": OrganisationKind.VCSE,
            "status": OrganisationStatus.APPROVED,
            "contact_name": f"Bulk Contact {n}",
            "contact_email": f"bulk{seed}-{n}@org.example.org",
            "description": "",
            "borough_wide": False,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for n in range(count)
    ]
    return list(db.session.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), rows))


def bulk_needs(
    count: int,
    organisation_ids: list[int],
    seed: int = 0,
    status: NeedStatus = NeedStatus.OPEN,
    borough_wide_share: float = 0.1,
) -> list[int]:
    """`count` needs spread over the organisations, each with one or two priorities, one to three wards (or
    borough-wide) and one or two support types. Commits; returns the new needs' ids."""
    rng = random.Random(seed)
    priority_ids = list(db.session.scalars(select(Priority.id).order_by(Priority.id)))
    ward_ids = list(db.session.scalars(select(Ward.id).order_by(Ward.id)))
    type_ids = list(db.session.scalars(select(SupportType.id).order_by(SupportType.id)))
    now = utcnow()
    units = [Unit.HOURS, Unit.PEOPLE, Unit.ITEMS, Unit.POUNDS]

    rows, tags = [], []
    for n in range(count):
        unit = rng.choice(units + [None])
        borough_wide = rng.random() < borough_wide_share
        rows.append(
            {
                "organisation_id": organisation_ids[n % len(organisation_ids)],
                "title": f"{rng.choice(SUBJECTS)} for {rng.choice(AUDIENCES)}",
                "description": " ".join(rng.sample(SENTENCES, 3)),
                "borough_wide": borough_wide,
                "quantity": Decimal(rng.randint(1, 50) * 10) if unit else None,
                "unit": unit,
                "needed_by": date.today() + timedelta(days=rng.randint(1, 365)),
                "recurring": rng.random() < 0.2,
                "status": status,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
                "published_at": now if status.is_public else None,
            }
        )
        tags.append(
            (
                rng.sample(priority_ids, rng.randint(1, 2)),
                [] if borough_wide else rng.sample(ward_ids, rng.randint(1, 3)),
                rng.sample(type_ids, rng.randint(1, 2)),
            )
        )

    ids = list(db.session.scalars(insert(Need).returning(Need.id, sort_by_parameter_order=True), rows))
    links = list(zip(ids, tags, strict=False))
    db.session.execute(
        need_priority.insert(), [{"need_id": i, "priority_id": p} for i, (ps, _, _) in links for p in ps]
    )
    ward_rows = [{"need_id": i, "ward_id": w} for i, (_, ws, _) in links for w in ws]
    if ward_rows:
        db.session.execute(need_ward.insert(), ward_rows)
    db.session.execute(
        need_support_type.insert(), [{"need_id": i, "support_type_id": t} for i, (_, _, ts) in links for t in ts]
    )
    db.session.commit()
    return ids


OFFER_SUBJECTS = [
    "Staff volunteering days",
    "Mentoring by our engineers",
    "Spare laptops",
    "Apprenticeship places",
    "Meeting room in Wembley",
    "Pro-bono accounting",
    "Paint and materials",
    "CV and interview workshops",
    "Minibus with a driver",
    "Tree planting team",
    "Website build",
    "Cash donation",
    "Legal advice clinic",
    "Kitchen equipment",
    "Work experience placements",
    "Trustee board members",
    "Gardening team",
]


def bulk_suppliers_and_offers(offers: int, seed: int = 0, offers_per_contract: int = 5) -> list[int]:
    """Approved suppliers, each with contracts, each with active offers tagged like the needs. Commits; returns
    the offers' ids."""
    from matchmaker.models import Contract, Offer, OfferStatus
    from matchmaker.models.contracts import offer_priority, offer_support_type, offer_ward

    rng = random.Random(seed + 1)
    now = utcnow()
    contract_count = max(1, offers // offers_per_contract)
    supplier_rows = [
        {
            "name": f"Bulk Supplier {seed}-{n} Ltd",
            "kind": OrganisationKind.SUPPLIER,
            "status": OrganisationStatus.APPROVED,
            "contact_name": f"Supplier Contact {n}",
            "contact_email": f"supplier{seed}-{n}@supplier.example.org",
            "description": "",
            "borough_wide": True,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(max(1, contract_count // 4))
    ]
    suppliers = list(
        db.session.scalars(insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True), supplier_rows)
    )
    contracts = list(
        db.session.scalars(
            insert(Contract).returning(Contract.id, sort_by_parameter_order=True),
            [
                {
                    "ref": f"BULK-{seed}-{n}",
                    "supplier_id": suppliers[n % len(suppliers)],
                    "title": f"Council contract {n}",
                    "value": Decimal(rng.choice([150_000, 500_000, 2_500_000, 8_000_000])),
                    "start_date": date.today() - timedelta(days=rng.randint(0, 700)),
                    "end_date": date.today() + timedelta(days=rng.randint(100, 1500)),
                    "manager_email": "contracts@brent.example.org",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(contract_count)
            ],
        )
    )
    priority_ids = list(db.session.scalars(select(Priority.id).order_by(Priority.id)))
    ward_ids = list(db.session.scalars(select(Ward.id).order_by(Ward.id)))
    type_ids = list(db.session.scalars(select(SupportType.id).order_by(SupportType.id)))
    units = [Unit.HOURS, Unit.PEOPLE, Unit.ITEMS, Unit.POUNDS]
    rows, tags = [], []
    for n in range(offers):
        unit = rng.choice(units)
        borough_wide = rng.random() < 0.4
        rows.append(
            {
                "contract_id": contracts[n % len(contracts)],
                "title": rng.choice(OFFER_SUBJECTS),
                "description": " ".join(rng.sample(SENTENCES, 2)),
                "borough_wide": borough_wide,
                "quantity": Decimal(rng.randint(5, 200) * 10),
                "unit": unit,
                "allocated": Decimal(0),
                "available_until": date.today() + timedelta(days=rng.randint(60, 700)),
                "status": OfferStatus.ACTIVE,
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
            }
        )
        tags.append(
            (
                rng.sample(priority_ids, rng.randint(1, 3)),
                [] if borough_wide else rng.sample(ward_ids, rng.randint(1, 4)),
                rng.sample(type_ids, rng.randint(1, 2)),
            )
        )
    ids = list(db.session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), rows))
    links = list(zip(ids, tags, strict=False))
    db.session.execute(
        offer_priority.insert(), [{"offer_id": i, "priority_id": p} for i, (ps, _, _) in links for p in ps]
    )
    ward_rows = [{"offer_id": i, "ward_id": w} for i, (_, ws, _) in links for w in ws]
    if ward_rows:
        db.session.execute(offer_ward.insert(), ward_rows)
    db.session.execute(
        offer_support_type.insert(), [{"offer_id": i, "support_type_id": t} for i, (_, _, ts) in links for t in ts]
    )
    db.session.commit()
    return ids
