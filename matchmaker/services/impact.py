"""Impact figures for any period: what was asked for, matched, delivered and verified, and where.

A pure query layer: the period's facts are read in a few grouped queries (per need and per offer, never a row
per match or delivery), and every figure is added up from those (see load_facts). Nothing here writes.

Definitions (the report's glossary repeats them):
- a need is *posted* when it is published (visible to suppliers), *matched* when its first live match was
  approved, *met* when its status is met and its last verification fell in the period;
- *committed*: offers created in the period and not withdrawn; *approved*: live matches approved in the
  period; *delivered* and *verified*: deliveries dated in the period, as the supplier reported them and as an
  officer verified them. A match that was cancelled or failed never counts as approved or delivered, even
  for what was verified before it ended;
- *value* is in pounds, and only for verified help: the quantity times the proxy value of its measure where
  the council supplied one (the delivery's measure, or else its offer's), or the quantity itself where the
  help was given in pounds. Other help is counted in its own units and is not turned into pounds;
- by priority, support type: a need serving two priorities counts in both, so rows add up to more than the
  total. By ward: a need in several wards shares its value equally between them; borough-wide needs are
  their own row and are not on the map.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import aliased

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Delivery,
    Match,
    MatchStatus,
    Measure,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Organisation,
    Priority,
    SupportType,
    Unit,
    Ward,
)
from matchmaker.models.needs import need_priority, need_support_type, need_ward

LONDON = ZoneInfo("Europe/London")
LIVE = (
    MatchStatus.APPROVED,
    MatchStatus.INTRODUCED,
    MatchStatus.IN_DELIVERY,
    MatchStatus.DELIVERED,
    MatchStatus.VERIFIED,
)
ENDED = (MatchStatus.DECLINED, MatchStatus.CANCELLED, MatchStatus.FAILED)
assert set(LIVE) | set(ENDED) == set(MatchStatus)
BOROUGH_WIDE = "borough-wide"


def _live():
    """Live matches, written as "not ended": most matches are live, so reading the whole table in order is
    quicker than the status index's row-by-row look-ups (SQLite uses an index for IN, not for NOT IN)."""
    return Match.status.not_in(ENDED)


# Periods ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str  # "month", "year" (a financial year, April to March) or "custom"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        if self.kind == "year":
            return f"Financial year {self.start.year} to {self.end.year}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    @property
    def starts_at(self) -> datetime:
        """The first moment of the start day in London, as UTC: timestamps are compared with this."""
        return datetime.combine(self.start, time(), LONDON).astimezone(UTC)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), LONDON).astimezone(UTC)

    def months(self) -> list[tuple[int, int]]:
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            found.append((day.year, day.month))
            day = (day + timedelta(days=32)).replace(day=1)
        return found


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(start, end, "month")


def financial_year_starting(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 3, 31), "year")


def financial_year_of(day: date) -> Period:
    return financial_year_starting(day.year if day.month >= 4 else day.year - 1)


def custom(start: date, end: date) -> Period:
    if end < start:
        raise ValueError("The end date must be the same as or after the start date")
    return Period(start, end, "custom")


def _between(column, period: Period):
    """A timestamp column within the period (London days)."""
    return and_(column >= period.starts_at, column < period.ends_before)


# Small helpers ---------------------------------------------------------------------------------------------


def number(value: Decimal | int | float | None) -> int | float:
    """A JSON-friendly number: whole amounts as int, others rounded to pence."""
    if value is None:
        return 0
    value = Decimal(str(value)).quantize(Decimal("0.01"))
    return int(value) if value == value.to_integral_value() else float(value)


def _by_unit(rows: Iterable[tuple[Any, Any]]) -> dict[str, int | float]:
    """{unit: total} from (unit, total) rows, in the units' own order; help with no set amount is left out."""
    totals = {Unit(u).value if u is not None else None: t for u, t in rows}
    return {u.value: number(totals[u.value]) for u in Unit if totals.get(u.value)}


def _measure():
    """The measure a delivery counts as: its own, or else its offer's."""
    measure = aliased(Measure)
    return measure, measure.id == func.coalesce(Delivery.measure_id, Offer.measure_id)


