"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from matchmaker.models.api_tokens import ApiToken
from matchmaker.models.audit import AuditEvent
from matchmaker.models.base import Base, utcnow
from matchmaker.models.contracts import Contract, Offer, OfferStatus, Pledge, PledgeStatus
from matchmaker.models.digest import DigestDelivery, DigestFrequency, DigestStatus, DigestSubscription
from matchmaker.models.embeddings import TextEmbedding
from matchmaker.models.matches import Delivery, Match, MatchStatus, RejectionReason
from matchmaker.models.measures import Measure
from matchmaker.models.needs import Need, NeedStatus, Unit
from matchmaker.models.organisation import Organisation, OrganisationKind, OrganisationStatus
from matchmaker.models.proposals import Proposal
from matchmaker.models.reference import Priority, SupportType, Ward, WardAdjacency
from matchmaker.models.remedial import Escalation, EscalationLevel, PlanStatus, RemedialAction, RemedialPlan
from matchmaker.models.sign_in import SignInLock
from matchmaker.models.user import Role, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "TextEmbedding",
    "Contract",
    "Delivery",
    "DigestDelivery",
    "DigestFrequency",
    "DigestStatus",
    "DigestSubscription",
    "Escalation",
    "EscalationLevel",
    "Match",
    "Measure",
    "MatchStatus",
    "Need",
    "NeedStatus",
    "Offer",
    "OfferStatus",
    "PlanStatus",
    "Pledge",
    "PledgeStatus",
    "Unit",
    "Organisation",
    "OrganisationKind",
    "OrganisationStatus",
    "Priority",
    "Proposal",
    "RejectionReason",
    "RemedialAction",
    "RemedialPlan",
    "Role",
    "SignInLock",
    "SupportType",
    "User",
    "Ward",
    "WardAdjacency",
    "utcnow",
]
