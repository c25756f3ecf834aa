"""Browsing: open needs for everyone (never with contact details), active offers for signed-in users."""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from matchmaker.models import Role, User
from matchmaker.services import browse
from matchmaker.web.access import public, signed_in
from matchmaker.web.browse.display import capacity_left, long_date, pagination

bp = Blueprint("browse", __name__)


@bp.context_processor
def _helpers() -> dict:
    return {"long_date": long_date, "capacity_left": capacity_left}


def _viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _link_if_built(endpoint: str, **values) -> str | None:
    """A link to a page another part of the service provides, or None while that page does not exist."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def _listing(kind: str, find, template: str):
    choices = browse.filter_choices()
    filters = browse.Filters.parse(request.args, choices)
    results = find(filters, choices, browse.page_number(request.args.get("page")))
    args = filters.as_args()
    viewer = _viewer()
    csv_url = _link_if_built("imports.export", kind=kind, fmt="csv", **args) if viewer and viewer.is_officer else None
    return render_template(
        template,
        choices=choices,
        filters=filters,
        results=results,
        csv_url=csv_url,
        pagination=pagination(results, lambda n: url_for(request.endpoint, **args, **({"page": n} if n > 1 else {}))),
    )


@bp.get("/needs")
@public
def needs():
    return _listing("needs", browse.browse_needs, "browse/needs.html")


@bp.get("/needs/<int:need_id>")
@public
def need(need_id: int):
    viewer = _viewer()
    found = browse.need_for(need_id, viewer) or abort(404)
    pledge_url = manage_url = None
    if (
        found.status.is_public
        and viewer is not None
        and viewer.role is Role.SUPPLIER_MEMBER
        and viewer.organisation is not None
        and viewer.organisation.is_approved
    ):
        pledge_url = _link_if_built("suppliers.pledge", need_id=found.id)
    if viewer is not None and viewer.is_officer:
        manage_url = _link_if_built("officers.need_review", need_id=found.id)
    elif browse.manages_need(found, viewer):
        manage_url = _link_if_built("groups.need", need_id=found.id)
    return render_template("browse/need.html", need=found, pledge_url=pledge_url, manage_url=manage_url)


@bp.get("/offers")
@signed_in
def offers():
    return _listing("offers", browse.browse_offers, "browse/offers.html")


@bp.get("/offers/<int:offer_id>")
@signed_in
def offer(offer_id: int):
    viewer = _viewer()
    found = browse.offer_for(offer_id, viewer) or abort(404)
    manage_url = None
    if browse.manages_offer(found, viewer):
        manage_url = _link_if_built("suppliers.contract", contract_id=found.contract_id)
    return render_template("browse/offer.html", offer=found, manage_url=manage_url)
