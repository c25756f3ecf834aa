"""`matchmaker digest send` against a real SMTP server on 127.0.0.1: what arrives, to whom, and never twice."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    Delivery,
    DigestDelivery,
    DigestFrequency,
    DigestStatus,
    DigestSubscription,
    Match,
    MatchStatus,
    OrganisationKind,
    Priority,
    Role,
    Unit,
    User,
)
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation, make_user, ward

OCTOBER = "2026-10"
IN_OCTOBER = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def borough(app):
    """A small borough with something in October for three partners and nothing for a fourth."""
    with app.app_context():
        kitchen = make_organisation("Harlesden Youth Kitchen", wards=("Harlesden and Kensal Green",))
        group = make_user(Role.GROUP_MEMBER, kitchen, email="grace@kitchen.example.org", full_name="Grace Mensah")
        northway = make_organisation(
            "Northway Construction Ltd", kind=OrganisationKind.SUPPLIER, wards=("Harlesden and Kensal Green",)
        )
        supplier = make_user(Role.SUPPLIER_MEMBER, northway, email="sam@northway.example.org", full_name="Sam Patel")
        hospital = make_organisation(
            "Northwick Park Hospital", kind=OrganisationKind.PARTNER, wards=("Northwick Park",)
        )
        partner = make_user(Role.PARTNER_MEMBER, hospital, email="pat@hospital.example.org", full_name="Pat Lee")
        quiet_org = make_organisation("Queensbury Chess Club", wards=("Queensbury",))
        quiet = make_user(Role.GROUP_MEMBER, quiet_org, email="quinn@chess.example.org", full_name="Quinn Ade")
        # The partner follows the environment priority anywhere in Brent.
        environment = db.session.scalar(select(Priority).where(Priority.slug == "environment"))
        db.session.add(DigestSubscription(user=partner, frequency=DigestFrequency.MONTHLY, priorities=[environment]))

        kitchen_need = make_need(
            kitchen,
            title="Volunteer cooks for Saturday sessions",
            quantity=40,
            unit=Unit.HOURS,
            wards=("Harlesden and Kensal Green",),
            published_at=SEPTEMBER,
        )
        other = make_organisation("Stonebridge Elders Lunch Club", wards=("Stonebridge",))
        make_need(
            other,
            title="Kitchen porters for a lunch club",
            wards=("Harlesden and Kensal Green",),
            published_at=IN_OCTOBER,
        )
        make_need(
            other,
            title="Tree planting along the Wealdstone Brook",
            priorities=("environment",),
            wards=("Wembley Park",),
            published_at=IN_OCTOBER,
        )
        make_need(
            other, title="An old need from September", wards=("Harlesden and Kensal Green",), published_at=SEPTEMBER
        )

        contract = make_contract(
            northway,
            ref="BC-2026-017",
            title="Harlesden housing repairs",
            start_date=date(2026, 1, 1),
            end_date=date(2027, 12, 31),
        )
        offer = make_offer(
            contract,
            title="Site kitchen staff hours",
            wards=("Harlesden and Kensal Green",),
            quantity=100,
            created_at=IN_OCTOBER,
        )
        match = Match(
            need=kitchen_need,
            offer=offer,
            quantity=Decimal(12),
            status=MatchStatus.VERIFIED,
            source="pledge",
            created_at=IN_OCTOBER,
        )
        db.session.add(
            Delivery(
                match=match,
                quantity=Decimal(12),
                delivered_on=date(2026, 10, 18),
                received_quantity=Decimal(12),
                verified_quantity=Decimal(12),
                verified_at=datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
            )
        )
        offer.allocated = Decimal(12)
        db.session.commit()
        return {
            "group": group.email,
            "supplier": supplier.email,
            "partner": partner.email,
            "quiet": quiet.email,
            "quiet_id": quiet.id,
        }


@pytest.fixture
def quick_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_RETRY_DELAYS", (0, 0))


def _send(runner, *args):
    return runner.invoke(args=["digest", "send", *args])


def _parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def _records(app) -> dict[str, tuple[DigestStatus, int, str]]:
    with app.app_context():
        return {d.email: (d.status, d.attempts, d.error) for d in db.session.scalars(select(DigestDelivery))}


def test_each_partner_gets_one_personal_multipart_email_and_an_empty_digest_is_not_sent(
    app, runner, borough, smtp_server
):
    result = _send(runner, "--period", OCTOBER)

    assert result.exit_code == 0, result.output
    assert "Digest 2026-10: 3 sent, 1 skipped as empty, 0 failed." in result.output
    received = sorted(rcpt for envelope in smtp_server.envelopes for rcpt in envelope.rcpt_tos)
    assert received == sorted([borough["group"], borough["supplier"], borough["partner"]])
    assert smtp_server.to(borough["quiet"]) == []

    for message in smtp_server.messages:
        assert message["Subject"] == "Your Brent social value digest for October 2026"
        assert message.is_multipart() and message.get_content_type() == "multipart/alternative"
        assert message["List-Unsubscribe"].startswith("<http://localhost:5000/digest/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated"
        text, html = _parts(message)
        assert "<img" not in html
        for part in (text, html):
            # Everyone sees the borough's month and one delivered match's story.
            assert "1 match made and 1 delivery verified" in part
            assert "12 hours" in part
            assert (
                "Northway Construction Ltd gave 12 hours to Harlesden Youth Kitchen for "
                "“Volunteer cooks for Saturday sessions”"
            ) in part.replace('"', "“", 1).replace('"', "”", 1)

    supplier_text, supplier_html = _parts(smtp_server.to(borough["supplier"])[0])
    assert "Kitchen porters for a lunch club" in supplier_text and "Kitchen porters for a lunch club" in supplier_html
    assert "Tree planting" not in supplier_text  # another ward and priority
    assert "An old need from September" not in supplier_text  # not new this period
    assert "Harlesden housing repairs (BC-2026-017)" in supplier_text
    assert "Site kitchen staff hours: 100 hours committed, 12 hours matched, 12 hours verified" in supplier_text

    group_text, _ = _parts(smtp_server.to(borough["group"])[0])
    assert "NEW OFFERS THAT COULD HELP YOU" in group_text and "Site kitchen staff hours" in group_text
    assert "Volunteer cooks for Saturday sessions: open" in group_text
    assert "12 hours matched · 12 hours delivered and verified" in group_text
    assert "Kitchen porters" not in group_text  # groups are not sent other groups' needs

    partner_text, _ = _parts(smtp_server.to(borough["partner"])[0])
    assert "Tree planting along the Wealdstone Brook" in partner_text
    assert "Kitchen porters" not in partner_text  # the partner follows the environment priority only

    records = _records(app)
    assert records[borough["quiet"]][0] is DigestStatus.SKIPPED_EMPTY
    assert {records[borough[p]][0] for p in ("group", "supplier", "partner")} == {DigestStatus.SENT}


def test_a_long_unsubscribe_link_arrives_whole_on_one_line_for_the_mail_clients_button(
    app, runner, borough, smtp_server, monkeypatch
):
    # Folded at 78 characters the link would become RFC 2047 encoded words, which no client reads as a link.
    monkeypatch.setitem(app.config, "BASE_URL", "https://social-value-matchmaker.council.example.gov.uk")
    assert _send(runner, "--period", OCTOBER).exit_code == 0
    for envelope in smtp_server.envelopes:
        [line] = [line for line in envelope.content.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")]
        assert line.startswith(b"List-Unsubscribe: <https://social-value-matchmaker.council.example.gov.uk/digest/")
        assert line.endswith(b">") and len(line) > 78


def test_running_the_same_period_again_sends_nothing_new(app, runner, borough, smtp_server):
    assert _send(runner, "--period", OCTOBER).exit_code == 0
    again = _send(runner, "--period", OCTOBER)

    assert again.exit_code == 0
    assert "0 sent, 0 skipped as empty, 0 failed, 4 already done before this run." in again.output
    assert len(smtp_server.messages) == 3


def test_a_server_failing_halfway_leaves_the_rest_for_a_rerun_and_nobody_gets_two(
    app, runner, borough, smtp_server, quick_retries
):
    smtp_server.fail_after = 1  # accepts one message, then answers 451 to every other

    first = _send(runner, "--period", OCTOBER)

    assert first.exit_code == 75  # a rerun is needed
    assert "1 sent, 1 skipped as empty, 0 failed, 2 to retry on the next run" in first.output
    assert "451" in first.output
    records = _records(app)
    waiting = [email for email, (status, _, _) in records.items() if status is DigestStatus.RETRY]
    assert len(waiting) == 2
    assert all(records[e][1] == 3 and "451" in records[e][2] for e in waiting)  # tried three times in the run

    smtp_server.fail_after = None
    second = _send(runner, "--period", OCTOBER)

    assert second.exit_code == 0, second.output
    assert "2 sent, 0 skipped as empty, 0 failed, 2 already done before this run." in second.output
    received = sorted(rcpt for envelope in smtp_server.envelopes for rcpt in envelope.rcpt_tos)
    assert received == sorted([borough["group"], borough["supplier"], borough["partner"]])  # each exactly once
    assert _send(runner, "--period", OCTOBER).exit_code == 0
    assert len(smtp_server.messages) == 3


def test_a_refused_address_is_a_permanent_failure_not_retried_and_shown_to_officers(
    app, runner, client, borough, smtp_server, quick_retries
):
    smtp_server.refuse[borough["partner"]] = "550 5.1.1 No such mailbox here"

    result = _send(runner, "--period", OCTOBER)

    assert result.exit_code == 0  # nothing to retry: permanent failures need a person, not a rerun
    assert "2 sent, 1 skipped as empty, 1 failed." in result.output
    assert f"{borough['partner']}: failed: 550 5.1.1 No such mailbox here" in result.output
    status, attempts, error = _records(app)[borough["partner"]]
    assert (status, attempts) == (DigestStatus.FAILED, 1)
    assert "550 5.1.1 No such mailbox here" in error

    del smtp_server.refuse[borough["partner"]]
    assert "0 sent" in _send(runner, "--period", OCTOBER).output  # not retried
    assert smtp_server.to(borough["partner"]) == []

    from tests.helpers.builders import make_officer
    from tests.helpers.web import sign_in, text_of

    with app.app_context():
        officer = make_officer().email
    sign_in(client, officer)
    page = text_of(client.get(f"/officers/digests?period={OCTOBER}"))
    assert "Failed permanently 1" in page
    assert "Pat Lee" in page and "550 5.1.1 No such mailbox here" in page


def test_an_unreachable_server_stops_the_run_and_a_later_run_sends_everything_once(
    app, runner, borough, smtp_server, quick_retries, monkeypatch
):
    real_port = app.config["SMTP_PORT"]
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setitem(app.config, "SMTP_PORT", closed.getsockname()[1])

    down = _send(runner, "--period", OCTOBER)

    assert down.exit_code == 75
    assert "Stopped early: the mail server could not be reached" in down.output
    assert [s for s, _, _ in _records(app).values() if s is DigestStatus.RETRY] == [DigestStatus.RETRY]

    monkeypatch.setitem(app.config, "SMTP_PORT", real_port)
    up = _send(runner, "--period", OCTOBER)

    assert up.exit_code == 0, up.output
    assert "3 sent" in up.output
    assert len(smtp_server.messages) == 3


def test_a_dry_run_sends_and_records_nothing(app, runner, borough, smtp_server):
    result = _send(runner, "--period", OCTOBER, "--dry-run")

    assert result.exit_code == 0
    assert "Digest 2026-10: 3 would be sent, 1 skipped as empty, 0 failed." in result.output
    assert smtp_server.messages == []
    assert _records(app) == {}


def test_one_click_unsubscribe_needs_no_sign_in_and_stops_the_next_digest(app, runner, borough, smtp_server):
    assert _send(runner, "--period", OCTOBER).exit_code == 0
    message = smtp_server.to(borough["supplier"])[0]
    url = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:5000")

    anonymous = app.test_client()
    # Opening the link changes nothing: it asks for a button press (mail scanners follow links).
    page = anonymous.get(url)
    assert page.status_code == 200 and b"Unsubscribe" in page.data
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no cookie and no CSRF token.
    response = anonymous.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert b"You have unsubscribed from the digest" in response.data
    assert anonymous.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: harmless

    result = _send(runner, "--period", "2026-11")
    assert borough["supplier"] not in [r for e in smtp_server.envelopes[3:] for r in e.rcpt_tos]
    assert result.exit_code == 0


def test_a_forged_or_altered_unsubscribe_link_changes_nothing(app, borough):
    from matchmaker.services.digest_subscriptions import make_unsubscribe_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == borough["supplier"]))
        token = make_unsubscribe_token(user)
    anonymous = app.test_client()
    for bad in (token[:-2] + "xx", "eyJ1IjoxfQ.forged", "not-a-token"):
        response = anonymous.post(f"/digest/unsubscribe/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.data
    with app.app_context():
        assert db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id)) is None


def test_weekly_subscribers_get_weekly_periods_only(app, runner, borough, smtp_server):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == borough["supplier"]))
        db.session.add(
            DigestSubscription(user=user, frequency=DigestFrequency.WEEKLY, wards=[ward("Harlesden and Kensal Green")])
        )
        db.session.commit()

    monthly = _send(runner, "--period", OCTOBER)
    assert smtp_server.to(borough["supplier"]) == []
    assert "2 sent" in monthly.output

    weekly = _send(runner, "--period", "2026-W42")  # 12 to 18 October, when the porters' need was published
    assert weekly.exit_code == 0, weekly.output
    assert "Building the weekly digest for 2026-W42" in weekly.output
    [message] = smtp_server.to(borough["supplier"])
    assert message["Subject"] == "Your Brent social value digest for the week of 12 October 2026"
    assert "Kitchen porters for a lunch club" in _parts(message)[0]


def test_a_bad_period_is_refused_with_the_accepted_forms(runner):
    result = _send(runner, "--period", "November")
    assert result.exit_code == 2
    assert "Enter a period as a month like 2026-11, or an ISO week like 2026-W48" in result.output


def _received(smtp_server) -> list[str]:
    return sorted(rcpt for envelope in smtp_server.envelopes for rcpt in envelope.rcpt_tos)


@pytest.mark.parametrize("outright", [False, True], ids=["ctrl-c", "killed outright"])
def test_a_run_stopped_mid_batch_never_sends_anyone_twice_and_the_rerun_reports_who_may_have_missed_it(
    app, runner, borough, smtp_server, monkeypatch, outright
):
    from matchmaker.email.backends import SMTPConnection
    from matchmaker.services import digest_sending

    monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", 2)  # grace and sam in the first batch, pat in the second
    real_send, sent = SMTPConnection.send, []

    def stopped_on_the_second_message(connection, message):
        if len(sent) == 1:
            raise KeyboardInterrupt  # the process is stopped while sam's message is in flight
        real_send(connection, message)
        sent.append(message)

    monkeypatch.setattr(SMTPConnection, "send", stopped_on_the_second_message)
    if outright:  # kill -9 or a power cut: no chance to record anything after the batch's claims
        monkeypatch.setattr(digest_sending._Run, "_interrupted", lambda run, untried: None)
    stopped = _send(runner, "--period", OCTOBER)
    assert stopped.exit_code != 0
    assert _received(smtp_server) == [borough["group"]]
    # The batch was claimed before it went. Ctrl-C: what the server answered is recorded, and only the message
    # in flight stays "sending"; killed outright: the whole batch stays "sending", whatever the server got.
    assert {e: s for e, (s, _, _) in _records(app).items()} == {
        borough["group"]: DigestStatus.SENDING if outright else DigestStatus.SENT,
        borough["supplier"]: DigestStatus.SENDING,
    }

    monkeypatch.setattr(SMTPConnection, "send", real_send)
    rerun = _send(runner, "--period", OCTOBER)

    assert rerun.exit_code == 0, rerun.output
    interrupted, done = (2, "") if outright else (1, ", 1 already done before this run")
    assert (
        f"1 sent, 1 skipped as empty, 0 failed{done}, {interrupted} interrupted in an earlier run and not sent "
        "again (they may not have arrived: see the officers' Digest page)"
    ) in rerun.output
    assert f"{borough['supplier']}: interrupted in an earlier run: not sent again" in rerun.output
    assert _received(smtp_server) == sorted([borough["group"], borough["partner"]])  # nobody twice
    assert _records(app)[borough["supplier"]][0] is DigestStatus.SENDING  # reported, not resent

    assert "0 sent" in _send(runner, "--period", OCTOBER).output
    assert len(smtp_server.messages) == 2


def test_a_connection_dropped_mid_run_is_reopened_and_everyone_gets_one(
    app, runner, borough, smtp_server, quick_retries
):
    smtp_server.hang_up_after = 1  # the relay drops the session once, after the first message

    result = _send(runner, "--period", OCTOBER)

    assert result.exit_code == 0, result.output
    assert "Digest 2026-10: 3 sent, 1 skipped as empty, 0 failed." in result.output
    assert _received(smtp_server) == sorted([borough["group"], borough["supplier"], borough["partner"]])


def test_a_relay_going_down_mid_batch_stops_the_run_and_the_rerun_sends_the_rest_once(
    app, runner, borough, smtp_server, quick_retries, monkeypatch
):
    monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", 3)  # grace, sam and pat claimed together
    smtp_server.hang_up_after, smtp_server.keep_hanging_up = 1, True

    down = _send(runner, "--period", OCTOBER)

    assert down.exit_code == 75
    assert "Stopped early: the mail server could not be reached" in down.output
    assert "Digest 2026-10: 1 sent, 0 skipped as empty, 0 failed, 1 to retry on the next run." in down.output
    records = _records(app)
    assert records[borough["group"]][0] is DigestStatus.SENT
    assert records[borough["supplier"]][:2] == (DigestStatus.RETRY, 3)
    assert borough["partner"] not in records  # claimed, never tried: put back, not left as interrupted

    smtp_server.hang_up_after, smtp_server.keep_hanging_up = None, False
    up = _send(runner, "--period", OCTOBER)

    assert up.exit_code == 0, up.output
    assert "2 sent, 1 skipped as empty, 0 failed, 1 already done before this run." in up.output
    assert _received(smtp_server) == sorted([borough["group"], borough["supplier"], borough["partner"]])


def test_a_run_stopped_by_sigterm_records_what_went_like_ctrl_c(app, runner, borough, smtp_server, monkeypatch):
    """systemd or a cron timeout stops the job with SIGTERM; the batch's outcomes must still be recorded."""
    import os
    import signal

    from matchmaker.email.backends import SMTPConnection

    monkeypatch.setitem(app.config, "DIGEST_BATCH_SIZE", 2)
    real_send, sent, ended_at_once = SMTPConnection.send, [], []

    def terminated_on_the_second_message(connection, message):
        if len(sent) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, in this (the main) thread
        real_send(connection, message)
        sent.append(message)

    # Stands in for Python's default, which would end the test process: it only notes that it was reached.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: ended_at_once.append(signum))
    try:
        monkeypatch.setattr(SMTPConnection, "send", terminated_on_the_second_message)
        stopped = _send(runner, "--period", OCTOBER)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert ended_at_once == [], "SIGTERM reached the default handler: the run could not record its batch"
    assert stopped.exit_code != 0
    assert _received(smtp_server) == [borough["group"]]
    assert {e: s for e, (s, _, _) in _records(app).items()} == {
        borough["group"]: DigestStatus.SENT,
        borough["supplier"]: DigestStatus.SENDING,
    }
