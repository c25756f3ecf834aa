"""`matchmaker needs expire` (the daily job) and `matchmaker propose` (the matching engine)."""

from datetime import date

import click
from flask.cli import with_appcontext


@click.group("needs")
def needs_group() -> None:
    """Needs: the daily expiry job."""


@needs_group.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD). Default: today.")
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


@click.command("propose")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 50), help="Proposals kept per need.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON on standard output.")
@with_appcontext
def propose_command(top: int, as_json: bool) -> None:
    """Refresh the matching engine's proposals for every open need."""
    import json
    import sys
    import time

    from matchmaker.extensions import db
    from matchmaker.services.matching import refresh_all

    # With --json, standard output carries only the JSON; progress goes to standard error.
    say = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    started = time.perf_counter()
    summary, proposals = refresh_all(top=top, progress=say)
    db.session.commit()
    say(f"Done in {time.perf_counter() - started:.1f}s: {summary}.")
    if as_json:
        ordered = sorted(proposals, key=lambda p: (p.need.id, -p.score, p.offer.id))
        json.dump({"proposals": [
            {"need_ref": p.need.key, "offer_ref": p.offer.key, "score": p.score, "components": p.components,
             "reason": p.reason}
            for p in ordered
        ]}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
