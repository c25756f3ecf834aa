"""Organisations: registration with a duplicate check, vetting by officers, and profile changes."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Organisation, OrganisationKind, OrganisationStatus, Role, User, Ward, utcnow
from matchmaker.services import audit
from matchmaker.services.accounts import email_taken, normalise_email
from matchmaker.services.errors import DomainError, NotAllowed

# Legal forms and filler words that do not tell two organisations apart.
_NOISE_WORDS = {
    "the",
    "ltd",
    "limited",
    "plc",
    "llp",
    "cic",
    "cio",
    "inc",
    "co",
    "uk",
    "charity",
    "charitable",
    "incorporated",
    "company",
    "group",
    "trust",
}
DUPLICATE_THRESHOLD = 88.0


def _name_key(name: str) -> str:
    words = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and ")).split()
    kept = [w for w in words if w not in _NOISE_WORDS]
    return " ".join(kept or words)


def name_similarity(a: str, b: str, **_: object) -> float:
    """0-100: how alike two normalised names are.

    token_sort_ratio forgives word order and small typos ("Brent Carers Centre" / "Centre for Brent Carers")
    without calling every "... Youth Club" a duplicate of every other; comparing with spaces removed
    catches words run together ("Foodbank" / "Food Bank").
    """
    from rapidfuzz import fuzz  # C++ scorers, a noticeable share of start-up: loaded when first used

    return max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))


@dataclass(frozen=True)
class SimilarOrganisation:
    organisation: Organisation
    score: float


def find_similar_organisations(name: str, limit: int = 5, exclude_id: int | None = None) -> list[SimilarOrganisation]:
    """Organisations (not rejected ones) whose names are likely the same as `name`, best first.

    Names are compared after dropping legal forms ("CIC", "Ltd"), "the" and punctuation.
    """
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.status != OrganisationStatus.REJECTED)
    ).all()
    choices = {row.id: row.name for row in rows if row.id != exclude_id}
    if not choices or not name.strip():
        return []
    from rapidfuzz import process  # loaded when first used, as above

    found = process.extract(
        name,
        choices,
        scorer=name_similarity,
        processor=_name_key,
        score_cutoff=DUPLICATE_THRESHOLD,
        limit=limit,
    )
    return [SimilarOrganisation(db.session.get(Organisation, org_id), score) for _, score, org_id in found]


@dataclass
class OrganisationDetails:
    name: str
    kind: OrganisationKind
    contact_name: str
    contact_email: str
    contact_phone: str | None = None
    charity_number: str | None = None
    company_number: str | None = None
    website: str | None = None
    address: str | None = None
    description: str = ""
    borough_wide: bool = False
    ward_ids: tuple[int, ...] = ()


def _apply(org: Organisation, details: OrganisationDetails) -> None:
    org.name = details.name.strip()
    org.contact_name = details.contact_name.strip()
    org.contact_email = normalise_email(details.contact_email)
    org.contact_phone = details.contact_phone or None
    org.charity_number = details.charity_number or None
    org.company_number = details.company_number or None
    org.website = details.website or None
    org.address = details.address or None
    org.description = details.description.strip()
    org.borough_wide = details.borough_wide
    org.wards = (
        []
        if details.borough_wide
        else list(db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids)).order_by(Ward.name)))
    )
    if not org.borough_wide and not org.wards:
        raise DomainError("Select the wards you serve, or borough-wide", field="wards")


def register_organisation(
    details: OrganisationDetails, full_name: str, email: str, password: str
) -> tuple[Organisation, User]:
    """Create a pending organisation and its first member. The caller has already shown likely duplicates."""
    if email_taken(email):
        raise DomainError(
            "An account already exists with this email address. Sign in, or reset your password if you have forgotten it",
            field="email",
        )
    org = Organisation(kind=details.kind, status=OrganisationStatus.PENDING)
    _apply(org, details)
    role = Role.member_of(details.kind)
    user = User(email=normalise_email(email), full_name=full_name.strip(), role=role, organisation=org)
    user.set_password(password)
    db.session.add_all([org, user])
    db.session.flush()
    audit.record("organisation.registered", org, user, to_state=org.status.value)
    return org, user


def create_approved_organisation(details: OrganisationDetails, officer: User | None, note: str = "") -> Organisation:
    """An organisation added by an officer (for example by an import): approved at once, with no members yet."""
    org = Organisation(kind=details.kind, status=OrganisationStatus.APPROVED, reviewed_at=utcnow(), reviewed_by=officer)
    _apply(org, details)
    db.session.add(org)
    db.session.flush()
    audit.record("organisation.created", org, officer, to_state=org.status.value, note=note)
    return org


def update_profile(org: Organisation, details: OrganisationDetails, actor: User) -> None:
    """Save a profile. The type can change only before vetting: after approval, needs or offers depend on it."""
    if details.kind is not org.kind:
        if org.status is not OrganisationStatus.PENDING:
            raise DomainError(
                "You cannot change the type of an approved organisation. Contact the brokerage team", field="kind"
            )
        role = Role.member_of(details.kind)
        for member in org.members:
            member.role = role
        org.kind = details.kind
    _apply(org, details)
    db.session.flush()
    audit.record("organisation.updated", org, actor)


def approve_organisation(org: Organisation, officer: User) -> None:
    _decide(org, officer, OrganisationStatus.APPROVED, reason=None)


def reject_organisation(org: Organisation, officer: User, reason: str) -> None:
    if not reason.strip():
        raise DomainError("Enter the reason for rejecting this organisation", field="reason")
    _decide(org, officer, OrganisationStatus.REJECTED, reason=reason.strip())


def _decide(org: Organisation, officer: User, status: OrganisationStatus, reason: str | None) -> None:
    if not officer.is_officer:
        raise NotAllowed("Only brokerage officers can approve or reject organisations")
    if org.status is not OrganisationStatus.PENDING:
        raise NotAllowed(f"{org.name} has already been {org.status.label.lower()}")
    previous = org.status
    org.status = status
    org.reviewed_at = utcnow()
    org.reviewed_by = officer
    org.rejection_reason = reason
    db.session.flush()
    audit.record(f"organisation.{status.value}", org, officer, previous.value, status.value, note=reason or "")


def pending_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == OrganisationStatus.PENDING)
            .order_by(Organisation.created_at)
        )
    )


def organisations_with_status(status: OrganisationStatus) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.status == status).order_by(func.lower(Organisation.name))
        )
    )


def count_by_status() -> dict[OrganisationStatus, int]:
    counts = dict(db.session.execute(select(Organisation.status, func.count()).group_by(Organisation.status)).all())
    return {status: counts.get(status, 0) for status in OrganisationStatus}
