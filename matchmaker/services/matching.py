"""Runs the matching engine on the database: loads needs and offers in bulk, saves proposals in bulk.

The engine itself (matchmaker/matching) is pure; this module is the only place that knows both sides. Loading and
saving use Core statements over just the columns the engine reads: building ORM objects for a whole borough took
longer than scoring it.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import Float, String, Text, bindparam, cast, delete, func, insert, select, type_coerce, update
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching.items import Context, NeedItem, OfferItem
from matchmaker.matching.weights import Weights
from matchmaker.models import Contract, Need, NeedStatus, Offer, OfferStatus, Priority, Proposal, SupportType
from matchmaker.models import Ward as WardRow
from matchmaker.models.contracts import offer_priority, offer_support_type, offer_ward
from matchmaker.models.needs import need_priority, need_support_type, need_ward
from matchmaker.services.reference_data import SEEDS_DIR

if TYPE_CHECKING:
    from matchmaker.matching.engine import Engine
    from matchmaker.matching.engine import Proposal as Proposed
    from matchmaker.matching.geography import Geography
    from matchmaker.matching.text import Vocabulary

OPEN = (NeedStatus.OPEN, NeedStatus.PARTLY_MET)


@lru_cache(maxsize=4)
def vocabulary(path: Path = SEEDS_DIR / "synonyms.csv") -> "Vocabulary":
    # The text model imports scikit-learn (a second): only when something is scored, never at start-up.
    from matchmaker.matching.text import Vocabulary, load_vocabulary_csv

    if not path.exists():
        return Vocabulary.empty()
    with path.open(encoding="utf-8") as lines:
        return load_vocabulary_csv(lines)


def weights_path() -> Path:
    configured = current_app.config["MATCHING_WEIGHTS_FILE"]
    return Path(configured) if configured else Path(current_app.instance_path) / "weights.json"


def weights() -> Weights:
    """The defaults, or the weights `matchmaker tune` saved."""
    return Weights.load(weights_path())


def geography() -> "Geography":
    from matchmaker.matching.geography import Geography, Ward  # numpy: only when something is scored

    wards = db.session.scalars(select(WardRow).options(selectinload(WardRow.adjacencies))).all()
    by_id = {w.id: w.ons_code for w in wards}
    return Geography(
        [
            Ward(w.ons_code, w.name, w.latitude, w.longitude, frozenset(by_id[a.neighbour_id] for a in w.adjacencies))
            for w in wards
        ]
    )


# Loading ----------------------------------------------------------------------------------------------------
# One select for the rows, then one per tag table, each joined to the same filter: five queries in all, however
# many needs. The rows become the engine's dataclasses straight away; no ORM object is built.


def _tags(owner_column, tag_column, tag, value, owners) -> dict[int, frozenset[str]]:
    """owner id -> its tags' values (slugs or ONS codes), for the owners the `owners` subquery selects."""
    found: dict[int, set[str]] = defaultdict(set)
    rows = db.session.connection().execute(
        select(owner_column, value).where(tag_column == tag.id, owner_column.in_(owners))
    )
    for owner_id, tag_value in rows:
        found[owner_id].add(tag_value)
    return {owner_id: frozenset(values) for owner_id, values in found.items()}


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def open_needs(ids: list[int] | None = None) -> list[NeedItem]:
    """Every open need (or these, if open) as the engine reads it, in id order."""
    where = [Need.status.in_(OPEN)]
    if ids is not None:
        where.append(Need.id.in_(ids))
    owners = select(Need.id).where(*where)
    priorities = _tags(need_priority.c.need_id, need_priority.c.priority_id, Priority, Priority.slug, owners)
    wards = _tags(need_ward.c.need_id, need_ward.c.ward_id, WardRow, WardRow.ons_code, owners)
    types = _tags(
        need_support_type.c.need_id, need_support_type.c.support_type_id, SupportType, SupportType.slug, owners
    )
    none: frozenset[str] = frozenset()
    rows = db.session.connection().execute(
        select(
            Need.id,
            Need.ref,
            Need.title,
            Need.description,
            Need.borough_wide,
            type_coerce(Need.quantity, Float),  # the engine reads floats: no Decimal in between
            type_coerce(Need.unit, String),
            Need.needed_by,
            Need.published_at,
            Need.created_at,
            Need.organisation_id,
        )
        .where(*where)
        .order_by(Need.id)
    )
    items = [
        NeedItem(
            id=row.id,
            ref=row.ref,
            title=row.title,
            description=row.description,
            priorities=priorities.get(row.id, none),
            wards=wards.get(row.id, none),
            support_types=types.get(row.id, none),
            borough_wide=row.borough_wide,
            quantity=row.quantity,
            unit=row.unit,
            needed_by=row.needed_by,
            posted=_day(row.published_at or row.created_at),
            organisation_id=row.organisation_id,
        )
        for row in rows
    ]
    return _with_meaning("need", items)


