"""Capacity stays truthful: allocated amounts keep their unit, and waiting pledges count against what is left."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.models import NeedStatus, Offer, OrganisationKind, Pledge, PledgeStatus, Role, Unit, User
from tests.conftest import mailbox
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

OFFER_FORM = {
    "title": "Mentoring",
    "description": "Staff mentors.",
    "priorities": ["good-jobs"],
    "wards": ["E05013503"],
    "support_types": ["volunteering"],
}


def _supplier_with_offer(app, allocated: int = 0) -> tuple[str, int]:
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, supplier)
        offer = make_offer(supplier=supplier, quantity=40, allocated=allocated)
        return user.email, offer.id


def test_an_offer_with_allocations_keeps_its_amount_and_unit(app, client):
    email, offer_id = _supplier_with_offer(app, allocated=10)
    sign_in(client, email)
    for change in ({"quantity": "", "unit": ""}, {"quantity": "40", "unit": "pounds"}):
        response = post_form(client, f"/my-offers/{offer_id}/edit", {**OFFER_FORM, **change})
        assert "Keep the committed quantity in hours: some of this offer is already allocated" in error_messages(
            response
        ), change
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        assert (offer.quantity, offer.unit, offer.allocated) == (Decimal(40), Unit.HOURS, Decimal(10))


def test_an_offer_with_nothing_allocated_can_change_its_unit(app, client):
    email, offer_id = _supplier_with_offer(app)
    sign_in(client, email)
    assert (
        post_form(
            client, f"/my-offers/{offer_id}/edit", {**OFFER_FORM, "quantity": "500", "unit": "pounds"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Offer, offer_id).unit is Unit.POUNDS


def test_pledges_waiting_for_an_officer_count_against_what_is_left(app, client):
    email, offer_id = _supplier_with_offer(app)
    with app.app_context():
        first, second = make_need().id, make_need().id
    sign_in(client, email)
    assert post_form(client, f"/needs/{first}/pledge", {"offer": str(offer_id), "quantity": "30"}).status_code == 302
    form = client.get(f"/needs/{second}/pledge")
    assert "(10 hours left to pledge)" in text_of(form)
    refused = post_form(client, f"/needs/{second}/pledge", {"offer": str(offer_id), "quantity": "11"})
    assert error_messages(refused) == [
        "Amount must be 10 hours or less: that is what is left of this offer after the pledges waiting for the "
        "brokerage team"
    ]
    assert post_form(client, f"/needs/{second}/pledge", {"offer": str(offer_id), "quantity": "10"}).status_code == 302
    with app.app_context():
        assert db.session.query(Pledge).filter_by(status=PledgeStatus.PENDING).count() == 2
        assert db.session.get(Offer, offer_id).allocated == 0  # pledges reserve; only approval allocates


def test_deactivated_members_are_not_emailed(app, client):
    with app.app_context():
        group = make_organisation("Kilburn Carers")
        active = make_user(Role.GROUP_MEMBER, group, email="active@example.org")
        gone = make_user(Role.GROUP_MEMBER, group, email="gone@example.org")
        gone.active = False
        db.session.commit()
        need_id = make_need(organisation=group, status=NeedStatus.AWAITING_MODERATION).id
        officer_email = make_officer().email
        assert active.email and db.session.get(User, gone.id).active is False
    sign_in(client, officer_email)
    post_form(client, f"/officers/needs/{need_id}/publish", {}, form_url=f"/officers/needs/{need_id}")
    assert [m["To"] for m in mailbox(app)] == ["active@example.org"]
