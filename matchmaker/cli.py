"""The `matchmaker` command: a Flask CLI group, so `matchmaker run -p 5000` serves the app.

Each command is one unit of work: it calls services, then commits once at the end (or rolls back on error).
"""

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.services.errors import DomainError
from matchmaker.wording import plural


@click.command("setup")
@with_appcontext
def setup_command() -> None:
    """Create or upgrade the database schema and load Brent's reference data. Safe to run again."""
    from matchmaker.services.reference_data import load_reference_data

    click.echo("Upgrading the database schema...")
    upgrade()
    click.echo("Loading reference data...")
    summary = load_reference_data()
    db.session.commit()
    click.echo(f"Setup complete: {summary}.")


@click.command("seed")
@click.option("--demo", is_flag=True, help="Load the demo borough: organisations and users for every role.")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load demo data (run `matchmaker setup` first)."""
    from flask import current_app

    from matchmaker.services import matching
    from matchmaker.services.demo_data import DEMO_PASSWORD, load_demo_data

    if not demo:
        raise click.UsageError("Say what to seed: --demo")
    if current_app.config["ENV"] == "production":
        raise click.ClickException("Refusing to load demo accounts with known passwords into production.")
    summary = load_demo_data(progress=click.echo)
    # Propose matches as the nightly `matchmaker propose` would, so an officer signing in finds a queue to work.
    proposed, _ = matching.refresh_all()
    db.session.commit()
    click.echo(
        f"Demo data loaded: {summary}, {proposed.proposals} proposed matches. "
        f"Every demo account's password is {DEMO_PASSWORD!r}."
    )


@click.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", "full_name", prompt="Full name", help="The administrator's full name.")
@with_appcontext
def create_admin_command(email: str, full_name: str) -> None:
    """Create an administrator. The password is asked for (or read from MATCHMAKER_ADMIN_PASSWORD)."""
    from matchmaker.services.accounts import create_first_admin

    password = os.environ.get("MATCHMAKER_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_first_admin(full_name, email, password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Administrator {user.email} created. They can sign in now.")


@click.group("import", cls=AppGroup)
def import_group() -> None:
    """Import needs or offers from a CSV file (UTF-8, with a header row; lists separated by ";").

    Every row is checked first: if any is wrong, each problem is listed and nothing is written.
    A ref already imported updates that record rather than adding another.
    """


def _import(kind: str, file: Path, dry_run: bool) -> None:
    """One transaction: committed only if every row is good (and this is not a dry run)."""
    from matchmaker.services.csv_import import import_file

    def show_progress(done: int, total: int) -> None:
        click.echo(f"  [{done}/{total}] rows written")

    try:
        with file.open("rb") as stream:  # import_file reads no more than the size limit
            report = import_file(kind, stream, actor=None, dry_run=dry_run, progress=show_progress)
    except Exception:
        db.session.rollback()
        raise
    if not report.ok:
        db.session.rollback()
        for error in report.errors:
            click.echo(str(error), err=True)
        problems = plural(len(report.errors), "problem")
        click.echo(f"Nothing was imported: {problems} found in {file.name}.", err=True)
        raise SystemExit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for note in report.notes:
        click.echo(note)
    click.echo(report.summary)


@import_group.command("needs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, writing nothing.")
def import_needs_command(file: Path, dry_run: bool) -> None:
    """Import needs. Columns: ref, organisation, title, description, priorities, wards, support_types,
    and optionally quantity, unit, needed_by (YYYY-MM-DD). New needs are open at once."""
    _import("needs", file, dry_run)


@import_group.command("offers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, writing nothing.")
def import_offers_command(file: Path, dry_run: bool) -> None:
    """Import offers. Columns: ref, supplier, contract_ref, contract_value, title, description, priorities,
    wards, support_types, and optionally quantity, unit, available_until (YYYY-MM-DD)."""
    _import("offers", file, dry_run)


@click.command("export")
@click.argument("kind", type=click.Choice(["needs", "offers", "contracts"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write. Default: standard output.",
)
@click.option("--status", multiple=True, help="Only needs or offers with this status (repeatable). Default: all.")
@click.option("--priority", multiple=True, help="Only needs or offers for this priority (slug or number; repeatable).")
@click.option(
    "--ward",
    multiple=True,
    help="Only needs or offers in this ward (name or ONS code; repeatable). Borough-wide ones count as in every ward.",
)
@click.option("--type", "types", multiple=True, help="Only needs or offers of this type of support (slug; repeatable).")
@click.option("--search", default="", help="Only needs or offers matching these words, as the lists' search box.")
@with_appcontext
def export_command(
    kind: str,
    fmt: str,
    output: Path | None,
    status: tuple[str, ...],
    priority: tuple[str, ...],
    ward: tuple[str, ...],
    types: tuple[str, ...],
    search: str,
) -> None:
    """Export needs, offers or contracts with the import's columns, so the file re-imports unchanged."""
    from matchmaker.services.csv_export import export_rows, filters_from, parse_statuses, render

    filters, statuses = None, None
    try:
        if kind != "contracts":
            filters = filters_from(list(priority), list(ward), list(types), search)
            statuses = parse_statuses(kind, list(status) or ["all"])
        elif status or priority or ward or types or search:
            raise DomainError("Contracts are always exported whole: leave out the filters")
    except DomainError as error:
        raise click.UsageError(error.message) from error

    def show_progress(done: int, total: int) -> None:
        click.echo(f"  [{done}/{total}] rows exported", err=True)

    rows = export_rows(kind, filters, statuses, progress=show_progress)
    text = render(kind, fmt, rows)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
    where = f" to {output}" if output else ""
    click.echo(f"Exported {len(rows)} {kind} as {fmt.upper()}{where}.", err=True)


def register(app: Flask) -> None:
    for command in (setup_command, seed_command, create_admin_command, import_group, export_command):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from matchmaker import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(
        create_app=_create_app,
        help="Brent Social Value Matchmaker. Start with `matchmaker setup`, then `matchmaker run`.",
    )
    cli.main(prog_name="matchmaker")
