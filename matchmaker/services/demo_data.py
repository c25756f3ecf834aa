"""The demo borough: fictional organisations in real Brent wards, and an account for every role.

Idempotent: an organisation or account that already exists (by name or email) is left as it is.
"""

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Match,
    MatchStatus,
    Measure,
    Need,
    NeedStatus,
    Offer,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    Role,
    SupportType,
    Unit,
    User,
    Ward,
    utcnow,
)
from matchmaker.services.reference_data import SEEDS_DIR
from matchmaker.wording import plural

DEMO_PASSWORD = "brent demo matchmaker"
DEMO_FILE = SEEDS_DIR / "demo.json"


def load_demo_data(path: Path = DEMO_FILE, progress: Callable[[str], None] = lambda _: None) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    wards = {w.ons_code: w for w in db.session.scalars(select(Ward))}
    if not wards:
        raise RuntimeError("No wards loaded: run `matchmaker setup` first")
    created_users = created_orgs = 0

    def add_user(full_name: str, email: str, role: Role, organisation: Organisation | None = None) -> None:
        nonlocal created_users
        if db.session.scalar(select(User).where(User.email == email)) is not None:
            return
        user = User(full_name=full_name, email=email, role=role, organisation=organisation)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created_users += 1

    for staff in data["staff"]:
        add_user(staff["full_name"], staff["email"], Role(staff["role"]))
    db.session.flush()
    officer = db.session.scalar(select(User).where(User.role == Role.OFFICER).order_by(User.id))

    total = len(data["organisations"])
    for number, spec in enumerate(data["organisations"], start=1):
        progress(f"  [{number}/{total}] {spec['name']}")
        org = db.session.scalar(select(Organisation).where(Organisation.name == spec["name"]))
        if org is None:
            kind = OrganisationKind(spec["kind"])
            status = OrganisationStatus(spec["status"])
            org = Organisation(
                name=spec["name"],
                kind=kind,
                status=status,
                charity_number=spec.get("charity_number"),
                company_number=spec.get("company_number"),
                contact_name=spec["contact_name"],
                contact_email=spec["contact_email"],
                contact_phone=spec.get("contact_phone"),
                description=spec.get("description", ""),
                borough_wide=spec.get("borough_wide", False),
                wards=[wards[code] for code in spec.get("wards", [])],
            )
            if status is not OrganisationStatus.PENDING:
                org.reviewed_at, org.reviewed_by = utcnow(), officer
            db.session.add(org)
            created_orgs += 1
            member = spec["member"]
            role = Role.member_of(kind)
            add_user(member["full_name"], member["email"], role, org)
    db.session.flush()
    _load_measures()
    created_needs, created_offers = _load_needs_and_offers(data)
    created_matches = _load_matches(data, officer)
    return (
        f"{created_orgs} organisations, {created_users} accounts, {created_needs} needs, "
        f"{created_offers} offers and {plural(created_matches, 'delivered match', 'delivered matches')} created"
    )


def _load_measures() -> None:
    """The example measure list (units, no proxy values), so offers and deliveries can be tagged."""
    from matchmaker.services import measures as measure_service

    if db.session.scalar(select(Measure.id).limit(1)) is not None:
        return
    upload = measure_service.parse((SEEDS_DIR / "measures-example.csv").read_bytes())
    officer = db.session.scalar(select(User).where(User.role == Role.OFFICER).order_by(User.id))
    measure_service.save(upload, officer)
    db.session.flush()


def _load_matches(data: dict, officer: User) -> int:
    """Matches taken through the real use cases (approve, introduce, report, confirm, verify), so the impact
    pages, the stories and the contracts' progress have something true to show."""
    from matchmaker.services import brokerage
    from matchmaker.services import deliveries as delivery_service

    created = 0
    for spec in data.get("matches", []):
        need = db.session.scalar(select(Need).where(Need.ref == spec["need"]))
        offer = db.session.scalar(select(Offer).where(Offer.ref == spec["offer"]))
        if (
            need is None
            or offer is None
            or db.session.scalar(select(Match.id).where(Match.need_id == need.id, Match.offer_id == offer.id))
            is not None
        ):
            continue
        supplier = db.session.scalar(select(User).where(User.organisation_id == offer.contract.supplier_id))
        group = db.session.scalar(select(User).where(User.organisation_id == need.organisation_id))
        if supplier is None or group is None:  # an organisation that was there before the demo, without members
            continue
        match = brokerage.approve(need, offer, officer, Decimal(spec["quantity"]))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        given = spec["delivery"]
        delivery = delivery_service.report(
            match,
            supplier,
            Decimal(given["quantity"]),
            date.today() - timedelta(days=given["days_ago"]),
            given["note"],
            complete=True,
        )
        delivery_service.confirm(
            delivery, group, Decimal(given["quantity"]), story=given["story"], share_story=given["share_story"]
        )
        delivery_service.verify(delivery, officer)
        created += 1
    db.session.flush()
    return created


def _tags(spec: dict) -> dict:
    priorities = {p.slug: p for p in db.session.scalars(select(Priority))}
    types = {t.slug: t for t in db.session.scalars(select(SupportType))}
    wards = {w.ons_code: w for w in db.session.scalars(select(Ward))}
    return {
        "priorities": [priorities[s] for s in spec["priorities"]],
        "support_types": [types[s] for s in spec["support_types"]],
        "borough_wide": spec.get("borough_wide", False),
        "wards": [wards[c] for c in spec.get("wards", [])],
        "quantity": Decimal(spec["quantity"]) if spec.get("quantity") else None,
        "unit": Unit(spec["unit"]) if spec.get("unit") else None,
    }


def _load_needs_and_offers(data: dict) -> tuple[int, int]:
    """Needs in several states and contracts with offers; dates are relative to today so the demo stays fresh."""
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    today = date.today()
    needs = offers = 0
    for spec in data.get("needs", []):
        if db.session.scalar(select(Need.id).where(Need.ref == spec["ref"])) is not None:
            continue
        status = NeedStatus(spec["status"])
        need = Need(
            ref=spec["ref"],
            organisation=organisations[spec["organisation"]],
            title=spec["title"],
            description=spec["description"],
            needed_by=today + timedelta(days=spec["days"]),
            recurring=spec["recurring"],
            status=status,
            published_at=utcnow() if status.is_public else None,
            **_tags(spec),
        )
        db.session.add(need)
        needs += 1
    for spec in data.get("contracts", []):
        contract = db.session.scalar(select(Contract).where(Contract.ref == spec["ref"]))
        if contract is None:
            contract = Contract(
                ref=spec["ref"],
                supplier=organisations[spec["supplier"]],
                title=spec["title"],
                value=Decimal(spec["value"]),
                start_date=today + timedelta(days=spec["start_days"]),
                end_date=today + timedelta(days=spec["end_days"]),
                manager_email=spec["manager_email"],
            )
            db.session.add(contract)
        for offer_spec in spec["offers"]:
            if db.session.scalar(select(Offer.id).where(Offer.ref == offer_spec["ref"])) is not None:
                continue
            measure = (
                db.session.scalar(select(Measure).where(Measure.code == offer_spec["measure"]))
                if offer_spec.get("measure")
                else None
            )
            db.session.add(
                Offer(
                    ref=offer_spec["ref"],
                    contract=contract,
                    title=offer_spec["title"],
                    description=offer_spec["description"],
                    allocated=Decimal(0),
                    measure=measure,
                    **_tags(offer_spec),
                )
            )
            offers += 1
    db.session.flush()
    return needs, offers
