"""A pledge must be the kind of support the need asks for: the form lists only offers that can help, the service
refuses the rest, and a pledge counted in another unit is flagged to the supplier and to officers."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import OrganisationKind, Pledge, Role, Unit
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of


@pytest.fixture
def world(app, client) -> dict:
    """A need for 120 hours of volunteering, and a supplier (signed in) with three offers of different kinds."""
    with app.app_context():
        garden = make_organisation("Roundwood Community Garden")
        need = make_need(garden, title="Volunteers for the harvest", quantity=120, unit=Unit.HOURS)
        supplier = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        make_user(Role.SUPPLIER_MEMBER, supplier, email="sam@northway.example.com")
        contract = make_contract(supplier)
        ids = {
            "need": need.id,
            "apprenticeships": make_offer(
                contract, title="Apprenticeships", support_types=("employment",), quantity=3, unit=Unit.PLACES
            ).id,
            "volunteer_days": make_offer(contract, title="Volunteer days", quantity=10, unit=Unit.DAYS).id,
            "volunteer_hours": make_offer(contract, title="Volunteer hours", quantity=200).id,
            "officer": make_officer().email,
        }
    sign_in(client, "sam@northway.example.com")
    return ids


def _offer_labels(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r'govuk-radios__label"[^>]*>(.*?)</label>', html, re.S)
    ]


def _pledge_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Pledge))


def test_the_form_lists_only_offers_that_can_help_and_says_which_it_left_out(client, world):
    response = client.get(f"/needs/{world['need']}/pledge")
    assert _offer_labels(response) == [
        "Volunteer days (10 days left to pledge)",
        "Volunteer hours (200 hours left to pledge)",
    ]
    page = text_of(response)
    assert (
        "Not listed: ‘Apprenticeships’. This offer is not the kind of support this need asks for (Volunteering)."
        in page
    )
    assert "Different units: the offer is counted in days, the need in hours." in page


def test_a_pledge_of_support_that_cannot_help_is_refused(app, client, world):
    response = post_form(
        client, f"/needs/{world['need']}/pledge", {"offer": str(world["apprenticeships"]), "quantity": "3"}
    )
    assert response.status_code == 200
    assert error_messages(response) == [
        "Select the offer you are pledging from"  # not one of the choices on the form
    ]
    assert _pledge_count(app) == 0


def test_the_service_refuses_support_that_cannot_help(app, world):
    from matchmaker.models import Need, Offer, User
    from matchmaker.services import offers as offer_service
    from matchmaker.services.errors import DomainError

    with app.app_context():
        supplier = db.session.scalar(select(User).where(User.email == "sam@northway.example.com"))
        with pytest.raises(DomainError) as refused:
            offer_service.pledge(
                db.session.get(Offer, world["apprenticeships"]),
                db.session.get(Need, world["need"]),
                supplier,
                Decimal(3),
            )
        assert (refused.value.field, refused.value.message) == (
            "offer",
            "Choose an offer that can help with this need: "
            "an offer of jobs and training cannot meet a need for volunteering",
        )


def test_a_pledge_in_another_unit_is_accepted_with_a_warning_and_flagged_to_officers(app, client, world):
    response = post_form(
        client, f"/needs/{world['need']}/pledge", {"offer": str(world["volunteer_days"]), "quantity": "4"}
    )
    assert response.status_code == 302
    mine = text_of(client.get("/my-pledges"))
    assert (
        "Different units: the offer is counted in days, the need in hours: "
        "the brokerage team will check with you how your pledge meets the need." in mine
    )
    post_form(client, f"/needs/{world['need']}/pledge", {"offer": str(world["volunteer_hours"]), "quantity": "20"})

    officer = client.application.test_client()
    sign_in(officer, world["officer"])
    queue = text_of(officer.get("/officers/queue"))
    assert queue.count("Check Different units") == 1
    assert "Check Different units: the offer is counted in days, the need in hours. Pledged by Northway" in queue
    pledges = text_of(officer.get("/officers/pledges"))
    assert "4 days Check Different units: the offer is counted in days, the need in hours" in pledges
    assert "20 hours Check" not in pledges
    with app.app_context():
        days, hours = db.session.scalars(select(Pledge.id).order_by(Pledge.id)).all()
    decision = text_of(officer.get(f"/officers/queue/pledge/{days}"))
    assert (
        "Warning Different units: the offer is counted in days, the need in hours. "
        "Check with the supplier how this meets the need before approving." in decision
    )
    assert "Warning" not in text_of(officer.get(f"/officers/queue/pledge/{hours}"))
