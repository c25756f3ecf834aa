"""Plain builder functions for test data. Each commits, so what it builds is visible to requests."""

import itertools
from datetime import date, timedelta
from decimal import Decimal
from types import EllipsisType

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
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

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def ward(name: str = "Kilburn") -> Ward:
    return db.session.scalar(select(Ward).where(Ward.name == name))


def make_organisation(
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.VCSE,
    status: OrganisationStatus = OrganisationStatus.APPROVED,
    wards: tuple[str, ...] = ("Kilburn",),
    **fields,
) -> Organisation:
    number = next(_numbers)
    org = Organisation(
        name=name or f"Test Organisation {number}",
        kind=kind,
        status=status,
        contact_name=fields.pop("contact_name", "Casey Contact"),
        contact_email=fields.pop("contact_email", f"contact{number}@org.example.org"),
        contact_phone=fields.pop("contact_phone", "020 8937 1234"),
        wards=[ward(w) for w in wards],
        **fields,
    )
    db.session.add(org)
    db.session.commit()
    return org


def make_user(
    role: Role = Role.GROUP_MEMBER,
    organisation: Organisation | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    full_name: str = "Test Person",
) -> User:
    number = next(_numbers)
    if organisation is None and role in (Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER, Role.PARTNER_MEMBER):
        kind = {Role.GROUP_MEMBER: OrganisationKind.VCSE, Role.SUPPLIER_MEMBER: OrganisationKind.SUPPLIER}.get(
            role, OrganisationKind.PARTNER
        )
        organisation = make_organisation(kind=kind)
    user = User(email=email or f"user{number}@example.org", full_name=full_name, role=role, organisation=organisation)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_officer(**kwargs) -> User:
    return make_user(role=Role.OFFICER, full_name=kwargs.pop("full_name", "Olive Officer"), **kwargs)


def make_admin(**kwargs) -> User:
    return make_user(role=Role.ADMIN, full_name=kwargs.pop("full_name", "Adam Admin"), **kwargs)


# Needs, contracts and offers ---------------------------------------------------------------------------------


def _by_slug(model, slugs: tuple[str, ...]) -> list:
    found = list(db.session.scalars(select(model).where(model.slug.in_(slugs))))
    assert len(found) == len(set(slugs)), f"unknown {model.__name__} slug in {slugs}"
    return found


def make_need(
    organisation: Organisation | None = None,
    status: NeedStatus = NeedStatus.OPEN,
    title: str | None = None,
    description: str = "We would welcome help from a local business.",
    priorities: tuple[str, ...] = ("good-jobs",),
    wards: tuple[str, ...] = ("Kilburn",),
    support_types: tuple[str, ...] = ("volunteering",),
    quantity: Decimal | int | None = None,
    unit: Unit | None = None,
    needed_by: date | None | EllipsisType = ...,
    borough_wide: bool = False,
    ref: str | None = None,
    **fields,
) -> Need:
    """A need (open unless told otherwise) of `organisation` (a new approved VCSE if None), tagged by slug and ward
    name. `needed_by` defaults to 30 days from today; pass None for no date."""
    number = next(_numbers)
    need = Need(
        organisation=organisation or make_organisation(),
        status=status,
        title=title or f"Test need {number}",
        description=description,
        priorities=_by_slug(Priority, priorities),
        borough_wide=borough_wide,
        wards=[] if borough_wide else [ward(w) for w in wards],
        support_types=_by_slug(SupportType, support_types),
        quantity=Decimal(quantity) if quantity is not None else None,
        unit=unit,
        needed_by=date.today() + timedelta(days=30) if needed_by is ... else needed_by,
        ref=ref,
        published_at=fields.pop("published_at", utcnow() if status.is_public else None),
        **fields,
    )
    db.session.add(need)
    db.session.commit()
    return need


def make_contract(
    supplier: Organisation | None = None,
    ref: str | None = None,
    title: str | None = None,
    value: Decimal | int = 250_000,
    start_date: date | None = None,
    end_date: date | None = None,
    manager_email: str = "contracts@brent.example.org",
    **fields,
) -> Contract:
    """A council contract held by `supplier` (a new approved supplier if None), running a year from today."""
    number = next(_numbers)
    start = start_date or date.today()
    contract = Contract(
        supplier=supplier or make_organisation(kind=OrganisationKind.SUPPLIER),
        ref=ref or f"BC-{number:05d}",
        title=title or f"Test contract {number}",
        value=Decimal(value),
        start_date=start,
        end_date=end_date or start + timedelta(days=365),
        manager_email=manager_email,
        **fields,
    )
    db.session.add(contract)
    db.session.commit()
    return contract


def make_offer(
    contract: Contract | None = None,
    status: OfferStatus = OfferStatus.ACTIVE,
    title: str | None = None,
    description: str = "Staff time from a council supplier.",
    priorities: tuple[str, ...] = ("good-jobs",),
    wards: tuple[str, ...] = ("Kilburn",),
    support_types: tuple[str, ...] = ("volunteering",),
    quantity: Decimal | int | None = 200,
    unit: Unit | None | EllipsisType = ...,
    allocated: Decimal | int = 0,
    available_from: date | None = None,
    available_until: date | None = None,
    borough_wide: bool = False,
    ref: str | None = None,
    supplier: Organisation | None = None,
    **fields,
) -> Offer:
    """An offer (active unless told otherwise) under `contract` (a new contract of `supplier` if None).
    Defaults to 200 hours with none allocated; pass quantity=None for an offer with no set amount (and no unit)."""
    if unit is ...:
        unit = Unit.HOURS if quantity is not None else None
    number = next(_numbers)
    offer = Offer(
        contract=contract or make_contract(supplier=supplier),
        status=status,
        title=title or f"Test offer {number}",
        description=description,
        priorities=_by_slug(Priority, priorities),
        borough_wide=borough_wide,
        wards=[] if borough_wide else [ward(w) for w in wards],
        support_types=_by_slug(SupportType, support_types),
        quantity=Decimal(quantity) if quantity is not None else None,
        unit=unit,
        allocated=Decimal(allocated),
        available_from=available_from,
        available_until=available_until,
        ref=ref,
        **fields,
    )
    db.session.add(offer)
    db.session.commit()
    return offer
