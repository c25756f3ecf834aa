"""`matchmaker digest send`: the scheduled job that sends partners their digest."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from matchmaker.extensions import db
from matchmaker.models import DigestFrequency
from matchmaker.services.digest_periods import last_complete_period, parse_period
from matchmaker.services.errors import DomainError


@click.group("digest", cls=AppGroup)
def digest_group() -> None:
    """The partner digest: a monthly (or weekly) email of what concerns each partner."""


@digest_group.command("send")
@click.option(
    "--period",
    "period_name",
    metavar="PERIOD",
    help="A month like 2026-11 (monthly subscribers) or an ISO week like 2026-W48 (weekly subscribers). "
    "Default: the last complete month, or week with --weekly.",
)
@click.option("--weekly", is_flag=True, help="Without --period: the last complete ISO week, for weekly subscribers.")
@click.option(
    "--dry-run", is_flag=True, help="Build every digest and report what would be sent; send and record nothing."
)
def send_command(period_name: str | None, weekly: bool, dry_run: bool) -> None:
    """Send the period's digests. Safe to run again: nobody gets the same period twice, and a run that
    stopped halfway (mail server down) sends only what was not sent."""
    from matchmaker.services.digest_sending import send_period

    try:
        period = (
            parse_period(period_name)
            if period_name
            else last_complete_period(DigestFrequency.WEEKLY if weekly else DigestFrequency.MONTHLY)
        )
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--period") from error
    if weekly and period_name and period.frequency is not DigestFrequency.WEEKLY:
        raise click.BadParameter("--weekly needs a week like 2026-W48, or no --period", param_hint="--period")

    click.echo(
        f"{'Dry run: b' if dry_run else 'B'}uilding the {period.frequency.value} digest for {period.name} "
        f"({period.title}, {period.first_day:%-d %B} to {period.last_day:%-d %B %Y})..."
    )

    def progress(done: int, total: int, address: str, outcome: str) -> None:
        # Every failure, and everyone an earlier run was interrupted while sending to, is shown; otherwise a
        # line every 100 people, and the last.
        if outcome.startswith(("failed", "will retry", "interrupted")) or done % 100 == 0 or done == total:
            click.echo(f"  [{done}/{total}] {address}: {outcome}")

    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]), _sigterm_as_interrupt():
        try:
            report = send_period(
                period, dry_run=dry_run, checkpoint=(lambda: None) if dry_run else db.session.commit, progress=progress
            )
        finally:
            # What was sent is already committed, a batch at a time; a dry run writes nothing.
            db.session.rollback()
    if report.stopped:
        click.echo(f"Stopped early: {report.stopped}. Run the same command again later to send the rest.", err=True)
    click.echo(report.summary)
    if report.stopped or report.retry:
        raise SystemExit(75)  # EX_TEMPFAIL: cron's mail or a systemd timer shows that a rerun is needed


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """systemd, a cron timeout or `kill` stop a job with SIGTERM, which by default ends Python on the spot: the
    batch already claimed would stay "sending" whatever the server got. As an interrupt, the run records what
    the server answered and puts back the untried, as it does for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
