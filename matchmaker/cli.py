"""The `matchmaker` command: a Flask CLI group, so `matchmaker run -p 5000` serves the app.

Each command is one unit of work: it calls services, then commits once at the end (or rolls back on error).
"""

import os

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.services.errors import DomainError


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

    from matchmaker.services.demo_data import DEMO_PASSWORD, load_demo_data

    if not demo:
        raise click.UsageError("Say what to seed: --demo")
    if current_app.config["ENV"] == "production":
        raise click.ClickException("Refusing to load demo accounts with known passwords into production.")
    summary = load_demo_data(progress=click.echo)
    db.session.commit()
    click.echo(f"Demo data loaded: {summary}. Every demo account's password is {DEMO_PASSWORD!r}.")


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


def register(app: Flask) -> None:
    for command in (setup_command, seed_command, create_admin_command):
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