def _value(measure) -> Any:
    """Pounds for verified help: quantity x the council's proxy, or the quantity itself for help in pounds."""
    return case(
        (measure.proxy_value.is_not(None), Delivery.verified_quantity * measure.proxy_value),
        (Offer.unit == Unit.POUNDS, Delivery.verified_quantity),
        else_=literal(0),
    )


# The facts behind every figure ------------------------------------------------------------------------------
#
# A dashboard shows some 20 figures and tables, all drawn from the same live matches and their deliveries.
# Asking the database for each of them separately made it scan and join those tables 10 times (seconds with
# 50,000 matches), so they are read in four grouped passes instead: per need and per offer, once for the
# matches and once for the deliveries. The breakdowns (priority, ward, support type through the need; supplier
# and contract through the offer) are then added up here from those few thousand rows.


@dataclass
class NeedSide:
    """Per need (live matches only): what happened in the period, and the links that place it."""

    approved: dict[int, int]  # need id -> live matches approved in the period
    first_in_period: set[int]  # needs whose first live match was approved in the period
    days_to_first: list[float]  # posting to first match, for those needs
    met: int
    verified: dict[int, dict[Any, Decimal]]  # need id -> {unit: verified quantity in the period}
    value: dict[int, Decimal]  # need id -> verified value in the period (pounds)
    monthly: dict[tuple[int, str], Decimal]  # (need id, "YYYY-MM") -> verified value in that month
    posted: list[int]  # needs published in the period
    open_needs: list[int]  # needs open now with no live match at all
    links: dict[str, dict[int, tuple[str, ...]]]  # dimension -> need id -> keys (wards: ONS codes)
    # Needs placed alike (same priorities, wards and support types: a few thousand places, not 25,000 needs),
    # added up once: needs posted, and [matches approved, {unit: verified}, value].
    posted_by_place: dict[tuple, int]
    placed: dict[tuple, list[Any]]


PLACES = ("priority", "ward", "support_type")  # the order of a place's keys


@dataclass
class OfferSide:
    """Per offer: its matches and deliveries, in the period and up to its end."""

    offers: dict[int, dict[str, Any]]  # id -> unit, quantity, active, created_in, contract_id, measure_id
    matches: dict[int, dict[str, Any]]  # offer id -> approved_n, approved_q (in the period), approved_to_end
    deliveries: dict[tuple[int, int | None], dict[str, Any]]  # (offer id, measure id) -> sums


@dataclass
class Facts:
    period: Period
    need: NeedSide | None
    offer: OfferSide


def load_facts(period: Period, need_side: bool = True, contract_ids: list[int] | None = None) -> Facts:
    """Everything the period's figures need, in a handful of grouped queries (see above)."""
    db.session.flush()  # the queries go through Core, which does not flush pending changes as the ORM would
    return Facts(period, _need_side(period) if need_side else None, _offer_side(period, contract_ids))


def _facts(period: Period, facts: Facts | None) -> Facts:
    return facts if facts is not None and facts.period == period else load_facts(period)


def _verified_in(period: Period):
    return and_(
        Delivery.delivered_on >= period.start,
        Delivery.delivered_on <= period.end,
        Delivery.verified_quantity.is_not(None),
    )


def _delivered_in(period: Period):
    return and_(Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end)


