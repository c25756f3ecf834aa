"""Suppliers: record council contracts, post the offers committed under them, and pledge offers to needs."""

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Contract, Match, MatchStatus, Need, Offer, Pledge, Role
from matchmaker.models.limits import database_id
from matchmaker.services import contracts as contract_service
from matchmaker.services import deliveries as delivery_service
from matchmaker.services import offers as offer_service
from matchmaker.services import pledge_fit
from matchmaker.services import remedial as remedial_service
from matchmaker.services import responses as response_service
from matchmaker.services.errors import DomainError
from matchmaker.web import match_responses
from matchmaker.web.access import OFFICERS, allow
from matchmaker.web.fields import SelectChoice
from matchmaker.web.forms_errors import add_error
from matchmaker.web.match_responses import MatchResponseForm
from matchmaker.web.suppliers.forms import (
    ContractForm,
    DeliveryMeasureForm,
    OfferForm,
    PledgeForm,
    ReportDeliveryForm,
    WithdrawOfferForm,
)
from matchmaker.web.tag_fields import tag_form_data

bp = Blueprint("suppliers", __name__)
SUPPLIER = Role.SUPPLIER_MEMBER


def _contract(contract_id: int, officers_too: bool = False) -> Contract:
    """A contract of the signed-in supplier (or any contract, for officers where allowed); 404 otherwise."""
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        abort(404)
    if not (officers_too and current_user.is_officer) and contract.supplier_id != current_user.organisation_id:
        abort(404)  # another supplier's contract: as if it did not exist
    return contract


def _offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.contract.supplier_id != current_user.organisation_id:
        abort(404)
    return offer


def _contract_details(form: ContractForm) -> contract_service.ContractDetails:
    return contract_service.ContractDetails(
        ref=form.ref.data,
        title=form.title.data,
        value=form.value.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        manager_email=form.manager_email.data,
    )


def _offer_details(form: OfferForm) -> offer_service.OfferDetails:
    return offer_service.OfferDetails(
        title=form.title.data,
        description=form.description.data,
        tags=form.tags(),
        quantity=form.quantity.data,
        unit=form.unit_value(),
        available_from=form.available_from.data,
        available_until=form.available_until.data,
        measure_id=form.measure_id(),
    )


@bp.get("/contracts")
@allow(SUPPLIER, approved_organisation=True)
def contracts():
    rows = contract_service.contracts_of(current_user.organisation)
    return render_template(
        "suppliers/contracts.html", contracts=rows, assessments={c.id: contract_service.assess(c) for c in rows}
    )


@bp.route("/contracts/new", methods=["GET", "POST"])
@allow(SUPPLIER, approved_organisation=True)
def new_contract():
    form = ContractForm()
    if form.validate_on_submit():
        try:
            contract = contract_service.create_contract(
                current_user.organisation, current_user, _contract_details(form)
            )
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(
                f"Contract {contract.ref} has been recorded. Now add the social value offers you committed to.",
                "success",
            )
            return redirect(url_for("suppliers.contract", contract_id=contract.id))
    return render_template("suppliers/contract_form.html", form=form, contract=None)


@bp.get("/contracts/<int:contract_id>")
@allow(SUPPLIER, *OFFICERS, approved_organisation=True)
def contract(contract_id: int):
    record = _contract(contract_id, officers_too=True)
    plans = remedial_service.plans_for(record)
    return render_template(
        "suppliers/contract.html",
        contract=record,
        assessment=contract_service.assess(record),
        progress=contract_service.progress(record),
        plan=plans[0] if plans else None,
        earlier_plans=len(plans) - 1 if plans else 0,
        can_open_plan=current_user.is_officer and remedial_service.can_open(record),
        plan_timeline=remedial_service.timeline(plans[0]) if plans else [],
        today=date.today(),
    )


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@allow(SUPPLIER, approved_organisation=True)
def edit_contract(contract_id: int):
    record = _contract(contract_id)
    form = ContractForm(obj=record)
    if form.validate_on_submit():
        try:
            contract_service.update_contract(record, current_user, _contract_details(form))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("The contract has been saved.", "success")
            return redirect(url_for("suppliers.contract", contract_id=record.id))
    return render_template("suppliers/contract_form.html", form=form, contract=record)


@bp.route("/contracts/<int:contract_id>/offers/new", methods=["GET", "POST"])
@allow(SUPPLIER, approved_organisation=True)
def new_offer(contract_id: int):
    record = _contract(contract_id)
    form = OfferForm()
    if form.validate_on_submit():
        try:
            offer = offer_service.create_offer(record, current_user, _offer_details(form))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(f"Your offer ‘{offer.title}’ is now visible to community groups.", "success")
            return redirect(url_for("suppliers.contract", contract_id=record.id))
    return render_template("suppliers/offer_form.html", form=form, contract=record, offer=None)


