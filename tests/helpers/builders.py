"""Plain builder functions for test data. Each commits, so what it builds is visible to requests."""

import itertools

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Organisation, OrganisationKind, OrganisationStatus, Role, User, Ward

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
    if organisation is None and role in (Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER):
        kind = OrganisationKind.VCSE if role is Role.GROUP_MEMBER else OrganisationKind.SUPPLIER
        organisation = make_organisation(kind=kind)
    user = User(
        email=email or f"user{number}@example.org", full_name=full_name, role=role, organisation=organisation
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_officer(**kwargs) -> User:
    return make_user(role=Role.OFFICER, full_name=kwargs.pop("full_name", "Olive Officer"), **kwargs)


def make_admin(**kwargs) -> User:
    return make_user(role=Role.ADMIN, full_name=kwargs.pop("full_name", "Adam Admin"), **kwargs)
