"""Exports needs, offers and contracts as CSV or JSON, with exactly the columns the import reads.

Needs and offers are chosen as the browse lists choose them (services.browse: the same filters and search),
so a download from a list holds what the list shows, on every page of it; contracts are all exported.

An export re-imports unchanged: lists are joined with ";", priorities and support types are slugs, wards ONS
codes (or borough-wide), and a record with no ref of its own has its id as its ref (see csv_import). JSON is a
list of objects keyed by the same column names, holding the same text as the CSV's cells.

In CSV, a cell that a spreadsheet would take for a formula (it starts with =, +, - or @) gets an apostrophe in
front, which the import takes off again.
"""

import csv
import io
import json
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import Contract, Need, NeedStatus, Offer, OfferStatus
from matchmaker.services.browse import Filters, everything_matching, filter_choices
from matchmaker.services.csv_columns import CONTRACTS, LAYOUTS, NEEDS, OFFERS, format_decimal, join, protect
from matchmaker.services.errors import DomainError
from matchmaker.services.reference_data import BOROUGH_WIDE, resolve_ward

FORMATS = ("csv", "json")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
PROGRESS_EVERY = 500
STATUSES = {NEEDS.kind: tuple(s.value for s in NeedStatus), OFFERS.kind: tuple(s.value for s in OfferStatus)}


def parse_statuses(kind: str, values: Sequence[str]) -> tuple[str, ...]:
    """Status values for an export of needs or offers; "all" stands for every one. Unknown ones are refused."""
    wanted: list[str] = []
    for value in (v.strip().lower() for v in values if v.strip()):
        if value == "all":
            wanted += STATUSES[kind]
        elif value in STATUSES[kind]:
            wanted.append(value)
        else:
            raise DomainError(
                f"There is no {kind[:-1]} status '{value}': use {', '.join(STATUSES[kind])} or all", field="status"
            )
    return tuple(dict.fromkeys(wanted))


def filters_from(
    priorities: Sequence[str] = (), wards: Sequence[str] = (), types: Sequence[str] = (), q: str = ""
) -> Filters:
    """Browse filters from what someone typed (slugs or numbers, ward names or codes), refusing unknown values."""
    choices = filter_choices()
    by_number = {str(p.number): p.slug for p in choices.priorities}
    slugs = {p.slug for p in choices.priorities}
    chosen_priorities = []
    for text in priorities:
        slug = by_number.get(text.strip(), text.strip().lower())
        if slug not in slugs:
            raise DomainError(f"There is no priority '{text}'", field="priority")
        chosen_priorities.append(slug)
    codes = []
    for text in wards:
        ward = resolve_ward(text)
        if ward is None:
            raise DomainError(f"There is no Brent ward '{text}'", field="ward")
        codes.append(ward.ons_code)
    type_slugs = {t.slug for t in choices.support_types}
    for text in types:
        if text.strip().lower() not in type_slugs:
            raise DomainError(f"There is no type of support '{text}'", field="type")
    return Filters(
        priorities=tuple(chosen_priorities),
        wards=tuple(codes),
        types=tuple(t.strip().lower() for t in types),
        q=" ".join(q.split()),
    )


def _tags(record: Need | Offer) -> dict[str, str]:
    return {
        "priorities": join(p.slug for p in record.priorities),
        "wards": BOROUGH_WIDE if record.borough_wide else join(w.ons_code for w in record.wards),
        "support_types": join(t.slug for t in record.support_types),
        "quantity": format_decimal(record.quantity),
        "unit": record.unit.value if record.unit else "",
    }


def need_row(need: Need) -> dict[str, str]:
    return {
        "ref": need.reference,
        "organisation": need.organisation.name,
        "title": need.title,
        "description": need.description,
        **_tags(need),
        "needed_by": need.needed_by.isoformat() if need.needed_by else "",
    }


def offer_row(offer: Offer) -> dict[str, str]:
    return {
        "ref": offer.reference,
        "supplier": offer.contract.supplier.name,
        "contract_ref": offer.contract.ref,
        "contract_value": format_decimal(offer.contract.value),
        "title": offer.title,
        "description": offer.description,
        **_tags(offer),
        "available_until": offer.available_until.isoformat() if offer.available_until else "",
    }


def contract_row(contract: Contract) -> dict[str, str]:
    return {
        "ref": contract.ref,
        "supplier": contract.supplier.name,
        "title": contract.title,
        "value": format_decimal(contract.value),
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "manager_email": contract.manager_email,
    }


def export_rows(
    kind: str,
    filters: Filters | None = None,
    statuses: tuple[str, ...] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, str]]:
    """Rows of needs or offers as the browse lists filter them (statuses None: the statuses the lists show),
    or of every contract (which take no filters)."""
    if kind == CONTRACTS.kind:
        records = list(
            db.session.scalars(select(Contract).options(selectinload(Contract.supplier)).order_by(Contract.id))
        )
        to_row = contract_row
    elif kind in STATUSES:
        records = everything_matching(kind, filters or Filters(), filter_choices(), statuses)
        to_row = need_row if kind == NEEDS.kind else offer_row
    else:
        raise ValueError(f"cannot export {kind}")
    rows = []
    for done, record in enumerate(records, start=1):
        rows.append(to_row(record))
        if progress and (done % PROGRESS_EVERY == 0 or done == len(records)):
            progress(done, len(records))
    return rows


def to_csv(kind: str, rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=LAYOUTS[kind].columns)
    writer.writeheader()
    writer.writerows({name: protect(value) for name, value in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: list[dict[str, str]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def render(kind: str, fmt: str, rows: list[dict[str, str]]) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"cannot export as {fmt}")
    return to_csv(kind, rows) if fmt == "csv" else to_json(rows)
