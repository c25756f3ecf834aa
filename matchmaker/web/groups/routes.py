"""VCSEs and community groups: post needs, send them for approval, edit, close and reopen them."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Delivery, Match, MatchStatus, Need, NeedStatus, Role
from matchmaker.services import deliveries as delivery_service
from matchmaker.services import needs as need_service
from matchmaker.services import responses as response_service
from matchmaker.services.errors import DomainError, StateConflict
from matchmaker.services.offers import pledges_for_need
from matchmaker.web import match_responses
from matchmaker.web.access import allow
from matchmaker.web.forms_errors import add_error
from matchmaker.web.groups.forms import ActionForm, CloseNeedForm, ConfirmDeliveryForm, NeedForm
from matchmaker.web.match_responses import MatchResponseForm
from matchmaker.web.tag_fields import tag_form_data

bp = Blueprint("groups", __name__)
GROUP = Role.GROUP_MEMBER


def _own_need(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or need.organisation_id != current_user.organisation_id:
        abort(404)  # someone else's need: as if it did not exist
    return need


def _details(form: NeedForm) -> need_service.NeedDetails:
    return need_service.NeedDetails(
        title=form.title.data,
        description=form.description.data,
        tags=form.tags(),
        quantity=form.quantity.data,
        unit=form.unit_value(),
        needed_by=form.needed_by.data,
        recurring=bool(form.recurring.data),
    )


def _check_future(form: NeedForm) -> bool:
    if form.needed_by.data and form.needed_by.data < date.today():
        add_error(form, "Needed by must be today or in the future", "needed_by")
        return False
    return True


def _submitted_and_valid(form: NeedForm) -> bool:
    """The form's checks and the date check, run together so every problem is listed at once (GOV.UK pattern)."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    return _check_future(form) and valid


@bp.get("/my-needs")
@allow(GROUP, approved_organisation=True)
def needs():
    rows = db.session.scalars(
        select(Need).where(Need.organisation_id == current_user.organisation_id).order_by(Need.created_at.desc())
    ).all()
    return render_template(
        "groups/needs.html",
        needs=rows,
        live=need_service.live_needs_count(current_user.organisation),
        limit=need_service.max_live_needs(),
    )


@bp.route("/my-needs/new", methods=["GET", "POST"])
@allow(GROUP, approved_organisation=True)
def new_need():
    form = NeedForm()
    if _submitted_and_valid(form):
        try:
            need = need_service.create_need(
                current_user.organisation, current_user, _details(form), submit=bool(form.submit.data)
            )
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(
                "Your need has been sent to the brokerage team for approval."
                if form.submit.data
                else "Your need has been saved as a draft.",
                "success",
            )
            return redirect(url_for("groups.need", need_id=need.id))
    return render_template(
        "groups/need_form.html",
        form=form,
        need=None,
        live=need_service.live_needs_count(current_user.organisation),
        limit=need_service.max_live_needs(),
    )


@bp.get("/my-needs/<int:need_id>")
@allow(GROUP, approved_organisation=True)
def need(need_id: int):
    return _need_page(_own_need(need_id))


def _need_page(record: Need, failed: ConfirmDeliveryForm | None = None, failed_id: int | None = None):
    matches = db.session.scalars(
        select(Match).where(Match.need_id == record.id, Match.status != MatchStatus.DECLINED).order_by(Match.id)
    ).all()
    confirm_forms = {
        d.id: failed
        if d.id == failed_id
        else ConfirmDeliveryForm(formdata=None, prefix=f"delivery-{d.id}", data={"received": d.quantity})
        for m in matches
        for d in m.deliveries
        if d.confirmed_at is None
    }
    return render_template(
        "groups/need.html",
        need=record,
        history=need_service.history(record),
        pledges=pledges_for_need(record),
        matches=matches,
        confirm_forms=confirm_forms,
        action_form=ActionForm(),
        close_form=CloseNeedForm(),
        form=failed,
        response_form=MatchResponseForm(),
        deadline=response_service.deadline,
        can_ask=lambda m: response_service.can_ask_for_new_match(m, current_user),
    )


