"""Needs: anyone with a token lists and reads open needs; group members post and change their organisation's."""

from datetime import date

from flask import url_for

from matchmaker.extensions import db
from matchmaker.models import Need, NeedStatus, Role
from matchmaker.services import browse
from matchmaker.services import needs as need_service
from matchmaker.web.access import token_allow, token_holder
from matchmaker.web.api import serialise
from matchmaker.web.api.blueprint import ID, bp, refusals
from matchmaker.web.api.common import pick, query_args, run, tags, unit_of, viewer
from matchmaker.web.api.problems import Problem
from matchmaker.web.api.schemas import ListArgs, NeedCreate, NeedInput, NeedPage, NeedSchema

GROUP = Role.GROUP_MEMBER


@bp.route("/needs", methods=["GET"], tags=["Needs"])
@token_holder
@bp.arguments(ListArgs, location="query", as_kwargs=True)
@bp.response(200, NeedPage)
@refusals(401, 422, 429)
def list_needs(page: int, per_page: int, **filters):
    """Open and partly met needs, soonest needed first, with the browse page's filters and search."""
    choices = browse.filter_choices()
    found = browse.browse_needs(browse.Filters.parse(query_args(filters), choices), choices, page, per_page)
    return serialise.page(found, [serialise.need(n, viewer()) for n in found.items])


@bp.route(f"/needs/<{ID}:need_id>", methods=["GET"], tags=["Needs"])
@token_holder
@bp.response(200, NeedSchema)
@refusals(401, 404, 429)
def read_need(need_id: int):
    """One need: open and partly met ones for everyone, others only for their group's members and officers."""
    found = browse.need_for(need_id, viewer())
    if found is None:
        raise Problem(404)
    return serialise.need(found, viewer())


def _details(data: dict, current: Need | None = None) -> need_service.NeedDetails:
    needed_by = pick(data, "needed_by", current.needed_by if current else None)
    if "needed_by" in data and needed_by is not None and needed_by < date.today():
        raise Problem(422, errors={"needed_by": ["Needed by must be today or in the future"]})
    return need_service.NeedDetails(
        title=pick(data, "title", current.title if current else ""),
        description=pick(data, "description", current.description if current else ""),
        tags=tags(data, current),
        quantity=pick(data, "quantity", current.quantity if current else None),
        unit=unit_of(pick(data, "unit", current.unit if current else None)),
        needed_by=needed_by,
        recurring=pick(data, "recurring", current.recurring if current else False),
    )


@bp.route("/needs", methods=["POST"], tags=["Needs"])
@token_allow(GROUP, approved_organisation=True)
@bp.arguments(NeedCreate)
@bp.response(201, NeedSchema)
@refusals(400, 401, 403, 422, 429)
def create_need(data: dict):
    """Post a need for your organisation: a draft, or (submit: true) sent to the brokerage team for approval."""
    user = viewer()
    details = _details(data)
    need = run(lambda: need_service.create_need(user.organisation, user, details, submit=data["submit"]))
    return serialise.need(need, user), 201, {"Location": url_for("api.read_need", need_id=need.id)}


@bp.route(f"/needs/<{ID}:need_id>", methods=["PATCH"], tags=["Needs"])
@token_allow(GROUP, approved_organisation=True)
@bp.arguments(NeedInput)
@bp.response(200, NeedSchema)
@refusals(400, 401, 403, 404, 409, 422, 429)
def update_need(data: dict, need_id: int):
    """Change your organisation's need: only the fields sent change. Rewording a published need sends it back to
    the brokerage team; submit: true sends a draft to them."""
    user = viewer()
    need = browse.need_for(need_id, user)
    if need is None:
        raise Problem(404)
    if need.organisation_id != user.organisation_id:
        raise Problem(403, "Only members of the organisation that posted this need can change it")
    if need.status in (NeedStatus.CLOSED, NeedStatus.MET):
        raise Problem(409, "Reopen this need before changing it")
    details = _details(data, need)

    def change() -> None:
        need_service.update_need(need, user, details)
        if data.get("submit") and need.status is NeedStatus.DRAFT:
            need_service.submit_need(need, user)

    run(change)
    db.session.refresh(need)
    return serialise.need(need, user)
