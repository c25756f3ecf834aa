"""Brokerage officers vetting new organisations: the queue, the review page, approving and rejecting."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Organisation, OrganisationKind, OrganisationStatus, Role
from tests.conftest import mailbox
from tests.helpers.builders import make_admin, make_officer, make_organisation, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

PENDING, APPROVED, REJECTED = OrganisationStatus.PENDING, OrganisationStatus.APPROVED, OrganisationStatus.REJECTED


@pytest.fixture
def pending(app) -> dict:
    """A pending community group with one member, as registration leaves it."""
    with app.app_context():
        org = make_organisation(
            "Stonebridge Tenants Association",
            status=PENDING,
            wards=("Stonebridge",),
            charity_number="1123456",
            contact_name="Femi Ade",
            contact_email="contact@stonebridge.example.org",
            contact_phone="020 8937 4321",
            address="Hillside Hub, NW10",
        )
        member = make_user(Role.GROUP_MEMBER, org, email="femi@example.org", full_name="Femi Ade")
        return {"org_id": org.id, "member_email": member.email, "member_id": member.id}


@pytest.fixture
def officer(app, client) -> dict:
    """An officer, signed in with `client`."""
    with app.app_context():
        user = make_officer(full_name="Olive Officer")
        found = {"id": user.id, "email": user.email}
    sign_in(client, found["email"])
    return found


def _approve(client, org_id: int, follow: bool = False):
    return post_form(
        client,
        f"/officers/organisations/{org_id}/approve",
        {},
        form_url=f"/officers/organisations/{org_id}",
        follow_redirects=follow,
    )


def _reject(client, org_id: int, reason: str, follow: bool = False):
    return post_form(
        client,
        f"/officers/organisations/{org_id}/reject",
        {"reason": reason},
        form_url=f"/officers/organisations/{org_id}",
        follow_redirects=follow,
    )


def _audit(app, action: str | None = None) -> list[tuple]:
    with app.app_context():
        query = select(
            AuditEvent.action,
            AuditEvent.subject_id,
            AuditEvent.actor_id,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.note,
        ).where(AuditEvent.subject_type == "organisation")
        if action:
            query = query.where(AuditEvent.action == action)
        return [tuple(row) for row in db.session.execute(query.order_by(AuditEvent.id))]


# The queue -------------------------------------------------------------------------------------------------


def test_the_queue_lists_pending_organisations_with_counts_per_status(app, client, officer):
    with app.app_context():
        make_organisation("Wembley Youth Football", status=PENDING, wards=("Wembley Park",))
        make_organisation(
            "Acme Facilities Ltd", kind=OrganisationKind.SUPPLIER, status=PENDING, borough_wide=True, wards=()
        )
        make_organisation("Already Approved Group", status=APPROVED)
        make_organisation("Approved Group Two", status=APPROVED)
        make_organisation("Turned Down Group", status=REJECTED)
    response = client.get("/officers/organisations")
    assert response.status_code == 200
    page = text_of(response)
    assert "Awaiting approval (2)" in page and "Approved (2)" in page and "Rejected (1)" in page
    assert "Wembley Youth Football" in page and "Acme Facilities Ltd" in page
    assert "Already Approved Group" not in page and "Turned Down Group" not in page
    assert "Borough-wide (all of Brent)" in page and "Wembley Park" in page
    # Alphabetical, so an officer can find one.
    assert page.index("Acme Facilities Ltd") < page.index("Wembley Youth Football")

    approved = text_of(client.get("/officers/organisations?status=approved"))
    assert "Already Approved Group" in approved and "Approved Group Two" in approved
    assert "Wembley Youth Football" not in approved
    rejected = text_of(client.get("/officers/organisations?status=rejected"))
    assert "Turned Down Group" in rejected and "Already Approved Group" not in rejected


def test_an_empty_queue_says_so(client, officer):
    page = text_of(client.get("/officers/organisations"))
    assert "Awaiting approval (0)" in page and "There are no organisations awaiting approval." in page


def test_an_unknown_status_is_not_found(client, officer):
    response = client.get("/officers/organisations?status=deleted")
    assert response.status_code == 404 and "Page not found" in text_of(response)


def test_the_queue_links_to_each_review_page(client, officer, pending):
    html = client.get("/officers/organisations").get_data(as_text=True)
    assert f'href="/officers/organisations/{pending["org_id"]}"' in html


# The review page -------------------------------------------------------------------------------------------


def test_the_review_page_shows_contact_details_and_who_registered(client, officer, pending):
    response = client.get(f"/officers/organisations/{pending['org_id']}")
    assert response.status_code == 200
    page = text_of(response)
    for expected in (
        "Stonebridge Tenants Association",
        "1123456",
        "Stonebridge",
        "Femi Ade",
        "contact@stonebridge.example.org",
        "020 8937 4321",
        "Hillside Hub, NW10",
        "Femi Ade (femi@example.org)",
        "Approve organisation",
        "Reject organisation",
    ):
        assert expected in page, expected
    assert "Possible duplicate" not in page


def test_the_review_page_points_out_likely_duplicates(app, client, officer, pending):
    with app.app_context():
        twin = make_organisation("The Stonebridge Tenants' Association CIC", status=APPROVED)
        twin_id = twin.id
        make_organisation("Kilburn Cricket Club", status=APPROVED)
    response = client.get(f"/officers/organisations/{pending['org_id']}")
    page = text_of(response)
    assert "Possible duplicate" in page
    assert "The Stonebridge Tenants' Association CIC (approved," in page and "% similar)" in page
    assert "Kilburn Cricket Club" not in page
    assert f'href="/officers/organisations/{twin_id}"' in response.get_data(as_text=True)


# Approving -------------------------------------------------------------------------------------------------


def test_approving_an_organisation(app, client, officer, pending):
    response = _approve(client, pending["org_id"])
    assert response.status_code == 302 and response.headers["Location"] == "/officers/organisations"
    queue = text_of(client.get("/officers/organisations"))
    assert "Stonebridge Tenants Association has been approved." in queue
    assert "Awaiting approval (0)" in queue and "Approved (1)" in queue

    with app.app_context():
        org = db.session.get(Organisation, pending["org_id"])
        assert org.status is APPROVED
        assert org.reviewed_by_id == officer["id"] and org.reviewed_at is not None
        assert org.rejection_reason is None
    assert _audit(app, "organisation.approved") == [
        ("organisation.approved", pending["org_id"], officer["id"], "pending", "approved", "")
    ]

    [message] = mailbox(app)
    assert message["To"] == pending["member_email"]
    assert message["Subject"] == "Stonebridge Tenants Association is approved on Matchmaker"
    plain = message.get_body(("plain",)).get_content()
    assert "Dear Femi Ade" in plain and "has been approved" in plain
    assert app.config["BASE_URL"].rstrip("/") + "/sign-in" in plain
    assert message.get_body(("html",)) is not None

    # The decision is on the record, and the member sees it.
    review = text_of(client.get(f"/officers/organisations/{pending['org_id']}"))
    assert "Approved by Olive Officer on" in review and "Approve organisation" not in review
    member = app.test_client()
    sign_in(member, pending["member_email"])
    assert "Stonebridge Tenants Association , which is approved." in text_of(member.get("/account"))


def test_every_member_is_told_of_the_approval(app, client, officer, pending):
    with app.app_context():
        org = db.session.get(Organisation, pending["org_id"])
        make_user(Role.GROUP_MEMBER, org, email="second@example.org")
    _approve(client, pending["org_id"])
    assert sorted(m["To"] for m in mailbox(app)) == ["femi@example.org", "second@example.org"]


def test_an_admin_can_approve_too(app, pending):
    with app.app_context():
        admin_id, email = (lambda u: (u.id, u.email))(make_admin())
    client = app.test_client()
    sign_in(client, email)
    assert _approve(client, pending["org_id"]).status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, pending["org_id"]).reviewed_by_id == admin_id


def test_approving_without_the_form_token_is_refused(app, client, officer, pending):
    response = client.post(f"/officers/organisations/{pending['org_id']}/approve")
    assert response.status_code == 400 and "Your form has expired" in text_of(response)
    with app.app_context():
        assert db.session.get(Organisation, pending["org_id"]).status is PENDING
    assert mailbox(app) == []


def test_the_review_page_cannot_be_approved_by_get(client, officer, pending):
    assert client.get(f"/officers/organisations/{pending['org_id']}/approve").status_code == 405


# Rejecting -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_needs_a_reason(app, client, officer, pending, reason):
    response = _reject(client, pending["org_id"], reason)
    assert response.status_code == 200
    assert error_messages(response) == ["Enter the reason for rejecting this organisation"]
    assert "There is a problem" in text_of(response)
    with app.app_context():
        org = db.session.get(Organisation, pending["org_id"])
        assert (org.status, org.reviewed_at, org.reviewed_by_id) == (PENDING, None, None)
    assert _audit(app, "organisation.rejected") == []
    assert mailbox(app) == []


def test_rejecting_with_a_reason(app, client, officer, pending):
    reason = "We could not find this charity number on the Charity Commission register."
    response = _reject(client, pending["org_id"], f"  {reason}\n")
    assert response.status_code == 302 and response.headers["Location"] == "/officers/organisations"
    assert "Stonebridge Tenants Association has been rejected." in text_of(client.get("/officers/organisations"))

    with app.app_context():
        org = db.session.get(Organisation, pending["org_id"])
        assert (org.status, org.rejection_reason, org.reviewed_by_id) == (REJECTED, reason, officer["id"])
        assert org.reviewed_at is not None
    assert _audit(app, "organisation.rejected") == [
        ("organisation.rejected", pending["org_id"], officer["id"], "pending", "rejected", reason)
    ]

    [message] = mailbox(app)
    assert message["To"] == pending["member_email"]
    assert message["Subject"] == "Your registration of Stonebridge Tenants Association on Matchmaker"
    assert reason in message.get_body(("plain",)).get_content()
    assert reason in message.get_body(("html",)).get_content()

    member = app.test_client()
    sign_in(member, pending["member_email"])
    account = text_of(member.get("/account"))
    # The officer's sentence inside ours: one full stop, not two.
    assert (
        "Stonebridge Tenants Association was not approved: we could not find this charity number on the Charity "
        "Commission register. Email"
    ) in account
    assert "awaiting approval" not in account

    review = text_of(client.get(f"/officers/organisations/{pending['org_id']}"))
    assert f"Reason: {reason}" in review and "Rejected by Olive Officer" in review


def test_a_reason_over_the_limit_is_refused_and_kept(app, client, officer, pending):
    response = _reject(client, pending["org_id"], "z" * 1001)
    assert error_messages(response) == ["Reason must be 1000 characters or fewer"]
    assert "z" * 1001 in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organisation, pending["org_id"]).status is PENDING


def test_the_reason_is_shown_as_text_not_html(app, client, officer, pending):
    _reject(client, pending["org_id"], "<b>No</b> <script>alert(1)</script>")
    html = client.get(f"/officers/organisations/{pending['org_id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" not in mailbox(app)[0].get_body(("html",)).get_content()


# A decision is made once -----------------------------------------------------------------------------------


@pytest.mark.parametrize("decided", [APPROVED, REJECTED])
def test_a_decided_organisation_cannot_be_decided_again(app, client, officer, decided):
    with app.app_context():
        other_officer = make_officer(full_name="First Officer")
        org = make_organisation(
            "Decided Already Group",
            status=decided,
            rejection_reason=("Not in Brent" if decided is REJECTED else None),
            reviewed_by=other_officer,
            reviewed_at=datetime(2026, 1, 5, 10, 30, tzinfo=UTC),
        )
        org_id, first_officer_id = org.id, other_officer.id
        reviewed_at = org.reviewed_at
    review_page = text_of(client.get(f"/officers/organisations/{org_id}"))
    assert "Approve organisation" not in review_page and "Reject organisation" not in review_page

    # A form left open in another tab, posted after someone else decided.
    token = csrf_token(client, "/officers/organisations")
    for action, data in (("approve", {}), ("reject", {"reason": "Changed my mind"})):
        response = client.post(f"/officers/organisations/{org_id}/{action}", data={**data, "csrf_token": token})
        assert response.status_code in (200, 302)
        shown = text_of(client.get(response.headers["Location"])) if response.status_code == 302 else text_of(response)
        assert f"Decided Already Group has already been {decided.label.lower()}" in shown
        assert "has been approved." not in shown and "has been rejected." not in shown

    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert (org.status, org.reviewed_by_id, org.reviewed_at) == (decided, first_officer_id, reviewed_at)
        assert org.rejection_reason == ("Not in Brent" if decided is REJECTED else None)
    assert _audit(app) == []
    assert mailbox(app) == []


# Who may do this -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.GROUP_MEMBER, Role.SUPPLIER_MEMBER])
def test_members_cannot_use_any_officer_page(app, pending, role):
    with app.app_context():
        email = make_user(role).email
    client = app.test_client()
    sign_in(client, email)
    org_id = pending["org_id"]
    for url in (
        "/officers/organisations",
        "/officers/organisations?status=approved",
        f"/officers/organisations/{org_id}",
        "/officers/organisations/999999",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You do not have permission to see this page" in text_of(response)
    # Posting, with a valid form token from a page they may see, is refused too.
    token = csrf_token(client, "/account/details")
    for url, data in (
        (f"/officers/organisations/{org_id}/approve", {}),
        (f"/officers/organisations/{org_id}/reject", {"reason": "Spite"}),
    ):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
    with app.app_context():
        assert db.session.get(Organisation, org_id).status is PENDING
    assert mailbox(app) == []


def test_signed_out_visitors_are_sent_to_sign_in(client, pending):
    response = client.get(f"/officers/organisations/{pending['org_id']}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_an_unknown_organisation_is_not_found(app, client, officer):
    with app.app_context():
        missing = (db.session.scalar(select(func.max(Organisation.id))) or 0) + 1000
    for response in (client.get(f"/officers/organisations/{missing}"), _approve_unknown(client, missing)):
        assert response.status_code == 404
        page = text_of(response)
        assert "Page not found" in page
        assert not re.search(r"Traceback|sqlalchemy|werkzeug", page)


def _approve_unknown(client, org_id: int):
    token = csrf_token(client, "/officers/organisations")
    return client.post(f"/officers/organisations/{org_id}/approve", data={"csrf_token": token})
