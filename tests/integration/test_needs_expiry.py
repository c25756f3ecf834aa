"""The daily job, `matchmaker needs expire`: warns owners a week ahead, then expires needs past their date.

The warnings go through a real SMTP server (tests/helpers/smtp.py), so a refused message is a real refusal.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Need, NeedStatus, Organisation, Role, utcnow
from tests.helpers.builders import make_need, make_organisation, make_user
from tests.helpers.web import sign_in, text_of

TODAY = date(2031, 3, 10)
BASE_URL = "https://matchmaker.brent.example.gov.uk"


def _expire(runner, today: date = TODAY):
    return runner.invoke(args=["needs", "expire", "--today", today.isoformat()])


@pytest.fixture(autouse=True)
def _base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)


@pytest.fixture
def group(app) -> dict:
    """A community group with two active members and one whose account is switched off."""
    with app.app_context():
        org = make_organisation("Kilburn Food Larder")
        make_user(Role.GROUP_MEMBER, org, email="amara@larder.example.org", full_name="Amara Okafor")
        make_user(Role.GROUP_MEMBER, org, email="ben@larder.example.org", full_name="Ben Price")
        gone = make_user(Role.GROUP_MEMBER, org, email="left@larder.example.org", full_name="Former Member")
        gone.active = False
        db.session.commit()
        return {"org_id": org.id, "emails": ["amara@larder.example.org", "ben@larder.example.org"]}


def _make(app, group: dict, title: str, needed_by: date, status: NeedStatus = NeedStatus.OPEN) -> int:
    with app.app_context():
        org = db.session.get(Organisation, group["org_id"])
        return make_need(org, title=title, status=status, needed_by=needed_by, published_at=utcnow()).id


def _need(app, need_id: int) -> Need:
    with app.app_context():
        need = db.session.get(Need, need_id)
        db.session.expunge(need)
        return need


def _days(n: int) -> date:
    return TODAY + timedelta(days=n)


# Warnings ---------------------------------------------------------------------------------------------------


def test_owners_of_a_need_closing_within_a_week_are_warned_with_a_link_to_extend_it(app, runner, smtp_server, group):
    need_id = _make(app, group, "Saturday larder volunteers", _days(5))
    result = _expire(runner)
    assert result.exit_code == 0, result.output

    assert sorted(m["To"] for m in smtp_server.messages) == group["emails"]  # not the switched-off account
    for message in smtp_server.messages:
        assert message["Subject"] == "Your need closes on 15 March: Saturday larder volunteers"
        link = f"{BASE_URL}/my-needs/{need_id}/edit"
        text = message.get_body(("plain",)).get_content()
        assert link in text and "15 March 2031" in text
        assert f'href="{link}"' in message.get_body(("html",)).get_content()
    assert "Dear Amara Okafor" in smtp_server.to("amara@larder.example.org")[0].get_body(("plain",)).get_content()
    assert _need(app, need_id).expiry_warning_sent_for == _days(5)
    assert _need(app, need_id).status is NeedStatus.OPEN


def test_the_link_in_the_warning_opens_the_edit_form_for_a_member(app, runner, smtp_server, group, client):
    need_id = _make(app, group, "Saturday larder volunteers", _days(5))
    _expire(runner)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    path = text.split(BASE_URL, 1)[1].split()[0]
    sign_in(client, group["emails"][0])
    page = client.get(path)
    assert path == f"/my-needs/{need_id}/edit"
    assert page.status_code == 200 and "Edit your need" in text_of(page)


def test_only_live_needs_due_within_the_week_are_warned_about(app, runner, smtp_server, group):
    _make(app, group, "Due today", TODAY)
    _make(app, group, "Due in a week", _days(7))
    _make(app, group, "Due in eight days", _days(8))
    _make(app, group, "Closed need", _days(3), status=NeedStatus.CLOSED)
    _make(app, group, "Draft need", _days(3), status=NeedStatus.DRAFT)
    _make(app, group, "Partly met need", _days(2), status=NeedStatus.PARTLY_MET)
    result = _expire(runner)
    assert result.exit_code == 0, result.output
    subjects = sorted({m["Subject"].split(": ", 1)[1] for m in smtp_server.messages})
    assert subjects == ["Due in a week", "Due today", "Partly met need"]
    assert len(smtp_server.messages) == 3 * 2


def test_the_command_reports_its_progress_and_a_summary(app, runner, smtp_server, group):
    _make(app, group, "Coats for winter", _days(-1))
    _make(app, group, "Saturday larder volunteers", _days(5))
    _make(app, group, "Laptop loans", _days(6))
    result = _expire(runner)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Checking needs on 2031-03-10...",
        "  [1/2] warning: Saturday larder volunteers",
        "  [2/2] warning: Laptop loans",
        "  [1/1] expiring: Coats for winter",
        "Done: 1 needs expired, 2 needs' owners warned they expire within 7 days, 0 warnings could not be sent.",
    ]


def test_without_a_date_it_runs_for_today(runner, smtp_server):
    result = runner.invoke(args=["needs", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Checking needs on {date.today().isoformat()}...")


def test_running_again_the_same_day_sends_nothing_more(app, runner, smtp_server, group):
    _make(app, group, "Saturday larder volunteers", _days(5))
    assert _expire(runner).exit_code == 0
    assert len(smtp_server.messages) == 2

    again = _expire(runner)
    assert again.exit_code == 0
    assert "0 needs' owners warned" in again.output
    assert len(smtp_server.messages) == 2
    # Nor the next day: each needed-by date is warned about once.
    assert _expire(runner, _days(1)).exit_code == 0
    assert len(smtp_server.messages) == 2


def test_a_need_whose_date_is_moved_but_still_close_is_warned_about_again(app, runner, smtp_server, group):
    need_id = _make(app, group, "Saturday larder volunteers", _days(2))
    _expire(runner)
    with app.app_context():
        db.session.get(Need, need_id).needed_by = _days(6)
        db.session.commit()
    result = _expire(runner, _days(1))
    assert "1 needs' owners warned" in result.output
    assert len(smtp_server.messages) == 4
    assert smtp_server.messages[-1]["Subject"] == "Your need closes on 16 March: Saturday larder volunteers"


# Expiry -----------------------------------------------------------------------------------------------------


def test_a_need_past_its_date_expires(app, runner, smtp_server, group, client):
    past = _make(app, group, "Coats for winter", _days(-1))
    partly_met = _make(app, group, "Laptop loans", _days(-10), status=NeedStatus.PARTLY_MET)
    due_today = _make(app, group, "Due today", TODAY)
    closed = _make(app, group, "Closed long ago", _days(-30), status=NeedStatus.CLOSED)
    result = _expire(runner)
    assert result.exit_code == 0, result.output
    assert "2 needs expired" in result.output

    assert _need(app, past).status is NeedStatus.EXPIRED
    assert _need(app, partly_met).status is NeedStatus.EXPIRED
    assert _need(app, due_today).status is NeedStatus.OPEN  # its day is not over yet
    assert _need(app, closed).status is NeedStatus.CLOSED
    with app.app_context():
        events = [
            tuple(row)
            for row in db.session.execute(
                select(
                    AuditEvent.subject_id,
                    AuditEvent.from_state,
                    AuditEvent.to_state,
                    AuditEvent.actor_id,
                    AuditEvent.note,
                )
                .where(AuditEvent.action == "need.status")
                .order_by(AuditEvent.subject_id)
            )
        ]
    assert events == [
        (past, "open", "expired", None, "Needed-by date passed"),
        (partly_met, "partly_met", "expired", None, "Needed-by date passed"),
    ]

    # The group sees it, and who did it.
    sign_in(client, group["emails"][0])
    page = text_of(client.get(f"/my-needs/{past}"))
    assert "Your need · Expired" in page and "This need expired on its needed-by date." in page
    assert "Open → expired" in page and "by the system" in page

    # Running again changes nothing more.
    assert "0 needs expired" in _expire(runner).output


# When the mail server refuses -------------------------------------------------------------------------------


def test_a_warning_the_mail_server_refuses_is_not_recorded_and_is_sent_next_time(app, runner, smtp_server, group):
    need_id = _make(app, group, "Saturday larder volunteers", _days(5))
    past = _make(app, group, "Coats for winter", _days(-1))
    smtp_server.fail_after = 0
    failed = _expire(runner)
    assert failed.exit_code == 1
    assert (
        "Done: 1 needs expired, 0 needs' owners warned they expire within 7 days, 1 warnings could not be sent."
        in failed.output
    )
    assert smtp_server.messages == []
    assert _need(app, need_id).expiry_warning_sent_for is None
    assert _need(app, past).status is NeedStatus.EXPIRED  # a mail failure does not stop the rest of the job

    smtp_server.fail_after = None
    retried = _expire(runner)
    assert retried.exit_code == 0, retried.output
    assert "1 needs' owners warned" in retried.output and "0 warnings could not be sent" in retried.output
    assert sorted(m["To"] for m in smtp_server.messages) == group["emails"]
    assert _need(app, need_id).expiry_warning_sent_for == _days(5)


def test_one_refused_warning_does_not_lose_the_others(app, runner, smtp_server, group):
    first = _make(app, group, "Saturday larder volunteers", _days(3))
    second = _make(app, group, "Laptop loans", _days(4))
    smtp_server.fail_after = 2  # the first need's two messages go; the second need's are refused
    failed = _expire(runner)
    assert failed.exit_code == 1
    assert "1 needs' owners warned" in failed.output and "1 warnings could not be sent" in failed.output
    assert _need(app, first).expiry_warning_sent_for == _days(3)
    assert _need(app, second).expiry_warning_sent_for is None

    smtp_server.fail_after = None
    assert _expire(runner).exit_code == 0
    later = smtp_server.messages[2:]
    assert [m["Subject"] for m in later] == ["Your need closes on 14 March: Laptop loans"] * 2