@bp.route("/my-needs/<int:need_id>/edit", methods=["GET", "POST"])
@allow(GROUP, approved_organisation=True)
def edit_need(need_id: int):
    record = _own_need(need_id)
    if record.status in (NeedStatus.CLOSED, NeedStatus.MET):
        flash("Reopen this need before changing it.")
        return redirect(url_for("groups.need", need_id=record.id))
    form = NeedForm(
        data={
            **tag_form_data(record),
            "title": record.title,
            "description": record.description,
            "needed_by": record.needed_by,
            "recurring": record.recurring,
        }
    )
    was_public = record.status.is_public
    if _submitted_and_valid(form):
        try:
            need_service.update_need(record, current_user, _details(form))
            if form.submit.data and record.status is NeedStatus.DRAFT:
                need_service.submit_need(record, current_user)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            if was_public and record.status is NeedStatus.AWAITING_MODERATION:
                flash(
                    "Your changes have been saved. Because you changed the title or description, your need is off the "
                    "public list until a brokerage officer checks the new wording.",
                    "success",
                )
            else:
                flash("Your changes have been saved.", "success")
            return redirect(url_for("groups.need", need_id=record.id))
    return render_template(
        "groups/need_form.html",
        form=form,
        need=record,
        live=need_service.live_needs_count(current_user.organisation),
        limit=need_service.max_live_needs(),
    )


def _change(need_id: int, change, message: str):
    record = _own_need(need_id)
    form = CloseNeedForm() if change is need_service.close_need else ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if change is need_service.close_need:
            change(record, current_user, note=form.note.data or "")
        else:
            change(record, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("groups.need", need_id=record.id))


@bp.post("/my-needs/<int:need_id>/submit")
@allow(GROUP, approved_organisation=True)
def submit_need(need_id: int):
    return _change(need_id, need_service.submit_need, "Your need has been sent to the brokerage team for approval.")


@bp.post("/my-needs/<int:need_id>/close")
@allow(GROUP, approved_organisation=True)
def close_need(need_id: int):
    return _change(need_id, need_service.close_need, "Your need has been closed.")


@bp.post("/my-needs/<int:need_id>/reopen")
@allow(GROUP, approved_organisation=True)
def reopen_need(need_id: int):
    return _change(need_id, need_service.reopen_need, "Your need has been reopened.")


@bp.post("/my-needs/<int:need_id>/deliveries/<int:delivery_id>/confirm")
@allow(GROUP, approved_organisation=True)
def confirm_delivery(need_id: int, delivery_id: int):
    record = _own_need(need_id)
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.match.need_id != record.id:
        abort(404)
    form = ConfirmDeliveryForm(prefix=f"delivery-{delivery.id}")
    if form.validate_on_submit():
        try:
            delivery_service.confirm(
                delivery,
                current_user,
                form.received.data,
                form.note.data or "",
                story=form.story.data or "",
                share_story=bool(form.share_story.data),
            )
        except StateConflict as conflict:  # confirmed a moment ago (a double-click): the page shows it
            db.session.rollback()
            flash(conflict.message)
            return redirect(url_for("groups.need", need_id=record.id))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Thank you. A brokerage officer will verify the delivery.", "success")
            return redirect(url_for("groups.need", need_id=record.id))
    return _need_page(record, failed=form, failed_id=delivery.id)


def _own_match(need_id: int, match_id: int) -> Match:
    record = _own_need(need_id)
    match = db.session.get(Match, match_id)
    if match is None or match.need_id != record.id or match.status is MatchStatus.DECLINED:
        abort(404)
    return match


@bp.post("/my-needs/<int:need_id>/matches/<int:match_id>/respond")
@allow(GROUP, approved_organisation=True)
def respond(need_id: int, match_id: int):
    return match_responses.respond(_own_match(need_id, match_id), url_for("groups.need", need_id=need_id))


@bp.post("/my-needs/<int:need_id>/matches/<int:match_id>/new-match")
@allow(GROUP, approved_organisation=True)
def ask_for_new_match(need_id: int, match_id: int):
    return match_responses.ask_for_new_match(_own_match(need_id, match_id), url_for("groups.need", need_id=need_id))
