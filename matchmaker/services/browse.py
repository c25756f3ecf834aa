"""Browsing open needs and active offers: filters, typo-tolerant search and paging.

A page of results costs the same handful of queries whatever the size of the data: the filter choices, one
count, the page's rows with their organisation joined, and one query each for their priorities, wards and
support types. A search is the database's (services/search.py): the count and the page join its hits.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Table, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Need,
    NeedStatus,
    Offer,
    OfferStatus,
    Organisation,
    Priority,
    SupportType,
    User,
    Ward,
)
from matchmaker.models.contracts import offer_priority, offer_support_type, offer_ward
from matchmaker.models.needs import need_priority, need_support_type, need_ward
from matchmaker.services import search

PER_PAGE = 20
MAX_QUERY_LENGTH = 200
MAX_PAGE = 100_000
PUBLIC_NEED_STATUSES = tuple(s for s in NeedStatus if s.is_public)

T = TypeVar("T")


class QueryArgs(Protocol):
    """What a request's query string offers (werkzeug's MultiDict)."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Choices:
    """Everything a filter can be set to, in the order the filter lists them."""

    priorities: list[Priority]
    wards: list[Ward]
    support_types: list[SupportType]


def filter_choices() -> Choices:
    return Choices(
        priorities=list(db.session.scalars(select(Priority).order_by(Priority.number))),
        wards=list(db.session.scalars(select(Ward).order_by(Ward.name))),
        support_types=list(db.session.scalars(select(SupportType).order_by(SupportType.position))),
    )


@dataclass(frozen=True)
class Filters:
    """What the reader asked for. Only known values get in: unknown slugs and codes are dropped."""

    priorities: tuple[str, ...] = ()  # priority slugs
    wards: tuple[str, ...] = ()  # ONS codes
    types: tuple[str, ...] = ()  # support type slugs
    q: str = ""

    @classmethod
    def parse(cls, args: QueryArgs, choices: Choices) -> "Filters":
        def known(name: str, values: list[str]) -> tuple[str, ...]:
            asked = set(args.getlist(name))
            return tuple(v for v in values if v in asked)  # the filter's own order, so URLs are canonical

        q = " ".join(str(args.get("q") or "").split())[:MAX_QUERY_LENGTH]
        return cls(
            priorities=known("priority", [p.slug for p in choices.priorities]),
            wards=known("ward", [w.ons_code for w in choices.wards]),
            types=known("type", [t.slug for t in choices.support_types]),
            q=q,
        )

    @property
    def active(self) -> bool:
        return bool(self.priorities or self.wards or self.types or self.q)

    def as_args(self) -> dict[str, list[str] | str]:
        """The query-string arguments that recreate these filters, for links (url_for repeats list values)."""
        args: dict[str, list[str] | str] = {}
        for name, values in (("priority", self.priorities), ("ward", self.wards), ("type", self.types)):
            if values:
                args[name] = list(values)
        if self.q:
            args["q"] = self.q
        return args


def page_number(raw: str | None) -> int:
    """The page asked for; anything that is not a whole number of at least 1 means the first page.
    (A page past the end is brought back to the last page once the number of results is known.)"""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return 1
    return MAX_PAGE if len(raw) > 9 else max(1, min(int(raw), MAX_PAGE))


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.per_page, self.total)


@dataclass(frozen=True)
class _Catalogue:
    """How to browse one kind of record: its tag tables, which rows anyone may see, their order, what to load."""

    model: type
    key: str  # the tag tables' column naming the record
    priority_table: Table
    ward_table: Table
    support_type_table: Table
    visible: ColumnElement[bool]
    order: tuple
    options: tuple = field(default=())


NEEDS = _Catalogue(
    model=Need,
    key="need_id",
    priority_table=need_priority,
    ward_table=need_ward,
    support_type_table=need_support_type,
    visible=Need.status.in_(PUBLIC_NEED_STATUSES),
    # Soonest needed first, needs with no date after those with one; then newest.
    # (NULLS LAST rather than "needed_by IS NULL" first, so the database reads the first page off an index.)
    order=(Need.needed_by.asc().nulls_last(), Need.created_at.desc(), Need.id.desc()),
    options=(
        joinedload(Need.organisation),
        selectinload(Need.priorities),
        selectinload(Need.wards),
        selectinload(Need.support_types),
    ),
)
OFFERS = _Catalogue(
    model=Offer,
    key="offer_id",
    priority_table=offer_priority,
    ward_table=offer_ward,
    support_type_table=offer_support_type,
    visible=Offer.status == OfferStatus.ACTIVE,
    order=(Offer.available_until.asc().nulls_last(), Offer.created_at.desc(), Offer.id.desc()),
    options=(
        joinedload(Offer.contract).joinedload(Contract.supplier),
        selectinload(Offer.priorities),
        selectinload(Offer.wards),
        selectinload(Offer.support_types),
    ),
)


