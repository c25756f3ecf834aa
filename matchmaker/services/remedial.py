"""Remedial plans: the policy's first step when a contract's social value falls behind, then escalation.

An officer opens a plan for a contract that is behind or at risk, with actions (what, who, by when); escalates it
through the contract governance structure if the contract stays behind; and closes it once the contract is back
on track. Each step is a status change made here, which checks it is allowed and writes the audit record the
plan's timeline shows. The views email the contract manager after each step is committed.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Contract,
    Escalation,
    EscalationLevel,
    PlanStatus,
    RemedialAction,
    RemedialPlan,
    User,
    utcnow,
)
from matchmaker.services import audit
from matchmaker.services.contracts import progress
from matchmaker.services.errors import DomainError, NotAllowed

P = PlanStatus
ALLOWED: dict[PlanStatus, set[PlanStatus]] = {
    P.OPEN: {P.ESCALATED, P.CLOSED},
    P.ESCALATED: {P.ESCALATED, P.CLOSED},  # escalated again, to a higher level
    P.CLOSED: set(),
}
BEHIND = ("Behind", "At risk")
SUBJECT = "remedialplan"


@dataclass
class ActionDetails:
    description: str
    owner: str
    due_on: date | None


def _check_officer(user: User) -> None:
    if not user.is_officer:
        raise NotAllowed("Only brokerage officers can manage remedial plans")


def _state(contract: Contract, today: date | None) -> str:
    return progress(contract, today).state


def plan_in_force(contract: Contract) -> RemedialPlan | None:
    return db.session.scalar(
        select(RemedialPlan).where(RemedialPlan.contract_id == contract.id, RemedialPlan.status != P.CLOSED)
    )


def plans_for(contract: Contract) -> list[RemedialPlan]:
    """Newest first: the plan in force (if any), then the closed ones."""
    return list(
        db.session.scalars(
            select(RemedialPlan)
            .where(RemedialPlan.contract_id == contract.id)
            .order_by(RemedialPlan.created_at.desc(), RemedialPlan.id.desc())
        )
    )


def can_open(contract: Contract, today: date | None = None) -> bool:
    return _state(contract, today) in BEHIND and plan_in_force(contract) is None


def _check_action(details: ActionDetails, today: date) -> tuple[str, str]:
    description, owner = (details.description or "").strip(), (details.owner or "").strip()
    if not description:
        raise DomainError("Enter what will be done", field="description")
    if not owner:
        raise DomainError("Enter who will do it", field="owner")
    if details.due_on is None:
        raise DomainError("Enter the date it is due", field="due_on")
    if details.due_on < today:
        raise DomainError("The due date must be today or in the future", field="due_on")
    return description, owner


def _move(plan: RemedialPlan, to: PlanStatus, officer: User, note: str = "", detail: dict | None = None) -> None:
    if to not in ALLOWED[plan.status]:
        raise NotAllowed(f"A remedial plan that is {plan.status.label.lower()} cannot be {to.label.lower()}")
    previous = plan.status
    plan.status = to
    db.session.flush()
    audit.record("remedial_plan.status", plan, officer, previous.value, to.value, note=note, detail=detail)


def open_plan(
    contract: Contract, officer: User, problem: str, first_action: ActionDetails, today: date | None = None
) -> RemedialPlan:
    _check_officer(officer)
    today = today or date.today()
    state = _state(contract, today)
    if state not in BEHIND:
        raise NotAllowed(
            f"Contract {contract.ref} is {state.lower()}: a remedial plan is for a contract that is behind or at risk"
        )
    if not (problem or "").strip():
        raise DomainError("Enter what is behind and why", field="problem")
    description, owner = _check_action(first_action, today)
    if plan_in_force(contract) is not None:
        raise NotAllowed(f"Contract {contract.ref} already has a remedial plan in force")
    plan = RemedialPlan(contract=contract, problem=problem.strip(), state_when_opened=state, opened_by_id=officer.id)
    try:
        with db.session.begin_nested():  # the unique index is the last word if two officers open one at once
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        raise NotAllowed(f"Contract {contract.ref} already has a remedial plan in force") from None
    audit.record(
        "remedial_plan.status", plan, officer, None, P.OPEN.value, note=plan.problem, detail={"contract_state": state}
    )
    _add(plan, officer, description, owner, first_action.due_on)
    return plan


def _add(plan: RemedialPlan, officer: User, description: str, owner: str, due_on: date) -> RemedialAction:
    action = RemedialAction(plan=plan, description=description, owner=owner, due_on=due_on)
    db.session.add(action)
    db.session.flush()
    audit.record(
        "remedial_plan.action_added",
        plan,
        officer,
        note=f"{description} (owner: {owner}; due {due_on:%-d %B %Y})",
        detail={"title": "Action added", "action_id": action.id},
    )
    return action


def add_action(plan: RemedialPlan, officer: User, details: ActionDetails, today: date | None = None) -> RemedialAction:
    _check_officer(officer)
    if not plan.in_force:
        raise NotAllowed("This remedial plan is closed: open a new one if the contract falls behind again")
    description, owner = _check_action(details, today or date.today())
    return _add(plan, officer, description, owner, details.due_on)


def mark_done(action: RemedialAction, officer: User) -> None:
    _check_officer(officer)
    if not action.plan.in_force:
        raise NotAllowed("This remedial plan is closed")
    if action.done_at is not None:
        raise NotAllowed("This action is already done")
    action.done_at, action.done_by_id = utcnow(), officer.id
    db.session.flush()
    audit.record(
        "remedial_plan.action_done",
        action.plan,
        officer,
        note=action.description,
        detail={"title": "Action done", "action_id": action.id},
    )


def escalate(
    plan: RemedialPlan,
    officer: User,
    level: EscalationLevel | None,
    escalated_to: str,
    reason: str,
    today: date | None = None,
) -> Escalation:
    """Through the governance structure, one level higher each time, while the contract stays behind."""
    _check_officer(officer)
    if not plan.in_force:
        raise NotAllowed("This remedial plan is closed")
    state = _state(plan.contract, today)
    if state not in BEHIND:
        raise NotAllowed(f"Contract {plan.contract.ref} is {state.lower()}: close the plan rather than escalate it")
    if level is None:
        raise DomainError("Select the level it is escalated to", field="level")
    if plan.level is not None and level.rank <= plan.level.rank:
        raise DomainError(
            f"The plan is already escalated to level {plan.level.rank}: select a higher level", field="level"
        )
    if not (escalated_to or "").strip():
        raise DomainError("Enter the name or role of who it is escalated to", field="escalated_to")
    if not (reason or "").strip():
        raise DomainError("Enter why it is being escalated", field="reason")
    escalation = Escalation(
        plan=plan, level=level, escalated_to=escalated_to.strip(), reason=reason.strip(), escalated_by_id=officer.id
    )
    db.session.add(escalation)
    db.session.flush()
    _move(
        plan,
        P.ESCALATED,
        officer,
        note=f"To {escalation.escalated_to} ({level.label}): {escalation.reason}",
        detail={"level": level.value, "contract_state": state},
    )
    return escalation


def close(plan: RemedialPlan, officer: User, note: str = "", today: date | None = None) -> None:
    """Only once the contract is back on track: a plan is not closed by giving up on it."""
    _check_officer(officer)
    state = _state(plan.contract, today)
    if plan.in_force and state != "On track":
        raise NotAllowed(
            f"Contract {plan.contract.ref} is still {state.lower()}: close the plan once it is back on track"
        )
    _move(
        plan,
        P.CLOSED,
        officer,
        note=(note or "").strip() or "The contract is back on track",
        detail={"contract_state": state},
    )
    plan.closing_note, plan.closed_at = (note or "").strip(), utcnow()
    db.session.flush()


def timeline(plan: RemedialPlan) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == SUBJECT, AuditEvent.subject_id == plan.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
