"""Brokerage officers' console: vetting organisations, moderating needs, the queue of pledges."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, select
from werkzeug.exceptions import NotFound

from matchmaker.extensions import db
from matchmaker.models import (
    Delivery,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Organisation,
    OrganisationStatus,
    Pledge,
    PledgeStatus,
    Proposal,
    RejectionReason,
    Ward,
)
from matchmaker.models.limits import filter_value
from matchmaker.services import brokerage, organisations, pledge_fit
from matchmaker.services import deliveries as delivery_service
from matchmaker.services import matching as matching_service
from matchmaker.services import needs as need_service
from matchmaker.services import offers as offer_service
from matchmaker.services import queue as queue_service
from matchmaker.services import responses as response_service
from matchmaker.services import ward_weights as ward_weight_service
from matchmaker.services.browse import Page, page_number
from matchmaker.services.errors import DomainError, StateConflict
from matchmaker.web.access import OFFICERS, allow
from matchmaker.web.browse.display import pagination
from matchmaker.web.forms_errors import add_error
from matchmaker.web.ids import database_id
from matchmaker.web.introductions import introduce
from matchmaker.web.notify import send_to_members
from matchmaker.web.officers.forms import (
    ApproveMatchForm,
    ApproveOrganisationForm,
    BulkApproveForm,
    ClearWardWeightsForm,
    EndMatchForm,
    PublishNeedForm,
    RejectMatchForm,
    RejectOrganisationForm,
    ReturnNeedForm,
    VerifyDeliveryForm,
    WardWeightsForm,
)
from matchmaker.wording import plural

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
        "officers/organisations.html",
        status=status,
        organisations=organisations.organisations_with_status(status),
        counts=organisations.count_by_status(),
    )


def _review(org: Organisation, reject_form: RejectOrganisationForm, status: int = 200):
    similar = organisations.find_similar_organisations(org.name, exclude_id=org.id)
    return render_template(
        "officers/review.html",
        organisation=org,
        similar=similar,
        approve_form=ApproveOrganisationForm(),
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


@bp.route("/organisations/<int:org_id>/reject", methods=["GET", "POST"])
@allow(*OFFICERS)
def reject(org_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.review", org_id=org_id))
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
    send_to_members(
        "organisation_rejected", org.members, f"Your registration of {org.name} on Matchmaker", organisation=org
    )
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
    return render_template(
        "officers/need_review.html",
        need=need,
        history=need_service.history(need),
        publish_form=PublishNeedForm(),
        form=return_form,
        proposals=(proposals := matching_service.proposals_for(need)),
        confidence=matching_service.confidence_of(proposals),
    )


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


@bp.route("/needs/<int:need_id>/return", methods=["GET", "POST"])
@allow(*OFFICERS)
def return_need(need_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.need_review", need_id=need_id))
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
    return render_template(
        "officers/pledges_queue.html",
        pledges=offer_service.pending_pledges(),
        pledge_warning=lambda pledge: pledge_fit.assess(pledge.offer, pledge.need).warning,
    )


# The matching engine's proposals --------------------------------------------------------------------------


@bp.get("/matching")
@allow(*OFFICERS)
def matching():
    """Open needs with their best proposal, weakest first, so the officer sees where help is missing."""
    rows = db.session.execute(
        select(Need, Proposal)
        .outerjoin(Proposal, (Proposal.need_id == Need.id) & (Proposal.rank == 1))
        .where(Need.status.in_(matching_service.OPEN))
        .order_by(Proposal.score.asc().nullsfirst(), Need.id)
    ).all()
    return render_template("officers/matching.html", rows=rows, counts=matching_service.proposal_counts())


@bp.get("/matching/unmatched")
@allow(*OFFICERS)
def unmatched():
    return render_template("officers/unmatched.html", report=matching_service.unmatched_report())


# Ward weights: where help is needed most ---------------------------------------------------------------------


def _ward_weights_page(form: WardWeightsForm, report=None, status: int = 200):
    wards = db.session.scalars(select(Ward).order_by(Ward.need_weight.desc().nullslast(), Ward.name)).all()
    return render_template(
        "officers/ward_weights.html", form=form, clear_form=ClearWardWeightsForm(), wards=wards, report=report
    ), status


@bp.route("/ward-weights", methods=["GET", "POST"])
@allow(*OFFICERS)
def ward_weights():
    form = WardWeightsForm()
    if not form.validate_on_submit():
        return _ward_weights_page(form)
    report, weights = ward_weight_service.parse(
        form.file.data.read(ward_weight_service.MAX_BYTES + 1), higher_means_more_need=form.direction.data == "more"
    )
    if not report.ok:
        add_error(
            form,
            f"The file has {plural(len(report.errors), 'problem')}: no weights were changed",
            "file",
        )
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


# The brokerage queue: decide on pledges and proposals ----------------------------------------------------------


@bp.get("/queue")
@allow(*OFFICERS)
def queue():
    return _queue_page(BulkApproveForm(formdata=None))


def _queue_page(bulk_form: BulkApproveForm):
    args = request.args
    supplier = args.get("supplier", "")
    filters = queue_service.QueueFilters(
        priority=filter_value(args.get("priority")),
        ward=filter_value(args.get("ward")),
        supplier=database_id(supplier),
        support_type=filter_value(args.get("support_type")),
    )
    sort = args.get("sort", "score")
    size = current_app.config["PAGE_SIZE"]
    page = page_number(args.get("page"))
    found, total = queue_service.page_of_items(filters, sort, page, size)
    pages = max(1, -(-total // size))
    if page > pages:  # past the end (the queue shrank since the link was made): show the last page
        page = pages
        found, total = queue_service.page_of_items(filters, sort, page, size)
    query = {k: v for k, v in args.items() if k != "page"}
    paging = pagination(
        Page(found, total, page, size), lambda n: url_for("officers.queue", **query, **({"page": n} if n > 1 else {}))
    )
    return render_template(
        "officers/queue.html",
        items=found,
        total=total,
        pagination=paging,
        bulk_form=bulk_form,
        form=bulk_form,  # the base template shows its error summary
        overdue_count=response_service.overdue_count(),
        page=page,
        pages=pages,
        sort=sort if sort in queue_service.SORTS else "score",
        sorts=queue_service.SORTS,
        filters=filters,
        choices=queue_service.filter_choices(),
    )


def _lost_race(conflict: StateConflict):
    """Someone else decided or changed it first: say so where the officer can see what happened (the match's
    page and its timeline, or the queue)."""
    flash(conflict.message)
    if conflict.match_id is not None:
        return redirect(url_for("officers.match", match_id=conflict.match_id))
    return redirect(url_for("officers.queue"))


def _waiting(kind: str, item_id: int):
    """The pledge or proposal being decided, with its need and offer. StateConflict if it has been decided
    already (or the engine replaced it); 404 if there never was one."""
    if kind == "pledge":
        pledge = db.session.get(Pledge, item_id)
        if pledge is None:
            abort(404)
        if pledge.status is not PledgeStatus.PENDING:
            raise brokerage.already_decided("pledge", item_id)
        return pledge.need, pledge.offer, {"pledge": pledge}, pledge.quantity
    proposal = db.session.get(Proposal, item_id)
    if proposal is None:
        conflict = brokerage.already_decided("proposal", item_id)
        if conflict.match_id is None:
            abort(404)
        raise conflict
    need = proposal.need
    wanted = need.quantity if need.unit is proposal.offer.unit else None
    return need, proposal.offer, {"proposal": proposal}, wanted


def _decision(kind: str, item_id: int):
    """As _waiting, but one decided already sends the officer to the match it made, saying so."""
    try:
        return _waiting(kind, item_id)
    except StateConflict as conflict:
        abort(_lost_race(conflict))


def _decision_page(kind: str, item_id: int, approve_form=None, reject_form=None, status: int = 200):
    need, offer, source, suggested = _decision(kind, item_id)
    reject_form = reject_form or RejectMatchForm(formdata=None)
    if approve_form is None:
        left = offer.remaining
        amount = min(a for a in (suggested, left) if a is not None) if offer.quantity is not None else None
        approve_form = ApproveMatchForm(formdata=None, data={"quantity": amount})
    return render_template(
        "officers/decision.html",
        kind=kind,
        item_id=item_id,
        need=need,
        offer=offer,
        source=source,
        fit=pledge_fit.assess(offer, need),
        approve_form=approve_form,
        reject_form=reject_form,
        form=approve_form if approve_form.errors else reject_form,  # the base template's summary and title
    ), status


@bp.get("/queue/<kind>/<int:item_id>")
@allow(*OFFICERS)
def decision(kind: str, item_id: int):
    if kind not in ("pledge", "proposal"):
        abort(404)
    return _decision_page(kind, item_id)


@bp.route("/queue/<kind>/<int:item_id>/approve", methods=["GET", "POST"])
@allow(*OFFICERS)
def approve_match(kind: str, item_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.decision", kind=kind, item_id=item_id))
    if kind not in ("pledge", "proposal"):
        abort(404)
    need, offer, source, _ = _decision(kind, item_id)
    form = ApproveMatchForm()
    if not form.validate_on_submit():
        return _decision_page(kind, item_id, approve_form=form)
    try:
        match = brokerage.approve(need, offer, current_user, form.quantity.data, **source)
    except StateConflict as conflict:
        db.session.rollback()
        return _lost_race(conflict)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return _decision_page(kind, item_id, approve_form=form)
    db.session.commit()
    if introduce(match, current_user):
        flash(f"Approved. {need.organisation.name} and {offer.supplier.name} have been introduced by email.", "success")
    return redirect(url_for("officers.match", match_id=match.id))


@bp.route("/queue/<kind>/<int:item_id>/reject", methods=["GET", "POST"])
@allow(*OFFICERS)
def reject_match(kind: str, item_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.decision", kind=kind, item_id=item_id))
    if kind not in ("pledge", "proposal"):
        abort(404)
    need, offer, source, _ = _decision(kind, item_id)
    form = RejectMatchForm()
    if not form.validate_on_submit():
        return _decision_page(kind, item_id, reject_form=form)
    try:
        brokerage.reject(
            need, offer, current_user, RejectionReason(form.reason.data), form.reason_text.data or "", **source
        )
    except StateConflict as conflict:
        db.session.rollback()
        return _lost_race(conflict)
    except DomainError as error:
        db.session.rollback()
        add_error(form, error)
        return _decision_page(kind, item_id, reject_form=form)
    db.session.commit()
    flash(
        f"Rejected: {offer.title} for {need.title}. It will not be proposed again unless one of them changes.",
        "success",
    )
    return redirect(url_for("officers.queue"))


def _match_page(record: Match, failed=None, failed_id: int | None = None, end_form=None):
    verify_forms = {
        d.id: failed
        if d.id == failed_id
        else VerifyDeliveryForm(formdata=None, prefix=f"delivery-{d.id}", data={"verified": d.received_quantity})
        for d in record.deliveries
        if d.confirmed_at is not None and d.verified_at is None
    }
    return render_template(
        "officers/match.html",
        match=record,
        timeline=brokerage.timeline(record),
        deadline=response_service.deadline(record),
        waiting_on=response_service.waiting_on(record),
        overdue=response_service.is_overdue(record),
        waiting_names=response_service.waiting_names,
        verify_forms=verify_forms,
        form=failed,
        end_form=end_form or EndMatchForm(formdata=None),
        can_end=bool(brokerage.ALLOWED[record.status] & {MatchStatus.CANCELLED, MatchStatus.FAILED}),
    )


@bp.get("/matches")
@allow(*OFFICERS)
def matches():
    """Matches in progress, those waiting too long for a response first."""
    overdue_only = request.args.get("show") == "overdue"
    overdue = response_service.overdue_clause()
    query = select(Match).where(overdue if overdue_only else Match.status.in_(brokerage.IN_PROGRESS))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-total // size))
    page = min(page_number(request.args.get("page")), pages)
    rows = db.session.scalars(
        query.order_by(case((overdue, 0), else_=1), Match.created_at.desc(), Match.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return render_template(
        "officers/matches.html",
        matches=rows,
        total=total,
        overdue_count=response_service.overdue_count(),
        is_overdue=response_service.is_overdue,
        overdue_only=overdue_only,
        page=page,
        pages=pages,
        deadline=response_service.deadline,
        waiting_on=response_service.waiting_on,
        waiting_names=response_service.waiting_names,
        days=response_service.response_days(),
    )


@bp.get("/matches/<int:match_id>")
@allow(*OFFICERS)
def match(match_id: int):
    return _match_page(db.session.get(Match, match_id) or abort(404))


@bp.route("/matches/<int:match_id>/deliveries/<int:delivery_id>/verify", methods=["GET", "POST"])
@allow(*OFFICERS)
def verify_delivery(match_id: int, delivery_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.match", match_id=match_id))
    record = db.session.get(Match, match_id) or abort(404)
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.match_id != record.id:
        abort(404)
    form = VerifyDeliveryForm(prefix=f"delivery-{delivery.id}")
    if form.validate_on_submit():
        try:
            delivery_service.verify(delivery, current_user, form.verified.data)
        except StateConflict as conflict:
            db.session.rollback()
            return _lost_race(conflict)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash("Delivery verified: it now counts towards the contract and the need.", "success")
            return redirect(url_for("officers.match", match_id=record.id))
    return _match_page(record, failed=form, failed_id=delivery.id)


@bp.route("/matches/<int:match_id>/end", methods=["GET", "POST"])
@allow(*OFFICERS)
def end_match(match_id: int):
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.match", match_id=match_id))
    record = db.session.get(Match, match_id) or abort(404)
    form = EndMatchForm()
    if form.validate_on_submit():
        try:
            released = brokerage.end(record, current_user, MatchStatus(form.outcome.data), form.reason.data)
        except StateConflict as conflict:
            db.session.rollback()
            return _lost_race(conflict)
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            back = (
                f" {record.offer.unit.format(released)} returned to the offer."
                if released and record.offer.unit
                else ""
            )
            flash(f"The match is {record.status.label.lower()}.{back}", "success")
            return redirect(url_for("officers.match", match_id=record.id))
    return _match_page(record, failed=form, end_form=form)


def _decided_meanwhile(conflict: StateConflict) -> str:
    decision = db.session.get(Match, conflict.match_id) if conflict.match_id else None
    return f"{decision.offer.title} for {decision.need.title}: {conflict.message}" if decision else conflict.message


@bp.route("/queue/approve", methods=["GET", "POST"])
@allow(*OFFICERS)
def approve_selected():
    """Bulk approval of the clear cases: each at its default amount, each in its own transaction, so one refusal
    (capacity just used up, say) leaves the others approved."""
    if request.method == "GET":  # the address bar after a failed post: back to the page, not a 405
        return redirect(url_for("officers.queue", **request.args))
    form = BulkApproveForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [value.split(":", 1) for value in request.form.getlist("selected") if ":" in value]
    if not chosen:
        add_error(form, "Select the decisions to approve", "selected")
        return _queue_page(form)
    approved, skipped = 0, []
    for kind, raw_id in chosen:
        if kind not in ("pledge", "proposal") or database_id(raw_id) is None:
            continue
        try:
            need, offer, source, suggested = _waiting(kind, database_id(raw_id))
        except NotFound:
            continue  # there is no such item
        except StateConflict as conflict:  # decided meanwhile by someone else
            skipped.append(_decided_meanwhile(conflict))
            continue
        amount, clear = queue_service.default_amount(kind, need, offer, suggested)
        if not clear:
            skipped.append(f"{offer.title} for {need.title}: choose the amount on its page")
            continue
        try:
            match = brokerage.approve(need, offer, current_user, amount, **source)
        except StateConflict as conflict:
            db.session.rollback()
            skipped.append(_decided_meanwhile(conflict))
            continue
        except DomainError as error:
            db.session.rollback()
            skipped.append(f"{offer.title} for {need.title}: {error.message}")
            continue
        db.session.commit()
        introduce(match, current_user)
        approved += 1
    if approved:
        flash(f"{approved} approved and introduced.", "success")
    for problem in skipped:
        flash(f"Not approved: {problem}")
    return redirect(url_for("officers.queue", **request.args))
