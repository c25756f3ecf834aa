"""Digest periods: months and ISO weeks, in London time, and the default "last complete period"."""

from datetime import UTC, date, datetime

import pytest

from matchmaker.models import DigestFrequency
from matchmaker.services.digest_periods import last_complete_period, parse_period
from matchmaker.services.errors import DomainError


def test_a_month_runs_from_london_midnight_to_london_midnight():
    july = parse_period("2026-07")
    assert (july.first_day, july.last_day, july.frequency) == (
        date(2026, 7, 1),
        date(2026, 7, 31),
        DigestFrequency.MONTHLY,
    )
    assert july.starts == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # British Summer Time
    assert july.ends == datetime(2026, 7, 31, 23, 0, tzinfo=UTC)
    assert parse_period("2026-12").ends == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    assert july.title == "July 2026"


def test_an_iso_week_runs_monday_to_sunday():
    week = parse_period("2026-w48")
    assert week.name == "2026-W48"
    assert (week.first_day, week.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week.title == "the week of 23 November 2026"
    assert parse_period("2026-W01").first_day == date(2025, 12, 29)  # ISO weeks can start in the previous year


def test_the_default_is_the_last_period_that_has_ended():
    first_of_december = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert last_complete_period(DigestFrequency.MONTHLY, first_of_december).name == "2026-11"
    assert last_complete_period(DigestFrequency.MONTHLY, datetime(2027, 1, 1, 7, tzinfo=UTC)).name == "2026-12"
    # Monday 30 November 2026: the last complete week is the one that ended on Sunday.
    assert last_complete_period(DigestFrequency.WEEKLY, datetime(2026, 11, 30, 7, tzinfo=UTC)).name == "2026-W48"


@pytest.mark.parametrize("text", ["", "November", "2026-13", "2026-00", "2026-W54", "2026-W00", "26-11", "2026/11"])
def test_anything_else_is_refused_with_the_accepted_forms(text):
    with pytest.raises(DomainError, match="a month like 2026-11, or an ISO week like 2026-W48"):
        parse_period(text)
