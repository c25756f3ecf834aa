"""Following delivery to the end, in the browser: an officer opens and escalates a remedial plan for a contract
that is behind, and the supplier reads it; a supplier whose group went quiet asks for a new match."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, OrganisationKind, Role, Unit
from matchmaker.services import brokerage
from tests.e2e.support import assert_accessible, heading, sign_in, sign_out, success_banner
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user

pytestmark = pytest.mark.e2e

# Chromium puts a space before the visually hidden part of the button's name (it is positioned out of the flow).
MARK_DONE = re.compile(r"^Mark as done\s*: Agree a volunteering calendar$")


def test_an_officer_opens_and_escalates_a_remedial_plan_and_the_supplier_reads_it(app, page, page_problems):
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        start = date.today() - timedelta(days=183)  # half its time gone, nothing delivered: at risk
        contract = make_contract(
            supplier,
            ref="BC-2026-0777",
            title="Housing repairs",
            start_date=start,
            end_date=start + timedelta(days=366),
            manager_email="jo.manager@brent.example.org",
        )
        make_offer(contract, title="Staff volunteering", quantity=100)
        officer_email = make_officer().email
        contract_id = contract.id
    due = date.today() + timedelta(days=14)

    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Contracts").click()
    page.get_by_role("link", name="Show only contracts behind or at risk").click()
    expect(page.get_by_role("row", name="BC-2026-0777")).to_contain_text("At risk")
    page.get_by_role("link", name="Open a plan for BC-2026-0777").click()
    expect(heading(page)).to_have_text("Open a remedial plan")

    # Nothing filled in: every missing answer is named next to its field, and the page says so at the top.
    page.get_by_role("button", name="Open remedial plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what is behind and why")
    assert_accessible(page, "open a remedial plan, with errors")

    page.get_by_label("What is behind, and why?", exact=True).fill("No volunteering delivered in six months.")
    page.get_by_label("What will be done?", exact=True).fill("Agree a volunteering calendar")
    page.get_by_label("Who will do it?", exact=True).fill("Sam at Brentside")
    page.get_by_label("Day", exact=True).fill(str(due.day))
    page.get_by_label("Month", exact=True).fill(str(due.month))
    page.get_by_label("Year", exact=True).fill(str(due.year))
    page.get_by_role("button", name="Open remedial plan").click()
    expect(success_banner(page)).to_contain_text("jo.manager@brent.example.org")
    expect(heading(page)).to_have_text("Remedial plan: contract BC-2026-0777")

    # Still at risk, so the officer escalates it, to the first level of the governance structure.
    page.get_by_label("Level 1: the commissioning head of service", exact=True).check()
    page.get_by_label("Name or role", exact=True).fill("Head of Property Services")
    page.get_by_label("Why is it being escalated?", exact=True).fill("No calendar agreed after two weeks.")
    page.get_by_role("button", name="Escalate").click()
    expect(success_banner(page)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Head of Property Services")
    page.get_by_role("button", name=MARK_DONE).click()
    expect(success_banner(page)).to_contain_text("Marked as done: Agree a volunteering calendar")
    assert_accessible(page, "remedial plan")
    sign_out(page)

    # The supplier reads the plan on its contract page, with nothing to press.
    sign_in(page, supplier_email)
    page.goto(f"/contracts/{contract_id}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Agree a volunteering calendar")
    expect(main).to_contain_text("Head of Property Services")
    expect(page.get_by_role("button", name="Escalate")).to_have_count(0)
    expect(page.get_by_role("button", name=MARK_DONE)).to_have_count(0)
    assert page_problems == []


def test_a_supplier_whose_group_went_quiet_asks_for_a_new_match(app, page, page_problems):
    with app.app_context():
        group = make_organisation("Kilburn Larder", contact_email="larder@example.org")
        need = make_need(
            group,
            title="Volunteers for our larder",
            description="Volunteers to sort food",
            quantity=10,
            unit=Unit.HOURS,
        )
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        offer = make_offer(supplier=supplier, title="Staff volunteering", quantity=40, borough_wide=True)
        officer = make_officer()
        match = brokerage.approve(need, offer, officer, Decimal(8))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        match.introduced_at -= timedelta(days=30)  # well past the response deadline
        db.session.commit()
        offer_id = offer.id

    sign_in(page, supplier_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your matches").click()
    page.get_by_role("link", name="Volunteers for our larder").click()
    page.get_by_role("button", name="We have been in touch").click()
    expect(success_banner(page)).to_contain_text("We have noted that you are in touch.")
    expect(page.get_by_role("main")).to_contain_text("that you have been in touch with Kilburn Larder")
    expect(page.get_by_role("main")).to_contain_text("Kilburn Larder has not responded by")
    assert_accessible(page, "a supplier's match, the group silent past the deadline")

    page.get_by_role("button", name="Ask for a new match").click()
    expect(success_banner(page)).to_contain_text("what you allocated is back on your offer")
    expect(page.get_by_role("button", name="Ask for a new match")).to_have_count(0)
    with app.app_context():
        ended = db.session.scalar(select(Match))
        assert ended.status is MatchStatus.CANCELLED
        assert ended.offer.id == offer_id and ended.offer.allocated == 0
    assert page_problems == []
