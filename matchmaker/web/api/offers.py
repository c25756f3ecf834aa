"""Offers: anyone with a token lists and reads active offers; supplier members post and change their own."""

from flask import url_for

from matchmaker.extensions import db
from matchmaker.models import Contract, Offer, Role
from matchmaker.services import browse
from matchmaker.services import offers as offer_service
from matchmaker.web.access import token_allow, token_holder
from matchmaker.web.api import serialise
from matchmaker.web.api.blueprint import ID, bp, refusals
from matchmaker.web.api.common import pick, query_args, run, tags, unit_of, viewer
from matchmaker.web.api.problems import Problem
from matchmaker.web.api.schemas import ListArgs, OfferCreate, OfferInput, OfferPage, OfferSchema

SUPPLIER = Role.SUPPLIER_MEMBER


@bp.route("/offers", methods=["GET"], tags=["Offers"])
@token_holder
@bp.arguments(ListArgs, location="query", as_kwargs=True)
@bp.response(200, OfferPage)
@refusals(401, 422, 429)
def list_offers(page: int, per_page: int, **filters):
    """Active offers, those ending soonest first, with the browse page's filters and search."""
    choices = browse.filter_choices()
    found = browse.browse_offers(browse.Filters.parse(query_args(filters), choices), choices, page, per_page)
    return serialise.page(found, [serialise.offer(o, viewer()) for o in found.items])


@bp.route(f"/offers/<{ID}:offer_id>", methods=["GET"], tags=["Offers"])
@token_holder
@bp.response(200, OfferSchema)
@refusals(401, 404, 429)
def read_offer(offer_id: int):
    """One offer: active ones for everyone; withdrawn ones only for the supplier's members and officers."""
    found = browse.offer_for(offer_id, viewer())
    if found is None:
        raise Problem(404)
    return serialise.offer(found, viewer())


def _details(data: dict, current: Offer | None = None) -> offer_service.OfferDetails:
    return offer_service.OfferDetails(
        title=pick(data, "title", current.title if current else ""),
        description=pick(data, "description", current.description if current else ""),
        tags=tags(data, current),
        quantity=pick(data, "quantity", current.quantity if current else None),
        unit=unit_of(pick(data, "unit", current.unit if current else None)),
        available_from=pick(data, "available_from", current.available_from if current else None),
        available_until=pick(data, "available_until", current.available_until if current else None),
    )


@bp.route("/offers", methods=["POST"], tags=["Offers"])
@token_allow(SUPPLIER, approved_organisation=True)
@bp.arguments(OfferCreate)
@bp.response(201, OfferSchema)
@refusals(400, 401, 403, 422, 429)
def create_offer(data: dict):
    """Post an offer under one of your organisation's contracts. It is visible to community groups at once."""
    user = viewer()
    contract = db.session.get(Contract, data["contract_id"])
    if contract is None or contract.supplier_id != user.organisation_id:
        raise Problem(422, errors={"contract_id": ["Choose one of your organisation's contracts"]})
    details = _details(data)
    offer = run(lambda: offer_service.create_offer(contract, user, details))
    return serialise.offer(offer, user), 201, {"Location": url_for("api.read_offer", offer_id=offer.id)}


@bp.route(f"/offers/<{ID}:offer_id>", methods=["PATCH"], tags=["Offers"])
@token_allow(SUPPLIER, approved_organisation=True)
@bp.arguments(OfferInput)
@bp.response(200, OfferSchema)
@refusals(400, 401, 403, 404, 422, 429)
def update_offer(data: dict, offer_id: int):
    """Change your organisation's offer: only the fields sent change. The engine's proposals are refreshed."""
    user = viewer()
    offer = browse.offer_for(offer_id, user)
    if offer is None:
        raise Problem(404)
    if offer.contract.supplier_id != user.organisation_id:
        raise Problem(403, "Only the supplier that holds this offer's contract can change it")
    details = _details(data, offer)
    run(lambda: offer_service.update_offer(offer, user, details))
    db.session.refresh(offer)
    return serialise.offer(offer, user)
