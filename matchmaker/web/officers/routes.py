"""Brokerage officers' console: vetting organisations, moderating needs, the queue of pledges."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Need, NeedStatus, Organisation, OrganisationStatus, Proposal, Ward
from matchmaker.services import matching as matching_service
from matchmaker.services import needs as need_service
from matchmaker.services import offers as offer_service
from matchmaker.services import organisations
from matchmaker.services import ward_weights as ward_weight_service
from matchmaker.services.errors import DomainError
from matchmaker.web.access import OFFICERS, allow
from matchmaker.web.forms_errors import add_error
from matchmaker.web.notify import send_to_members
from matchmaker.web.officers.forms import (
    ApproveOrganisationForm,
    ClearWardWeightsForm,
    PublishNeedForm,
    RejectOrganisationForm,
    ReturnNeedForm,
    WardWeightsForm,
)

bp = Blueprint("officers", __name__, url_prefix="/officers")


def _organisation(org_id: int) -> Organisation:
    return db.session.get(Organisation, org_id) or abort(404)


@bp.get("/organisations", endpoint="organisations")
@allow(*OFFICERS)
def organisation_queue():
    try:
        status = OrganisationStatus(request.args.get("status", OrganisationStatus.PENDING.value))
    except ValueError:
        abort(404)
    return render_template(
        "officers/organisations.html", status=status, organisations=organisations.organisations_with_status(status),
        counts=organisations.count_by_status(),
    )


def _review(org: Organisation, reject_form: RejectOrganisationForm, status: int = 200):
    similar = organisations.find_similar_organisations(org.name, exclude_id=org.id)
    return render_template(
        "officers/review.html", organisation=org, similar=similar, approve_form=ApproveOrganisationForm(),
        form=reject_form,
    ), status


@bp.get("/organisations/<int:org_id>")
@allow(*OFFICERS)
def review(org_id: int):
    return _review(_organisation(org_id), RejectOrganisationForm(formdata=None))


@bp.post("/organisations/<int:org_id>/approve")
@allow(*OFFICERS)
def approve(org_id: int):
    org = _organisation(org_id)
    if not ApproveOrganisationForm().validate_on_submit():
        abort(400)
    try:
        organisations.approve_organisation(org, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
        return redirect(url_for("officers.review", org_id=org.id))
    db.session.commit()
    flash(f"{org.name} has been approved.", "success")
    send_to_members("organisation_approved", org.members, f"{org.name} is approved on Matchmaker", organisation=org)
    return redirect(url_for("officers.organisations"))


@bp.post("/organisations/<int:org_id>/reject")
@allow(*OFFICERS)
def reject(org_id: int):
    org = _organisation(org_id)
    form = RejectOrganisationForm()
    if not form.validate_on_submit():
        return _review(org, form, 200)
    try:
        organisations.reject_organisation(org, current_user, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return _review(org, form, 200)
    db.session.commit()
    flash(f"{org.name} has been rejected.", "success")
    send_to_members("organisation_rejected", org.members, f"Your registration of {org.name} on Matchmaker",
                    organisation=org)
    return redirect(url_for("officers.organisations"))


# Needs waiting for moderation -------------------------------------------------------------------------------


def _need(need_id: int) -> Need:
    return db.session.get(Need, need_id) or abort(404)


@bp.get("/needs")
@allow(*OFFICERS)
def needs_queue():
    waiting = db.session.scalars(
        select(Need).where(Need.status == NeedStatus.AWAITING_MODERATION).order_by(Need.updated_at)
    ).all()
    return render_template("officers/needs_queue.html", needs=waiting)


def _moderation_page(need: Need, return_form: ReturnNeedForm):
    return render_template("officers/need_review.html", need=need, history=need_service.history(need),
                           publish_form=PublishNeedForm(), form=return_form,
                           proposals=matching_service.proposals_for(need))


@bp.get("/needs/<int:need_id>")
@allow(*OFFICERS)
def need_review(need_id: int):
    return _moderation_page(_need(need_id), ReturnNeedForm(formdata=None))


@bp.post("/needs/<int:need_id>/publish")
@allow(*OFFICERS)
def publish_need(need_id: int):
    need = _need(need_id)
    if not PublishNeedForm().validate_on_submit():
        abort(400)
    try:
        need_service.publish_need(need, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
        return redirect(url_for("officers.need_review", need_id=need.id))
    db.session.commit()
    flash(f"‘{need.title}’ is published.", "success")
    send_to_members("need_published", need.organisation.members, f"Your need is published: {need.title}", need=need)
    return redirect(url_for("officers.needs_queue"))


@bp.post("/needs/<int:need_id>/return")
@allow(*OFFICERS)
def return_need(need_id: int):
    need = _need(need_id)
    form = ReturnNeedForm()
    if not form.validate_on_submit():
        return _moderation_page(need, form)
    try:
        need_service.return_need(need, current_user, form.comment.data)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return _moderation_page(need, form)
    db.session.commit()
    flash(f"‘{need.title}’ has been returned to {need.organisation.name}.", "success")
    send_to_members("need_returned", need.organisation.members, f"Your need needs changes: {need.title}", need=need)
    return redirect(url_for("officers.needs_queue"))


# Pledges from suppliers, waiting for brokerage ----------------------------------------------------------------


@bp.get("/pledges")
@allow(*OFFICERS)
def pledges_queue():
    return render_template("officers/pledges_queue.html", pledges=offer_service.pending_pledges())


# The matching engine's proposals --------------------------------------------------------------------------


@bp.get("/matching")
@allow(*OFFICERS)
def matching():
    """Open needs with their best proposal, weakest first, so the officer sees where help is missing."""
    rows = db.session.execute(
        select(Need, Proposal).outerjoin(Proposal, (Proposal.need_id == Need.id) & (Proposal.rank == 1))
        .where(Need.status.in_(matching_service.OPEN)).order_by(Proposal.score.asc().nullsfirst(), Need.id)
    ).all()
    return render_template("officers/matching.html", rows=rows, counts=matching_service.proposal_counts())


@bp.get("/matching/unmatched")
@allow(*OFFICERS)
def unmatched():
    return render_template("officers/unmatched.html", report=matching_service.unmatched_report())


# Ward weights: where help is needed most ---------------------------------------------------------------------


def _ward_weights_page(form: WardWeightsForm, report=None, status: int = 200):
    wards = db.session.scalars(select(Ward).order_by(Ward.need_weight.desc().nullslast(), Ward.name)).all()
    return render_template("officers/ward_weights.html", form=form, clear_form=ClearWardWeightsForm(), wards=wards,
                           report=report), status


@bp.route("/ward-weights", methods=["GET", "POST"])
@allow(*OFFICERS)
def ward_weights():
    form = WardWeightsForm()
    if not form.validate_on_submit():
        return _ward_weights_page(form)
    report, weights = ward_weight_service.parse(form.file.data.read(ward_weight_service.MAX_BYTES + 1),
                                                higher_means_more_need=form.direction.data == "more")
    if not report.ok:
        add_error(form, f"The file has {len(report.errors)} problem{'s' if len(report.errors) != 1 else ''}: "
                        "no weights were changed", "file")
        return _ward_weights_page(form, report)
    ward_weight_service.save(weights, current_user)
    matching_service.refresh_all()
    db.session.commit()
    flash(f"Ward weights saved for {len(weights)} wards. Proposals have been refreshed.", "success")
    return redirect(url_for("officers.ward_weights"))


@bp.post("/ward-weights/clear")
@allow(*OFFICERS)
def clear_ward_weights():
    if not ClearWardWeightsForm().validate_on_submit():
        abort(400)
    ward_weight_service.clear(current_user)
    matching_service.refresh_all()
    db.session.commit()
    flash("Ward weights removed. Proposals have been refreshed.", "success")
    return redirect(url_for("officers.ward_weights"))
