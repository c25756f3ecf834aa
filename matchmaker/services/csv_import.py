"""Imports needs or offers from a CSV file. Every row is checked before anything is written.

    report = import_file("needs", stream, actor=officer, dry_run=False, progress=show)
    db.session.commit() if report.ok and not report.dry_run else db.session.rollback()

1. csv_parsing reads and checks every row, without the database.
2. Planning resolves every row against the database, still writing nothing: its record (by ref), its
   organisation (same name in any case; else a close fuzzy match, reported; else one to create, reported)
   and for offers its contract; and whether the row creates, updates or leaves its record unchanged. Problems
   found here are row errors too.
3. Only when no row has a problem, and this is not a dry run, the rows are written through the services.
   Like every service this flushes and never commits: the caller commits once, or rolls back.

Refs: a row's ref finds the record with that ref. Exports write a record's id as its ref when it has none, so a
ref made only of digits (like "42") also finds record 42 when that record has no ref of its own; a new record's
ref may not be only digits, so the two can never be confused.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.models import (
    Contract,
    Need,
    Offer,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    SupportType,
    User,
    Ward,
)
from matchmaker.models.limits import database_id
from matchmaker.services import contracts as contract_service
from matchmaker.services import matching
from matchmaker.services import needs as need_service
from matchmaker.services import offers as offer_service
from matchmaker.services.csv_columns import IMPORTABLE, LAYOUTS, NEEDS, format_decimal
from matchmaker.services.csv_parsing import NeedRow, OfferRow, RowError, Vocabulary, parse_file
from matchmaker.services.errors import DomainError
from matchmaker.services.organisations import (
    OrganisationDetails,
    create_approved_organisation,
    find_similar_organisations,
)
from matchmaker.services.reference_data import all_priorities, all_wards
from matchmaker.services.tagging import Tags

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
PROGRESS_EVERY = 100
_CHUNK = 500  # values per IN (...) query
_KIND_NAMES = {
    OrganisationKind.VCSE: "a VCSE or community group",
    OrganisationKind.SUPPLIER: "a supplier",
    OrganisationKind.PARTNER: "a partner (neither a group nor a supplier)",
}

Progress = Callable[[int, int], None]  # (rows written so far, rows to write)


@dataclass
class ImportReport:
    kind: str  # "needs" or "offers"
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fuzzy matches, organisations and contracts created
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> str:
        if self.dry_run:
            return f"{self.created} to create, {self.updated} to update, {self.unchanged} unchanged"
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"

    @property
    def summary(self) -> str:
        if self.dry_run:
            return f"Checked {self.kind} (dry run, nothing written): {self.counts}."
        return f"Imported {self.kind}: {self.counts}."

    def error(self, row: int, column: str | None, message: str) -> None:
        self.errors.append(RowError(row, column, message))


@dataclass
class _Plan:
    row: NeedRow | OfferRow
    action: str = CREATE
    record: Need | Offer | None = None


def load_vocabulary() -> Vocabulary:
    return Vocabulary.build(
        priorities=[(p.number, p.slug) for p in all_priorities()],
        wards=[(w.ons_code, w.name, w.ons_name) for w in all_wards()],
        support_types=list(db.session.scalars(select(SupportType.slug).order_by(SupportType.position))),
    )


def import_file(
    kind: str, stream: BinaryIO, actor: User | None = None, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check, then (unless dry_run or any row is bad) write a needs or offers file. actor None: the command line."""
    if kind not in IMPORTABLE:
        raise ValueError(f"cannot import {kind}")
    layout = LAYOUTS[kind]
    report = ImportReport(kind, dry_run)
    max_bytes = int(current_app.config["MAX_IMPORT_BYTES"])
    rows, errors = parse_file(layout, stream.read(max_bytes + 1), load_vocabulary(), max_bytes)
    report.errors.extend(errors)
    if any(e.row is None for e in errors):  # the file itself could not be read
        return report

    # Rows whose values are good are checked against the database too, so that every problem is listed at once.
    bad_rows = {e.row for e in errors}
    kind_of_organisation = OrganisationKind.VCSE if layout is NEEDS else OrganisationKind.SUPPLIER
    organisations = _Organisations(kind_of_organisation, report)
    importer = _NeedImport(report, organisations) if layout is NEEDS else _OfferImport(report, organisations)
    plans = importer.plan([row for row in rows if row.row not in bad_rows])
    report.errors.sort(key=lambda e: (e.row or 0, layout.columns.index(e.column) if e.column in layout.columns else -1))
    if not report.ok:
        return report
    report.created = sum(p.action == CREATE for p in plans)
    report.updated = sum(p.action == UPDATE for p in plans)
    report.unchanged = sum(p.action == UNCHANGED for p in plans)
    if not dry_run:
        _write(importer, plans, actor, report, progress)
    return report


