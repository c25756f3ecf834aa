"""Presentation helpers for the browse pages: pagination links, dates and an offer's capacity, as words."""

from collections.abc import Callable
from datetime import date

from matchmaker.models import Offer, Unit
from matchmaker.services.browse import Page


def pagination(page: Page, href: Callable[[int], str]) -> dict | None:
    """Parameters for govukPagination: the first, last, current and neighbouring pages, with ellipses between.
    None when everything fits on one page."""
    if page.pages <= 1:
        return None
    shown = sorted(n for n in {1, page.number - 1, page.number, page.number + 1, page.pages} if 1 <= n <= page.pages)
    items: list[dict] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        previous = number
    params: dict = {"items": items, "landmarkLabel": "Pages of results"}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params


def long_date(value: date | None) -> str:
    """A calendar date as GOV.UK writes it: 5 January 2026."""
    return value.strftime("%-d %B %Y") if value else ""


def capacity_left(offer: Offer) -> str:
    """ "120 of 200 hours left", "£300 of £500 left", or "" when the offer has no set amount."""
    if offer.unit is None or offer.quantity is None:
        return ""
    remaining = offer.remaining
    if offer.unit is Unit.POUNDS:
        return f"{offer.unit.format(remaining)} of {offer.unit.format(offer.quantity)} left"
    left = offer.unit.format(remaining).rsplit(" ", 1)[0]
    return f"{left} of {offer.unit.format(offer.quantity)} left"