@bp.route("/my-offers/<int:offer_id>/edit", methods=["GET", "POST"])
@allow(SUPPLIER, approved_organisation=True)
def edit_offer(offer_id: int):
    offer = _offer(offer_id)
    form = OfferForm(
        data={
            **tag_form_data(offer),
            "title": offer.title,
            "description": offer.description,
            "available_from": offer.available_from,
            "available_until": offer.available_until,
            "measure": str(offer.measure_id or ""),
        }
    )
    if form.validate_on_submit():
        try:
            offer_service.update_offer(offer, current_user, _offer_details(form))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Your offer has been saved.", "success")
            return redirect(url_for("suppliers.contract", contract_id=offer.contract_id))
    return render_template(
        "suppliers/offer_form.html", form=form, contract=offer.contract, offer=offer, withdraw_form=WithdrawOfferForm()
    )


@bp.post("/my-offers/<int:offer_id>/withdraw")
@allow(SUPPLIER, approved_organisation=True)
def withdraw_offer(offer_id: int):
    offer = _offer(offer_id)
    if not WithdrawOfferForm().validate_on_submit():
        abort(400)
    try:
        offer_service.withdraw_offer(offer, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
    else:
        db.session.commit()
        flash(f"‘{offer.title}’ has been withdrawn.", "success")
    return redirect(url_for("suppliers.contract", contract_id=offer.contract_id))


def _pledge_choices(offers: list[Offer], need: Need) -> tuple[list[SelectChoice], list[dict], list[Offer]]:
    """Offers that can help with this need and have something left to pledge, each labelled with how much (after
    pledges still waiting), with a hint where it counts in another unit; and the offers left out as unable to help."""
    choices, items, cannot_help = [], [], []
    for offer in offers:
        fit = pledge_fit.assess(offer, need)
        if not fit.can_help:
            cannot_help.append(offer)
            continue
        left = offer_service.pledgeable(offer)
        if left is not None and left <= 0:
            continue
        label = offer.title if left is None else f"{offer.title} ({offer.unit.format(left)} left to pledge)"
        choices.append(SelectChoice(str(offer.id), label))
        items.append({"hint": {"text": fit.unit_warning + "."}} if fit.unit_warning else {})
    return choices, items, cannot_help


@bp.route("/needs/<int:need_id>/pledge", methods=["GET", "POST"])
@allow(SUPPLIER, approved_organisation=True)
def pledge(need_id: int):
    need = db.session.get(Need, need_id)
    if need is None or not need.status.is_public:
        abort(404)
    offers = contract_service.active_offers_of(current_user.organisation)
    form = PledgeForm()
    form.offer.choices, hints, cannot_help = _pledge_choices(offers, need)
    if form.offer.choices and form.validate_on_submit():
        offer = next(o for o in offers if str(o.id) == form.offer.data)
        try:
            offer_service.pledge(offer, need, current_user, form.quantity.data or Decimal(0), form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            unit_warning = pledge_fit.assess(offer, need).unit_warning
            flash(
                "Thank you. Your pledge has gone to the brokerage team, who will introduce you to the group."
                + (
                    f" {unit_warning}: the brokerage team will check with you how your pledge meets the need."
                    if unit_warning
                    else ""
                ),
                "success",
            )
            return redirect(url_for("suppliers.pledges"))
    return render_template("suppliers/pledge_form.html", form=form, need=need, hints=hints, cannot_help=cannot_help)


@bp.get("/my-pledges")
@allow(SUPPLIER, approved_organisation=True)
def pledges():
    rows = db.session.scalars(
        select(Pledge)
        .join(Offer)
        .join(Contract)
        .where(Contract.supplier_id == current_user.organisation_id)
        .order_by(Pledge.created_at.desc())
    ).all()
    return render_template("suppliers/pledges.html", pledges=rows)


# Matches: what was agreed, and reporting what was delivered ---------------------------------------------------


def _own_match(match_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if (
        match is None
        or match.offer.contract.supplier_id != current_user.organisation_id
        or match.status in (MatchStatus.DECLINED,)
    ):
        abort(404)
    return match


@bp.get("/my-matches")
@allow(SUPPLIER, approved_organisation=True)
def matches():
    rows = db.session.scalars(
        select(Match)
        .join(Offer)
        .join(Contract)
        .where(Contract.supplier_id == current_user.organisation_id, Match.status != MatchStatus.DECLINED)
        .order_by(Match.created_at.desc())
    ).all()
    return render_template("suppliers/matches.html", matches=rows)


def _match_page(
    match: Match, form: ReportDeliveryForm, failed: DeliveryMeasureForm | None = None, failed_id: int | None = None
):
    _measure_choices(match, form)
    measure_forms = {}
    if form.measure.choices and len(form.measure.choices) > 1:
        for d in match.deliveries:
            if d.verified_at is None:
                measure_forms[d.id] = (
                    failed
                    if d.id == failed_id
                    else DeliveryMeasureForm(
                        formdata=None, prefix=f"measure-{d.id}", data={"measure": str(d.measure_id or "")}
                    )
                )
                measure_forms[d.id].measure.choices = _offer_measure_choice(match) + form.measure.choices[1:]
    return render_template(
        "suppliers/match.html",
        match=match,
        form=form,
        response_form=MatchResponseForm(),
        measure_forms=measure_forms,
        responded=match.supplier_responded_at,
        deadline=response_service.deadline(match),
        can_ask=response_service.can_ask_for_new_match(match, current_user),
    )


def _measure_choices(match: Match, form: ReportDeliveryForm) -> None:
    """Measures in the offer's unit; the default (empty) choice is the offer's own measure."""
    from matchmaker.services.measures import measures_for

    form.measure.choices = _offer_measure_choice(match) + [
        SelectChoice(str(m.id), m.label) for m in measures_for(match.offer.unit) if m.id != match.offer.measure_id
    ]


def _offer_measure_choice(match: Match) -> list[SelectChoice]:
    """The empty choice: no tag of the delivery's own, so it counts as its offer's measure (if any)."""
    offer_measure = match.offer.measure
    return [SelectChoice("", f"The offer's own: {offer_measure.label}" if offer_measure else "None")]


@bp.post("/my-matches/<int:match_id>/deliveries/<int:delivery_id>/measure")
@allow(SUPPLIER, approved_organisation=True)
def delivery_measure(match_id: int, delivery_id: int):
    """Change or remove the council measure an unverified delivery counts towards."""
    record = _own_match(match_id)
    delivery = next((d for d in record.deliveries if d.id == delivery_id), None) or abort(404)
    form = DeliveryMeasureForm(prefix=f"measure-{delivery.id}")
    if form.validate_on_submit():
        chosen = database_id(form.measure.data)
        try:
            delivery_service.set_measure(delivery, current_user, chosen)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(
                f"The delivery of {delivery.delivered_on:%-d %B %Y} now counts towards "
                + (
                    f"{delivery.measure.code}."
                    if delivery.measure
                    else f"its offer's measure, {record.offer.measure.code}."
                    if record.offer.measure
                    else "no measure."
                ),
                "success",
            )
            return redirect(url_for("suppliers.match", match_id=record.id))
    return _match_page(record, ReportDeliveryForm(formdata=None), failed=form, failed_id=delivery.id)


@bp.get("/my-matches/<int:match_id>")
@allow(SUPPLIER, approved_organisation=True)
def match(match_id: int):
    return _match_page(_own_match(match_id), ReportDeliveryForm(formdata=None))


@bp.post("/my-matches/<int:match_id>/deliveries")
@allow(SUPPLIER, approved_organisation=True)
def report_delivery(match_id: int):
    record = _own_match(match_id)
    form = ReportDeliveryForm()
    if not form.validate_on_submit():
        return _match_page(record, form)
    try:
        delivery_service.report(
            record,
            current_user,
            form.quantity.data,
            form.delivered_on.data,
            form.note.data or "",
            complete=bool(form.complete.data),
            measure_id=database_id(form.measure.data),
            submission_key=form.submission_key.data,
        )
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return _match_page(record, form)
    db.session.commit()
    flash("Thank you. The group will confirm what they received, then an officer verifies it.", "success")
    return redirect(url_for("suppliers.match", match_id=record.id))


@bp.post("/my-matches/<int:match_id>/respond")
@allow(SUPPLIER, approved_organisation=True)
def respond(match_id: int):
    record = _own_match(match_id)
    return match_responses.respond(record, url_for("suppliers.match", match_id=record.id))


@bp.post("/my-matches/<int:match_id>/new-match")
@allow(SUPPLIER, approved_organisation=True)
def ask_for_new_match(match_id: int):
    record = _own_match(match_id)
    return match_responses.ask_for_new_match(record, url_for("suppliers.match", match_id=record.id))
