"""Contracts and the policy's social-value tiers: what each contract must commit, and what is missing."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Contract, Offer, OfferStatus, Organisation, OrganisationKind, User
from matchmaker.services import audit
from matchmaker.services.accounts import normalise_email
from matchmaker.services.errors import DomainError, NotAllowed

BASIC_THRESHOLD = Decimal("215000")
KPI_THRESHOLD = Decimal("1000000")
STRATEGIC_THRESHOLD = Decimal("5000000")


class Tier(Enum):
    """The policy's table of contract value against social-value requirement (section 5)."""

    UNDER_215K = (
        "Under £215k",
        "No formal social value weighting required, but offers are welcome and inherent social value is recognised.",
    )
    BASIC = ("£215k to £1m", "A basic social value contribution in 1 to 2 priority areas.")
    KPIS = ("£1m to £5m", "Clear social value commitments with agreed KPIs.")
    STRATEGIC = ("Over £5m", "Strategic social value across multiple outcomes, with at least 3 KPIs.")

    def __init__(self, band: str, requirement: str) -> None:
        self.band = band
        self.requirement = requirement


def tier_for(value: Decimal) -> Tier:
    if value < BASIC_THRESHOLD:
        return Tier.UNDER_215K
    if value <= KPI_THRESHOLD:
        return Tier.BASIC
    if value <= STRATEGIC_THRESHOLD:
        return Tier.KPIS
    return Tier.STRATEGIC


@dataclass
class TierAssessment:
    tier: Tier
    commitments: int  # active offers
    kpis: int  # active offers with a committed quantity and unit: measurable
    priorities: int  # distinct priorities the active offers cover
    missing: list[str] = field(default_factory=list)

    @property
    def meets_tier(self) -> bool:
        return not self.missing


def assess(contract: Contract) -> TierAssessment:
    """Whether the contract's active offers meet its tier, and in words what is missing.

    A KPI here is an offer with a committed quantity and unit (for example 200 volunteer hours): something
    delivery can be measured against. "Multiple outcomes" is read as offers covering at least 2 priorities.
    """
    active = [o for o in contract.offers if o.status is OfferStatus.ACTIVE]
    kpis = sum(1 for o in active if o.quantity is not None)
    priorities = len({p.id for o in active for p in o.priorities})
    tier = tier_for(contract.value)
    missing: list[str] = []
    if tier is Tier.BASIC and not active:
        missing.append("At least one offer in 1 or 2 priority areas")
    if tier is Tier.KPIS and kpis < 1:
        missing.append("At least one commitment with a KPI: an offer with a committed quantity and unit")
    if tier is Tier.STRATEGIC:
        if kpis < 3:
            missing.append(f"At least 3 KPIs (offers with a committed quantity and unit): {kpis} so far")
        if priorities < 2:
            missing.append(f"Commitments across more than one priority: {priorities} so far")
    return TierAssessment(tier, len(active), kpis, priorities, missing)


@dataclass
class ContractDetails:
    ref: str
    title: str
    value: Decimal
    start_date: date
    end_date: date
    manager_email: str


def _apply(contract: Contract, details: ContractDetails) -> None:
    if details.value < 0:
        raise DomainError("Contract value must be £0 or more", field="value")
    if details.end_date < details.start_date:
        raise DomainError("The end date must be the same as or after the start date", field="end_date")
    ref = details.ref.strip()
    clash = db.session.scalar(select(Contract.id).where(Contract.ref == ref, Contract.id != (contract.id or -1)))
    if clash is not None:
        raise DomainError("A contract with this reference is already recorded. Check the reference", field="ref")
    contract.ref = ref
    contract.title = details.title.strip()
    contract.value = details.value
    contract.start_date, contract.end_date = details.start_date, details.end_date
    contract.manager_email = normalise_email(details.manager_email)


def create_contract(supplier: Organisation, user: User | None, details: ContractDetails) -> Contract:
    if supplier.kind is not OrganisationKind.SUPPLIER:
        raise NotAllowed("Only suppliers hold contracts")
    if not supplier.is_approved:
        raise NotAllowed("Your organisation must be approved before it can record contracts")
    contract = Contract(supplier=supplier)
    _apply(contract, details)
    db.session.add(contract)
    db.session.flush()
    audit.record("contract.created", contract, user)
    return contract


def update_contract(contract: Contract, user: User, details: ContractDetails) -> None:
    _apply(contract, details)
    db.session.flush()
    audit.record("contract.updated", contract, user)


def contracts_of(supplier: Organisation) -> list[Contract]:
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.supplier_id == supplier.id)
            .order_by(Contract.start_date.desc(), Contract.id)
        )
    )


def active_offers_of(supplier: Organisation) -> list[Offer]:
    return list(
        db.session.scalars(
            select(Offer)
            .join(Contract)
            .where(Contract.supplier_id == supplier.id, Offer.status == OfferStatus.ACTIVE)
            .order_by(Offer.title)
        )
    )


@dataclass
class OfferProgress:
    offer: Offer
    approved: Decimal
    reported: Decimal
    verified: Decimal

    @property
    def share_verified(self) -> float | None:
        return float(self.verified / self.offer.quantity) if self.offer.quantity else None


@dataclass
class ContractProgress:
    offers: list[OfferProgress]
    elapsed: float  # share of the contract's time gone, 0..1
    state: str  # "Not started", "On track", "Behind" or "At risk"

    @property
    def share_verified(self) -> float | None:
        shares = [o.share_verified for o in self.offers if o.share_verified is not None]
        return sum(shares) / len(shares) if shares else None


def progress(contract: Contract, today: date | None = None, live_matches: dict | None = None) -> ContractProgress:
    """Committed against approved, delivered and verified, per offer; and whether delivery keeps pace with time.

    On track: verified delivery is at least 90% of what the elapsed time would suggest; behind: at least half;
    at risk: less. (A contract a third of the way through with a sixth verified is behind.)

    `live_matches` (offer id -> its live matches, deliveries loaded) lets a batch such as the digest load them
    for many contracts at once instead of one query per offer.
    """
    from matchmaker.models import Match
    from matchmaker.services.brokerage import LIVE

    today = today or date.today()
    rows = []
    for offer in contract.offers:
        if live_matches is not None:
            matches = live_matches.get(offer.id, [])
        else:
            matches = db.session.scalars(select(Match).where(Match.offer_id == offer.id, Match.status.in_(LIVE))).all()
        rows.append(
            OfferProgress(
                offer,
                approved=sum((m.quantity or Decimal(0) for m in matches), Decimal(0)),
                reported=sum((m.total("quantity") for m in matches), Decimal(0)),
                verified=sum((m.total("verified_quantity") for m in matches), Decimal(0)),
            )
        )
    span = (contract.end_date - contract.start_date).days or 1
    elapsed = min(max((today - contract.start_date).days / span, 0.0), 1.0)
    shares = [r.share_verified for r in rows if r.share_verified is not None]
    verified = sum(shares) / len(shares) if shares else 0.0
    if elapsed <= 0:
        state = "Not started"
    elif verified >= 0.9 * elapsed:
        state = "On track"
    elif verified >= 0.5 * elapsed:
        state = "Behind"
    else:
        state = "At risk"
    return ContractProgress(rows, elapsed, state)
