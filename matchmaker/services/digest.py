"""What goes into each partner's digest for a period: the queries, and the choice of what is relevant.

Everything a batch needs is loaded once per period (`PeriodData`), then each person's digest is a filter over
it, so building 2,000 digests costs a handful of queries rather than thousands.

- Suppliers and other partners: new open needs in their priorities and wards.
- Suppliers: the state of their contract commitments (contracts.progress).
- Groups: new offers that fit them (in their priorities and wards, or proposed by the engine for one of their
  needs), and the state of their needs.
- Everyone: the borough's period: matches made, verified value by priority, and one delivered match's story.

A digest with no personal section is empty, and is not sent: the borough's figures alone are not a reason to
email someone.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import defer, selectinload

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Delivery,
    DigestDelivery,
    DigestFrequency,
    DigestStatus,
    DigestSubscription,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    Proposal,
    Role,
    Unit,
    User,
    Ward,
)
from matchmaker.services import contracts as contract_service
from matchmaker.services.brokerage import LIVE
from matchmaker.services.digest_periods import Period
from matchmaker.web.template_helpers import external_url

MEMBER_ROLES = (Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER, Role.PARTNER_MEMBER)
# Needs a group still follows: live ones, and those that reached an end during the period.
FOLLOWED_NEED_STATES = (NeedStatus.AWAITING_MODERATION, NeedStatus.OPEN, NeedStatus.PARTLY_MET)
ENDED_NEED_STATES = (NeedStatus.MET, NeedStatus.CLOSED, NeedStatus.EXPIRED)
MAX_ITEMS = 10  # per section: a digest is a summary, the site has the rest
# A ward's map outline (GeoJSON) is decoded for every row that names the ward, thousands of times a batch,
# and the digest never draws a map.
NO_BOUNDARY = defer(Ward.boundary)


@dataclass(frozen=True)
class Interests:
    frequency: DigestFrequency
    priority_ids: frozenset[int]  # empty: every priority
    ward_ids: frozenset[int]  # empty: all of Brent

    def covers(self, priority_ids: frozenset[int], ward_ids: frozenset[int], borough_wide: bool) -> bool:
        if self.priority_ids and not (self.priority_ids & priority_ids):
            return False
        return borough_wide or not self.ward_ids or bool(self.ward_ids & ward_ids)


def default_interests(user: User) -> Interests:
    """Monthly, every priority, and the organisation's wards (all of Brent if it serves the whole borough)."""
    org = user.organisation
    wards = frozenset() if org is None or org.borough_wide else frozenset(w.id for w in org.wards)
    return Interests(DigestFrequency.MONTHLY, frozenset(), wards)


_LOOK_IT_UP = object()


def interests_of(user: User, subscription: "DigestSubscription | None | object" = _LOOK_IT_UP) -> Interests:
    """The person's choices; pass their subscription (or None for none) when it is already loaded."""
    if subscription is _LOOK_IT_UP:
        subscription = db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    if subscription is None:
        return default_interests(user)
    return Interests(
        subscription.frequency,
        frozenset(p.id for p in subscription.priorities),
        frozenset(w.id for w in subscription.wards),
    )


# What the digest shows ------------------------------------------------------------------------------------


@dataclass
class NewOffer:
    offer: Offer
    suggested_for: list[str]  # titles of the group's needs the engine proposed it for


@dataclass
class NeedState:
    need: Need
    approved: str  # "12 hours matched", or ""
    verified: str  # "5 hours delivered and verified", or ""


@dataclass
class ContractState:
    contract: Contract
    progress: contract_service.ContractProgress


@dataclass
class Story:
    supplier: str
    group: str
    need_title: str
    amount: str
    area: str
    priorities: str


@dataclass
class BoroughSummary:
    matches_made: int
    deliveries_verified: int
    by_priority: list[tuple[str, str]]  # (priority, "120 hours, £2,500")
    story: Story | None

    @property
    def is_quiet(self) -> bool:
        return not self.matches_made and not self.deliveries_verified


