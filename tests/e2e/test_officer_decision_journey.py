"""An officer's mistakes on the queue and the decision page are told the GOV.UK way (an error summary, "Error:" in
the title), and the address bar after a failed post still leads somewhere useful."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import OrganisationKind, Role, Unit
from matchmaker.services import offers as offer_service
from tests.e2e.support import assert_accessible, heading, sign_in
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user

pytestmark = pytest.mark.e2e

TITLE = "Volunteer days for Help building raised beds"


def _error_summary(page):
    return page.get_by_role("alert").filter(has_text="There is a problem")


@pytest.fixture
def officer_email(app) -> str:
    with app.app_context():
        garden = make_organisation("Roundwood Community Garden")
        need = make_need(garden, title="Help building raised beds", quantity=40, unit=Unit.HOURS)
        supplier = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        offer = make_offer(supplier=supplier, title="Volunteer days", quantity=100)
        offer_service.pledge(offer, need, make_user(Role.SUPPLIER_MEMBER, supplier), Decimal(20))
        db.session.commit()
        return make_officer().email


def test_approving_nothing_and_a_wrong_amount_show_an_error_summary(page, officer_email, page_problems):
    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Queue", exact=True).click()
    page.get_by_role("button", name="Approve selected").click()
    expect(_error_summary(page)).to_contain_text("Select the decisions to approve")
    expect(page).to_have_title(re.compile(r"^Error: Brokerage queue"))
    expect(page.get_by_role("alert").filter(has_text="Important")).to_have_count(0)  # no blue banner
    _error_summary(page).get_by_role("link", name="Select the decisions to approve").click()
    expect(page.get_by_role("checkbox", name=f"Select {TITLE}")).to_be_focused()
    assert_accessible(page, "queue with nothing selected")
    page.goto(page.url)  # Enter in the address bar: the queue again, not "Method Not Allowed"
    expect(heading(page)).to_have_text("Brokerage queue")

    page.get_by_role("link", name=f"Decide on {TITLE}").click()
    expect(heading(page)).to_have_text(TITLE)
    page.get_by_label("Amount to allocate from the offer", exact=True).fill("twenty")
    page.get_by_role("button", name="Approve and introduce").click()
    expect(_error_summary(page)).to_be_visible()
    expect(page).to_have_title(re.compile(rf"^Error: {TITLE}"))
    _error_summary(page).get_by_role("link").first.click()
    expect(page.get_by_label("Amount to allocate from the offer", exact=True)).to_be_focused()
    assert_accessible(page, "decision page with a wrong amount")

    page.get_by_role("button", name="Reject").click()
    expect(_error_summary(page)).to_contain_text("Select why you are rejecting it")
    expect(page).to_have_title(re.compile(rf"^Error: {TITLE}"))
    page.goto(page.url)
    expect(heading(page)).to_have_text(TITLE)
    expect(_error_summary(page)).to_have_count(0)
    assert page_problems == []
