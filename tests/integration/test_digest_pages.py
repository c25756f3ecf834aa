"""The digest on the web: partners' choices, other partners as an organisation type, officers' preview and status."""

from datetime import UTC, datetime

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    DigestDelivery,
    DigestFrequency,
    DigestStatus,
    DigestSubscription,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Priority,
    Role,
    User,
)
from matchmaker.services.organisations import approve_organisation
from tests.helpers.builders import make_need, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

IN_OCTOBER = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)


def _supplier(app) -> tuple[int, str]:
    with app.app_context():
        org = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, org, full_name="Sam Patel")
        return user.id, user.email


def test_a_partner_chooses_how_often_and_what_the_digest_covers(app, client):
    user_id, email = _supplier(app)
    sign_in(client, email)
    assert "Choose how often it comes and what it covers" in text_of(client.get("/account"))
    page = client.get("/account/digest")
    assert page.status_code == 200
    assert 'value="monthly" checked' in page.get_data(as_text=True)  # the default, before any choice

    with app.app_context():
        environment = db.session.scalar(select(Priority).where(Priority.slug == "environment"))
        environment_id = environment.id
    response = post_form(
        client, "/account/digest", {"frequency": "weekly", "priorities": [str(environment_id)], "wards": []}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your digest choices have been saved." in text_of(client.get("/account"))
    with app.app_context():
        subscription = db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user_id))
        assert subscription.frequency is DigestFrequency.WEEKLY
        assert [p.slug for p in subscription.priorities] == ["environment"]
        assert subscription.wards == []  # all of Brent
    again = client.get("/account/digest").get_data(as_text=True)
    assert 'value="weekly" checked' in again


def test_the_digest_choice_must_be_one_of_the_options(app, client):
    _, email = _supplier(app)
    sign_in(client, email)
    response = post_form(client, "/account/digest", {"frequency": "daily"})
    assert response.status_code == 200
    assert error_messages(response) == ["Select how often you want the digest"]


def test_another_partner_registers_is_vetted_and_cannot_post_needs_or_contracts(app, client):
    response = post_form(
        client,
        "/register",
        {
            "kind": "partner",
            "name": "Northwick Park Hospital",
            "charity_number": "",
            "company_number": "",
            "wards": ["borough-wide"],
            "description": "An anchor institution.",
            "website": "",
            "contact_name": "Pat Lee",
            "contact_email": "pat@hospital.example.org",
            "contact_phone": "",
            "address": "",
            "full_name": "Pat Lee",
            "email": "pat@hospital.example.org",
            "password": "kettle river lantern",
            "confirm_password": "kettle river lantern",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Northwick Park Hospital"))
        assert (org.kind, org.status) == (OrganisationKind.PARTNER, OrganisationStatus.PENDING)
        assert (
            db.session.scalar(select(User.role).where(User.email == "pat@hospital.example.org")) is Role.PARTNER_MEMBER
        )
        approve_organisation(org, make_officer())
        db.session.commit()

    assert "Other partner: an anchor institution or council team" in text_of(client.get("/organisation"))
    for url in ("/my-needs", "/my-needs/new", "/contracts", "/contracts/new"):
        assert client.get(url).status_code == 403, url
    assert client.get("/account/digest").status_code == 200


def _officer(app, client) -> None:
    with app.app_context():
        email = make_officer().email
    sign_in(client, email)


def test_officers_preview_a_partners_digest_before_it_is_sent(app, client):
    user_id, _ = _supplier(app)
    with app.app_context():
        make_need(title="Kitchen porters for a lunch club", published_at=IN_OCTOBER, borough_wide=True)
    _officer(app, client)

    listing = text_of(client.get("/officers/digests?period=2026-10"))
    assert "Sam Patel" in listing and "Not sent yet" in listing
    assert f"/officers/digests/partners/{user_id}?period=2026-10" in client.get(
        "/officers/digests?period=2026-10"
    ).get_data(as_text=True)

    preview = client.get(f"/officers/digests/partners/{user_id}?period=2026-10")
    page = text_of(preview)
    assert "Digest for Sam Patel" in page
    assert "Your Brent social value digest for October 2026" in page
    assert "Kitchen porters for a lunch club" in page  # the plain text version, in the page

    email = client.get(f"/officers/digests/partners/{user_id}/email?period=2026-10")
    assert email.status_code == 200
    html = email.get_data(as_text=True)
    assert "<title>Your Brent social value digest for October 2026</title>" in html
    assert "Kitchen porters for a lunch club" in html
    policy = email.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy  # the email's inline styles, as the partner sees them
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_a_preview_with_nothing_relevant_says_no_email_will_go(app, client):
    user_id, _ = _supplier(app)
    _officer(app, client)
    page = text_of(client.get(f"/officers/digests/partners/{user_id}?period=2026-10"))
    assert "Nothing in October 2026 concerns Northway Construction Ltd, so Sam Patel will not be emailed" in page
    assert client.get(f"/officers/digests/partners/{user_id}/email?period=2026-10").status_code == 404


def test_officers_see_each_partners_send_status_for_the_period(app, client):
    user_id, email = _supplier(app)
    with app.app_context():
        db.session.add(
            DigestDelivery(
                user_id=user_id,
                period="2026-10",
                status=DigestStatus.FAILED,
                email=email,
                attempts=1,
                error="550 5.1.1 No such mailbox",
            )
        )
        db.session.commit()
    _officer(app, client)
    page = text_of(client.get("/officers/digests?period=2026-10"))
    assert "Failed permanently 1" in page and "550 5.1.1 No such mailbox" in page
    assert "Not sent yet" in text_of(client.get("/officers/digests?period=2026-09"))
    assert client.get("/officers/digests?period=not-a-period").status_code == 404
    assert client.get("/officers/digests/partners/999999").status_code == 404
