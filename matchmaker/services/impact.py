"""Impact figures for any period: what was asked for, matched, delivered and verified, and where.

A pure query layer: every figure is one aggregate SQL query (no loops over matches or deliveries in Python),
so the dashboard stays fast with tens of thousands of matches. Nothing here writes.

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

from sqlalchemy import and_, case, distinct, extract, func, literal, or_, select
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
LIVE = (MatchStatus.APPROVED, MatchStatus.INTRODUCED, MatchStatus.IN_DELIVERY, MatchStatus.DELIVERED,
        MatchStatus.VERIFIED)
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


def _deliveries(period: Period, *columns, verified_only: bool = False):
    """Deliveries of live matches dated in the period, joined to their offer and (outer) measure."""
    measure, on = _measure()
    query = (select(*[c(measure) if callable(c) else c for c in columns])
             .select_from(Delivery).join(Match, Delivery.match_id == Match.id).join(Offer, Match.offer_id == Offer.id)
             .outerjoin(measure, on)
             .where(_live(), Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end))
    if verified_only:
        query = query.where(Delivery.verified_quantity.is_not(None))
    return query


# Headline figures ------------------------------------------------------------------------------------------


def _per_need(last: bool = True):
    """Each need with a live match: when it was first matched and (if asked) when its help was last verified."""
    if not last:
        return select(Match.need_id, func.min(Match.created_at).label("first")).where(_live()) \
            .group_by(Match.need_id).subquery()
    return (select(Match.need_id, func.min(Match.created_at).label("first"),
                   func.max(Delivery.verified_at).label("last"))
            .outerjoin(Delivery, Delivery.match_id == Match.id).where(_live())
            .group_by(Match.need_id).subquery())


def need_figures(period: Period) -> dict[str, int]:
    posted = db.session.scalar(select(func.count(Need.id)).where(_between(Need.published_at, period)))
    per_need = _per_need()
    matched, met = db.session.execute(
        select(func.count(case((_between(per_need.c.first, period), 1))),
               func.count(case((and_(Need.status == NeedStatus.MET, _between(per_need.c.last, period)), 1))))
        .select_from(per_need).join(Need, Need.id == per_need.c.need_id)).one()
    return {"posted": posted or 0, "matched": matched or 0, "met": met or 0,
            "open_without_a_match": unmatched_count()}


def unmatched_count() -> int:
    """Needs open right now with no live match at all (the officers' report says why, need by need)."""
    live = select(Match.id).where(Match.need_id == Need.id, Match.status.in_(LIVE)).exists()
    return db.session.scalar(select(func.count(Need.id)).where(Need.status == NeedStatus.OPEN, ~live)) or 0


def offer_figures(period: Period) -> dict[str, Any]:
    committed = db.session.execute(
        select(Offer.unit, func.count(Offer.id), func.sum(Offer.quantity))
        .where(_between(Offer.created_at, period), Offer.status == OfferStatus.ACTIVE).group_by(Offer.unit)).all()
    approved = db.session.execute(
        select(Offer.unit, func.count(Match.id), func.sum(Match.quantity)).join(Offer, Match.offer_id == Offer.id)
        .where(_live(), _between(Match.created_at, period)).group_by(Offer.unit)).all()
    # Delivered and verified in one pass: count() and sum() skip the deliveries not verified yet (NULL).
    delivered = db.session.execute(
        _deliveries(period, Offer.unit, func.count(Delivery.id), func.sum(Delivery.quantity),
                    func.count(Delivery.verified_quantity), func.sum(Delivery.verified_quantity),
                    lambda m: func.sum(_value(m))).group_by(Offer.unit)).all()
    verified = [(unit, count, total, value) for unit, _, _, count, total, value in delivered if count]

    def block(rows, count_at=1, total_at=2) -> dict[str, Any]:
        return {"count": sum(r[count_at] for r in rows),
                "by_unit": _by_unit((r[0], r[total_at]) for r in rows)}

    return {"committed": block(committed), "approved": block(approved), "delivered": block(delivered),
            "verified": {**block(verified), "value_pounds": number(sum((r[3] or 0 for r in verified), Decimal(0)))}}


def median_days_to_first_match(period: Period) -> float | None:
    """For needs first matched in the period: the median number of days from posting to that first match."""
    per_need = _per_need(last=False)
    posted = func.coalesce(Need.published_at, Need.created_at)
    if db.session.get_bind().dialect.name == "postgresql":
        days = func.extract("epoch", per_need.c.first - posted) / 86400.0
    else:  # SQLite keeps timestamps as ISO text, which julianday() reads
        days = func.julianday(per_need.c.first) - func.julianday(posted)
    values = db.session.scalars(select(days).select_from(per_need).join(Need, Need.id == per_need.c.need_id)
                                .where(_between(per_need.c.first, period))).all()
    if not values:
        return None
    return round(max(statistics.median(float(v) for v in values), 0.0), 1)


# Breakdowns ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    name: str  # "priority", "ward", "support_type", "supplier", "contract"
    title: str
    need_side: bool  # keyed through the need's tags (else through the offer's contract)


DIMENSIONS = {d.name: d for d in (
    Dimension("priority", "Priority", True),
    Dimension("ward", "Ward", True),
    Dimension("support_type", "Type of support", True),
    Dimension("supplier", "Supplier", False),
    Dimension("contract", "Contract", False),
)}


def _keyed(query, dimension: str, need_id_column):
    """Join the query to the dimension; returns it with (key, label, share) columns added, and the columns
    to group by. `share` splits a need's figures equally between its wards; for other dimensions it is 1."""
    one = literal(1)
    if dimension == "priority":
        query = (query.join(need_priority, need_priority.c.need_id == need_id_column)
                 .join(Priority, Priority.id == need_priority.c.priority_id))
        key, label, share, group = Priority.slug, Priority.short_title, one, [Priority.slug, Priority.short_title]
    elif dimension == "support_type":
        query = (query.join(need_support_type, need_support_type.c.need_id == need_id_column)
                 .join(SupportType, SupportType.id == need_support_type.c.support_type_id))
        key, label, share, group = SupportType.slug, SupportType.name, one, [SupportType.slug, SupportType.name]
    elif dimension == "ward":
        wards = select(need_ward.c.need_id, func.count().label("n")).group_by(need_ward.c.need_id).subquery()
        query = (query.outerjoin(need_ward, need_ward.c.need_id == need_id_column)
                 .outerjoin(Ward, Ward.id == need_ward.c.ward_id)
                 .outerjoin(wards, wards.c.need_id == need_id_column))
        key, label = func.coalesce(Ward.ons_code, BOROUGH_WIDE), func.coalesce(Ward.name, "Borough-wide")
        share, group = func.coalesce(wards.c.n, 1), [Ward.ons_code, Ward.name, wards.c.n]
    elif dimension == "supplier":
        query = (query.join(Contract, Contract.id == Offer.contract_id)
                 .join(Organisation, Organisation.id == Contract.supplier_id))
        key, label, share, group = Organisation.id, Organisation.name, one, [Organisation.id, Organisation.name]
    elif dimension == "contract":
        query = query.join(Contract, Contract.id == Offer.contract_id)
        key, label, share, group = Contract.ref, Contract.title, one, [Contract.ref, Contract.title]
    else:
        raise ValueError(f"unknown dimension {dimension}")
    return query.add_columns(key, label, share), group


def breakdown(period: Period, dimension: str) -> list[dict[str, Any]]:
    """One row per priority, ward, support type, supplier or contract, each with the period's figures.

    For wards, `share` is the number of wards the need is in: its figures are divided between them."""
    rows: dict[str, dict[str, Any]] = {}

    def row(key, label: str) -> dict[str, Any]:
        return rows.setdefault(str(key), {"key": str(key), "label": label, "needs_posted": 0, "matches_approved": 0,
                                          "verified": defaultdict(Decimal), "value_pounds": Decimal(0)})

    dim = DIMENSIONS[dimension]
    if dim.need_side:
        posted, group = _keyed(select(func.count(distinct(Need.id))).select_from(Need), dimension, Need.id)
        for count, key, label, _ in db.session.execute(
                posted.where(_between(Need.published_at, period)).group_by(*group)):
            row(key, label)["needs_posted"] += count
    # Matches approved and help verified in the period, in one pass over live matches and their deliveries.
    measure, on = _measure()
    approved_in = _between(Match.created_at, period)
    verified_in = and_(Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end,
                       Delivery.verified_quantity.is_not(None))
    facts, group = _keyed(
        select(Offer.unit, func.count(distinct(case((approved_in, Match.id)))),
               func.sum(case((verified_in, Delivery.verified_quantity))), func.sum(case((verified_in, _value(measure)))))
        .select_from(Match).join(Offer, Match.offer_id == Offer.id)
        .outerjoin(Delivery, Delivery.match_id == Match.id).outerjoin(measure, on), dimension, Match.need_id)
    facts = facts.where(_live(), or_(approved_in, verified_in)).group_by(Offer.unit, *group)
    for unit, approved, quantity, value, key, label, share in db.session.execute(facts):
        target = row(key, label)
        target["matches_approved"] += approved
        divide = Decimal(int(share or 1))
        if unit is not None and quantity:
            target["verified"][Unit(unit).value] += Decimal(quantity) / divide
        target["value_pounds"] += Decimal(value or 0) / divide
    _add_missing_reference_rows(rows, dimension, row)
    result = [{**r, "verified": _by_unit(r["verified"].items()), "value_pounds": number(r["value_pounds"])}
              for r in rows.values()]
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


def ward_figures(period: Period) -> list[dict[str, Any]]:
    """Each ward with its population, needs posted and verified value, and both per 1,000 residents."""
    populations = {code: (name, population) for code, name, population in
                   db.session.execute(select(Ward.ons_code, Ward.name, Ward.population))}
    found = []
    for r in breakdown(period, "ward"):
        if r["key"] == BOROUGH_WIDE:
            continue
        name, population = populations[r["key"]]
        per_1000 = 1000 / population if population else 0
        found.append({"code": r["key"], "name": name, "population": population, "needs_posted": r["needs_posted"],
                      "needs_per_1000": round(r["needs_posted"] * per_1000, 2), "value_pounds": r["value_pounds"],
                      "value_per_1000": number(Decimal(str(r["value_pounds"])) * Decimal(str(per_1000)))})
    return found


# Over time, per contract, per measure ----------------------------------------------------------------------


def value_by_priority_over_time(period: Period) -> dict[str, Any]:
    """Verified value in pounds for each priority and each month of the period (zeros included)."""
    measure, on = _measure()
    year, month = extract("year", Delivery.delivered_on), extract("month", Delivery.delivered_on)
    query = (select(Priority.slug, year, month, func.sum(_value(measure)))
             .select_from(Delivery).join(Match, Delivery.match_id == Match.id).join(Offer, Match.offer_id == Offer.id)
             .outerjoin(measure, on)
             .join(need_priority, need_priority.c.need_id == Match.need_id)
             .join(Priority, Priority.id == need_priority.c.priority_id)
             .where(_live(), Delivery.verified_quantity.is_not(None),
                    Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end)
             .group_by(Priority.slug, year, month))
    totals = {(slug, int(y), int(m)): value for slug, y, m, value in db.session.execute(query)}
    priorities = db.session.execute(select(Priority.slug, Priority.short_title).order_by(Priority.number)).all()
    months = period.months()
    return {
        "months": [f"{y:04d}-{m:02d}" for y, m in months],
        "series": [{"key": slug, "label": title, "values": [number(totals.get((slug, y, m))) for y, m in months]}
                   for slug, title in priorities],
    }


def contracts_committed_and_delivered(period: Period, contract_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Contracts running during the period: what they committed, and what was approved and verified up to its end.

    `share_verified` is the mean, over offers with a committed amount, of verified / committed (as on the
    contract's page); value in pounds where measures with proxies, or pounds, allow.
    """
    measure, on = _measure()
    committed_value = (select(Offer.id.label("offer_id"), case(
        (measure.proxy_value.is_not(None), Offer.quantity * measure.proxy_value),
        (Offer.unit == Unit.POUNDS, Offer.quantity), else_=literal(0)).label("value"))
        .outerjoin(measure, measure.id == Offer.measure_id).subquery())
    approved = (select(Match.offer_id, func.sum(Match.quantity).label("approved"))
                .where(_live(), Match.created_at < period.ends_before)
                .group_by(Match.offer_id).subquery())
    verified = (select(Match.offer_id, func.sum(Delivery.verified_quantity).label("verified"),
                       func.sum(Delivery.quantity).label("reported"), func.sum(_value(measure)).label("value"))
                .select_from(Delivery).join(Match, Delivery.match_id == Match.id)
                .join(Offer, Match.offer_id == Offer.id).outerjoin(measure, on)
                .where(_live(), Delivery.delivered_on <= period.end)
                .group_by(Match.offer_id).subquery())
    query = (select(Contract.id, Contract.ref, Contract.title, Organisation.name, Offer.unit, Offer.quantity,
                    committed_value.c.value, approved.c.approved, verified.c.reported, verified.c.verified,
                    verified.c.value)
             .join(Organisation, Organisation.id == Contract.supplier_id)
             .join(Offer, Offer.contract_id == Contract.id)
             .join(committed_value, committed_value.c.offer_id == Offer.id)
             .outerjoin(approved, approved.c.offer_id == Offer.id)
             .outerjoin(verified, verified.c.offer_id == Offer.id)
             .where(Offer.status == OfferStatus.ACTIVE, Contract.start_date <= period.end,
                    Contract.end_date >= period.start)
             .order_by(Contract.ref))
    if contract_ids is not None:
        query = query.where(Contract.id.in_(contract_ids))
    contracts: dict[int, dict[str, Any]] = {}
    for (cid, ref, title, supplier, unit, quantity, c_value, approved_q, reported_q, verified_q,
         v_value) in db.session.execute(query):
        entry = contracts.setdefault(cid, {
            "id": cid, "ref": ref, "title": title, "supplier": supplier, "offers": 0,
            "committed": defaultdict(Decimal), "approved": defaultdict(Decimal), "delivered": defaultdict(Decimal),
            "verified": defaultdict(Decimal), "committed_value_pounds": Decimal(0),
            "verified_value_pounds": Decimal(0), "_shares": []})
        entry["offers"] += 1
        entry["committed_value_pounds"] += c_value or 0
        entry["verified_value_pounds"] += v_value or 0
        if unit is not None:
            u = Unit(unit).value
            entry["committed"][u] += quantity or 0
            entry["approved"][u] += approved_q or 0
            entry["delivered"][u] += reported_q or 0
            entry["verified"][u] += verified_q or 0
            if quantity:
                entry["_shares"].append(min(Decimal(verified_q or 0) / Decimal(quantity), Decimal(1)))
    result = []
    for entry in contracts.values():
        shares = entry.pop("_shares")
        result.append({**entry, **{k: _by_unit(entry[k].items()) for k in ("committed", "approved", "delivered",
                                                                           "verified")},
                       "committed_value_pounds": number(entry["committed_value_pounds"]),
                       "verified_value_pounds": number(entry["verified_value_pounds"]),
                       "share_verified": round(float(sum(shares) / len(shares)), 4) if shares else None})
    return result


def by_measure(period: Period) -> list[dict[str, Any]]:
    """Quantities per measure (delivered and verified), and pounds only where the council gave a proxy value."""
    measure, on = _measure()
    query = (select(measure.code, measure.name, measure.unit, measure.proxy_value,
                    func.sum(Delivery.quantity), func.sum(Delivery.verified_quantity))
             .select_from(Delivery).join(Match, Delivery.match_id == Match.id).join(Offer, Match.offer_id == Offer.id)
             .join(measure, on)
             .where(_live(), Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end)
             .group_by(measure.code, measure.name, measure.unit, measure.proxy_value).order_by(measure.code))
    return [{"code": code, "name": name, "unit": Unit(unit).value, "delivered": number(delivered),
             "verified": number(verified),
             "value_pounds": number((verified or 0) * proxy) if proxy is not None else None}
            for code, name, unit, proxy, delivered, verified in db.session.execute(query)]


# Stories and unmatched needs -------------------------------------------------------------------------------


def shared_stories(period: Period, limit: int = 12) -> list[dict[str, Any]]:
    """Stories groups agreed to share, from matches verified in full, newest first."""
    query = (select(Delivery.story, Delivery.delivered_on, Organisation.name, Need.title)
             .join(Match, Delivery.match_id == Match.id).join(Need, Match.need_id == Need.id)
             .join(Organisation, Organisation.id == Need.organisation_id)
             .where(Delivery.story_shared.is_(True), Delivery.story != "", Match.status == MatchStatus.VERIFIED,
                    Delivery.delivered_on >= period.start, Delivery.delivered_on <= period.end)
             .order_by(Delivery.delivered_on.desc(), Delivery.id.desc()).limit(limit))
    return [{"story": story, "delivered_on": day.isoformat(), "group": group, "need": title}
            for story, day, group, title in db.session.execute(query)]


def unmatched_reasons() -> list[dict[str, Any]]:
    """The matching engine's report of open needs without a useful match, counted by reason (officers see the
    needs themselves on the unmatched report)."""
    from matchmaker.services.matching import unmatched_report

    counts: dict[str, int] = defaultdict(int)
    for item in unmatched_report():
        counts[item.reason] += 1
    return [{"reason": reason, "needs": n} for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])]


# The whole picture -----------------------------------------------------------------------------------------


def headline_figures(start: date, end: date) -> dict[str, Any]:
    """The period's headline figures as plain JSON-friendly values (the API and the open data use this)."""
    period = _period(start, end)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label},
        "needs": need_figures(period),
        "offers": offer_figures(period),
        "median_days_to_first_match": median_days_to_first_match(period),
        "by_priority": [_public_row(r) for r in breakdown(period, "priority")],
    }


def open_data(start: date, end: date) -> dict[str, Any]:
    """Everything public for the period: aggregates only, no people, no contact details, no need titles."""
    period = _period(start, end)
    figures = headline_figures(start, end)
    figures.update({
        "by_ward": ward_figures(period),
        "by_support_type": [_public_row(r) for r in breakdown(period, "support_type")],
        "by_supplier": [_public_row(r) for r in breakdown(period, "supplier")],
        "contracts": [{k: v for k, v in c.items() if k != "id"} for c in contracts_committed_and_delivered(period)],
        "by_measure": by_measure(period),
        "value_by_priority_over_time": value_by_priority_over_time(period),
        "licence": "Open Government Licence v3.0",
        "attribution": ATTRIBUTION,
    })
    return figures


ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
               "Contains OS data © Crown copyright and database right.")


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
