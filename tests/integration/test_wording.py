"""Wording people noticed: the form's words for someone else's email address, a sentence quoted inside ours, the
contract state before a colon, and which text a supplier sees on its own offer."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, OrganisationKind, Role
from tests.helpers.builders import make_admin, make_need, make_offer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of


def test_an_admin_is_asked_for_their_email_address(app, client):
    with app.app_context():
        sign_in(client, make_admin().email)
    response = post_form(client, "/admin/users/new", {"full_name": "Nadia Officer", "email": "", "role": "officer"})
    assert error_messages(response) == ["Enter their email address"]


def test_an_officers_reason_ending_in_a_full_stop_gets_only_one(app, client):
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        email = make_user(Role.GROUP_MEMBER, group).email
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        need = make_need(group, title="Saturday volunteers")
        match = Match(
            need=need,
            offer=make_offer(supplier=supplier, allocated=4),
            quantity=Decimal(4),
            status=MatchStatus.CANCELLED,
            source="engine",
            reason_text="No response from Brentside Builders Ltd.",
            no_response_from="supplier",
        )
        db.session.add(match)
        db.session.commit()
        need_id = need.id
    sign_in(client, email)
    page = text_of(client.get(f"/my-needs/{need_id}"))
    assert "This match ended because no response from Brentside Builders Ltd. " in page
    assert "Ltd.." not in page


def test_a_supplier_does_not_see_the_groups_invitation_on_its_own_offer(app, client):
    with app.app_context():
        supplier = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        offer_id = make_offer(supplier=supplier, title="Volunteer days").id
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        group_email = make_user(Role.GROUP_MEMBER).email
    sign_in(client, supplier_email)
    own = text_of(client.get(f"/offers/{offer_id}"))
    assert "Manage this offer" in own and "If this offer could help your group" not in own
    group = app.test_client()
    sign_in(group, group_email)
    assert "If this offer could help your group, contact the brokerage team" in text_of(
        group.get(f"/offers/{offer_id}")
    )
