"""The officers' queue: pledges and the engine's proposals waiting for a decision, sorted and filtered."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Pledge,
    PledgeStatus,
    Priority,
    Proposal,
    SupportType,
    Ward,
)
from matchmaker.models.needs import need_priority, need_support_type, need_ward
from matchmaker.services import pledge_fit

SORTS = {"score": "Best score first", "age": "Waiting longest first", "needed_by": "Needed soonest first"}
PROPOSAL_RANKS = 3  # the engine's top three for each need are worth an officer's look


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "pledge" or "proposal"
    id: int
    need: Need
    offer: Offer
    score: float | None
    reason: str
    waiting_since: datetime
    amount: str
    warning: str = ""  # for officers: a pledge of the wrong kind of support, or counted in another unit

    @property
    def needed_by(self) -> date:
        return self.need.needed_by or date.max


@dataclass(frozen=True)
class QueueFilters:
    priority: str | None = None
    ward: str | None = None
    supplier: int | None = None
    support_type: str | None = None

    def conditions(self, need_id, offer_id) -> list:
        """SQL conditions on a row's need and offer: the filtering happens in the database, so only one page of
        the queue (tens of thousands of proposals on a busy day) is ever loaded."""
        found = []
        if self.priority:
            found.append(
                exists().where(
                    need_priority.c.need_id == need_id,
                    need_priority.c.priority_id == Priority.id,
                    Priority.slug == self.priority,
                )
            )
        if self.ward:
            found.append(
                or_(
                    Need.borough_wide,  # both queries join the row's need
                    exists().where(
                        need_ward.c.need_id == need_id, need_ward.c.ward_id == Ward.id, Ward.ons_code == self.ward
                    ),
                )
            )
        if self.supplier:
            offer = aliased(Offer)  # not the proposals query's own Offer, which it would correlate to
            found.append(
                exists().where(
                    offer.id == offer_id, offer.contract_id == Contract.id, Contract.supplier_id == self.supplier
                )
            )
        if self.support_type:
            found.append(
                exists().where(
                    need_support_type.c.need_id == need_id,
                    need_support_type.c.support_type_id == SupportType.id,
                    SupportType.slug == self.support_type,
                )
            )
        return found


# What a queue row shows: the need with its organisation, the offer with its supplier. Joined in the one query
# that loads the page's rows (the tags the queue does not show are left to load if ever asked for).
_NEED = (joinedload(Need.organisation),)
_OFFER = (joinedload(Offer.contract).joinedload(Contract.supplier),)
# Pledges have no score; they sort as if better than any proposal (scores are at most 1).
PLEDGE_SCORE = 2.0


def _pledges(filters: QueueFilters):
    return (
        select(
            literal("pledge").label("kind"),
            Pledge.id.label("id"),
            literal(PLEDGE_SCORE).label("score"),
            Pledge.created_at.label("since"),
            Need.needed_by.label("needed_by"),
        )
        .join(Need, Need.id == Pledge.need_id)
        .where(Pledge.status == PledgeStatus.PENDING, *filters.conditions(Pledge.need_id, Pledge.offer_id))
    )


def _proposals(filters: QueueFilters):
    return (
        select(
            literal("proposal").label("kind"),
            Proposal.id.label("id"),
            Proposal.score.label("score"),
            Proposal.created_at.label("since"),
            Need.needed_by.label("needed_by"),
        )
        .join(Need, Need.id == Proposal.need_id)
        .join(Offer, Offer.id == Proposal.offer_id)
        .where(
            Proposal.rank <= PROPOSAL_RANKS,
            Need.status.in_([NeedStatus.OPEN, NeedStatus.PARTLY_MET]),
            Offer.status == OfferStatus.ACTIVE,
            *filters.conditions(Proposal.need_id, Proposal.offer_id),
        )
    )


def _order(score, since, needed_by, kind, row_id, sort: str) -> list:
    return {
        "score": [score.desc(), since, kind, row_id],
        "age": [since, row_id, kind],
        "needed_by": [needed_by.asc().nulls_last(), score.desc(), kind, row_id],
    }[sort if sort in SORTS else "score"]


def _python_key(sort: str):
    last = date.max
    return {
        "score": lambda r: (-r.score, r.since, r.kind, r.id),
        "age": lambda r: (r.since, r.id, r.kind),
        "needed_by": lambda r: (r.needed_by or last, -r.score, r.kind, r.id),
    }[sort if sort in SORTS else "score"]


def _first_rows(query, sort: str, limit: int | None) -> list:
    """The first `limit` rows of one source in queue order: the database stops early using its indexes."""
    waiting = query.subquery()
    ordered = select(waiting).order_by(
        *_order(waiting.c.score, waiting.c.since, waiting.c.needed_by, waiting.c.kind, waiting.c.id, sort)
    )
    return db.session.execute(ordered.limit(limit) if limit is not None else ordered).all()


def page_of_items(
    filters: QueueFilters, sort: str, page: int = 1, per_page: int | None = None
) -> tuple[list[QueueItem], int]:
    """One page of the queue, sorted, and how many are waiting in all (per_page=None: everything).

    Pledges and proposals are two sources: each gives its first (page x per_page) rows in queue order, and the
    two short lists are merged here, so a page never loads the whole queue (tens of thousands of proposals).
    """
    total = sum(
        db.session.scalar(select(func.count()).select_from(source.subquery()))
        for source in (_pledges(filters), _proposals(filters))
    )
    limit = page * per_page if per_page is not None else None
    rows = sorted(
        [*_first_rows(_pledges(filters), sort, limit), *_first_rows(_proposals(filters), sort, limit)],
        key=_python_key(sort),
    )
    if per_page is not None:
        rows = rows[(page - 1) * per_page : page * per_page]
    pledge_ids = [row.id for row in rows if row.kind == "pledge"]
    proposal_ids = [row.id for row in rows if row.kind == "proposal"]
    pledges = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Pledge)
                .where(Pledge.id.in_(pledge_ids))
                .options(joinedload(Pledge.need).options(*_NEED), joinedload(Pledge.offer).options(*_OFFER))
            )
        }
        if pledge_ids
        else {}
    )
    proposals = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Proposal)
                .where(Proposal.id.in_(proposal_ids))
                .options(joinedload(Proposal.need).options(*_NEED), joinedload(Proposal.offer).options(*_OFFER))
            )
        }
        if proposal_ids
        else {}
    )
    found = []
    for row in rows:
        if row.kind == "pledge":
            p = pledges[row.id]
            found.append(
                QueueItem(
                    "pledge",
                    p.id,
                    p.need,
                    p.offer,
                    None,
                    f"Pledged by {p.offer.supplier.name}" + (f": “{p.note}”" if p.note else ""),
                    p.created_at,
                    p.amount,
                    pledge_fit.assess(p.offer, p.need).warning,
                )
            )
        else:
            p = proposals[row.id]
            found.append(
                QueueItem(
                    "proposal", p.id, p.need, p.offer, p.score, p.reason, p.created_at, p.need.amount or "Not given"
                )
            )
    return found, total


def items(filters: QueueFilters, sort: str) -> list[QueueItem]:
    """Everything waiting, sorted (for callers that need the whole queue; the page uses page_of_items)."""
    return page_of_items(filters, sort)[0]


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    from matchmaker.models import Organisation, OrganisationKind

    return {
        "priority": [(p.slug, p.short_title) for p in db.session.scalars(select(Priority).order_by(Priority.number))],
        "ward": [(w.ons_code, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.name))],
        "supplier": [
            (str(o.id), o.name)
            for o in db.session.scalars(
                select(Organisation).where(Organisation.kind == OrganisationKind.SUPPLIER).order_by(Organisation.name)
            )
        ],
        "support_type": [
            (t.slug, t.name) for t in db.session.scalars(select(SupportType).order_by(SupportType.position))
        ],
    }


def default_amount(kind: str, need: Need, offer: Offer, pledged=None):
    """The amount a clear case is approved with: the pledge as made, or as much of the need as the offer has left
    in the same unit. None with `clear=False` when an officer has to choose."""
    if offer.quantity is None:
        return None, True  # an offer with no set amount: nothing to allocate
    if kind == "pledge":
        return pledged, pledged is not None and pledged <= (offer.remaining or 0)
    if need.quantity is not None and need.unit is offer.unit and offer.remaining:
        return min(need.quantity, offer.remaining), True
    return None, False