def _need_side(period: Period) -> NeedSide:
    session = db.session
    postgres = session.get_bind().dialect.name == "postgresql"
    posted_at = func.coalesce(Need.published_at, Need.created_at)
    first = func.min(Match.created_at)
    if postgres:
        days = func.extract("epoch", first - func.min(posted_at)) / 86400.0
    else:  # SQLite keeps timestamps as ISO text, which julianday() reads
        days = func.julianday(first) - func.julianday(func.min(posted_at))
    first_in = and_(first >= period.starts_at, first < period.ends_before)
    approved, first_in_period, days_to_first, is_met = {}, set(), [], {}
    for need_id, n, is_first_in, d, met in _rows(
        select(
            Need.id,
            func.count(case((_between(Match.created_at, period), 1))),
            case((first_in, 1), else_=0),
            days,
            func.max(case((Need.status == NeedStatus.MET, 1), else_=0)),
        )
        .select_from(Match)
        .join(Need, Need.id == Match.need_id)
        .where(_live())
        .group_by(Need.id)
    ):
        is_met[need_id] = met
        if n:
            approved[need_id] = n
        if is_first_in:
            first_in_period.add(need_id)
            days_to_first.append(float(d))

    measure, on = _measure()
    verified_in = _verified_in(period)
    # "YYYY-MM" of the delivery date (SQLite keeps dates as ISO text, so its first seven characters).
    month = case(
        (
            verified_in,
            func.to_char(Delivery.delivered_on, "YYYY-MM") if postgres else func.substr(Delivery.delivered_on, 1, 7),
        )
    )
    last = func.max(Delivery.verified_at)
    verified: dict[int, dict[Any, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    value: dict[int, Decimal] = defaultdict(Decimal)
    monthly: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    last_in, last_after = set(), set()
    for need_id, unit, ym, quantity, pounds, is_in, is_after in _rows(
        select(
            Match.need_id,
            Offer.unit,
            month,
            func.sum(case((verified_in, Delivery.verified_quantity))),
            func.sum(case((verified_in, _value(measure)))),
            case((and_(last >= period.starts_at, last < period.ends_before), 1), else_=0),
            case((last >= period.ends_before, 1), else_=0),
        )
        .select_from(Delivery)
        .join(Match, Delivery.match_id == Match.id)
        .join(Offer, Match.offer_id == Offer.id)
        .outerjoin(measure, on)
        .where(_live())
        .group_by(Match.need_id, Offer.unit, month)
    ):
        if is_in:
            last_in.add(need_id)
        if is_after:
            last_after.add(need_id)
        if ym is None:
            continue
        if unit is not None and quantity:
            verified[need_id][unit] += quantity
        if pounds:
            value[need_id] += pounds
            monthly[(need_id, ym)] += pounds
    met = sum(1 for n in last_in - last_after if is_met.get(n))

    # One row per need: whether it was posted in the period or is open with no live match, and the ids of its
    # priorities, support types and wards as "3,5" (one row a need rather than one a link; each distinct set of
    # ids is turned into keys once).
    tables = {
        "priority": (need_priority, need_priority.c.priority_id, Priority, Priority.slug),
        "support_type": (need_support_type, need_support_type.c.support_type_id, SupportType, SupportType.slug),
        "ward": (need_ward, need_ward.c.ward_id, Ward, Ward.ons_code),
    }
    keys = {
        name: {str(i): k for i, k in _rows(select(reference.id, key))}
        for name, (_, _, reference, key) in tables.items()
    }
    # Joined as grouped subqueries, not correlated ones: PostgreSQL hashes them once instead of 25,000 look-ups.
    listed = [
        select(
            table.c.need_id,
            (func.string_agg(cast(column, String), ",") if postgres else func.group_concat(column, ",")).label("ids"),
        )
        .group_by(table.c.need_id)
        .subquery()
        for table, column, _, _ in tables.values()
    ]
    live_needs = select(Match.need_id).where(_live()).distinct().subquery()
    query = select(
        Need.id,
        case((_between(Need.published_at, period), 1), else_=0),
        case((and_(Need.status == NeedStatus.OPEN, live_needs.c.need_id.is_(None)), 1), else_=0),
        *[sub.c.ids for sub in listed],
    ).outerjoin(live_needs, live_needs.c.need_id == Need.id)
    for sub in listed:
        query = query.outerjoin(sub, sub.c.need_id == Need.id)
    posted, open_needs = [], []
    links: dict[str, dict[int, tuple[str, ...]]] = {name: {} for name in tables}
    sets: dict[tuple[str, str], tuple[str, ...]] = {}
    for need_id, is_posted, is_unmatched, *ids in _rows(query):
        if is_posted:
            posted.append(need_id)
        if is_unmatched:
            open_needs.append(need_id)
        for name, found in zip(tables, ids, strict=True):
            if found:
                combination = sets.get((name, found))
                if combination is None:
                    combination = sets[(name, found)] = tuple(sorted(keys[name][i] for i in found.split(",")))
                links[name][need_id] = combination
    priorities, wards, support_types = (links[name] for name in PLACES)

    def place(need_id: int) -> tuple:
        return (priorities.get(need_id, ()), wards.get(need_id, (BOROUGH_WIDE,)), support_types.get(need_id, ()))

    posted_by_place: dict[tuple, int] = defaultdict(int)
    for need_id in posted:
        posted_by_place[place(need_id)] += 1
    placed: dict[tuple, list[Any]] = {}
    for need_id in approved.keys() | verified.keys() | value.keys():
        totals = placed.setdefault(place(need_id), [0, defaultdict(Decimal), Decimal(0)])
        totals[0] += approved.get(need_id, 0)
        for unit, quantity in verified.get(need_id, {}).items():
            totals[1][unit] += quantity
        totals[2] += value.get(need_id, 0)
    return NeedSide(
        approved,
        first_in_period,
        days_to_first,
        met,
        verified,
        value,
        monthly,
        posted,
        open_needs,
        links,
        posted_by_place,
        placed,
    )


def _rows(query) -> list[Any]:
    """All rows at once through Core: many thousands of plain tuples, without the ORM's per-row work."""
    return db.session.connection().execute(query).all()


def _offer_side(period: Period, contract_ids: list[int] | None) -> OfferSide:
    query = select(
        Offer.id,
        Offer.unit,
        Offer.quantity,
        Offer.status,
        Offer.contract_id,
        Offer.measure_id,
        case((_between(Offer.created_at, period), 1), else_=0),
    )
    if contract_ids is not None:
        query = query.where(Offer.contract_id.in_(contract_ids))
    offers = {
        oid: {
            "unit": unit,
            "quantity": quantity,
            "active": status == OfferStatus.ACTIVE,
            "contract_id": contract_id,
            "measure_id": measure_id,
            "created_in": bool(created_in),
        }
        for oid, unit, quantity, status, contract_id, measure_id, created_in in _rows(query)
    }
    restrict = (
        [Match.offer_id.in_(select(Offer.id).where(Offer.contract_id.in_(contract_ids)))]
        if contract_ids is not None
        else []
    )

    approved_in = _between(Match.created_at, period)
    matches = {
        oid: {"approved_n": n, "approved_q": q or Decimal(0), "approved_to_end": to_end or Decimal(0)}
        for oid, n, q, to_end in _rows(
            select(
                Match.offer_id,
                func.count(case((approved_in, 1))),
                func.sum(case((approved_in, Match.quantity))),
                func.sum(case((Match.created_at < period.ends_before, Match.quantity))),
            )
            .where(_live(), *restrict)
            .group_by(Match.offer_id)
        )
    }

    measure, on = _measure()
    delivered_in, verified_in = _delivered_in(period), _verified_in(period)
    to_end = Delivery.delivered_on <= period.end
    effective = func.coalesce(Delivery.measure_id, Offer.measure_id)
    deliveries = {}
    for row in _rows(
        select(
            Match.offer_id,
            effective,
            func.count(case((delivered_in, 1))),
            func.sum(case((delivered_in, Delivery.quantity))),
            func.count(case((verified_in, 1))),
            func.sum(case((verified_in, Delivery.verified_quantity))),
            func.sum(case((verified_in, _value(measure)))),
            func.sum(case((to_end, Delivery.quantity))),
            func.sum(case((to_end, Delivery.verified_quantity))),
            func.sum(case((to_end, _value(measure)))),
        )
        .select_from(Delivery)
        .join(Match, Delivery.match_id == Match.id)
        .join(Offer, Match.offer_id == Offer.id)
        .outerjoin(measure, on)
        .where(_live(), *restrict)
        .group_by(Match.offer_id, effective)
    ):
        deliveries[(row[0], row[1])] = dict(
            zip(
                (
                    "delivered_n",
                    "delivered_q",
                    "verified_n",
                    "verified_q",
                    "value",
                    "reported_to_end",
                    "verified_to_end",
                    "value_to_end",
                ),
                [v if v is not None else Decimal(0) for v in row[2:]],
                strict=True,
            )
        )
    return OfferSide(offers, matches, deliveries)


# Headline figures ------------------------------------------------------------------------------------------


def need_figures(period: Period, facts: Facts | None = None) -> dict[str, int]:
    need = _facts(period, facts).need
    return {
        "posted": len(need.posted),
        "matched": len(need.first_in_period),
        "met": need.met,
        "open_without_a_match": len(need.open_needs),
    }


def offer_figures(period: Period, facts: Facts | None = None) -> dict[str, Any]:
    side = _facts(period, facts).offer
    committed, approved = defaultdict(lambda: [0, Decimal(0)]), defaultdict(lambda: [0, Decimal(0)])
    delivered, verified = defaultdict(lambda: [0, Decimal(0)]), defaultdict(lambda: [0, Decimal(0)])
    value = Decimal(0)
    for offer in side.offers.values():
        if offer["created_in"] and offer["active"]:
            committed[offer["unit"]][0] += 1
            committed[offer["unit"]][1] += offer["quantity"] or 0
    for oid, m in side.matches.items():
        unit = side.offers[oid]["unit"]
        approved[unit][0] += m["approved_n"]
        approved[unit][1] += m["approved_q"]
    for (oid, _), d in side.deliveries.items():
        unit = side.offers[oid]["unit"]
        delivered[unit][0] += d["delivered_n"]
        delivered[unit][1] += d["delivered_q"]
        verified[unit][0] += d["verified_n"]
        verified[unit][1] += d["verified_q"]
        value += d["value"]

    def block(totals) -> dict[str, Any]:
        return {
            "count": sum(c for c, _ in totals.values()),
            "by_unit": _by_unit((u, q) for u, (_, q) in totals.items()),
        }

    return {
        "committed": block(committed),
        "approved": block(approved),
        "delivered": block(delivered),
        "verified": {**block(verified), "value_pounds": number(value)},
    }


def median_days_to_first_match(period: Period, facts: Facts | None = None) -> float | None:
    """For needs first matched in the period: the median number of days from posting to that first match."""
    values = _facts(period, facts).need.days_to_first
    if not values:
        return None
    return round(max(statistics.median(values), 0.0), 1)


# Breakdowns ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    name: str  # "priority", "ward", "support_type", "supplier", "contract"
    title: str
    need_side: bool  # keyed through the need's tags (else through the offer's contract)


DIMENSIONS = {
    d.name: d
    for d in (
        Dimension("priority", "Priority", True),
        Dimension("ward", "Ward", True),
        Dimension("support_type", "Type of support", True),
        Dimension("supplier", "Supplier", False),
        Dimension("contract", "Contract", False),
    )
}


def _labels(dimension: str) -> dict[str, str]:
    if dimension == "priority":
        return dict(db.session.execute(select(Priority.slug, Priority.short_title)).all())
    if dimension == "support_type":
        return dict(db.session.execute(select(SupportType.slug, SupportType.name)).all())
    if dimension == "ward":
        return {**dict(db.session.execute(select(Ward.ons_code, Ward.name)).all()), BOROUGH_WIDE: "Borough-wide"}
    raise ValueError(f"unknown dimension {dimension}")


def breakdown(period: Period, dimension: str, facts: Facts | None = None) -> list[dict[str, Any]]:
    """One row per priority, ward, support type, supplier or contract, each with the period's figures.

    A need in several wards has its verified help divided equally between them."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension}")
    facts = _facts(period, facts)
    rows: dict[str, dict[str, Any]] = {}

    def row(key, label: str) -> dict[str, Any]:
        return rows.setdefault(
            str(key),
            {
                "key": str(key),
                "label": label,
                "needs_posted": 0,
                "matches_approved": 0,
                "verified": defaultdict(Decimal),
                "value_pounds": Decimal(0),
            },
        )

    if DIMENSIONS[dimension].need_side:
        need, labels = facts.need, _labels(dimension)

        # Needs placed alike were added up together once (see _need_side); here each set of keys' totals go
        # to its keys, and a need in several wards is divided between them.
        at = PLACES.index(dimension)
        posted: dict[tuple[str, ...], int] = defaultdict(int)
        for place, count in need.posted_by_place.items():
            posted[place[at]] += count
        placed: dict[tuple[str, ...], list[Any]] = {}
        for place, (approved, verified, value) in need.placed.items():
            totals = placed.setdefault(place[at], [0, defaultdict(Decimal), Decimal(0)])
            totals[0] += approved
            for unit, quantity in verified.items():
                totals[1][unit] += quantity
            totals[2] += value
        for combination, count in posted.items():
            for key in combination:
                row(key, labels[key])["needs_posted"] += count
        for combination, (approved, verified, value) in placed.items():
            divide = Decimal(len(combination)) if dimension == "ward" else Decimal(1)
            for key in combination:
                target = row(key, labels[key])
                target["matches_approved"] += approved
                for unit, quantity in verified.items():
                    target["verified"][Unit(unit).value] += quantity / divide
                target["value_pounds"] += value / divide
    else:
        side = facts.offer
        contracts = {
            cid: (ref, title, supplier_id, supplier)
            for cid, ref, title, supplier_id, supplier in db.session.execute(
                select(Contract.id, Contract.ref, Contract.title, Organisation.id, Organisation.name).join(
                    Organisation, Organisation.id == Contract.supplier_id
                )
            )
        }

        def target_for(offer_id: int) -> dict[str, Any]:
            ref, title, supplier_id, supplier = contracts[side.offers[offer_id]["contract_id"]]
            return row(ref, title) if dimension == "contract" else row(supplier_id, supplier)

        for oid, m in side.matches.items():
            if m["approved_n"]:
                target_for(oid)["matches_approved"] += m["approved_n"]
        for (oid, _), d in side.deliveries.items():
            if d["verified_n"]:
                target = target_for(oid)
                unit = side.offers[oid]["unit"]
                if unit is not None and d["verified_q"]:
                    target["verified"][Unit(unit).value] += d["verified_q"]
                target["value_pounds"] += d["value"]
    _add_missing_reference_rows(rows, dimension, row)
    result = [
        {**r, "verified": _by_unit(r["verified"].items()), "value_pounds": number(r["value_pounds"])}
        for r in rows.values()
    ]
    return sorted(result, key=_order(dimension))


def _add_missing_reference_rows(rows, dimension: str, row) -> None:
    """Every priority and ward appears, with zeros, so a table or map shows where nothing happened too."""
    if dimension == "priority":
        for slug, title in db.session.execute(select(Priority.slug, Priority.short_title)):
            row(slug, title)
    elif dimension == "ward":
        for code, name in db.session.execute(select(Ward.ons_code, Ward.name)):
            row(code, name)


def _order(dimension: str):
    if dimension == "priority":
        numbers = dict(db.session.execute(select(Priority.slug, Priority.number)).all())
        return lambda r: numbers.get(r["key"], 99)
    if dimension == "support_type":
        positions = dict(db.session.execute(select(SupportType.slug, SupportType.position)).all())
        return lambda r: positions.get(r["key"], 99)
    if dimension == "ward":
        return lambda r: (r["key"] == BOROUGH_WIDE, r["label"])
    return lambda r: (-r["value_pounds"], r["label"])


# The ward map's figures ------------------------------------------------------------------------------------


def ward_figures(period: Period, facts: Facts | None = None) -> list[dict[str, Any]]:
    """Each ward with its population, needs posted and verified value, and both per 1,000 residents."""
    populations = {
        code: (name, population)
        for code, name, population in db.session.execute(select(Ward.ons_code, Ward.name, Ward.population))
    }
    found = []
    for r in breakdown(period, "ward", facts):
        if r["key"] == BOROUGH_WIDE:
            continue
        name, population = populations[r["key"]]
        per_1000 = 1000 / population if population else 0
        found.append(
            {
                "code": r["key"],
                "name": name,
                "population": population,
                "needs_posted": r["needs_posted"],
                "needs_per_1000": round(r["needs_posted"] * per_1000, 2),
                "value_pounds": r["value_pounds"],
                "value_per_1000": number(Decimal(str(r["value_pounds"])) * Decimal(str(per_1000))),
            }
        )
    return found


# Over time, per contract, per measure ----------------------------------------------------------------------


def value_by_priority_over_time(period: Period, facts: Facts | None = None) -> dict[str, Any]:
    """Verified value in pounds for each priority and each month of the period (zeros included)."""
    need = _facts(period, facts).need
    slugs = need.links["priority"]
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (need_id, month), pounds in need.monthly.items():
        for slug in slugs.get(need_id, ()):
            totals[(slug, month)] += pounds
    priorities = db.session.execute(select(Priority.slug, Priority.short_title).order_by(Priority.number)).all()
    months = [f"{y:04d}-{m:02d}" for y, m in period.months()]
    return {
        "months": months,
        "series": [
            {"key": slug, "label": title, "values": [number(totals.get((slug, m))) for m in months]}
            for slug, title in priorities
        ],
    }


def contracts_committed_and_delivered(
    period: Period, contract_ids: list[int] | None = None, facts: Facts | None = None
) -> list[dict[str, Any]]:
    """Contracts running during the period: what they committed, and what was approved and verified up to its end.

    `share_verified` is the mean, over offers with a committed amount, of verified / committed (as on the
    contract's page); value in pounds where measures with proxies, or pounds, allow.
    """
    side = (
        facts
        if facts is not None and facts.period == period and contract_ids is None
        else load_facts(period, need_side=False, contract_ids=contract_ids)
    ).offer
    proxies = dict(db.session.execute(select(Measure.id, Measure.proxy_value)).all())
    query = (
        select(Contract.id, Contract.ref, Contract.title, Organisation.name)
        .join(Organisation, Organisation.id == Contract.supplier_id)
        .where(Contract.start_date <= period.end, Contract.end_date >= period.start)
        .order_by(Contract.ref)
    )
    if contract_ids is not None:
        query = query.where(Contract.id.in_(contract_ids))
    contracts: dict[int, dict[str, Any]] = {
        cid: {
            "id": cid,
            "ref": ref,
            "title": title,
            "supplier": supplier,
            "offers": 0,
            "committed": defaultdict(Decimal),
            "approved": defaultdict(Decimal),
            "delivered": defaultdict(Decimal),
            "verified": defaultdict(Decimal),
            "committed_value_pounds": Decimal(0),
            "verified_value_pounds": Decimal(0),
            "_shares": [],
        }
        for cid, ref, title, supplier in db.session.execute(query)
    }
    delivered: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for (oid, _), d in side.deliveries.items():
        totals = delivered[oid]
        totals[0] += d["reported_to_end"]
        totals[1] += d["verified_to_end"]
        totals[2] += d["value_to_end"]
    for oid, offer in sorted(side.offers.items()):
        entry = contracts.get(offer["contract_id"])
        if entry is None or not offer["active"]:
            continue
        unit, quantity = offer["unit"], offer["quantity"]
        reported_q, verified_q, v_value = delivered.get(oid, (0, 0, 0))
        proxy = proxies.get(offer["measure_id"])
        entry["offers"] += 1
        if proxy is not None:
            entry["committed_value_pounds"] += (quantity or 0) * proxy
        elif unit == Unit.POUNDS:
            entry["committed_value_pounds"] += quantity or 0
        entry["verified_value_pounds"] += v_value
        if unit is not None:
            u = Unit(unit).value
            entry["committed"][u] += quantity or 0
            entry["approved"][u] += side.matches.get(oid, {}).get("approved_to_end", 0)
            entry["delivered"][u] += reported_q
            entry["verified"][u] += verified_q
            if quantity:
                entry["_shares"].append(min(Decimal(verified_q) / Decimal(quantity), Decimal(1)))
    result = []
    for entry in contracts.values():
        if not entry["offers"]:
            continue
        shares = entry.pop("_shares")
        result.append(
            {
                **entry,
                **{k: _by_unit(entry[k].items()) for k in ("committed", "approved", "delivered", "verified")},
                "committed_value_pounds": number(entry["committed_value_pounds"]),
                "verified_value_pounds": number(entry["verified_value_pounds"]),
                "share_verified": round(float(sum(shares) / len(shares)), 4) if shares else None,
            }
        )
    return result


def by_measure(period: Period, facts: Facts | None = None) -> list[dict[str, Any]]:
    """Quantities per measure (delivered and verified), and pounds only where the council gave a proxy value."""
    side = _facts(period, facts).offer
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (_, measure_id), d in side.deliveries.items():
        if measure_id is not None and d["delivered_n"]:
            totals[measure_id][0] += d["delivered_q"]
            totals[measure_id][1] += d["verified_q"]
    if not totals:
        return []
    measures = db.session.execute(
        select(Measure.id, Measure.code, Measure.name, Measure.unit, Measure.proxy_value)
        .where(Measure.id.in_(list(totals)))
        .order_by(Measure.code)
    )
    return [
        {
            "code": code,
            "name": name,
            "unit": Unit(unit).value,
            "delivered": number(totals[mid][0]),
            "verified": number(totals[mid][1]),
            "value_pounds": number(totals[mid][1] * proxy) if proxy is not None else None,
        }
        for mid, code, name, unit, proxy in measures
    ]


# Stories and unmatched needs -------------------------------------------------------------------------------


def shared_stories(period: Period, limit: int = 12) -> list[dict[str, Any]]:
    """Stories groups agreed to share, from matches verified in full, newest first."""
    query = (
        select(Delivery.story, Delivery.delivered_on, Organisation.name, Need.title)
        .join(Match, Delivery.match_id == Match.id)
        .join(Need, Match.need_id == Need.id)
        .join(Organisation, Organisation.id == Need.organisation_id)
        .where(
            Delivery.story_shared.is_(True),
            Delivery.story != "",
            Match.status == MatchStatus.VERIFIED,
            Delivery.delivered_on >= period.start,
            Delivery.delivered_on <= period.end,
        )
        .order_by(Delivery.delivered_on.desc(), Delivery.id.desc())
        .limit(limit)
    )
    return [
        {"story": story, "delivered_on": day.isoformat(), "group": group, "need": title}
        for story, day, group, title in db.session.execute(query)
    ]


def unmatched_reasons() -> list[dict[str, Any]]:
    """The matching engine's report of open needs without a useful match, counted by reason (officers see the
    needs themselves on the unmatched report)."""
    from matchmaker.services.matching import unmatched_report

    counts: dict[str, int] = defaultdict(int)
    for item in unmatched_report():
        counts[item.reason] += 1
    return [{"reason": reason, "needs": n} for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])]


# The whole picture -----------------------------------------------------------------------------------------


def headline_figures(start: date, end: date, facts: Facts | None = None) -> dict[str, Any]:
    """The period's headline figures as plain JSON-friendly values (the API and the open data use this)."""
    period = _period(start, end)
    facts = _facts(period, facts)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label},
        "needs": need_figures(period, facts),
        "offers": offer_figures(period, facts),
        "median_days_to_first_match": median_days_to_first_match(period, facts),
        "by_priority": [_public_row(r) for r in breakdown(period, "priority", facts)],
    }


