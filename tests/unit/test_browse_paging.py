"""Paging and display helpers for the browse pages (no app, no database)."""

from decimal import Decimal

import pytest

from matchmaker.models import Offer, Unit
from matchmaker.services.browse import MAX_PAGE, Page, page_number
from matchmaker.web.browse.display import capacity_left, pagination


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("7", 7),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("2.5", 1),
        ("²", 1),
        ("٣", 1),
        ("99999999999999999999", MAX_PAGE),
    ],
)
def test_page_number(raw, expected):
    assert page_number(raw) == expected


def test_page_counts():
    page = Page(items=[], total=45, number=3, per_page=20)
    assert (page.pages, page.first, page.last) == (3, 41, 45)
    assert Page(items=[], total=0, number=1).pages == 1
    assert (Page(items=[], total=0, number=1).first, Page(items=[], total=0, number=1).last) == (0, 0)


def _labels(params):
    return [
        "…" if item.get("ellipsis") else f"[{item['number']}]" if item["current"] else str(item["number"])
        for item in params["items"]
    ]


def test_pagination_shows_the_ends_and_the_neighbours():
    href = lambda n: f"/needs?page={n}"  # noqa: E731
    assert pagination(Page([], total=20, number=1), href) is None
    assert _labels(pagination(Page([], total=45, number=1), href)) == ["[1]", "2", "3"]
    middle = pagination(Page([], total=200, number=5), href)
    assert _labels(middle) == ["1", "…", "4", "[5]", "6", "…", "10"]
    assert middle["previous"] == {"href": "/needs?page=4"} and middle["next"] == {"href": "/needs?page=6"}
    last = pagination(Page([], total=200, number=10), href)
    assert _labels(last) == ["1", "…", "9", "[10]"] and "next" not in last


@pytest.mark.parametrize(
    "quantity, unit, allocated, expected",
    [
        (200, Unit.HOURS, 80, "120 of 200 hours left"),
        (500, Unit.POUNDS, 200, "£300 of £500 left"),
        (10, Unit.ITEMS, 10, "0 of 10 items left"),
        (None, None, 0, ""),
    ],
)
def test_capacity_left(quantity, unit, allocated, expected):
    offer = Offer(quantity=None if quantity is None else Decimal(quantity), unit=unit, allocated=Decimal(allocated))
    assert capacity_left(offer) == expected
