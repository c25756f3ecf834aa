"""The matching engine: scores every open need against every offer with capacity, and keeps the best few.

Pure and deterministic: plain items in, scored proposals out, no Flask or database. Needs are processed in
blocks, so memory stays bounded however many there are (100,000 x 10,000 fits in well under 2 GB).
"""

import gc
from contextlib import contextmanager
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from matchmaker.matching import semantic
from matchmaker.matching.geography import (
    BOROUGH_WIDE_OFFER,
    WARD_OFFER_FOR_BOROUGH_WIDE_NEED,
    Geography,
)
from matchmaker.matching.items import Context, NeedItem, OfferItem
from matchmaker.matching.signals import (
    PRIORITIES,
    SUPPORT_TYPES,
    UNITS,
    capacity_fit,
    fairness_sides,
    offer_type_reach,
    one_hot,
    priority_overlap,
    support_fit,
    urgency,
)
from matchmaker.matching.text import Parsed, TextModel, Vocabulary
from matchmaker.matching.weights import COMPONENTS, Weights

BLOCK = 2048
# A block's matrices hold BLOCK x offers values each; with many offers the blocks get shorter, so memory stays
# near BLOCK_CELLS x 4 bytes per matrix (about 4 MB) however large the borough. Blocks this small also stay in
# the processor's cache between the dozen passes over them: measured 20% faster than 16 MB blocks.
BLOCK_CELLS = 1_000_000


class Proposal(NamedTuple):
    """One offer proposed for one need. A named tuple: tens of thousands are made per run, and it is light."""

    need: NeedItem
    offer: OfferItem
    score: float
    components: dict[str, float]
    reason: str


class OfferSide:
    """Everything about the offers that does not depend on the needs, computed once."""

    def __init__(
        self, offers: list[OfferItem], text_matrix, geography: Geography, context: Context, meaning: bool = True
    ) -> None:
        self.offers = offers
        self.meaning = vectors(offers) if meaning else np.zeros((len(offers), semantic.DIMENSIONS), np.float32)
        self.text = text_matrix.T.tocsr()
        self.priorities = one_hot([o.priorities for o in offers], PRIORITIES)
        self.type_reach = offer_type_reach(one_hot([o.support_types for o in offers], SUPPORT_TYPES))
        self.borough_wide = np.array([o.borough_wide for o in offers], dtype=bool)
        # cover[w, m]: how close offer m comes to ward w.
        offer_wards = one_hot([o.wards for o in offers], tuple(w.code for w in geography.wards))
        cover = (
            np.max(geography.closeness[:, None, :] * offer_wards[None, :, :], axis=2)
            if offers
            else np.zeros((len(geography.wards), 0), dtype=np.float32)
        )
        cover[:, self.borough_wide] = BOROUGH_WIDE_OFFER
        self.cover = cover
        self.remaining = np.array([np.nan if o.remaining is None else o.remaining for o in offers], dtype=np.float32)
        self.unit = np.array([UNITS.index(o.unit) if o.unit in UNITS else -1 for o in offers], dtype=np.int8)
        self.allocated = np.array([o.allocated_fraction for o in offers], dtype=np.float32)
        usable = np.array(
            [
                (o.remaining is None or o.remaining > 0)
                and (o.available_until is None or o.available_until >= context.today)
                for o in offers
            ],
            dtype=bool,
        )
        self.usable = usable
        self.ids = np.array([o.id for o in offers], dtype=np.int64)
        # Ties between equal scores go to the offer with more left to give (no set amount counts as plenty).
        self.room = np.nan_to_num(self.remaining, nan=np.inf)


