"""Registering an organisation and its first user."""

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Organisation, OrganisationStatus, Role, User
from tests.conftest import mailbox
from tests.helpers.builders import make_organisation
from tests.helpers.web import error_messages, post_form, text_of

GOOD = {
    "kind": "vcse",
    "name": "Stonebridge Tenants Association",
    "charity_number": "1123456",
    "company_number": "",
    "wards": ["E05013510", "E05013501"],
    "description": "Residents working together.",
    "website": "https://stonebridge.example.org",
    "contact_name": "Femi Ade",
    "contact_email": "Contact@Stonebridge.example.org",
    "contact_phone": "020 8937 1234",
    "address": "",
    "full_name": "Femi Ade",
    "email": "Femi@Example.org",
    "password": "kettle river lantern",
    "confirm_password": "kettle river lantern",
}


def test_a_group_registers_and_waits_for_approval(app, client):
    response = post_form(client, "/register", GOOD)
    assert response.status_code == 302 and response.headers["Location"] == "/account"

    page = client.get("/account")
    assert "Stonebridge Tenants Association is awaiting approval" in text_of(page)
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert org.status is OrganisationStatus.PENDING
        assert sorted(w.name for w in org.wards) == ["Harlesden and Kensal Green", "Stonebridge"]
        assert org.contact_email == "contact@stonebridge.example.org"
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.organisation_id) == ("femi@example.org", Role.GROUP_MEMBER, org.id)
        assert user.password_hash and "kettle" not in user.password_hash
        assert db.session.scalar(select(AuditEvent.action)) == "organisation.registered"
    [message] = mailbox(app)
    assert message["To"] == "femi@example.org"
    assert "Stonebridge Tenants Association" in message.get_body(("plain",)).get_content()


def test_a_supplier_registers_borough_wide(app, client):
    data = {
        **GOOD,
        "kind": "supplier",
        "name": "Acme Facilities Ltd",
        "charity_number": "",
        "company_number": "sc 123456",
        "wards": ["borough-wide"],
        "email": "bids@acme.example.org",
    }
    assert post_form(client, "/register", data).status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert (org.borough_wide, org.wards, org.company_number) == (True, [], "SC123456")
        assert db.session.scalar(select(User.role)) is Role.SUPPLIER_MEMBER


def test_a_likely_duplicate_is_shown_before_another_is_created(app, client):
    with app.app_context():
        make_organisation("Kensal Rise Community Larder CIC")
    data = {**GOOD, "name": "Kensal Rise Community Larder"}
    response = post_form(client, "/register", data)
    assert response.status_code == 200
    assert "Is your organisation already registered?" in text_of(response)
    assert "Kensal Rise Community Larder CIC" in text_of(response)
    assert 'value="Kensal Rise Community Larder"' in response.get_data(as_text=True)  # kept what was typed
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 1

    confirmed = post_form(client, "/register", {**data, "not_a_duplicate": "y"})
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 2


def test_an_unrelated_name_is_not_called_a_duplicate(app, client):
    with app.app_context():
        make_organisation("Harlesden Youth Club")
    response = post_form(client, "/register", {**GOOD, "name": "Kilburn Youth Club"})
    assert response.status_code == 302


def test_empty_form_shows_a_message_for_every_required_field(client):
    response = post_form(client, "/register", {})
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert set(error_messages(response)) >= {
        "Select the type of organisation",
        "Enter the name of your organisation",
        "Select the wards you serve, or borough-wide",
        "Enter the name of the contact for your organisation",
        "Enter the contact email address",
        "Enter your full name",
        "Enter your email address",
        "Enter a password",
        "Confirm your password",
    }
    assert "<title>Error: Register your organisation" in response.get_data(as_text=True)


def test_malformed_and_overlong_input_is_refused_and_kept(app, client):
    data = {
        **GOOD,
        "name": "x" * 161,
        "charity_number": "12AB",
        "company_number": "123",
        "contact_email": "not-an-email",
        "email": "also@bad",
        "contact_phone": "call me",
        "website": "stonebridge",
        "password": "short",
        "confirm_password": "different",
    }
    response = post_form(client, "/register", data)
    messages = error_messages(response)
    assert "Organisation name must be 160 characters or fewer" in messages
    assert "Enter a registered charity number in the correct format, like 1123456" in messages
    assert "Enter a company number in the correct format, like 01234567 or SC123456" in messages
    assert "Enter a contact email address in the correct format, like name@example.com" in messages
    assert "Enter an email address in the correct format, like name@example.com" in messages
    assert "Enter a telephone number, like 020 8937 1234 or 07700 900 982" in messages
    assert "Enter a website address in the correct format, like https://www.example.org" in messages
    assert "Password must be 12 characters or more" in messages
    html = response.get_data(as_text=True)
    assert 'value="not-an-email"' in html and 'value="call me"' in html
    assert 'value="E05013510" checked' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 0


def test_borough_wide_and_particular_wards_together_are_refused(client):
    response = post_form(client, "/register", {**GOOD, "wards": ["borough-wide", "E05013510"]})
    assert "Select borough-wide or particular wards, not both" in error_messages(response)


def test_a_common_password_is_refused(client):
    response = post_form(
        client, "/register", {**GOOD, "password": "password123456", "confirm_password": "password123456"}
    )
    assert any(m.startswith("Password is too easy to guess") for m in error_messages(response))


def test_a_duplicate_email_is_refused_politely(app, client):
    assert post_form(client, "/register", GOOD).status_code == 302
    other = app.test_client()
    response = post_form(other, "/register", {**GOOD, "name": "Another Group Entirely", "email": "FEMI@example.org "})
    assert response.status_code == 200
    assert (
        "An account already exists with this email address. Sign in, or reset your password if you have forgotten it"
    ) in error_messages(response)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Organisation)) == 1


def test_what_users_type_is_never_rendered_as_html(app, client):
    evil = '<script>alert("x")</script>'
    response = post_form(client, "/register", {**GOOD, "name": evil, "description": evil, "email": "bad"})
    html = response.get_data(as_text=True)
    assert evil not in html and "&lt;script&gt;" in html
    assert post_form(client, "/register", {**GOOD, "name": evil, "description": evil}).status_code == 302
    page = client.get("/organisation").get_data(as_text=True)
    assert evil not in page and "&lt;script&gt;alert" in page
