"""Officers hold suppliers to their contracts: which contracts are behind, and their remedial plans.

Suppliers see their own plan, read-only, on their contract's page (suppliers.contract); everything here is for
officers. Each step is committed, then the contract manager is emailed with a link to the plan.
"""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Contract, EscalationLevel, RemedialAction, RemedialPlan
from matchmaker.services import contracts as contract_service
from matchmaker.services import remedial
from matchmaker.services.browse import page_number
from matchmaker.services.errors import DomainError, NotAllowed
from matchmaker.web.access import OFFICERS, allow
from matchmaker.web.forms_errors import add_error
from matchmaker.web.notify import send_after_commit
from matchmaker.web.remedial.forms import ActionDoneForm, AddActionForm, ClosePlanForm, EscalateForm, OpenPlanForm

bp = Blueprint("remedial", __name__, url_prefix="/officers")


@bp.get("/contracts")
@allow(*OFFICERS)
def contracts():
    """Every contract with its delivery state and any plan in force; `?show=behind` for those needing action."""
    behind_only = request.args.get("show") == "behind"
    rows = []
    for contract in db.session.scalars(select(Contract).order_by(Contract.ref)):
        state = contract_service.progress(contract).state
        if not behind_only or state in remedial.BEHIND:
            rows.append((contract, state, remedial.plan_in_force(contract)))
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(rows) // size))
    page = min(page_number(request.args.get("page")), pages)
    return render_template(
        "remedial/contracts.html",
        rows=rows[(page - 1) * size : page * size],
        total=len(rows),
        behind_only=behind_only,
        page=page,
        pages=pages,
    )


def _contract(contract_id: int) -> Contract:
    return db.session.get(Contract, contract_id) or abort(404)


def _plan(plan_id: int) -> RemedialPlan:
    return db.session.get(RemedialPlan, plan_id) or abort(404)


def _tell_manager(template: str, plan: RemedialPlan, subject: str, **context) -> None:
    send_after_commit(
        template, to=plan.contract.manager_email, subject=subject, plan=plan, officer=current_user, **context
    )


def _details(form) -> remedial.ActionDetails:
    return remedial.ActionDetails(form.description.data or "", form.owner.data or "", form.due_on.data)


@bp.route("/contracts/<int:contract_id>/remedial-plan/new", methods=["GET", "POST"])
@allow(*OFFICERS)
def open_plan(contract_id: int):
    contract = _contract(contract_id)
    in_force = remedial.plan_in_force(contract)
    if in_force is not None:
        return redirect(url_for("remedial.plan", plan_id=in_force.id))
    form = OpenPlanForm()
    if form.validate_on_submit():
        try:
            plan = remedial.open_plan(contract, current_user, form.problem.data, _details(form))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            flash(f"Remedial plan opened. The contract manager ({contract.manager_email}) has been emailed.", "success")
            _tell_manager("remedial_plan_opened", plan, f"Remedial plan opened: contract {contract.ref}")
            return redirect(url_for("remedial.plan", plan_id=plan.id))
    return render_template(
        "remedial/open.html", form=form, contract=contract, progress=contract_service.progress(contract)
    )


def _plan_page(plan: RemedialPlan, action_form=None, escalate_form=None, close_form=None):
    failed = action_form or escalate_form or close_form  # the one that was posted: its errors head the page
    return render_template(
        "remedial/plan.html",
        plan=plan,
        progress=contract_service.progress(plan.contract),
        timeline=remedial.timeline(plan),
        action_form=action_form or AddActionForm(formdata=None),
        escalate_form=escalate_form or EscalateForm(formdata=None),
        close_form=close_form or ClosePlanForm(formdata=None),
        done_form=ActionDoneForm(),
        today=date.today(),
        form=failed,
    )


@bp.get("/remedial-plans/<int:plan_id>")
@allow(*OFFICERS)
def plan(plan_id: int):
    return _plan_page(_plan(plan_id))


def _plan_step(record: RemedialPlan, form, form_arg: str, act, succeed):
    """Run one step on a plan from its posted form. A refusal because of the plan's or the contract's state is
    flashed (there is nothing to correct in the form); any other domain error goes next to its field; on success
    the step is committed, then `succeed(result)` flashes and emails."""
    if form.validate_on_submit():
        try:
            result = act()
        except NotAllowed as error:
            db.session.rollback()
            flash(error.message)
            return redirect(url_for("remedial.plan", plan_id=record.id))
        except DomainError as error:
            db.session.rollback()
            add_error(form, error)
        else:
            db.session.commit()
            succeed(result)
            return redirect(url_for("remedial.plan", plan_id=record.id))
    return _plan_page(record, **{form_arg: form})


@bp.post("/remedial-plans/<int:plan_id>/actions")
@allow(*OFFICERS)
def add_action(plan_id: int):
    record = _plan(plan_id)
    form = AddActionForm()
    return _plan_step(
        record,
        form,
        "action_form",
        lambda: remedial.add_action(record, current_user, _details(form)),
        lambda _: flash("Action added to the plan.", "success"),
    )


@bp.post("/remedial-plans/<int:plan_id>/actions/<int:action_id>/done")
@allow(*OFFICERS)
def mark_done(plan_id: int, action_id: int):
    record = _plan(plan_id)
    action = db.session.get(RemedialAction, action_id)
    if action is None or action.plan_id != record.id:
        abort(404)
    if not ActionDoneForm().validate_on_submit():
        abort(400)
    try:
        remedial.mark_done(action, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message)
    else:
        db.session.commit()
        flash(f"Marked as done: {action.description}", "success")
    return redirect(url_for("remedial.plan", plan_id=record.id))


@bp.post("/remedial-plans/<int:plan_id>/escalate")
@allow(*OFFICERS)
def escalate(plan_id: int):
    record = _plan(plan_id)
    form = EscalateForm()

    def escalated(escalation) -> None:
        state = contract_service.progress(record.contract).state
        flash(f"Escalated to {escalation.escalated_to}. The contract manager has been emailed.", "success")
        _tell_manager(
            "remedial_plan_escalated",
            record,
            f"Remedial plan escalated: contract {record.contract.ref}",
            escalation=escalation,
            state=state,
        )

    return _plan_step(
        record,
        form,
        "escalate_form",
        lambda: remedial.escalate(
            record, current_user, EscalationLevel(form.level.data), form.escalated_to.data, form.reason.data
        ),
        escalated,
    )


@bp.post("/remedial-plans/<int:plan_id>/close")
@allow(*OFFICERS)
def close(plan_id: int):
    record = _plan(plan_id)
    form = ClosePlanForm()

    def closed(_) -> None:
        flash("The remedial plan is closed. The contract manager has been emailed.", "success")
        _tell_manager("remedial_plan_closed", record, f"Remedial plan closed: contract {record.contract.ref}")

    return _plan_step(
        record, form, "close_form", lambda: remedial.close(record, current_user, form.note.data or ""), closed
    )
