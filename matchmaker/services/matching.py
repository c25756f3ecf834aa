"""Runs the matching engine on the database: loads needs and offers in bulk, saves proposals in bulk.

The engine itself (matchmaker/matching) is pure; this module is the only place that knows both sides.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching import Context, Engine, Geography, NeedItem, OfferItem, Vocabulary, Ward, Weights
from matchmaker.matching.text import load_vocabulary_csv
from matchmaker.models import Contract, Need, NeedStatus, Offer, OfferStatus, Proposal
from matchmaker.models import Ward as WardRow
from matchmaker.services import embeddings
from matchmaker.services.reference_data import SEEDS_DIR

OPEN = (NeedStatus.OPEN, NeedStatus.PARTLY_MET)


@lru_cache(maxsize=4)
def vocabulary(path: Path = SEEDS_DIR / "synonyms.csv") -> Vocabulary:
    if not path.exists():
        return Vocabulary.empty()
    with path.open(encoding="utf-8") as lines:
        return load_vocabulary_csv(lines)


def weights_path() -> Path:
    configured = current_app.config.get("MATCHING_WEIGHTS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "weights.json"


def weights() -> Weights:
    """The defaults, or the weights `matchmaker tune` saved."""
    return Weights.load(weights_path())


def geography() -> Geography:
    wards = db.session.scalars(select(WardRow).options(selectinload(WardRow.adjacencies))).all()
    by_id = {w.id: w.ons_code for w in wards}
    return Geography(
        [
            Ward(w.ons_code, w.name, w.latitude, w.longitude, frozenset(by_id[a.neighbour_id] for a in w.adjacencies))
            for w in wards
        ]
    )


def need_item(need: Need) -> NeedItem:
    return NeedItem(
        id=need.id,
        ref=need.ref,
        title=need.title,
        description=need.description,
        priorities=frozenset(p.slug for p in need.priorities),
        wards=frozenset(w.ons_code for w in need.wards),
        support_types=frozenset(t.slug for t in need.support_types),
        borough_wide=need.borough_wide,
        quantity=float(need.quantity) if need.quantity is not None else None,
        unit=need.unit.value if need.unit else None,
        needed_by=need.needed_by,
        posted=(need.published_at or need.created_at).date() if (need.published_at or need.created_at) else None,
        organisation_id=need.organisation_id,
    )


def offer_item(offer: Offer) -> OfferItem:
    return OfferItem(
        id=offer.id,
        ref=offer.ref,
        title=offer.title,
        description=offer.description,
        priorities=frozenset(p.slug for p in offer.priorities),
        wards=frozenset(w.ons_code for w in offer.wards),
        support_types=frozenset(t.slug for t in offer.support_types),
        borough_wide=offer.borough_wide,
        quantity=float(offer.quantity) if offer.quantity is not None else None,
        remaining=float(offer.remaining) if offer.remaining is not None else None,
        unit=offer.unit.value if offer.unit else None,
        available_until=offer.available_until,
        supplier_id=offer.contract.supplier_id,
    )


_TAGS = (selectinload(Need.priorities), selectinload(Need.wards), selectinload(Need.support_types))


def open_needs(ids: list[int] | None = None) -> list[NeedItem]:
    query = select(Need).where(Need.status.in_(OPEN)).options(*_TAGS).order_by(Need.id)
    if ids is not None:
        query = query.where(Need.id.in_(ids))
    # With their stored meaning vectors (issue 13; missing or stale ones are encoded and stored here, in one batch).
    return embeddings.attached("need", [need_item(n) for n in db.session.scalars(query)])


def active_offers() -> list[OfferItem]:
    query = (
        select(Offer)
        .where(Offer.status == OfferStatus.ACTIVE)
        .options(
            selectinload(Offer.priorities),
            selectinload(Offer.wards),
            selectinload(Offer.support_types),
            selectinload(Offer.contract).load_only(Contract.supplier_id),
        )
        .order_by(Offer.id)
    )
    return embeddings.attached("offer", [offer_item(o) for o in db.session.scalars(query)])


def received_by_organisation(today: date) -> dict[int, int]:
    """How many matches each group has had approved in the last year: the engine spreads help with it."""
    from matchmaker.models import Match
    from matchmaker.services.brokerage import LIVE

    since = datetime.combine(today - timedelta(days=365), time.min, tzinfo=UTC)
    rows = db.session.execute(
        select(Need.organisation_id, func.count())
        .select_from(Match)
        .join(Need, Match.need_id == Need.id)
        .where(Match.status.in_(LIVE), Match.created_at >= since)
        .group_by(Need.organisation_id)
    ).all()
    return dict(rows)


def context(today: date | None = None) -> Context:
    from matchmaker.services.brokerage import excluded_pairs
    from matchmaker.services.ward_weights import current as ward_weights

    day = today or date.today()
    return Context(
        today=day,
        received_by_organisation=received_by_organisation(day),
        ward_weights=ward_weights(),
        excluded=excluded_pairs(),
    )


def engine() -> Engine:
    return Engine(geography(), vocabulary(), weights())


@dataclass
class RefreshSummary:
    needs: int
    offers: int
    proposals: int

    def __str__(self) -> str:
        return f"{self.proposals} proposals for {self.needs} open needs from {self.offers} offers"


def _save(proposals, need_ids: list[int]) -> None:
    """Replace these needs' proposals in two statements: one delete, one bulk insert."""
    for start in range(0, len(need_ids), 1000):
        db.session.execute(delete(Proposal).where(Proposal.need_id.in_(need_ids[start : start + 1000])))
    rank: dict[int, int] = defaultdict(int)
    rows = []
    for p in proposals:
        rank[p.need.id] += 1
        rows.append(
            {
                "need_id": p.need.id,
                "offer_id": p.offer.id,
                "rank": rank[p.need.id],
                "score": p.score,
                "components": p.components,
                "reason": p.reason,
            }
        )
    if rows:
        db.session.execute(insert(Proposal), rows)


