"""An organisation's type (VCSE or supplier) can be corrected until an officer has approved it."""

from matchmaker.extensions import db
from matchmaker.models import Organisation, OrganisationKind, OrganisationStatus, Role, User
from tests.helpers.builders import make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of

PROFILE = {
    "name": "Preston Road Traders",
    "charity_number": "",
    "company_number": "",
    "wards": ["E05013506"],
    "description": "",
    "website": "",
    "contact_name": "Ravi Shah",
    "contact_email": "ravi@example.org",
    "contact_phone": "",
    "address": "",
}


def _member_of(app, status: OrganisationStatus) -> tuple[int, int, str]:
    with app.app_context():
        org = make_organisation("Preston Road Traders", kind=OrganisationKind.VCSE, status=status)
        user = make_user(Role.GROUP_MEMBER, org)
        return org.id, user.id, user.email


def test_a_pending_organisation_can_change_type_and_its_members_follow(app, client):
    org_id, user_id, email = _member_of(app, OrganisationStatus.PENDING)
    sign_in(client, email)
    assert 'name="kind"' in client.get("/organisation/edit").get_data(as_text=True)
    response = post_form(client, "/organisation/edit", {**PROFILE, "kind": "supplier"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).kind is OrganisationKind.SUPPLIER
        assert db.session.get(User, user_id).role is Role.SUPPLIER_MEMBER


def test_an_approved_organisation_keeps_its_type(app, client):
    org_id, user_id, email = _member_of(app, OrganisationStatus.APPROVED)
    sign_in(client, email)
    html = client.get("/organisation/edit").get_data(as_text=True)
    assert 'type="radio"' not in html  # the choice is not offered
    response = post_form(client, "/organisation/edit", {**PROFILE, "kind": "supplier"})
    assert response.status_code == 200
    # Only a hand-made request can ask for this, so the message is in the error summary (no radios to sit beside).
    assert "You cannot change the type of an approved organisation. Contact the brokerage team" in text_of(response)
    with app.app_context():
        assert db.session.get(Organisation, org_id).kind is OrganisationKind.VCSE
        assert db.session.get(User, user_id).role is Role.GROUP_MEMBER
