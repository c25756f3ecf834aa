"""A need keeps the help verified under it when it changes status (issue 12, finding 4): rewording a partly met
need sends it back to moderation, and publishing it again must not make it "open" as if nobody had helped."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, MatchStatus, Need, NeedStatus, OrganisationKind, Role, Unit, User
from matchmaker.services import brokerage
from matchmaker.services import deliveries as delivery_service
from matchmaker.services import needs as need_service
from matchmaker.services.needs import NeedDetails
from matchmaker.services.tagging import Tags
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of


def _helped_need(app, verified: int, need_quantity: int = 10) -> tuple[int, str, str]:
    """A need of `need_quantity` hours with `verified` hours verified under a match; its group's member's email
    and an officer's."""
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        member = make_user(Role.GROUP_MEMBER, group, email="grace@example.org")
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        lucy = make_user(Role.SUPPLIER_MEMBER, supplier, email="lucy@example.org")
        officer = make_officer(email="olive@example.org")
        need = make_need(organisation=group, title="Volunteers for our larder", quantity=need_quantity, unit=Unit.HOURS)
        offer = make_offer(supplier=supplier, quantity=40, borough_wide=True)
        match = brokerage.approve(need, offer, officer, Decimal(verified))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        delivery = delivery_service.report(match, lucy, Decimal(verified), date.today())
        delivery_service.confirm(delivery, member, Decimal(verified))
        delivery_service.verify(delivery, officer)
        db.session.commit()
        return need.id, member.email, officer.email


def _reword(app, need_id: int, member_email: str, quantity: int | None = None) -> None:
    """The group rewords its published need (the service the edit page calls): back to moderation."""
    with app.app_context():
        need = db.session.get(Need, need_id)
        member = db.session.scalar(select(User).where(User.email == member_email))
        details = NeedDetails(
            title="Volunteers for our Saturday larder",
            description=need.description,
            tags=Tags(
                priority_ids=tuple(p.id for p in need.priorities),
                ward_ids=tuple(w.id for w in need.wards),
                support_type_ids=tuple(t.id for t in need.support_types),
            ),
            quantity=Decimal(quantity) if quantity is not None else need.quantity,
            unit=need.unit,
            needed_by=need.needed_by,
        )
        need_service.update_need(need, member, details)
        db.session.commit()
        assert need.status is NeedStatus.AWAITING_MODERATION


@pytest.mark.parametrize(
    ("verified", "new_quantity", "expected"),
    [(4, None, NeedStatus.PARTLY_MET), (4, 4, NeedStatus.MET)],
    ids=["partly-met-stays-partly-met", "reworded-to-what-was-given-is-met"],
)
def test_republishing_a_reworded_need_keeps_the_help_verified_under_it(app, client, verified, new_quantity, expected):
    need_id, member_email, officer_email = _helped_need(app, verified)
    with app.app_context():
        assert db.session.get(Need, need_id).status is NeedStatus.PARTLY_MET
    _reword(app, need_id, member_email, new_quantity)

    sign_in(client, officer_email)
    post_form(client, f"/officers/needs/{need_id}/publish", {}, form_url=f"/officers/needs/{need_id}")

    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.status is expected
        [last] = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "need", AuditEvent.subject_id == need_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).all()
        assert (last.from_state, last.to_state) == ("awaiting_moderation", expected.value)
    assert expected.label in text_of(client.get(f"/officers/needs/{need_id}"))


def test_reopening_a_closed_partly_met_need_keeps_it_partly_met(app, client):
    need_id, member_email, _ = _helped_need(app, 4)
    sign_in(client, member_email)
    page = f"/my-needs/{need_id}"
    post_form(client, f"{page}/close", {}, form_url=page)
    with app.app_context():
        assert db.session.get(Need, need_id).status is NeedStatus.CLOSED
    post_form(client, f"{page}/reopen", {}, form_url=page)
    with app.app_context():
        assert db.session.get(Need, need_id).status is NeedStatus.PARTLY_MET