def _write(importer, plans: list[_Plan], actor: User | None, report: ImportReport, progress: Progress | None) -> None:
    columns = LAYOUTS[report.kind].columns
    changes = [plan for plan in plans if plan.action != UNCHANGED]
    with matching.deferred_refresh():  # one refresh of the proposals at the end, not one per row
        _write_rows(importer, changes, actor, report, progress, columns)


def _write_rows(importer, changes: list[_Plan], actor, report: ImportReport, progress, columns) -> None:
    for done, plan in enumerate(changes, start=1):
        try:
            importer.write(plan, actor)
        except DomainError as error:  # planning should have caught it; if not, the caller still keeps nothing
            report.error(plan.row.row, error.field if error.field in columns else None, error.message)
            return
        if progress and (done % PROGRESS_EVERY == 0 or done == len(changes)):
            progress(done, len(changes))


# Finding what rows refer to --------------------------------------------------------------------------------


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _is_id(ref: str) -> bool:
    return database_id(ref) is not None and str(int(ref)) == ref


def _existing(model, refs: list[str], *options) -> dict[str, Need | Offer]:
    """Records by ref; and, for refs that are only digits, records with that id and no ref."""
    found: dict[str, Need | Offer] = {}
    for chunk in _chunks(refs):
        found.update(
            {r.ref: r for r in db.session.scalars(select(model).where(model.ref.in_(chunk)).options(*options))}
        )
    ids = [int(ref) for ref in refs if ref not in found and _is_id(ref)]
    for chunk in _chunks(ids):
        query = select(model).where(model.id.in_(chunk), model.ref.is_(None)).options(*options)
        found.update({str(r.id): r for r in db.session.scalars(query)})
    return found


def _check_new_ref(plan: _Plan, noun: str, report: ImportReport) -> None:
    if plan.record is None and plan.row.ref.isdigit():
        report.error(
            plan.row.row,
            "ref",
            f"there is no {noun} number {plan.row.ref}: a new {noun}'s reference "
            f"must have a letter in it, like {noun[0].upper()}-{plan.row.ref}",
        )


@dataclass
class _Found:
    organisation: Organisation | None  # None: to be created
    error: str | None = None


class _Organisations:
    """Finds the organisation a name refers to, once per name; creates the missing ones when writing."""

    def __init__(self, kind: OrganisationKind, report: ImportReport) -> None:
        self.kind, self.report = kind, report
        self.found: dict[str, _Found] = {}
        self.created: dict[str, Organisation] = {}
        self.by_name: dict[str, list[int]] = {}
        for org_id, name in db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.id)):
            self.by_name.setdefault(self._key(name), []).append(org_id)

    @staticmethod
    def _key(name: str) -> str:
        return " ".join(name.casefold().split())

    def find(self, name: str, row: int) -> _Found:
        key = self._key(name)
        if key not in self.found:
            self.found[key] = self._look_up(name, row)
        return self.found[key]

    def _look_up(self, name: str, row: int) -> _Found:
        exact = [db.session.get(Organisation, i) for i in self.by_name.get(self._key(name), [])]
        if exact:
            exact.sort(key=lambda o: (o.kind is not self.kind, not o.is_approved, o.id))
            return self._check(name, exact[0], fuzzy=False)
        similar = [s.organisation for s in find_similar_organisations(name)]
        if similar:
            chosen = next((o for o in similar if o.kind is self.kind), similar[0])
            found = self._check(name, chosen, fuzzy=True)
            if found.error is None:
                self.report.notes.append(f"row {row}: '{name}' matched to existing organisation '{chosen.name}'")
            return found
        verb = "would be created" if self.report.dry_run else "created"
        self.report.notes.append(
            f"row {row}: organisation '{name}' is not registered: {verb} as {_KIND_NAMES[self.kind]}, "
            "approved, with no members yet"
        )
        return _Found(None)

    def _check(self, name: str, org: Organisation, fuzzy: bool) -> _Found:
        called = f"'{name}' matches '{org.name}', which" if fuzzy else f"'{org.name}'"
        if org.kind is not self.kind:
            return _Found(org, f"{called} is {_KIND_NAMES[org.kind]}, not {_KIND_NAMES[self.kind]}")
        if org.status is OrganisationStatus.PENDING:
            return _Found(org, f"{called} is awaiting approval: approve it before importing its {self.report.kind}")
        if org.status is OrganisationStatus.REJECTED:
            return _Found(org, f"{called} was rejected: correct the name, or ask an administrator")
        return _Found(org)

    def obtain(self, name: str, actor: User | None) -> Organisation:
        """The organisation planning found, or the one created for this name."""
        found = self.found[self._key(name)]
        if found.organisation is not None:
            return found.organisation
        key = self._key(name)
        if key not in self.created:
            details = OrganisationDetails(
                name=name,
                kind=self.kind,
                contact_name="Imported",
                contact_email=current_app.config["SUPPORT_EMAIL"],
                borough_wide=True,
            )
            self.created[key] = create_approved_organisation(details, actor, note=f"Imported with {self.report.kind}")
        return self.created[key]


