"""The brokerage journey in the browser: a supplier pledges, an officer approves, both sides confirm delivery,
the officer verifies, and the contract's delivered figure moves."""

import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Match, OrganisationKind, Role, Unit
from tests.e2e.support import heading, sign_in, sign_out, success_banner
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user

pytestmark = pytest.mark.e2e

NEED = "Help building raised beds"


def test_from_pledge_to_verified_delivery(app, page, page_problems):
    with app.app_context():
        garden = make_organisation(
            "Roundwood Community Garden", wards=("Harlesden and Kensal Green",), contact_email="garden@example.org"
        )
        group_email = make_user(Role.GROUP_MEMBER, garden, full_name="Grace Mensah").email
        make_need(
            garden,
            title=NEED,
            description="Volunteers to build six raised beds.",
            quantity=40,
            unit=Unit.HOURS,
            wards=("Harlesden and Kensal Green",),
            priorities=("environment",),
        )
        northway = make_organisation(
            "Northway Construction Ltd", kind=OrganisationKind.SUPPLIER, contact_email="sv@northway.example.org"
        )
        supplier_email = make_user(Role.SUPPLIER_MEMBER, northway, full_name="Sam Okafor").email
        contract = make_contract(northway, ref="BC-2026-0142", title="Highways maintenance")
        make_offer(contract, title="Volunteer days", quantity=200)
        officer_email = make_officer().email
        contract_id = contract.id

    # The supplier pledges 25 hours.
    sign_in(page, supplier_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Needs", exact=True).click()
    page.get_by_role("link", name=NEED).click()
    page.get_by_role("button", name="Pledge support").click()
    page.get_by_label("Volunteer days (200 hours left to pledge)", exact=True).check()
    page.get_by_label("How much are you pledging?", exact=True).fill("25")
    page.get_by_role("button", name="Pledge", exact=True).click()
    sign_out(page)

    # An officer approves it from the queue; both sides are introduced.
    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Queue").click()
    page.get_by_role("link", name=f"Decide on Volunteer days for {NEED}").click()
    expect(page.get_by_label("Amount to allocate from the offer", exact=True)).to_have_value("25")
    page.get_by_role("button", name="Approve and introduce").click()
    expect(success_banner(page)).to_contain_text("have been introduced by email")
    sign_out(page)

    # The supplier reports delivering all of it.
    sign_in(page, supplier_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your matches").click()
    page.get_by_role("link", name=NEED).click()
    expect(page.get_by_role("main")).to_contain_text("garden@example.org")  # contact details, now introduced
    page.get_by_label("How much did you deliver?", exact=True).fill("25")
    today = datetime.date.today()
    page.get_by_label("Day", exact=True).fill(str(today.day))
    page.get_by_label("Month", exact=True).fill(str(today.month))
    page.get_by_label("Year", exact=True).fill(str(today.year))
    page.get_by_label("This completes everything agreed under this match", exact=True).check()
    page.get_by_role("button", name="Report delivery").click()
    expect(success_banner(page)).to_contain_text("The group will confirm what they received")
    sign_out(page)

    # The group confirms what it received.
    sign_in(page, group_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your needs").click()
    page.get_by_role("link", name=NEED).click()
    expect(page.get_by_label("How much did you receive?", exact=True)).to_have_value("25")
    page.get_by_role("button", name="Confirm what we received").click()
    expect(success_banner(page)).to_contain_text("A brokerage officer will verify the delivery")
    sign_out(page)

    # The officer verifies; the contract's delivered and verified figures move.
    sign_in(page, officer_email)
    page.goto(f"/contracts/{contract_id}")
    expect(page.get_by_role("table").first).to_contain_text("0 hours")
    with app.app_context():
        match_id = db.session.scalar(select(Match.id))
    page.goto(f"/officers/matches/{match_id}")
    page.get_by_role("button", name="Verify").click()
    expect(success_banner(page)).to_contain_text("Delivery verified")
    expect(heading(page)).to_contain_text("Match")
    expect(page.get_by_role("main")).to_contain_text("Verified")
    page.goto(f"/contracts/{contract_id}")
    row = page.get_by_role("row", name="Volunteer days")
    expect(row.first).to_contain_text("25 hours")
