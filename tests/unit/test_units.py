"""Amounts read as people write them: "1 hour", "1 person", "1,200 hours", "£250"."""

from decimal import Decimal

import pytest

from matchmaker.models import Unit


@pytest.mark.parametrize(
    ("unit", "quantity", "shown"),
    [
        (Unit.HOURS, Decimal("1"), "1 hour"),
        (Unit.HOURS, Decimal("1.00"), "1 hour"),
        (Unit.HOURS, Decimal("1.5"), "1.5 hours"),
        (Unit.HOURS, Decimal("1200"), "1,200 hours"),
        (Unit.PEOPLE, Decimal("1"), "1 person"),
        (Unit.PEOPLE, Decimal("3"), "3 people"),
        (Unit.ITEMS, Decimal("1"), "1 item"),
        (Unit.PLACES, Decimal("8"), "8 places"),
        (Unit.DAYS, Decimal("1"), "1 day"),
        (Unit.DAYS, Decimal("0"), "0 days"),
        (Unit.POUNDS, Decimal("1"), "£1"),
        (Unit.POUNDS, Decimal("2500.50"), "£2,500.50"),
    ],
)
def test_amounts_read_naturally(unit, quantity, shown):
    assert unit.format(quantity) == shown
