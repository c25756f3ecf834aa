"""`matchmaker matches chase`: the daily job that alerts officers to introductions nobody answered."""

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("matches")
def matches_group() -> None:
    """Matches: chasing introductions that have had no response."""


@matches_group.command("chase")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if today were this date (YYYY-MM-DD). Default: today.",
)
@with_appcontext
def chase_command(today) -> None:
    """Alert officers (once per match) when a party has not responded to an introduction within
    MATCHMAKER_RESPONSE_WORKING_DAYS working days. Safe to run again. Run daily."""
    from flask import current_app

    from matchmaker.jobs_chase import chase_unanswered

    day = today.date() if today else date.today()
    click.echo(
        f"Checking introductions on {day.isoformat()} "
        f"({current_app.config['RESPONSE_WORKING_DAYS']} working days to respond)..."
    )
    run = chase_unanswered(day, progress=click.echo)
    click.echo(f"Done: {run}.")
    if run.failures:
        raise SystemExit(1)
