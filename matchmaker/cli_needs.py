"""`matchmaker needs expire`: the daily job that warns owners and expires needs."""

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("needs")
def needs_group() -> None:
    """Needs: the daily expiry job."""


@needs_group.command("expire")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if today were this date (YYYY-MM-DD). Default: today.",
)
@with_appcontext
def expire_command(today) -> None:
    """Warn owners of needs closing within a week, and expire needs past their needed-by date. Run daily."""
    from matchmaker.jobs import expire_needs

    day = today.date() if today else date.today()
    click.echo(f"Checking needs on {day.isoformat()}...")
    run = expire_needs(day, progress=click.echo)
    click.echo(f"Done: {run}.")
    if run.warning_failures:
        raise SystemExit(1)