@dataclass
class Digest:
    user: User
    period: Period
    borough: BoroughSummary
    new_needs: list[Need] = field(default_factory=list)
    more_needs: int = 0  # beyond MAX_ITEMS
    contracts: list[ContractState] = field(default_factory=list)
    new_offers: list[NewOffer] = field(default_factory=list)
    more_offers: int = 0
    needs: list[NeedState] = field(default_factory=list)
    url_to: Callable[..., str] = external_url  # full links for the email (cached across a batch)
    memo: Callable[..., str] = lambda key, render, *args: render(*args)  # noqa: E731 (see PeriodData.memo)

    @property
    def is_empty(self) -> bool:
        return not (self.new_needs or self.contracts or self.new_offers or self.needs)

    @property
    def organisation(self) -> Organisation:
        return self.user.organisation

    @property
    def subject(self) -> str:
        return f"Your Brent social value digest for {self.period.title}"


# Loaded once per period -----------------------------------------------------------------------------------


def _tags(item: Need | Offer) -> tuple[frozenset[int], frozenset[int], bool]:
    return frozenset(p.id for p in item.priorities), frozenset(w.id for w in item.wards), item.borough_wide


def _amounts(totals: dict[Unit | None, Decimal]) -> str:
    parts = []
    for unit in sorted(totals, key=lambda u: (u is None, u.value if u else "")):
        parts.append(unit.format(totals[unit]) if unit else f"{totals[unit]:,.0f} without a set amount")
    return ", ".join(parts)


class TagIndex:
    """A period's needs (or offers) indexed by priority, ward and organisation, as bit sets (Python ints: bit i
    is item i), so that choosing one partner's items is a few ORs and ANDs rather than a test of every item:
    with 2,000 partners and 3,000 new needs, testing each pair was most of the time spent building digests."""

    def __init__(self, items: list, organisation_ids: list[int] | None = None) -> None:
        self.items = items
        self.everything = (1 << len(items)) - 1
        self.by_priority: dict[int, int] = defaultdict(int)
        self.by_ward: dict[int, int] = defaultdict(int)
        self.by_organisation: dict[int, int] = defaultdict(int)
        self.borough_wide = 0
        self.position = {item.id: i for i, item in enumerate(items)}
        for i, item in enumerate(items):
            bit = 1 << i
            priorities, wards, borough_wide = _tags(item)
            for priority_id in priorities:
                self.by_priority[priority_id] |= bit
            for ward_id in wards:
                self.by_ward[ward_id] |= bit
            if borough_wide:
                self.borough_wide |= bit
            if organisation_ids is not None:
                self.by_organisation[organisation_ids[i]] |= bit

    def covered(self, interests: Interests) -> int:
        """The items `interests.covers`, as a bit set."""
        chosen = self.everything
        if interests.priority_ids:
            chosen &= _union(self.by_priority.get(p, 0) for p in interests.priority_ids)
        if interests.ward_ids:
            chosen &= self.borough_wide | _union(self.by_ward.get(w, 0) for w in interests.ward_ids)
        return chosen

    def of_ids(self, ids) -> int:
        return _union(1 << self.position[i] for i in ids if i in self.position)

    def first(self, chosen: int, limit: int) -> list:
        """Up to `limit` of the chosen items, in the list's order."""
        found = []
        while chosen and len(found) < limit:
            lowest = chosen & -chosen
            found.append(self.items[lowest.bit_length() - 1])
            chosen ^= lowest
        return found


def _union(bit_sets) -> int:
    result = 0
    for bits in bit_sets:
        result |= bits
    return result