def refresh_all(top: int = 5, progress: Callable[[str], None] = lambda _: None, today: date | None = None):
    """Recompute proposals for every open need. Returns the summary and the proposals (for --json)."""
    progress("Loading open needs and offers...")
    needs, offers = open_needs(), active_offers()
    progress(f"Scoring {len(needs)} needs against {len(offers)} offers...")
    proposals = engine().propose(needs, offers, context(today), top=top)
    progress("Saving proposals...")
    db.session.execute(delete(Proposal))
    _save(proposals, [])
    db.session.flush()
    return RefreshSummary(len(needs), len(offers), len(proposals)), proposals


def refresh_need(need: Need, top: int = 5) -> int:
    """Straight after a need is created or edited: its own proposals, scored against every active offer."""
    items = open_needs([need.id])
    if not items:  # no longer open: it should propose nothing
        db.session.execute(delete(Proposal).where(Proposal.need_id == need.id))
        return 0
    offers = active_offers()
    # Word weights come from the whole borough's language, as in the batch run.
    corpus = open_needs()
    proposals = engine().fit(corpus or items, offers, context(), proposing_all=False).propose(items, top=top)
    _save(proposals, [need.id])
    db.session.flush()
    return len(proposals)


def refresh_offer(offer: Offer, top: int = 5) -> int:
    """After an offer changes, every need may rank differently: recompute them all (seconds at borough scale)."""
    summary, _ = refresh_all(top=top)
    return summary.proposals


# Incremental refresh ---------------------------------------------------------------------------------------
# Services call need_changed/offer_changed after a save. Inside `deferred_refresh()` (imports, bulk jobs) the
# calls are only noted, and one full refresh runs at the end instead of one per row.

_deferred: ContextVar[set | None] = ContextVar("matching_deferred", default=None)


@contextmanager
def deferred_refresh() -> Iterator[None]:
    token = _deferred.set(set())
    try:
        yield
        changed = bool(_deferred.get())
    finally:
        _deferred.reset(token)
    if changed:
        _safely(refresh_all)


def _safely(refresh, *args) -> None:
    """A failed refresh is logged and leaves the save it followed intact (the batch `propose` catches up)."""
    try:
        with db.session.begin_nested():
            refresh(*args)
    except Exception:
        current_app.logger.exception("Refreshing proposals failed; the change itself was saved")


def need_changed(need: Need) -> None:
    pending = _deferred.get()
    if pending is not None:
        pending.add(("need", need.id))
    else:
        _safely(refresh_need, need)


def offer_changed(offer: Offer) -> None:
    pending = _deferred.get()
    if pending is not None:
        pending.add(("offer", offer.id))
    else:
        _safely(refresh_offer, offer)


def proposals_for(need: Need) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.need_id == need.id)
            .options(selectinload(Proposal.offer))
            .order_by(Proposal.rank)
        )
    )


def proposal_counts() -> dict[int, int]:
    return dict(db.session.execute(select(Proposal.need_id, func.count()).group_by(Proposal.need_id)).all())


@dataclass
class Unmatched:
    need: Need
    reason: str
    best_score: float | None = None


NEAR = 0.75  # location score of a neighbouring ward (see matching.geography)


def unmatched_report(top: int = 5) -> list[Unmatched]:
    """Open needs with no proposal, or none close enough to be useful, and the reason in words."""
    needs = open_needs()
    offers = active_offers()
    counts = proposal_counts()
    if not needs:
        return []
    rows = {n.id: n for n in db.session.scalars(select(Need).where(Need.id.in_([i.id for i in needs])))}
    if not offers:
        return [Unmatched(rows[n.id], "No active offers at all") for n in needs]
    fitted = engine().fit(needs, offers, context(), proposing_all=False)  # components only, no reasons
    parts = fitted.components(needs)
    usable = fitted.offers.usable
    found: list[Unmatched] = []
    for row, need in enumerate(needs):
        typed = parts["support"][row] > 0
        if not typed.any():
            wanted = ", ".join(sorted(need.support_types))
            found.append(Unmatched(rows[need.id], f"No offer of that type ({wanted})"))
        elif not (typed & usable).any():
            found.append(
                Unmatched(rows[need.id], "Offers of that type exist, but all their capacity is used or they have ended")
            )
        elif not counts.get(need.id):
            found.append(Unmatched(rows[need.id], "Not yet proposed: run matchmaker propose"))
        elif parts["location"][row][typed & usable].max() < NEAR:
            found.append(
                Unmatched(
                    rows[need.id], "No offer of that type covers its ward, a neighbouring ward or the whole borough"
                )
            )
        elif parts["text"][row][typed & usable].max() < 0.05:
            found.append(Unmatched(rows[need.id], "No offer describes anything like it"))
    return found


# Confidence (issue 13) ------------------------------------------------------------------------------------


@dataclass
class Confidence:
    """How sure the engine is of one need's stored proposals: one value per proposal, and the verdict."""

    values: list[float]
    no_good_match: bool


def confidence_of(proposals: list[Proposal]) -> Confidence:
    """From the stored scores and components alone, as `matchmaker propose --json` computes it."""
    from matchmaker.matching import confidence

    values = confidence.confidences([p.score for p in proposals], [p.components or {} for p in proposals])
    return Confidence(values, bool(values) and max(values) < confidence.CALIBRATION.threshold)