class _TagIds:
    """Slugs and ONS codes to the ids the tagging service wants."""

    def __init__(self) -> None:
        self.priorities = dict(db.session.execute(select(Priority.slug, Priority.id)).all())
        self.wards = dict(db.session.execute(select(Ward.ons_code, Ward.id)).all())
        self.support_types = dict(db.session.execute(select(SupportType.slug, SupportType.id)).all())

    def tags(self, row: NeedRow | OfferRow) -> Tags:
        t = row.tags
        return Tags(
            priority_ids=tuple(self.priorities[s] for s in sorted(t.priorities)),
            ward_ids=tuple(self.wards[c] for c in sorted(t.wards)),
            borough_wide=t.borough_wide,
            support_type_ids=tuple(self.support_types[s] for s in sorted(t.support_types)),
        )


def _tag_values(record: Need | Offer) -> tuple:
    return (
        frozenset(p.slug for p in record.priorities),
        record.borough_wide,
        frozenset(w.ons_code for w in record.wards),
        frozenset(t.slug for t in record.support_types),
    )


def _row_tag_values(row: NeedRow | OfferRow) -> tuple:
    return row.tags.priorities, row.tags.borough_wide, row.tags.wards, row.tags.support_types


_TAG_OPTIONS = ("priorities", "wards", "support_types")


# Needs -----------------------------------------------------------------------------------------------------


class _NeedImport:
    def __init__(self, report: ImportReport, organisations: _Organisations) -> None:
        self.report, self.organisations = report, organisations
        self.tag_ids = _TagIds()

    def plan(self, rows: list[NeedRow]) -> list[_Plan]:
        options = [selectinload(getattr(Need, name)) for name in _TAG_OPTIONS] + [selectinload(Need.organisation)]
        existing = _existing(Need, [r.ref for r in rows], *options)
        today = date.today()
        plans = []
        for row in rows:
            plan = _Plan(row, record=existing.get(row.ref))
            need = plan.record
            found = self.organisations.find(row.organisation, row.row)
            if found.error:
                self.report.error(row.row, "organisation", found.error)
            elif need is not None and (found.organisation is None or found.organisation.id != need.organisation_id):
                self.report.error(
                    row.row,
                    "organisation",
                    f"need {row.ref} belongs to '{need.organisation.name}': a need cannot move to another organisation",
                )
            _check_new_ref(plan, "need", self.report)
            if row.needed_by and row.needed_by < today and (need is None or need.needed_by != row.needed_by):
                self.report.error(row.row, "needed_by", f"{row.needed_by.isoformat()} is in the past")
            if need is not None:
                plan.action = UNCHANGED if self._values(need) == self._row_values(row) else UPDATE
            plans.append(plan)
        return plans

    @staticmethod
    def _values(need: Need) -> tuple:
        return (need.title, need.description, *_tag_values(need), need.quantity, need.unit, need.needed_by)

    @staticmethod
    def _row_values(row: NeedRow) -> tuple:
        return (row.title, row.description, *_row_tag_values(row), row.quantity, row.unit, row.needed_by)

    def write(self, plan: _Plan, actor: User | None) -> None:
        row = plan.row
        details = need_service.NeedDetails(
            title=row.title,
            description=row.description,
            tags=self.tag_ids.tags(row),
            quantity=row.quantity,
            unit=row.unit,
            needed_by=row.needed_by,
        )
        if plan.action == CREATE:
            details.ref = row.ref
            need = need_service.create_need(
                self.organisations.obtain(row.organisation, actor), actor, details, submit=False
            )
            need_service.open_imported(need, actor)
        else:
            details.recurring = plan.record.recurring  # not in the file: keep it
            need_service.update_need(plan.record, actor, details, enforce_live_limit=False)


# Offers ----------------------------------------------------------------------------------------------------


