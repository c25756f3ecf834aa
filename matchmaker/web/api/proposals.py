"""Proposals: officers read the engine's proposals and approve or reject them, as in the brokerage queue."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from matchmaker.extensions import db
from matchmaker.models import Contract, Offer, Proposal, RejectionReason
from matchmaker.services import brokerage
from matchmaker.services.browse import Page
from matchmaker.web.access import OFFICERS, token_allow
from matchmaker.web.api import serialise
from matchmaker.web.api.blueprint import ID, bp, refusals
from matchmaker.web.api.common import run, viewer
from matchmaker.web.api.problems import Problem
from matchmaker.web.api.schemas import (
    ApproveInput,
    MatchSchema,
    ProposalArgs,
    ProposalPage,
    ProposalSchema,
    RejectInput,
)
from matchmaker.web.introductions import introduce

LOAD = (joinedload(Proposal.need), joinedload(Proposal.offer).joinedload(Offer.contract).joinedload(Contract.supplier))


@bp.route("/proposals", methods=["GET"], tags=["Proposals"])
@token_allow(*OFFICERS)
@bp.arguments(ProposalArgs, location="query", as_kwargs=True)
@bp.response(200, ProposalPage)
@refusals(401, 403, 422, 429)
def list_proposals(page: int, per_page: int, need_id: int | None = None):
    """The engine's proposals waiting for a decision, need by need, best first."""
    conditions = [Proposal.need_id == need_id] if need_id else []
    total = db.session.scalar(select(func.count()).select_from(Proposal).where(*conditions))
    number = min(page, max(1, -(-total // per_page)))
    rows = db.session.scalars(
        select(Proposal)
        .where(*conditions)
        .options(*LOAD)
        .order_by(Proposal.need_id, Proposal.rank, Proposal.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return serialise.page(Page(list(rows), total, number, per_page), [serialise.proposal(p) for p in rows])


def _proposal(proposal_id: int) -> Proposal:
    found = db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).options(*LOAD))
    if found is None:
        raise Problem(404, "There is no such proposal, or it has already been decided")
    return found


@bp.route(f"/proposals/<{ID}:proposal_id>", methods=["GET"], tags=["Proposals"])
@token_allow(*OFFICERS)
@bp.response(200, ProposalSchema)
@refusals(401, 403, 404, 429)
def read_proposal(proposal_id: int):
    """One proposal, with the score's components and the engine's reason."""
    return serialise.proposal(_proposal(proposal_id))


def _waiting(proposal_id: int) -> Proposal:
    """The proposal to decide: 409 saying what became of it if it has been decided already, 404 if there is none."""
    found = db.session.scalar(select(Proposal).where(Proposal.id == proposal_id).options(*LOAD))
    if found is None:
        conflict = brokerage.already_decided("proposal", proposal_id)
        if conflict.match_id is None:
            raise Problem(404, "There is no such proposal, or the engine has replaced it")
        raise Problem(409, conflict.message)
    return found


@bp.route(f"/proposals/<{ID}:proposal_id>/approve", methods=["POST"], tags=["Proposals"])
@token_allow(*OFFICERS)
@bp.arguments(ApproveInput)
@bp.response(201, MatchSchema)
@refusals(400, 401, 403, 404, 409, 422, 429)
def approve_proposal(data: dict, proposal_id: int):
    """Approve: allocate the amount from the offer and introduce both sides by email. 409 when the offer no longer
    has that much left (another approval may just have taken it) or the need is no longer open."""
    officer = viewer()
    proposal = _waiting(proposal_id)
    need, offer = proposal.need, proposal.offer
    match = run(lambda: brokerage.approve(need, offer, officer, data.get("quantity"), proposal=proposal))
    introduce(match, officer, tell_user=False)
    return serialise.match(match), 201


@bp.route(f"/proposals/<{ID}:proposal_id>/reject", methods=["POST"], tags=["Proposals"])
@token_allow(*OFFICERS)
@bp.arguments(RejectInput)
@bp.response(201, MatchSchema)
@refusals(400, 401, 403, 404, 409, 422, 429)
def reject_proposal(data: dict, proposal_id: int):
    """Reject with a reason code: the pair is not proposed again unless the need or the offer changes."""
    officer = viewer()
    proposal = _waiting(proposal_id)
    need, offer = proposal.need, proposal.offer
    match = run(
        lambda: brokerage.reject(
            need, offer, officer, RejectionReason(data["reason"]), data["reason_text"], proposal=proposal
        )
    )
    return serialise.match(match), 201