def _conditions(catalogue: _Catalogue, filters: Filters, choices: Choices) -> list[ColumnElement[bool]]:
    """Within a filter any chosen value will do; across filters, every filter must be met."""
    model = catalogue.model

    def tagged(table: Table, column: str, ids: Sequence[int]) -> ColumnElement[bool]:
        return exists().where(table.c[catalogue.key] == model.id, table.c[column].in_(ids))

    conditions = [catalogue.visible]
    if filters.priorities:
        ids = [p.id for p in choices.priorities if p.slug in filters.priorities]
        conditions.append(tagged(catalogue.priority_table, "priority_id", ids))
    if filters.wards:
        ids = [w.id for w in choices.wards if w.ons_code in filters.wards]
        # Something borough-wide is for every ward.
        conditions.append(or_(model.borough_wide, tagged(catalogue.ward_table, "ward_id", ids)))
    if filters.types:
        ids = [t.id for t in choices.support_types if t.slug in filters.types]
        conditions.append(tagged(catalogue.support_type_table, "support_type_id", ids))
    return conditions


def _browse(catalogue: _Catalogue, filters: Filters, choices: Choices, page: int, per_page: int) -> Page:
    model = catalogue.model
    conditions = _conditions(catalogue, filters, choices)
    if not filters.q:
        total = db.session.scalar(select(func.count()).select_from(model).where(*conditions))
        number = min(max(page, 1), max(1, math.ceil(total / per_page)))
        items = list(
            db.session.scalars(
                select(model)
                .where(*conditions)
                .order_by(*catalogue.order)
                .limit(per_page)
                .offset((number - 1) * per_page)
                .options(*catalogue.options)
            )
        )
        return Page(items, total, number, per_page)

    found = search.hits(db.session, model, filters.q, conditions)
    if found is None:  # nothing in the query to look for
        return Page([], 0, 1, per_page)
    total = db.session.scalar(select(func.count()).select_from(found))
    number = min(max(page, 1), max(1, math.ceil(total / per_page)))
    items = list(
        db.session.scalars(
            select(model)
            .join(found, found.c.id == model.id)
            .order_by(found.c.score.desc(), *catalogue.order)
            .limit(per_page)
            .offset((number - 1) * per_page)
            .options(*catalogue.options)
        )
    )
    return Page(items, total, number, per_page)


def browse_needs(filters: Filters, choices: Choices, page: int = 1, per_page: int = PER_PAGE) -> Page[Need]:
    """Open and partly met needs that pass the filters, a page at a time."""
    return _browse(NEEDS, filters, choices, page, per_page)


def browse_offers(filters: Filters, choices: Choices, page: int = 1, per_page: int = PER_PAGE) -> Page[Offer]:
    """Active offers that pass the filters, a page at a time."""
    return _browse(OFFERS, filters, choices, page, per_page)


def everything_matching(kind: str, filters: Filters, choices: Choices, statuses: Sequence[str] | None = None) -> list:
    """Every need or offer ("needs"/"offers") that passes the filters, in the list's order: for downloads.

    statuses None means what the lists show (open and partly met needs, active offers); otherwise those statuses.
    """
    catalogue = NEEDS if kind == "needs" else OFFERS
    if statuses is not None:
        catalogue = replace(catalogue, visible=catalogue.model.status.in_(list(statuses)))
    return _browse(catalogue, filters, choices, 1, per_page=2**31 - 1).items


def manages_need(need: Need, user: User | None) -> bool:
    """Members of the organisation that posted it, and officers."""
    return user is not None and (user.is_officer or user.organisation_id == need.organisation_id)


def need_for(need_id: int, user: User | None) -> Need | None:
    """The need with everything its page shows, if `user` (None: not signed in) may see it.

    Anyone may see an open or partly met need; otherwise only its organisation's members and officers.
    """
    need = db.session.scalar(
        select(Need)
        .where(Need.id == need_id)
        .options(
            joinedload(Need.organisation).selectinload(Organisation.wards),
            selectinload(Need.priorities),
            selectinload(Need.wards),
            selectinload(Need.support_types),
        )
    )
    if need is None or not (need.status.is_public or manages_need(need, user)):
        return None
    return need


def manages_offer(offer: Offer, user: User | None) -> bool:
    """Members of the supplier that holds the contract, and officers."""
    return user is not None and (user.is_officer or user.organisation_id == offer.contract.supplier_id)


def offer_for(offer_id: int, user: User) -> Offer | None:
    """The offer with everything its page shows, if `user` may see it: active ones are for every signed-in
    user; withdrawn ones only for the supplier's members and officers."""
    offer = db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .options(
            joinedload(Offer.contract).joinedload(Contract.supplier),
            selectinload(Offer.priorities),
            selectinload(Offer.wards),
            selectinload(Offer.support_types),
        )
    )
    if offer is None or not (offer.status is OfferStatus.ACTIVE or manages_offer(offer, user)):
        return None
    return offer