class _OfferImport:
    def __init__(self, report: ImportReport, organisations: _Organisations) -> None:
        self.report, self.organisations = report, organisations
        self.tag_ids = _TagIds()
        self.contracts: dict[str, Contract] = {}
        self.contracts_written: set[str] = set()

    def plan(self, rows: list[OfferRow]) -> list[_Plan]:
        options = [selectinload(getattr(Offer, name)) for name in _TAG_OPTIONS] + [selectinload(Offer.contract)]
        existing = _existing(Offer, [r.ref for r in rows], *options)
        refs = list({r.contract_ref for r in rows})
        for chunk in _chunks(refs):
            query = select(Contract).where(Contract.ref.in_(chunk)).options(selectinload(Contract.supplier))
            self.contracts.update({c.ref: c for c in db.session.scalars(query)})
        plans, noted = [], set()
        for row in rows:
            plan = _Plan(row, record=existing.get(row.ref))
            found = self.organisations.find(row.supplier, row.row)
            if found.error:
                self.report.error(row.row, "supplier", found.error)
            else:
                self._plan_contract(row, found, noted)
            _check_new_ref(plan, "offer", self.report)
            if plan.record is not None:
                self._check_existing(row, plan.record)
                plan.action = UNCHANGED if self._values(plan.record) == self._row_values(row) else UPDATE
            plans.append(plan)
        return plans

    def _plan_contract(self, row: OfferRow, found: _Found, noted: set[str]) -> None:
        contract = self.contracts.get(row.contract_ref)
        if contract is not None and (found.organisation is None or contract.supplier_id != found.organisation.id):
            self.report.error(
                row.row,
                "contract_ref",
                f"contract {row.contract_ref} is held by '{contract.supplier.name}', not '{row.supplier}'",
            )
            return
        if row.contract_ref in noted:
            return
        noted.add(row.contract_ref)
        if contract is None:
            verb = "would be created" if self.report.dry_run else "created"
            self.report.notes.append(
                f"row {row.row}: contract {row.contract_ref} is not recorded: {verb} for '{row.supplier}', worth "
                f"£{format_decimal(row.contract_value)}, running for a year from today and managed by "
                f"{current_app.config['SUPPORT_EMAIL']}: correct its title, dates and manager"
            )
        elif contract.value != row.contract_value:
            verb = "would change" if self.report.dry_run else "changed"
            self.report.notes.append(
                f"row {row.row}: contract {row.contract_ref}'s value {verb} from "
                f"£{format_decimal(contract.value)} to £{format_decimal(row.contract_value)}"
            )

    def _check_existing(self, row: OfferRow, offer: Offer) -> None:
        if offer.contract.ref != row.contract_ref:
            self.report.error(
                row.row,
                "contract_ref",
                f"offer {row.ref} is under contract {offer.contract.ref}: an offer cannot move to another contract",
            )
        if row.quantity is not None and row.quantity < (offer.allocated or 0):
            self.report.error(
                row.row,
                "quantity",
                f"{format_decimal(offer.allocated)} of offer {row.ref} is already "
                f"allocated: the quantity cannot be less than that",
            )
        if row.available_until and offer.available_from and row.available_until < offer.available_from:
            self.report.error(
                row.row,
                "available_until",
                f"offer {row.ref} is available from {offer.available_from.isoformat()}: it cannot end before then",
            )

    @staticmethod
    def _values(offer: Offer) -> tuple:
        return (
            offer.title,
            offer.description,
            *_tag_values(offer),
            offer.quantity,
            offer.unit,
            offer.available_until,
            offer.contract.value,
        )

    @staticmethod
    def _row_values(row: OfferRow) -> tuple:
        return (
            row.title,
            row.description,
            *_row_tag_values(row),
            row.quantity,
            row.unit,
            row.available_until,
            row.contract_value,
        )

    def _contract(self, row: OfferRow, actor: User | None) -> Contract:
        """The row's contract: created if new, its value brought up to date once."""
        contract = self.contracts.get(row.contract_ref)
        if contract is None:
            today = date.today()
            contract = contract_service.create_contract(
                self.organisations.obtain(row.supplier, actor),
                actor,
                contract_service.ContractDetails(
                    ref=row.contract_ref,
                    title=row.contract_ref,
                    value=row.contract_value,
                    start_date=today,
                    end_date=today + timedelta(days=365),
                    manager_email=current_app.config["SUPPORT_EMAIL"],
                ),
            )
            self.contracts[row.contract_ref] = contract
        elif row.contract_ref not in self.contracts_written and contract.value != row.contract_value:
            contract_service.update_contract(
                contract,
                actor,
                contract_service.ContractDetails(
                    ref=contract.ref,
                    title=contract.title,
                    value=row.contract_value,
                    start_date=contract.start_date,
                    end_date=contract.end_date,
                    manager_email=contract.manager_email,
                ),
            )
        self.contracts_written.add(row.contract_ref)
        return contract

    def write(self, plan: _Plan, actor: User | None) -> None:
        row = plan.row
        contract = self._contract(row, actor)
        details = offer_service.OfferDetails(
            title=row.title,
            description=row.description,
            tags=self.tag_ids.tags(row),
            quantity=row.quantity,
            unit=row.unit,
            available_until=row.available_until,
        )
        if plan.action == CREATE:
            details.ref = row.ref
            offer_service.create_offer(contract, actor, details)
        else:
            details.available_from = plan.record.available_from  # not in the file: keep it
            offer_service.update_offer(plan.record, actor, details)
