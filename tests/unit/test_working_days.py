"""Response deadlines count working days in England and Wales: weekends and bank holidays do not count."""

from datetime import date

from matchmaker.services.working_days import add_working_days, is_working_day, working_days_between


def test_weekends_do_not_count():
    assert add_working_days(date(2026, 11, 2), 10) == date(2026, 11, 16)  # Monday to Monday two weeks on
    assert add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)  # Friday to Monday


def test_bank_holidays_in_england_and_wales_do_not_count():
    # Christmas 2026: Friday 25th, Boxing Day on the Saturday is observed on Monday 28th.
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2026, 12, 28))
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    # The first Monday of August is a bank holiday in Scotland only.
    assert is_working_day(date(2026, 8, 3))


def test_counting_between_two_days_matches_adding():
    start = date(2026, 12, 21)
    for days in range(0, 25):
        assert working_days_between(start, add_working_days(start, days)) == days
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 10)) == 0


def test_one_cut_off_finds_every_overdue_introduction(app):
    """The database query's cut-off agrees, day by day, with each match's own deadline."""
    from datetime import UTC, datetime, time, timedelta

    from matchmaker.services import responses

    with app.app_context():
        for today in (date(2026, 12, 29), date(2027, 3, 30), date(2026, 11, 25), date(2026, 11, 30)):
            cutoff = responses._overdue_before(today)
            for back in range(0, 40):
                introduced = today - timedelta(days=back)
                overdue = today > add_working_days(introduced, responses.response_days())
                assert (datetime.combine(introduced, time(12), tzinfo=UTC) < cutoff) is overdue, (today, introduced)
