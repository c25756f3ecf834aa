"""Personal data: what a person (or their organisation) can download, and deleting an account.

Deletion is self-service, confirmed with the account's password, because UK GDPR asks for erasure without
undue delay and the account is the holder's own; administrators delete accounts for people who ask another
way (by email or phone, or who can no longer sign in), and staff accounts, which hold no organisation's data.
Deleting anonymises rather than removes: the person's name, email and phone number go, the account can never
sign in again, and what they did (needs posted, matches, deliveries) stays, shown as by "Deleted user", so the
council's figures of promised against delivered social value do not change.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Contract,
    Match,
    Need,
    Offer,
    Organisation,
    Role,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.errors import DomainError, NotAllowed

DELETED_NAME = "Deleted user"


def _plain(value: Any) -> Any:
    """JSON-friendly: dates as ISO text, amounts as strings (no float rounding), enums as their value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return str(value)


def _row(obj: Any, *names: str) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _need(need: Need) -> dict[str, Any]:
    return {
        **_row(
            need,
            "id",
            "ref",
            "title",
            "description",
            "status",
            "quantity",
            "unit",
            "needed_by",
            "recurring",
            "borough_wide",
            "created_at",
            "published_at",
        ),
        "priorities": [p.slug for p in need.priorities],
        "wards": [w.name for w in need.wards],
        "support_types": [t.slug for t in need.support_types],
    }


def _offer(offer: Offer) -> dict[str, Any]:
    return {
        **_row(
            offer,
            "id",
            "ref",
            "contract_id",
            "title",
            "description",
            "status",
            "quantity",
            "unit",
            "allocated",
            "available_from",
            "available_until",
            "borough_wide",
            "created_at",
        ),
        "priorities": [p.slug for p in offer.priorities],
        "wards": [w.name for w in offer.wards],
        "support_types": [t.slug for t in offer.support_types],
    }


def _event(event: AuditEvent) -> dict[str, Any]:
    return _row(event, "created_at", "action", "subject_type", "subject_id", "from_state", "to_state", "note")


def _organisation(org: Organisation) -> dict[str, Any]:
    return {
        **_row(
            org,
            "id",
            "name",
            "kind",
            "status",
            "charity_number",
            "company_number",
            "description",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "address",
            "borough_wide",
            "created_at",
        ),
        "wards": [w.name for w in org.wards],
    }


def user_data(user: User) -> dict[str, Any]:
    """Everything Matchmaker holds about one person: the account, their organisation, what they created, and the
    audit events by or about them."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.actor_id == user.id,
                and_(AuditEvent.subject_type == "user", AuditEvent.subject_id == user.id),
            )
        )
        .order_by(AuditEvent.id)
    )
    audit_rows = []
    for event in events:
        audit_rows.append(_event(event) | {"by_you": event.actor_id == user.id})
    offer_ids = {
        row["subject_id"]
        for row in audit_rows
        if row["subject_type"] == "offer" and row["by_you"] and row["action"] == "offer.created"
    }
    offers = db.session.scalars(select(Offer).where(Offer.id.in_(offer_ids)).order_by(Offer.id)) if offer_ids else []
    org = user.organisation
    return {
        "generated_at": _plain(utcnow()),
        "account": _row(user, "id", "full_name", "email", "role", "created_at", "last_signed_in_at"),
        "organisation_memberships": [{**_row(org, "id", "name", "kind", "status"), "your_role": user.role.value}]
        if org
        else [],
        "needs_created": [
            _need(n) for n in db.session.scalars(select(Need).where(Need.created_by_id == user.id).order_by(Need.id))
        ],
        "offers_created": [_offer(o) for o in offers],
        "audit_events": audit_rows,
    }


def organisation_data(org: Organisation) -> dict[str, Any]:
    """An organisation's own data, for any of its members: profile, members, needs or contracts and offers, matches."""
    data: dict[str, Any] = {
        "generated_at": _plain(utcnow()),
        "organisation": _organisation(org),
        "members": [_row(m, "full_name", "email", "role", "created_at") for m in org.members if m.deleted_at is None],
    }
    needs = list(db.session.scalars(select(Need).where(Need.organisation_id == org.id).order_by(Need.id)))
    contracts = list(db.session.scalars(select(Contract).where(Contract.supplier_id == org.id).order_by(Contract.id)))
    offers = [offer for contract in contracts for offer in contract.offers]
    data["needs"] = [_need(n) for n in needs]
    data["contracts"] = [_row(c, "id", "ref", "title", "value", "start_date", "end_date") for c in contracts]
    data["offers"] = [_offer(o) for o in offers]
    need_ids, offer_ids = [n.id for n in needs], [o.id for o in offers]
    matches = db.session.scalars(
        select(Match)
        .where(or_(Match.need_id.in_(need_ids or [-1]), Match.offer_id.in_(offer_ids or [-1])))
        .order_by(Match.id)
    )
    data["matches"] = [
        {
            **_row(m, "id", "need_id", "offer_id", "quantity", "status", "created_at"),
            "deliveries": [_row(d, "id", "quantity", "delivered_on", "received_quantity") for d in m.deliveries],
        }
        for m in matches
    ]
    return data


def delete_own_account(user: User, password: str) -> None:
    """Self-service: the holder confirms with their password. Staff accounts are deleted by an administrator."""
    if user.role in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed("Ask an administrator to delete a staff account", field="password")
    if not user.check_password(password):
        raise DomainError("Your password is incorrect", field="password")
    anonymise(user, actor=user)


def delete_account_for(user: User, admin: User) -> None:
    """An administrator deletes an account on its holder's behalf (never their own: that needs another admin)."""
    if admin.role is not Role.ADMIN:
        raise NotAllowed("Only administrators can delete other people's accounts")
    if user.id == admin.id:
        raise NotAllowed("Ask another administrator to delete your account", field="confirm")
    if user.deleted_at is not None:
        raise NotAllowed("This account has already been deleted", field="confirm")
    anonymise(user, actor=admin)


def anonymise(user: User, actor: User) -> None:
    """Remove the person, keep the records: the account is renamed, can never sign in, and every session ends."""
    old_email = user.email
    org = user.organisation
    if org is not None and org.contact_email == old_email:
        # The organisation's published contact was this person: the brokerage team stands in until a member
        # sets a new one.
        org.contact_name = DELETED_NAME
        org.contact_email = current_app.config["SUPPORT_EMAIL"]
        org.contact_phone = None
    user.full_name = DELETED_NAME
    user.email = f"deleted-user-{user.id}@deleted.invalid"
    user.password_hash = None
    user.active = False
    user.deleted_at = utcnow()
    user.session_version += 1
    user.last_signed_in_at = None
    audit.record(
        "user.deleted",
        user,
        actor,
        to_state="deleted",
        note="by the account holder" if actor is user else "by an administrator",
    )
    db.session.flush()
