"""The `matchmaker` command: setup, demo data and the first administrator."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Contract,
    DigestFrequency,
    Organisation,
    OrganisationStatus,
    Priority,
    Proposal,
    Role,
    SupportType,
    User,
    Ward,
    WardAdjacency,
)
from matchmaker.services import digest, remedial
from matchmaker.services.demo_data import DEMO_FILE, DEMO_PASSWORD
from tests.helpers.builders import make_organisation
from tests.helpers.web import error_messages, post_form, sign_in, text_of

ADMIN_PASSWORD = "granite willow parade"
CONTRACTS_BEHIND = "/officers/contracts?show=behind"
SETUP_SUMMARY = "Setup complete: 22 wards, 48 neighbouring pairs, 5 priorities, 6 support types."


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _reference_counts(app) -> tuple[int, int, int, int]:
    with app.app_context():
        return _count(Ward), _count(WardAdjacency), _count(Priority), _count(SupportType)


# setup -----------------------------------------------------------------------------------------------------


def test_setup_is_safe_to_run_twice(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        assert SETUP_SUMMARY in result.output
        # Each pair of neighbouring wards is stored both ways round.
        assert _reference_counts(app) == (22, 96, 5, 6)
    with app.app_context():
        kilburn = db.session.scalar(select(Ward).where(Ward.name == "Kilburn"))
        assert kilburn.ons_code == "E05013503"
        assert "Queens Park" in [w.name for w in kilburn.neighbours]


def test_setup_keeps_organisations_and_their_wards(app, runner):
    with app.app_context():
        org_id = make_organisation("Kilburn Good Neighbours", wards=("Kilburn", "Queens Park")).id
    assert runner.invoke(args=["setup"]).exit_code == 0
    with app.app_context():
        assert [w.name for w in db.session.get(Organisation, org_id).wards] == ["Kilburn", "Queens Park"]


# seed ------------------------------------------------------------------------------------------------------


def _demo() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def test_seed_demo_creates_the_demo_borough_once(app, runner, client):
    demo = _demo()
    organisations = len(demo["organisations"])
    accounts = len(demo["staff"]) + organisations  # one member for each organisation
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    needs, offers = len(demo["needs"]), sum(len(c["offers"]) for c in demo["contracts"])
    matches = len(demo["matches"])
    assert (
        f"Demo data loaded: {organisations} organisations, {accounts} accounts, {needs} needs, {offers} offers "
        f"and {matches} delivered match{'' if matches == 1 else 'es'} created, "
    ) in result.output
    with app.app_context():
        proposed = _count(Proposal)
    # The engine has run, so an officer signing in to the demo finds matches to decide on.
    assert proposed > 0 and f"{proposed} proposed matches." in result.output
    assert f"Every demo account's password is '{DEMO_PASSWORD}'" in result.output
    with app.app_context():
        assert (_count(Organisation), _count(User)) == (organisations, accounts)
        pending = db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.status == OrganisationStatus.PENDING)
        )
        assert pending == sum(1 for o in demo["organisations"] if o["status"] == "pending")
        # Decided organisations were decided by an officer.
        for org in db.session.scalars(select(Organisation).where(Organisation.status != OrganisationStatus.PENDING)):
            assert org.reviewed_by is not None and org.reviewed_by.is_officer and org.reviewed_at is not None

    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0, again.output
    assert "0 organisations, 0 accounts, 0 needs, 0 offers and 0 delivered matches created" in again.output
    with app.app_context():
        assert (_count(Organisation), _count(User)) == (organisations, accounts)

    # The demo accounts work, and land where their role belongs.
    officer = next(s["email"] for s in demo["staff"] if s["role"] == "officer")
    response = sign_in(client, officer, DEMO_PASSWORD)
    assert response.headers["Location"] == "/officers/organisations"
    member = demo["organisations"][0]["member"]["email"]
    assert sign_in(app.test_client(), member, DEMO_PASSWORD).headers["Location"] == "/account"


def test_the_demo_borough_has_something_to_show_on_the_impact_pages(app, runner):
    demo = _demo()
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    [story] = [m["delivery"]["story"] for m in demo["matches"]]
    officer = app.test_client()
    sign_in(officer, next(s["email"] for s in demo["staff"] if s["role"] == "officer"), DEMO_PASSWORD)
    dashboard = text_of(officer.get("/impact"))
    assert "16 hours" in dashboard and "BR-INQ-01" in dashboard  # verified help, counted by a measure
    assert story in text_of(app.test_client().get("/impact/annual-report"))  # shared, and public
    with app.app_context():
        northway = db.session.scalar(select(Contract).where(Contract.ref == "BC-2026-0142"))
        assert remedial.can_open(northway)  # behind its commitments, with no plan yet
        partner = next(o["member"]["email"] for o in demo["organisations"] if o["kind"] == "partner")
        assert partner in [user.email for user, _ in digest.recipients(DigestFrequency.MONTHLY)]
    behind = text_of(officer.get(CONTRACTS_BEHIND))
    assert "BC-2026-0142" in behind and "Open a plan for BC-2026-0142" in behind


def test_seed_leaves_what_already_exists_alone(app, runner):
    first = _demo()["organisations"][0]
    with app.app_context():
        existing = make_organisation(first["name"], contact_email="ours@example.org")
        existing_id = existing.id
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Organisation, existing_id).contact_email == "ours@example.org"
        assert (
            db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name == first["name"]))
            == 1
        )


def test_seed_needs_to_be_told_what_to_seed(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 2 and "Say what to seed: --demo" in result.output
    with app.app_context():
        assert _count(User) == 0


def test_seed_refuses_to_run_in_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV", "production")
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 1
    assert "Refusing to load demo accounts with known passwords into production." in result.output
    with app.app_context():
        assert (_count(Organisation), _count(User)) == (0, 0)


# create-admin ----------------------------------------------------------------------------------------------


def test_create_admin_with_the_password_from_the_environment(app, runner, client, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", ADMIN_PASSWORD)
    result = runner.invoke(args=["create-admin", "--email", " Chief@Brent.example.org ", "--name", "Chris Chief"])
    assert result.exit_code == 0, result.output
    assert "Administrator chief@brent.example.org created. They can sign in now." in result.output
    assert ADMIN_PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.full_name, user.role, user.active) == (
            "chief@brent.example.org",
            "Chris Chief",
            Role.ADMIN,
            True,
        )
        assert ADMIN_PASSWORD not in user.password_hash
        assert db.session.scalar(select(AuditEvent.action)) == "user.created"
    response = sign_in(client, "chief@brent.example.org", ADMIN_PASSWORD)
    assert response.headers["Location"] == "/officers/organisations"
    assert client.get("/admin/users").status_code == 200


def test_create_admin_asks_for_the_password_twice_when_it_is_not_in_the_environment(app, runner, monkeypatch):
    monkeypatch.delenv("MATCHMAKER_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(
        args=["create-admin", "--email", "chief@example.org", "--name", "Chris Chief"],
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert ADMIN_PASSWORD not in result.output  # typed without echo
    with app.app_context():
        assert db.session.scalar(select(User)).check_password(ADMIN_PASSWORD)


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "Password must be 12 characters or more"),
        ("password123456", "Password is too easy to guess"),
        ("chiefchief rules", "Password must not contain your email address"),
    ],
)
def test_create_admin_refuses_a_weak_password_and_creates_nothing(app, runner, client, monkeypatch, password, message):
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", password)
    result = runner.invoke(args=["create-admin", "--email", "chiefchief@example.org", "--name", "Chris Chief"])
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "created" not in result.output
    with app.app_context():
        assert (_count(User), _count(AuditEvent)) == (0, 0)
    refused = post_form(client, "/sign-in", {"email": "chiefchief@example.org", "password": password})
    assert error_messages(refused) == ["Enter a correct email address and password"]


def test_create_admin_refuses_an_email_already_in_use(app, runner, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ADMIN_PASSWORD", ADMIN_PASSWORD)
    assert runner.invoke(args=["create-admin", "--email", "chief@example.org", "--name", "First"]).exit_code == 0
    again = runner.invoke(args=["create-admin", "--email", "CHIEF@example.org", "--name", "Second"])
    assert again.exit_code == 1
    assert "An account already exists with this email address" in again.output
    with app.app_context():
        assert db.session.scalar(select(User.full_name)) == "First" and _count(User) == 1


# The installed console script ------------------------------------------------------------------------------


def _console_script() -> Path:
    script = Path(sys.executable).parent / "matchmaker"
    assert script.is_file(), f"the matchmaker console script is not installed beside {sys.executable}"
    return script


def _script_env(tmp_path) -> dict:
    """A development environment that keeps everything (database, key) in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHMAKER_", "SMTP_", "FLASK_"))}
    env.update(
        MATCHMAKER_ENV="development",
        SECRET_KEY="console-script-test-key",
        DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}",
        MATCHMAKER_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    return env


def test_the_console_script_lists_its_commands(tmp_path):
    result = subprocess.run(
        [str(_console_script()), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_script_env(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Brent Social Value Matchmaker" in result.stdout
    commands = {line.split()[0] for line in result.stdout.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert {"setup", "seed", "create-admin", "run"} <= commands


def test_the_console_script_sets_up_a_fresh_database(tmp_path):
    env = _script_env(tmp_path)
    setup = subprocess.run(
        [str(_console_script()), "setup"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )
    assert setup.returncode == 0, setup.stderr
    assert SETUP_SUMMARY in setup.stdout
    env["MATCHMAKER_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    admin = subprocess.run(
        [str(_console_script()), "create-admin", "--email", "a@example.org", "--name", "A"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert admin.returncode == 0, admin.stderr
    assert "Administrator a@example.org created" in admin.stdout
    assert (tmp_path / "console.db").stat().st_size > 0