def vectors(items: list) -> np.ndarray:
    """Unit meaning vectors of needs or offers: those stored with the item, the rest encoded in one batch."""
    result = np.zeros((len(items), semantic.DIMENSIONS), dtype=np.float32)
    missing = []
    for row, item in enumerate(items):
        if item.embedding is not None and len(item.embedding) == semantic.DIMENSIONS * 4:
            result[row] = semantic.from_bytes(item.embedding)
        else:
            missing.append(row)
    if missing:
        result[missing] = semantic.encode([semantic.document(items[r].title, items[r].description) for r in missing])
    return result


class Engine:
    def __init__(
        self,
        geography: Geography,
        vocabulary: Vocabulary | None = None,
        weights: Weights | None = None,
        use_concepts: bool = True,
    ) -> None:
        self.geography = geography
        # Place names are left out of the text: location is scored from the wards, not from the words.
        self.vocabulary = (vocabulary or Vocabulary.empty()).with_places(geography.place_names())
        self.weights = weights or Weights()
        self.use_concepts = use_concepts
        # With no weight on meaning, nothing is encoded (and the embedding library is never imported).
        self.use_semantic = bool(self.weights.semantic)

    # -- the whole borough ------------------------------------------------------------------------------

    def fit(
        self, needs: list[NeedItem], offers: list[OfferItem], context: Context, proposing_all: bool = True
    ) -> "FittedEngine":
        """Learn word weights from both sides' texts (each analysed once) and prepare the offers.

        proposing_all: these needs will all be proposed for, so their words are kept for their reasons while
        they are read (small: see text.Terms). False when the needs only lend their language to score others.
        """
        text = TextModel(self.vocabulary, use_concepts=self.use_concepts)
        kept = len(needs) if proposing_all else 0
        with _no_cycle_collection():
            # Offers are read for their reasons in the same pass: each is proposed for many needs.
            matrix, terms = text.fit_transform(
                [text.document(n.title, n.description) for n in needs]
                + [text.document(o.title, o.description) for o in offers],
                keep_terms=kept,
                parsed_from=len(needs),
            )
        need_rows = {n.id: row for row, n in enumerate(needs)}
        # Needs' meaning vectors read (or encoded) once for all: the same floats whatever the block size.
        need_meaning = vectors(needs) if self.use_semantic else None
        fitted = FittedEngine(
            self,
            text,
            OfferSide(offers, matrix[len(needs) :], self.geography, context, self.use_semantic),
            context,
            matrix[: len(needs)],
            need_rows,
            terms[:kept],
        )
        fitted._offer_parsed = terms[kept:]
        fitted._need_meaning = need_meaning
        return fitted

    def propose(self, needs: list[NeedItem], offers: list[OfferItem], context: Context, top: int = 5) -> list[Proposal]:
        if not needs or not offers:
            return []
        return self.fit(needs, offers, context).propose(needs, top)


