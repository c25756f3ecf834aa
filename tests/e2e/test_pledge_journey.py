"""The pledge journey in the browser: a supplier finds a need, pledges part of an offer to it, and the officers and
the group see the pledge."""

import re

import pytest
from playwright.sync_api import expect

from matchmaker.models import OrganisationKind, Role, Unit
from tests.e2e.support import heading, sign_in, sign_out, success_banner
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user

pytestmark = pytest.mark.e2e

NEED = "Help building raised beds"
GROUP = "Roundwood Community Garden"
SUPPLIER = "Northway Construction Ltd"


def test_a_supplier_pledges_to_a_need_and_the_officer_and_the_group_see_it(app, page, page_problems):
    with app.app_context():
        garden = make_organisation(GROUP, wards=("Harlesden and Kensal Green",))
        group_email = make_user(Role.GROUP_MEMBER, garden, full_name="Grace Mensah").email
        need = make_need(
            garden,
            title=NEED,
            description="Volunteers to build six raised beds for older residents.",
            priorities=("environment",),
            wards=("Harlesden and Kensal Green",),
            quantity=40,
            unit=Unit.HOURS,
        )
        make_need(garden, title="Seeds and compost", support_types=("in-kind",))
        make_need(
            make_organisation("Kilburn Youth Choir"), title="A minibus for a choir trip", support_types=("in-kind",)
        )
        northway = make_organisation(SUPPLIER, kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, northway, full_name="Sam Okafor").email
        contract = make_contract(northway, ref="BC-2026-0142", title="Highways maintenance")
        make_offer(contract, title="Volunteer days", quantity=200, allocated=40)
        make_offer(contract, title="Used laptops", quantity=5, unit=Unit.ITEMS, allocated=5)  # nothing left to pledge
        officer_email = make_officer().email
        need_id = need.id

    # The supplier finds the need on the public list by searching for it.
    sign_in(page, supplier_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Needs", exact=True).click()
    expect(heading(page)).to_have_text("Community needs")
    expect(page.locator("#results-count")).to_have_text("3 needs")
    page.get_by_label("Search needs", exact=True).fill("raised beds")
    page.get_by_label("Environment", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("1 need")
    page.get_by_role("link", name=NEED).click()
    expect(heading(page)).to_have_text(NEED)

    # It pledges 25 of the 160 hours left of its volunteering offer.
    page.get_by_role("button", name="Pledge support").click()
    expect(heading(page)).to_have_text("Pledge support to this need")
    offers = page.get_by_role("group", name="Which offer?")
    expect(offers.get_by_role("radio")).to_have_count(1)  # the used-up offer is not offered
    offers.get_by_label("Volunteer days (160 hours left to pledge)", exact=True).check()
    page.get_by_label("How much are you pledging?", exact=True).fill("25")
    page.get_by_label("Message to the brokerage team (optional)", exact=True).fill(
        "Our site team can come on Saturdays."
    )
    page.get_by_role("button", name="Pledge", exact=True).click()

    expect(page).to_have_url(re.compile(r"/my-pledges$"))
    expect(success_banner(page)).to_contain_text("Thank you. Your pledge has gone to the brokerage team")
    expect(heading(page)).to_have_text("Your pledges")
    row = page.get_by_role("table").get_by_role("row").filter(has_text=NEED)
    expect(row.get_by_role("cell")).to_have_text(
        [NEED, GROUP, "Volunteer days", "25 hours", "Waiting for an officer", re.compile(r"\d{1,2} \w+ \d{4}")]
    )
    sign_out(page)

    # An officer sees it waiting in the brokerage queue.
    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Queue", exact=True).click()
    expect(heading(page)).to_have_text("Brokerage queue")
    row = page.get_by_role("table").get_by_role("row").filter(has_text="Pledge")
    expect(row.get_by_role("cell").nth(2)).to_have_text(f"{NEED} ({GROUP})")
    expect(row.get_by_role("cell").nth(3)).to_have_text(f"Volunteer days ({SUPPLIER})")
    expect(row.get_by_role("cell").nth(4)).to_have_text("25 hours")
    sign_out(page)

    # The group sees it on its need's page.
    sign_in(page, group_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your needs").click()
    page.get_by_role("link", name=NEED).click()
    expect(page).to_have_url(re.compile(rf"/my-needs/{need_id}$"))
    pledges = page.get_by_role("heading", name="Pledges from suppliers").locator("xpath=following-sibling::ul[1]")
    expect(pledges.get_by_role("listitem")).to_have_text([f"{SUPPLIER}: 25 hours (waiting for an officer)"])
    assert page_problems == []