def open_data(start: date, end: date) -> dict[str, Any]:
    """Everything public for the period: aggregates only, no people, no contact details, no need titles."""
    period = _period(start, end)
    facts = load_facts(period)
    figures = headline_figures(start, end, facts)
    figures.update(
        {
            "by_ward": ward_figures(period, facts),
            "by_support_type": [_public_row(r) for r in breakdown(period, "support_type", facts)],
            "by_supplier": [_public_row(r) for r in breakdown(period, "supplier", facts)],
            "contracts": [
                {k: v for k, v in c.items() if k != "id"}
                for c in contracts_committed_and_delivered(period, facts=facts)
            ],
            "by_measure": by_measure(period, facts),
            "value_by_priority_over_time": value_by_priority_over_time(period, facts),
            "licence": "Open Government Licence v3.0",
            "attribution": ATTRIBUTION,
        }
    )
    return figures


ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right."
)


def _public_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("key", "label", "needs_posted", "matches_approved", "verified", "value_pounds")}


def _period(start: date, end: date) -> Period:
    """The period these dates make: a calendar month or a financial year when they are exactly one."""
    if start == start.replace(day=1) and month_of(start).end == end:
        return month_of(start)
    if (start.month, start.day, end.month, end.day) == (4, 1, 3, 31) and end.year == start.year + 1:
        return financial_year_starting(start.year)
    return custom(start, end)


def period_from(start: date, end: date) -> Period:
    return _period(start, end)