class FittedEngine:
    """An engine with its vocabulary fitted and offers prepared: scores any number of needs quickly."""

    def __init__(
        self,
        engine: Engine,
        text: TextModel,
        offers: OfferSide,
        context: Context,
        need_matrix=None,
        need_rows: dict[int, int] | None = None,
        need_terms: list | None = None,
    ) -> None:
        self.engine, self.text, self.offers, self.context = engine, text, offers, context
        self.weights = np.array(engine.weights.vector(), dtype=np.float32)
        self.weights /= self.weights.sum()
        self._need_matrix, self._need_rows, self._need_terms = need_matrix, need_rows or {}, need_terms or []
        self._offer_parsed: list[Parsed | None] = [None] * len(offers.offers)
        self._need_meaning: np.ndarray | None = None  # stored need vectors, set by fit() when the caller has them
        self._offer_phrases: dict = {}  # offer column -> its phrases' vectors, filled as reasons need them

    def _excluded_columns(self) -> dict[int, list[int]]:
        """need id -> offer columns it must not be proposed, built once per fitted engine."""
        if not hasattr(self, "_excluded"):
            column = {int(offer_id): c for c, offer_id in enumerate(self.offers.ids)}
            excluded: dict[int, list[int]] = {}
            for need_id, offer_id in self.context.excluded:
                if offer_id in column:
                    excluded.setdefault(need_id, []).append(column[offer_id])
            self._excluded = excluded
        return self._excluded

    def _need_text(self, needs: list[NeedItem]):
        """Vectors for these needs: the rows computed while fitting when they were part of it."""
        rows = [self._need_rows.get(n.id) for n in needs]
        if self._need_matrix is not None and all(r is not None for r in rows):
            return self._need_matrix[rows]
        return self.text.transform([self.text.document(n.title, n.description) for n in needs])

    def _need_vectors(self, needs: list[NeedItem]) -> np.ndarray:
        """Meaning vectors for these needs: those computed while fitting when they were part of it."""
        stored = self._need_meaning
        rows = [self._need_rows.get(n.id) for n in needs]
        found = [r for r in rows if r is not None]
        if stored is not None and len(found) == len(rows):
            return stored[found]
        return vectors(needs)

    def offer_parsed(self, column: int) -> Parsed:
        """An offer's words for its reasons: read while fitting (or when first proposed) and kept."""
        parsed = self._offer_parsed[column]
        if parsed is None:
            offer = self.offers.offers[column]
            parsed = self._offer_parsed[column] = self.text.explained(offer.title, offer.description, "parsed")
        return parsed

    def offer_phrases(self, column: int) -> tuple[list[str], np.ndarray]:
        """An offer's phrases and their meaning vectors, for reasons: worked out when first proposed, kept."""
        self.prepare_offer_phrases([column])
        return self._offer_phrases[column]

    def prepare_offer_phrases(self, columns) -> None:
        """Encode the phrases of these offers not yet read, in one batch (one call per offer costs 100x more)."""
        cache = self._offer_phrases
        missing = [c for c in dict.fromkeys(columns) if c not in cache]
        if missing:
            offers = self.offers.offers
            read = _phrase_vectors([semantic.document(offers[c].title, offers[c].description) for c in missing])
            cache.update(zip(missing, read, strict=True))

    def meaning(self, need_phrases: tuple[list[str], np.ndarray], column: int) -> str:
        """The phrase of the need and of the offer closest in meaning: "'x' ~ 'y'"."""
        texts, vectors = need_phrases
        cached = self._offer_phrases.get(column)
        offer_texts, offer_vectors = cached or self.offer_phrases(column)
        scores = vectors @ offer_vectors.T
        row, col = np.unravel_index(int(np.argmax(scores)), scores.shape)
        return f"meaning: '{semantic.short(texts[row])}' ~ '{semantic.short(offer_texts[col])}'"

    def need_terms(self, need: NeedItem):
        """A need's words for its reasons: kept while fitting when it was part of it."""
        row = self._need_rows.get(need.id)
        if row is not None and row < len(self._need_terms):
            return self._need_terms[row]
        return self.text.explained(need.title, need.description)

    def components(self, needs: list[NeedItem]) -> dict[str, np.ndarray]:
        """Every signal for these needs against all offers, each (needs x offers)."""
        geo, side, ctx = self.engine.geography, self.offers, self.context
        text = (self._need_text(needs) @ side.text).toarray()
        meaning = (
            semantic.similarity(self._need_vectors(needs), side.meaning)
            if self.engine.use_semantic
            else np.zeros(text.shape, dtype=np.float32)
        )
        # Location, priorities and type depend only on the need's set of wards, priorities or types, and needs
        # share a few hundred such sets at most: each distinct set's row is worked out once, then copied.

        def location_row(key) -> np.ndarray:
            borough_wide, wards = key
            if borough_wide or not wards:
                return np.where(side.borough_wide, 1.0, WARD_OFFER_FOR_BOROUGH_WIDE_NEED).astype(np.float32)
            rows = [geo.index[c] for c in wards if c in geo.index]
            # The best closeness between any of the need's wards and the offer's coverage.
            return side.cover[rows].max(axis=0) if rows else np.zeros(len(side.offers), dtype=np.float32)

        location = _by_distinct(
            [(n.borough_wide, n.wards) for n in needs],
            lambda keys: np.array([location_row(k) for k in keys], dtype=np.float32).reshape(
                len(keys), len(side.offers)
            ),
        )
        priority = _by_distinct(
            [n.priorities for n in needs], lambda keys: priority_overlap(one_hot(keys, PRIORITIES), side.priorities)
        )
        support = _by_distinct(
            [n.support_types for n in needs], lambda keys: support_fit(one_hot(keys, SUPPORT_TYPES), side.type_reach)
        )
        days_left = np.array([(n.needed_by - ctx.today).days if n.needed_by else 365 for n in needs], dtype=np.float32)
        waiting = np.array([(ctx.today - n.posted).days if n.posted else 0 for n in needs], dtype=np.float32)
        received = np.array([ctx.received_by_organisation.get(n.organisation_id, 0) for n in needs], dtype=np.float32)
        need_qty = np.array([np.nan if n.quantity is None else n.quantity for n in needs], dtype=np.float32)
        need_unit = np.array([UNITS.index(n.unit) if n.unit in UNITS else -1 for n in needs], dtype=np.int8)
        need_fair, offer_fair = fairness_sides(side.allocated, received)
        return {
            "text": text,
            "priority": priority,
            "location": location,
            "support": support,
            "capacity": capacity_fit(need_qty, need_unit, side.remaining, side.unit),
            # Per need, or a product of a per-need and a per-offer factor: broadcast views, not full matrices.
            "urgency": np.broadcast_to(urgency(days_left, waiting)[:, None], text.shape),
            "fairness": need_fair[:, None] * offer_fair[None, :],
            "semantic": meaning,
        }

    def scores(self, needs: list[NeedItem], parts: dict[str, np.ndarray]) -> np.ndarray:
        total = np.zeros(parts["text"].shape, dtype=np.float32)
        scratch = np.empty_like(total)
        for weight, name in zip(self.weights, COMPONENTS, strict=False):
            if not weight:
                continue
            part, weight = parts[name], np.float32(weight)
            if part.strides[1] == 0:  # the same for every offer: weigh one column, add it to every row
                total += weight * part[:, :1]
            else:  # in place, in the same order as `total += weight * part`, so the sums are the same floats
                np.multiply(part, weight, out=scratch)
                total += scratch
        boost = self.engine.weights.ward_boost
        if self.context.ward_weights and boost:
            lift = np.array(
                [max((self.context.ward_weights.get(c, 0.0) for c in n.wards), default=0.0) for n in needs],
                dtype=np.float32,
            )
            total = total * (1.0 + boost * lift)[:, None]
        # Hard filters: a type of help that cannot meet the need, no capacity left, pairs officers rejected.
        total[parts["support"] <= 0] = -np.inf
        total[:, ~self.offers.usable] = -np.inf
        excluded = self._excluded_columns()
        if excluded:
            for row, need in enumerate(needs):
                columns = excluded.get(need.id)
                if columns:
                    total[row, columns] = -np.inf
        return total

    def propose(self, needs: list[NeedItem], top: int = 5) -> list[Proposal]:
        proposals: list[Proposal] = []
        if not self.offers.offers:
            return proposals
        rows = max(1, min(BLOCK, BLOCK_CELLS // max(1, len(self.offers.offers))))
        with _no_cycle_collection():
            for start in range(0, len(needs), rows):
                block = needs[start : start + rows]
                parts = self.components(block)
                total = self.scores(block, parts)
                proposals.extend(self._kept(block, parts, total, min(top, total.shape[1])))
        return proposals

    def _kept(self, block: list[NeedItem], parts: dict[str, np.ndarray], total: np.ndarray, k: int):
        """The best k offers of each need in the block, best first, as proposals. Equal scores are ordered by
        closeness of meaning, then by the room the offer has left (offer id only as a last resort).

        Everything per pair is done for the kept pairs only, and as whole-block array operations; reasons, the
        one part that needs Python, are built for the kept pairs alone.
        """
        ids, room = self.offers.ids, self.offers.room
        meaning = parts["semantic"]
        if total.shape[1] > k:
            # Partitioned at k, not k - 1: the (k+1)-th best comes out too, for the tie check below.
            partition = np.argpartition(-total, k, axis=1)
            best = partition[:, :k]
            following = np.take_along_axis(total, partition[:, k : k + 1], axis=1)[:, 0]
        else:
            best = np.argpartition(-total, k - 1, axis=1)[:, :k]
            following = np.full(total.shape[0], -np.inf, dtype=total.dtype)
        best_scores = np.take_along_axis(total, best, axis=1)
        # When an offer left out ties with the k-th best score, argpartition kept any of the tied: keep those
        # with the lowest ids instead, as a full ranking would (rare, so done row by row).
        kth = best_scores.min(axis=1)
        tied = following == kth
        for tie in np.flatnonzero(tied & np.isfinite(kth)):
            columns = np.flatnonzero(total[tie] >= kth[tie])
            best[tie] = columns[
                np.lexsort((ids[columns], -room[columns], -meaning[tie, columns], -total[tie, columns]))[:k]
            ]
            best_scores[tie] = total[tie, best[tie]]
        row_index = np.arange(len(block))[:, None]
        order = np.lexsort((ids[best], -room[best], -meaning[row_index, best], -best_scores), axis=1)
        best = np.take_along_axis(best, order, axis=1)
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        # needs x k x components, rounded as whole arrays (to the same floats as `round` gives one by one).
        components = _rounded(np.stack([parts[name][row_index, best] for name in COMPONENTS], axis=2), 4).tolist()
        scores = _rounded(best_scores, 6).tolist()
        columns, offers, names = best.tolist(), self.offers.offers, COMPONENTS
        geo, bridge, parsed = self.engine.geography, self.text.bridge, self._offer_parsed
        # The phrases of the block's needs, encoded in one batch: only for reasons, so only when meaning counts.
        need_phrases = None
        if self.engine.use_semantic:
            need_phrases = _phrase_vectors([semantic.document(n.title, n.description) for n in block])
            self.prepare_offer_phrases(c for row in columns for c in row)
        for row, need in enumerate(block):
            terms = None
            wards, wide, priorities, types = need.wards, need.borough_wide, need.priorities, need.support_types
            for col, score, values in zip(columns[row], scores[row], components[row], strict=False):
                if score == -np.inf:
                    continue
                if terms is None:
                    terms = self.need_terms(need)
                offer = offers[col]
                # As _reason, inlined: this runs once per proposal.
                where = _where(geo, wards, wide, offer.wards, offer.borough_wide)
                shared = _shared_priorities(priorities, offer.priorities)
                head = (
                    f"{where} · {shared} · {_types(types, offer.support_types)}"
                    if shared
                    else f"{where} · {_types(types, offer.support_types)}"
                )
                words = bridge(terms, parsed[col] or self.offer_parsed(col))
                reason = f"{head} · words: {', '.join(words)}" if words else head
                if need_phrases is not None:
                    reason = f"{reason} · {self.meaning(need_phrases[row], col)}"
                yield Proposal(need, offer, score, dict(zip(names, values, strict=False)), reason)


@contextmanager
def _no_cycle_collection():
    """Pause the cyclic garbage collector. Analysing texts and making proposals create several small containers
    per text or pair and no reference cycles, and the collector would walk them over and over for nothing (a
    quarter of the time, measured). Reference counting still frees everything as usual."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """`round(value, digits)` for every value at once, giving the same floats.

    Scaling, rounding to an integer and dividing back gives the double nearest the decimal, as `round` does,
    unless the scaled value sits a hair from .5, where the multiplication's own rounding could tip it: those
    rare values are rounded by `round` itself.
    """
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    with np.errstate(invalid="ignore"):  # -inf scores stay -inf
        scaled = x * scale
        result = np.rint(scaled) / scale
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in zip(*np.nonzero(near_half), strict=False):
        result[index] = round(float(x[index]), digits)
    return result


def _by_distinct(keys: list, build) -> np.ndarray:
    """Rows for these keys, from `build(distinct keys)` called once for each distinct key."""
    index: dict = {}
    positions = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.intp, count=len(keys))
    return build(list(index)).take(positions, axis=0)


def explain(fitted: FittedEngine, need: NeedItem, offer: OfferItem, components: dict[str, float]) -> str:
    """One line a person can read: where, which priority, which type of help, which words."""
    text = fitted.text
    return _reason(
        fitted,
        need,
        offer,
        text.explained(need.title, need.description),
        text.explained(offer.title, offer.description, "parsed"),
    )


def _reason(fitted: FittedEngine, need: NeedItem, offer: OfferItem, need_terms, parsed_offer) -> str:
    where = _where(fitted.engine.geography, need.wards, need.borough_wide, offer.wards, offer.borough_wide)
    parts = [where]
    priorities = _shared_priorities(need.priorities, offer.priorities)
    if priorities:
        parts.append(priorities)
    parts.append(_types(need.support_types, offer.support_types))
    words = fitted.text.bridge(need_terms, parsed_offer)
    if words:
        parts.append("words: " + ", ".join(words))
    if fitted.engine.use_semantic:
        column = int(np.flatnonzero(fitted.offers.ids == offer.id)[0])
        need_phrases = _phrase_vectors([semantic.document(need.title, need.description)])[0]
        parts.append(fitted.meaning(need_phrases, column))
    return " · ".join(parts)


def _phrase_vectors(texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
    """Each text's phrases with their meaning vectors, all texts encoded in one batch."""
    split = [semantic.phrases(t) for t in texts]
    vectors = semantic.phrase_vectors([p for parts in split for p in parts])
    result, start = [], 0
    for parts in split:
        result.append((parts, vectors[start : start + len(parts)]))
        start += len(parts)
    return result


# The parts of a reason repeat across thousands of pairs: each is worked out once per distinct input.


@lru_cache(maxsize=65536)
def _where(geo, need_wards, need_wide, offer_wards, offer_wide) -> str:
    relation, ward = geo.relation(need_wards, need_wide, offer_wards, offer_wide)
    return {
        "same": f"Same ward ({ward})",
        "neighbour": f"Neighbouring ward ({ward})",
        "borough-wide": "Borough-wide offer",
        "some wards": "Offer covers part of the borough",
        "far": "Different part of Brent",
    }[relation]


@lru_cache(maxsize=1024)
def _shared_priorities(need_p: frozenset[str], offer_p: frozenset[str]) -> str:
    shared = [PRIORITY_TITLES.get(p, p) for p in PRIORITIES if p in need_p and p in offer_p]
    return "priority: " + ", ".join(shared) if shared else ""


@lru_cache(maxsize=1024)
def _types(need_t: frozenset[str], offer_t: frozenset[str]) -> str:
    shared = [t for t in SUPPORT_TYPES if t in need_t and t in offer_t]
    if shared:
        return "type: " + ", ".join(shared)
    return f"type: {'/'.join(sorted(offer_t))} for {'/'.join(sorted(need_t))}"


PRIORITY_TITLES = {
    "good-jobs": "Good jobs and fair work",
    "inclusive-economy": "Inclusive economic growth and thriving local businesses",
    "reducing-inequalities": "Reducing inequalities and strengthening community wellbeing, resilience, and participation",
    "environment": "Environmental sustainability and climate action",
    "vcse-capacity": "Building community and voluntary sector capacity",
}