def active_offers() -> list[OfferItem]:
    """Every active offer as the engine reads it, in id order."""
    owners = select(Offer.id).where(Offer.status == OfferStatus.ACTIVE)
    priorities = _tags(offer_priority.c.offer_id, offer_priority.c.priority_id, Priority, Priority.slug, owners)
    wards = _tags(offer_ward.c.offer_id, offer_ward.c.ward_id, WardRow, WardRow.ons_code, owners)
    types = _tags(
        offer_support_type.c.offer_id, offer_support_type.c.support_type_id, SupportType, SupportType.slug, owners
    )
    none: frozenset[str] = frozenset()
    rows = db.session.connection().execute(
        select(
            Offer.id,
            Offer.ref,
            Offer.title,
            Offer.description,
            Offer.borough_wide,
            type_coerce(Offer.quantity, Float),
            type_coerce(Offer.allocated, Float),
            type_coerce(Offer.unit, String),
            Offer.available_until,
            Contract.supplier_id,
        )
        .join(Contract, Offer.contract_id == Contract.id)
        .where(Offer.status == OfferStatus.ACTIVE)
        .order_by(Offer.id)
    )
    items = [
        OfferItem(
            id=row.id,
            ref=row.ref,
            title=row.title,
            description=row.description,
            priorities=priorities.get(row.id, none),
            wards=wards.get(row.id, none),
            support_types=types.get(row.id, none),
            borough_wide=row.borough_wide,
            quantity=row.quantity,
            # Rounded to the column's two places, as the Decimal difference was.
            remaining=round(row.quantity - (row.allocated or 0.0), 2) if row.quantity is not None else None,
            unit=row.unit,
            available_until=row.available_until,
            supplier_id=row.supplier_id,
        )
        for row in rows
    ]
    return _with_meaning("offer", items)


def _with_meaning(kind, items: list) -> list:
    """The items with their stored meaning vectors (issue 13): missing or stale ones encoded and stored, in one
    batch. Imported here: the embeddings service pulls in the engine, which command start-up must not load."""
    from matchmaker.services import embeddings

    return embeddings.attached(kind, items)


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


def engine() -> "Engine":
    from matchmaker.matching.engine import Engine  # numpy, SciPy, scikit-learn: only when something is scored

    return Engine(geography(), vocabulary(), weights())


# Saving -----------------------------------------------------------------------------------------------------


@dataclass
class RefreshSummary:
    needs: int
    offers: int
    proposals: int
    added: int = 0
    changed: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.proposals} proposals for {self.needs} open needs from {self.offers} offers "
            f"({self.added} new, {self.changed} changed, {self.removed} withdrawn, "
            f"{self.proposals - self.added - self.changed} unchanged)"
        )


@dataclass
class SaveCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0


CHUNK = 1000  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _save(proposals: Iterable["Proposed"], need_ids: list[int] | None) -> SaveCounts:
    """Make the stored proposals of these needs (None: of every need) exactly these, writing only the difference.

    A proposal that comes out the same is left alone, so it keeps its place in the queue's "waiting longest" order;
    one whose rank, score or reason moved is updated in place; the rest are inserted or deleted. Each kind is one
    executemany of plain dicts.
    """
    wanted: dict[tuple[int, int], tuple] = {}
    rank: dict[int, int] = defaultdict(int)
    for p in proposals:
        rank[p.need.id] += 1
        wanted[(p.need.id, p.offer.id)] = (rank[p.need.id], p.score, p.reason, p.components)
    table = Proposal.__table__
    # The components as stored text, compared with the new ones serialised the same way: decoding 50,000 stored
    # values took longer than the whole comparison. (JSON, unlike JSONB, keeps the text as written.)
    stored = select(
        table.c.id, table.c.need_id, table.c.offer_id, table.c.rank, table.c.score, table.c.reason
    ).add_columns(cast(table.c.components, Text))
    queries = [stored] if need_ids is None else [stored.where(table.c.need_id.in_(c)) for c in _chunks(need_ids)]
    connection = db.session.connection()
    stale, changed = [], []
    for query in queries:
        for row_id, need_id, offer_id, old_rank, old_score, old_reason, old_components in connection.execute(query):
            new = wanted.pop((need_id, offer_id), None)
            if new is None:
                stale.append(row_id)
            elif (new[0], new[1], new[2]) != (old_rank, old_score, old_reason) or json.dumps(new[3]) != old_components:
                changed.append(
                    {"row_id": row_id, "rank": new[0], "score": new[1], "reason": new[2], "components": new[3]}
                )
    for chunk in _chunks(stale):
        connection.execute(delete(table).where(table.c.id.in_(chunk)))
    # Core executemany of plain dicts: one prepared statement, every row's values bound in turn, no ORM objects.
    if changed:  # SET takes the columns each dict names besides row_id
        connection.execute(update(table).where(table.c.id == bindparam("row_id")), changed)
    new_rows = (
        {"need_id": need_id, "offer_id": offer_id, "rank": r, "score": score, "reason": reason, "components": parts}
        for (need_id, offer_id), (r, score, reason, parts) in wanted.items()
    )
    # In slices, so a whole borough's rows never sit in memory twice over as dicts (100,000 needs: 500,000 rows).
    while rows := list(islice(new_rows, 10_000)):
        connection.execute(insert(table), rows)
    return SaveCounts(added=len(wanted), changed=len(changed), removed=len(stale))


def _untracked(items: list, label: str) -> AbstractContextManager[Iterable]:
    return nullcontext(items)


def refresh_all(
    top: int = 5,
    progress: Callable[[str], None] = lambda _: None,
    today: date | None = None,
    track: Callable[[list, str], AbstractContextManager[Iterable]] = _untracked,
):
    """Recompute proposals for every open need. Returns the summary and the proposals (for --json).

    track(blocks, label) wraps the blocks of needs as they are scored, for a progress bar (click.progressbar fits).
    """
    progress("Loading open needs and offers...")
    needs, offers = open_needs(), active_offers()
    proposals: list = []
    if needs and offers:
        fitted = engine().fit(needs, offers, context(today))
        with track(list(_chunks(needs, 2000)), f"Scoring {len(needs)} needs against {len(offers)} offers") as blocks:
            for block in blocks:
                proposals.extend(fitted.propose(block, top=top))
    progress("Saving proposals...")
    counts = _save(proposals, None)
    db.session.flush()
    summary = RefreshSummary(len(needs), len(offers), len(proposals), counts.added, counts.changed, counts.removed)
    return summary, proposals


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
