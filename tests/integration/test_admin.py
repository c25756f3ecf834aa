"""Administrators create officers, who set their own password from an emailed link."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Role, User
from tests.conftest import mailbox
from tests.helpers.builders import make_admin, make_officer, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

NEW_OFFICER = {"full_name": "Nadia Officer", "email": "Nadia.Officer@Brent.example.org", "role": "officer"}
HER_PASSWORD = "violet harbour compass"


@pytest.fixture
def admin(app, client) -> dict:
    with app.app_context():
        user = make_admin(full_name="Adam Admin")
        found = {"id": user.id, "email": user.email}
    sign_in(client, found["email"])
    return found


def _invitation_path(message) -> str:
    links = re.findall(r"https?://\S+/reset-password/\S+", message.get_body(("plain",)).get_content())
    assert len(links) == 1
    assert f'href="{links[0]}"' in message.get_body(("html",)).get_content()
    return urlsplit(links[0]).path


def test_an_admin_creates_an_officer_who_sets_a_password_and_signs_in(app, client, admin):
    response = post_form(client, "/admin/users/new", NEW_OFFICER)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    users_page = text_of(client.get("/admin/users"))
    assert "Account created for Nadia Officer. We have emailed them a link to set their password." in users_page
    assert "Nadia Officer nadia.officer@brent.example.org Brokerage officer – Invited, no password yet" in users_page

    with app.app_context():
        officer = db.session.scalar(select(User).where(User.email == "nadia.officer@brent.example.org"))
        assert (officer.full_name, officer.role, officer.organisation_id) == ("Nadia Officer", Role.OFFICER, None)
        assert officer.password_hash is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
        assert (event.subject_id, event.actor_id, event.to_state) == (officer.id, admin["id"], "officer")

    [message] = mailbox(app)
    assert message["To"] == "nadia.officer@brent.example.org"
    assert message["Subject"] == "Your Matchmaker account"
    plain = message.get_body(("plain",)).get_content()
    assert "Dear Nadia Officer" in plain and "Adam Admin has created a brokerage officer account for you" in plain
    assert "7 days" in plain
    path = _invitation_path(message)

    # She cannot sign in before she has a password.
    her = app.test_client()
    refused = post_form(her, "/sign-in", {"email": NEW_OFFICER["email"], "password": HER_PASSWORD})
    assert error_messages(refused) == ["Enter a correct email address and password"]

    form = her.get(path)
    assert form.status_code == 200 and "nadia.officer@brent.example.org" in text_of(form)
    done = post_form(her, path, {"password": HER_PASSWORD, "confirm_password": HER_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    signed_in = post_form(her, "/sign-in", {"email": NEW_OFFICER["email"], "password": HER_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/officers/organisations"
    assert her.get("/officers/organisations").status_code == 200
    assert her.get("/admin/users").status_code == 403  # an officer, not an administrator

    # The invitation worked once.
    assert her.get(path).status_code == 400
    assert "Active" in text_of(client.get("/admin/users")).split("Nadia Officer", 1)[1].split("Adam Admin")[0]


def test_an_admin_can_create_another_admin(app, client, admin):
    post_form(client, "/admin/users/new", {**NEW_OFFICER, "role": "admin"})
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "nadia.officer@brent.example.org")) is Role.ADMIN
    assert "administrator account" in mailbox(app)[0].get_body(("plain",)).get_content()


@pytest.mark.parametrize("role", ["group_member", "supplier_member", "superuser"])
def test_only_staff_roles_can_be_created_here(app, client, admin, role):
    response = post_form(client, "/admin/users/new", {**NEW_OFFICER, "role": role})
    assert response.status_code == 200
    assert error_messages(response) == ["Select a role"] and 'id="role-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like("nadia%"))) == 0
    assert mailbox(app) == []


def test_a_duplicate_email_is_refused(app, client, admin):
    with app.app_context():
        make_user(email="taken@example.org")
    response = post_form(client, "/admin/users/new", {**NEW_OFFICER, "email": " TAKEN@example.org"})
    assert response.status_code == 200
    assert error_messages(response) == ["An account already exists with this email address"]
    html = response.get_data(as_text=True)
    assert 'value="Nadia Officer"' in html  # kept what was typed
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "taken@example.org")) is Role.GROUP_MEMBER
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert mailbox(app) == []


def test_the_form_explains_what_is_missing(client, admin):
    response = post_form(client, "/admin/users/new", {"full_name": "", "email": "nadia", "role": "officer"})
    assert error_messages(response) == [
        "Enter their full name",
        "Enter an email address in the correct format, like name@example.com",
    ]


def test_the_users_list_shows_everyone(app, client, admin):
    with app.app_context():
        member = make_user(full_name="Mona Member")
        org_name = member.organisation.name
        make_officer(full_name="Otto Officer")
    page = text_of(client.get("/admin/users"))
    assert "Mona Member" in page and org_name in page and "Otto Officer" in page and "Adam Admin" in page


def test_officers_and_members_cannot_use_admin_pages(app):
    with app.app_context():
        emails = [make_officer().email, make_user(Role.GROUP_MEMBER).email, make_user(Role.SUPPLIER_MEMBER).email]
    for email in emails:
        client = app.test_client()
        sign_in(client, email)
        for url in ("/admin/users", "/admin/users/new"):
            response = client.get(url)
            assert response.status_code == 403, (email, url)
            assert "You do not have permission to see this page" in text_of(response)
        token = csrf_token(client, "/account/details")
        response = client.post("/admin/users/new", data={**NEW_OFFICER, "csrf_token": token})
        assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nadia.officer@brent.example.org")) is None
    assert mailbox(app) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_an_invitation_link_dies_if_the_account_is_deactivated(app, client, admin):
    post_form(client, "/admin/users/new", NEW_OFFICER)
    path = _invitation_path(mailbox(app)[0])
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "nadia.officer@brent.example.org")).active = False
        db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 400
    assert "This link has expired or has already been used" in text_of(response)