class PeriodData:
    """Everything the period's digests draw on, loaded in a few queries."""

    def __init__(self, period: Period, today: date | None = None) -> None:
        self.period = period
        # Contract progress is judged at the end of the period (or today, for a period still running).
        self.as_of = min(period.last_day, today or date.today())
        self.new_needs = self._new_needs()
        self.new_offers = self._new_offers()
        # Each list indexed once by priority and ward: every partner's digest is a selection from these lists.
        self.need_index = TagIndex(self.new_needs, [n.organisation_id for n in self.new_needs])
        self.offer_index = TagIndex(self.new_offers)
        self._links: dict[tuple, str] = {}
        self._parts: dict = {}
        self.proposed = self._proposals()
        self.borough = self._borough()
        self._contracts: dict[int, list[Contract]] | None = None
        self._needs: dict[int, list[NeedState]] | None = None
        self._progress: dict[int, contract_service.ContractProgress] = {}
        self._live_matches: dict[int, list[Match]] | None = None

    def link(self, endpoint: str, **values) -> str:
        """external_url, remembered for the batch: the same need's link appears in hundreds of digests."""
        key = (endpoint, *sorted(values.items()))
        if key not in self._links:
            self._links[key] = external_url(endpoint, **values)
        return self._links[key]

    def memo(self, key, render: Callable[..., str], *args) -> str:
        """A part of the email that is the same in everyone's digest (a need, an offer, the borough's figures),
        rendered once per batch: templates call it with a macro."""
        if key not in self._parts:
            self._parts[key] = render(*args)
        return self._parts[key]

    def _in_period(self, column):
        return (column >= self.period.starts) & (column < self.period.ends)

    def _new_needs(self) -> list[Need]:
        return list(
            db.session.scalars(
                select(Need)
                .join(Organisation, Need.organisation_id == Organisation.id)
                .where(Need.status.in_((NeedStatus.OPEN, NeedStatus.PARTLY_MET)), self._in_period(Need.published_at))
                .options(
                    selectinload(Need.priorities),
                    selectinload(Need.wards).options(NO_BOUNDARY),
                    selectinload(Need.organisation),
                    selectinload(Need.support_types),
                )
                .order_by(Need.needed_by.is_(None), Need.needed_by, Need.id)
            )
        )

    def _new_offers(self) -> list[Offer]:
        return list(
            db.session.scalars(
                select(Offer)
                .where(
                    Offer.status == OfferStatus.ACTIVE,
                    self._in_period(Offer.created_at),
                    or_(Offer.quantity.is_(None), Offer.allocated < Offer.quantity),
                    or_(Offer.available_until.is_(None), Offer.available_until >= self.period.last_day),
                )
                .options(
                    selectinload(Offer.priorities),
                    selectinload(Offer.wards).options(NO_BOUNDARY),
                    selectinload(Offer.support_types),
                    selectinload(Offer.contract).selectinload(Contract.supplier),
                )
                .order_by(Offer.created_at, Offer.id)
            )
        )

    def _proposals(self) -> dict[int, list[tuple[int, int, str]]]:
        """organisation id -> (offer id, need id, need title) for the new offers the engine proposed to its needs."""
        ids = [o.id for o in self.new_offers]
        found: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        if not ids:
            return found
        rows = db.session.execute(
            select(Need.organisation_id, Proposal.offer_id, Need.id, Need.title)
            .join(Need, Proposal.need_id == Need.id)
            .where(Proposal.offer_id.in_(ids), Need.status.in_(FOLLOWED_NEED_STATES))
            .order_by(Proposal.rank)
        )
        for org_id, offer_id, need_id, title in rows:
            found[org_id].append((offer_id, need_id, title))
        return found

    def _borough(self) -> BoroughSummary:
        matches_made = db.session.scalar(
            select(func.count(Match.id)).where(self._in_period(Match.created_at), Match.status != MatchStatus.DECLINED)
        )
        deliveries = list(
            db.session.scalars(
                select(Delivery)
                .where(self._in_period(Delivery.verified_at), Delivery.verified_quantity > 0)
                .options(
                    selectinload(Delivery.match).selectinload(Match.need).selectinload(Need.priorities),
                    selectinload(Delivery.match)
                    .selectinload(Match.offer)
                    .selectinload(Offer.contract)
                    .selectinload(Contract.supplier),
                )
            )
        )
        # A delivery to a need serving two priorities counts under each of them.
        totals: dict[int, dict[Unit | None, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        priorities: dict[int, Priority] = {}
        per_match: dict[int, Decimal] = defaultdict(Decimal)
        for delivery in deliveries:
            match = delivery.match
            per_match[match.id] += delivery.verified_quantity
            for priority in match.need.priorities:
                priorities[priority.id] = priority
                totals[priority.id][match.offer.unit] += delivery.verified_quantity
        by_priority = [
            (priorities[pid].short_title, _amounts(totals[pid]))
            for pid in sorted(totals, key=lambda p: priorities[p].number)
        ]
        return BoroughSummary(matches_made or 0, len(deliveries), by_priority, self._story(deliveries, per_match))

    @staticmethod
    def _story(deliveries: list[Delivery], per_match: dict[int, Decimal]) -> Story | None:
        """The period's most substantial verified match (by share of the need it met, then by amount).

        Only what the site already shows publicly: organisation names, the need's title, area and priorities.
        """
        matches = {
            d.match.id: d.match for d in deliveries if d.match.status in (MatchStatus.DELIVERED, MatchStatus.VERIFIED)
        }
        if not matches:
            return None

        def weight(match: Match) -> tuple:
            need_quantity = match.need.quantity if match.need.unit is match.offer.unit else None
            share = per_match[match.id] / need_quantity if need_quantity else Decimal(0)
            return (share, per_match[match.id], -match.id)

        best = max(matches.values(), key=weight)
        unit = best.offer.unit
        amount = unit.format(per_match[best.id]) if unit else "help"
        return Story(
            best.offer.supplier.name,
            best.need.organisation.name,
            best.need.title,
            amount,
            best.need.area,
            ", ".join(p.short_title for p in best.need.priorities),
        )

    # Per organisation, loaded on first use -----------------------------------------------------------------

    def contracts_of(self, org_id: int) -> list[ContractState]:
        if self._contracts is None:
            self._contracts = defaultdict(list)
            for contract in db.session.scalars(
                select(Contract)
                .where(Contract.start_date <= self.period.last_day, Contract.end_date >= self.period.first_day)
                .options(selectinload(Contract.offers))
                .order_by(Contract.end_date, Contract.id)
            ):
                if contract.offers:  # a contract with no commitments has nothing to report
                    self._contracts[contract.supplier_id].append(contract)
        if self._live_matches is None:
            offer_ids = [o.id for cs in self._contracts.values() for c in cs for o in c.offers]
            self._live_matches = defaultdict(list)
            for start in range(0, len(offer_ids), 500):  # bounded IN lists
                for match in db.session.scalars(
                    select(Match)
                    .where(Match.offer_id.in_(offer_ids[start : start + 500]), Match.status.in_(LIVE))
                    .options(selectinload(Match.deliveries))
                ):
                    self._live_matches[match.offer_id].append(match)
        states = []
        for contract in self._contracts.get(org_id, []):
            if contract.id not in self._progress:
                self._progress[contract.id] = contract_service.progress(
                    contract, today=self.as_of, live_matches=self._live_matches
                )
            states.append(ContractState(contract, self._progress[contract.id]))
        return states

    def needs_of(self, org_id: int) -> list[NeedState]:
        if self._needs is None:
            self._needs = self._load_needs()
        return self._needs.get(org_id, [])

    def _load_needs(self) -> dict[int, list[NeedState]]:
        needs = list(
            db.session.scalars(
                select(Need)
                .where(
                    or_(
                        Need.status.in_(FOLLOWED_NEED_STATES),
                        Need.status.in_(ENDED_NEED_STATES) & self._in_period(Need.updated_at),
                    )
                )
                .order_by(Need.needed_by.is_(None), Need.needed_by, Need.id)
            )
        )
        matches: dict[int, list[Match]] = defaultdict(list)
        if needs:
            for match in db.session.scalars(
                select(Match)
                .where(Match.need_id.in_([n.id for n in needs]), Match.status.in_(LIVE))
                .options(selectinload(Match.deliveries), selectinload(Match.offer))
            ):
                matches[match.need_id].append(match)
        by_org: dict[int, list[NeedState]] = defaultdict(list)
        for need in needs:
            approved: dict[Unit | None, Decimal] = defaultdict(Decimal)
            verified: dict[Unit | None, Decimal] = defaultdict(Decimal)
            for match in matches[need.id]:
                if match.quantity is not None:
                    approved[match.offer.unit] += match.quantity
                if (done := match.total("verified_quantity")) > 0:
                    verified[match.offer.unit] += done
            by_org[need.organisation_id].append(
                NeedState(
                    need,
                    f"{_amounts(approved)} matched" if approved else "",
                    f"{_amounts(verified)} delivered and verified" if verified else "",
                )
            )
        return by_org


def build_digest(user: User, data: PeriodData, interests: Interests | None = None) -> Digest:
    """One person's digest. Empty (`is_empty`) when nothing in it concerns them."""
    interests = interests or interests_of(user)
    digest = Digest(user, data.period, data.borough, url_to=data.link, memo=data.memo)
    org = user.organisation
    if org is None or org.status is not OrganisationStatus.APPROVED:
        return digest
    if org.kind in (OrganisationKind.SUPPLIER, OrganisationKind.PARTNER):
        index = data.need_index
        chosen = index.covered(interests) & ~index.by_organisation.get(org.id, 0)
        digest.new_needs = index.first(chosen, MAX_ITEMS)
        digest.more_needs = max(chosen.bit_count() - MAX_ITEMS, 0)
    if org.kind is OrganisationKind.SUPPLIER:
        digest.contracts = data.contracts_of(org.id)
    if org.kind is OrganisationKind.VCSE:
        suggested: dict[int, list[str]] = defaultdict(list)
        for offer_id, _, title in data.proposed.get(org.id, []):
            if title not in suggested[offer_id]:
                suggested[offer_id].append(title)
        index = data.offer_index
        proposed = index.of_ids(suggested)
        others = index.covered(interests) & ~proposed
        # The engine's suggestions first, then the rest, each in the period's order.
        offers = index.first(proposed, MAX_ITEMS)
        offers += index.first(others, MAX_ITEMS - len(offers))
        digest.new_offers = [NewOffer(o, suggested.get(o.id, [])) for o in offers]
        digest.more_offers = max(proposed.bit_count() + others.bit_count() - MAX_ITEMS, 0)
        digest.needs = data.needs_of(org.id)
    return digest


def recipients(frequency: DigestFrequency) -> list[tuple[User, DigestSubscription | None]]:
    """Active members of approved organisations who take the digest at this frequency (monthly by default)."""
    chosen = func.coalesce(DigestSubscription.frequency, DigestFrequency.MONTHLY.value)
    rows = db.session.execute(
        select(User, DigestSubscription)
        .join(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(
            User.active.is_(True),
            User.role.in_(MEMBER_ROLES),
            Organisation.status == OrganisationStatus.APPROVED,
            chosen == frequency.value,
        )
        .options(
            selectinload(User.organisation).selectinload(Organisation.wards).options(NO_BOUNDARY),
            selectinload(DigestSubscription.priorities),
            selectinload(DigestSubscription.wards).options(NO_BOUNDARY),
        )
        .order_by(User.id)
    ).all()
    return [(user, subscription) for user, subscription in rows]


def partners(page: int = 1, per_page: int = 50) -> tuple[list[tuple[User, DigestSubscription | None]], int]:
    """Every member of an approved organisation, whether subscribed or not, for the officers' page."""
    base = (
        select(User, DigestSubscription)
        .join(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(User.role.in_(MEMBER_ROLES), Organisation.status == OrganisationStatus.APPROVED)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        base.options(selectinload(User.organisation))
        .order_by(func.lower(Organisation.name), func.lower(User.full_name), User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [(u, s) for u, s in rows], total or 0


# Send status, for officers --------------------------------------------------------------------------------


def deliveries_for(period_name: str, user_ids: list[int]) -> dict[int, DigestDelivery]:
    if not user_ids:
        return {}
    return {
        d.user_id: d
        for d in db.session.scalars(
            select(DigestDelivery).where(DigestDelivery.period == period_name, DigestDelivery.user_id.in_(user_ids))
        )
    }


def status_counts(period_name: str) -> dict[DigestStatus, int]:
    counts = dict(
        db.session.execute(
            select(DigestDelivery.status, func.count())
            .where(DigestDelivery.period == period_name)
            .group_by(DigestDelivery.status)
        ).all()
    )
    return {status: counts.get(status, 0) for status in DigestStatus}


def periods_with_deliveries() -> list[str]:
    return list(db.session.scalars(select(DigestDelivery.period).distinct()))
