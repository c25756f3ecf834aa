"""Digest periods: calendar months for monthly subscribers, ISO weeks for weekly ones.

A period is named the way people and `date` already write them: "2026-11" is November 2026, and "2026-W48" is
ISO week 48 of 2026 (Monday 23 to Sunday 29 November). Periods run from midnight to midnight in London, so
"November" is November as the borough lived it, whatever the clocks did.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matchmaker.models import DigestFrequency
from matchmaker.services.errors import DomainError

LONDON = ZoneInfo("Europe/London")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Period:
    name: str  # "2026-11" or "2026-W48"
    frequency: DigestFrequency
    first_day: date
    last_day: date  # inclusive

    @property
    def starts(self) -> datetime:
        """The first moment of the period, in UTC, for comparing with stored timestamps."""
        return datetime.combine(self.first_day, time(), LONDON).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        """The first moment after the period, in UTC (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), LONDON).astimezone(UTC)

    @property
    def title(self) -> str:
        """ "November 2026" or "the week of 23 November 2026"."""
        if self.frequency is DigestFrequency.MONTHLY:
            return self.first_day.strftime("%B %Y")
        return f"the week of {self.first_day.day} {self.first_day.strftime('%B %Y')}"

    @property
    def noun(self) -> str:
        return "month" if self.frequency is DigestFrequency.MONTHLY else "week"

    def previous(self) -> "Period":
        return period_containing(self.first_day - timedelta(days=1), self.frequency)


def parse_period(text: str) -> Period:
    text = (text or "").strip().upper()
    if found := _MONTH.match(text):
        year, month = int(found[1]), int(found[2])
        if 1 <= month <= 12 and 2000 <= year <= 9999:
            first = date(year, month, 1)
            following = date(year + (month == 12), month % 12 + 1, 1)
            return Period(f"{year:04d}-{month:02d}", DigestFrequency.MONTHLY, first, following - timedelta(days=1))
    if found := _WEEK.match(text):
        year, week = int(found[1]), int(found[2])
        try:
            first = date.fromisocalendar(year, week, 1)
        except ValueError:
            pass
        else:
            return Period(f"{year:04d}-W{week:02d}", DigestFrequency.WEEKLY, first, first + timedelta(days=6))
    raise DomainError("Enter a period as a month like 2026-11, or an ISO week like 2026-W48", field="period")


def period_containing(day: date, frequency: DigestFrequency) -> Period:
    if frequency is DigestFrequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return parse_period(f"{year:04d}-W{week:02d}")
    return parse_period(f"{day.year:04d}-{day.month:02d}")


def last_complete_period(frequency: DigestFrequency, now: datetime | None = None) -> Period:
    """The most recent month (or week) that has ended in London: on 1 December, November."""
    today = (now or datetime.now(UTC)).astimezone(LONDON).date()
    return period_containing(today, frequency).previous()


def recent_periods(frequency: DigestFrequency, count: int, now: datetime | None = None) -> list[Period]:
    """The last `count` complete periods, newest first (for the officers' page)."""
    periods = [last_complete_period(frequency, now)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods
