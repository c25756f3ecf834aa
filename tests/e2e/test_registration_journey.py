"""A group registers in the browser, an officer approves it, and the group sees that it is approved."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import mailbox
from tests.e2e.support import (
    fill_passwords,
    fill_registration,
    heading,
    sign_in,
    sign_out,
    submit_registration,
    success_banner,
)
from tests.helpers.builders import make_officer, make_organisation

pytestmark = pytest.mark.e2e

ORGANISATION = "Stonebridge Tenants Association"
MEMBER_EMAIL = "femi@example.org"
MEMBER_PASSWORD = "kettle river lantern"


def test_a_group_registers_is_approved_by_an_officer_and_sees_it(app, page, page_problems):
    with app.app_context():
        officer_email = make_officer().email

    # A person finds the register page from the home page and fills in the form.
    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Register").click()
    expect(heading(page)).to_have_text("Register your organisation")
    fill_registration(
        page,
        kind="VCSE or community group",
        name=ORGANISATION,
        wards=["Stonebridge", "Harlesden and Kensal Green"],
        description="Residents working together.",
        full_name="Femi Ade",
        email=MEMBER_EMAIL,
        password=MEMBER_PASSWORD,
    )
    submit_registration(page)

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(heading(page)).to_have_text("Your account")
    expect(page.get_by_role("main")).to_contain_text(f"{ORGANISATION} is awaiting approval.")
    sign_out(page)
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Sign in")).to_be_visible()

    # An officer signs in, finds the organisation in the queue and approves it.
    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Organisations").click()
    expect(heading(page)).to_have_text("Organisations")
    expect(page.get_by_role("link", name="Awaiting approval (1)")).to_have_attribute("aria-current", "page")
    queue = page.get_by_role("table")
    expect(queue).to_contain_text("Harlesden and Kensal Green, Stonebridge")
    queue.get_by_role("link", name=ORGANISATION).click()
    expect(heading(page)).to_have_text(ORGANISATION)
    expect(page.get_by_role("main")).to_contain_text("Femi Ade (femi@example.org)")
    page.get_by_role("button", name="Approve organisation").click()
    expect(success_banner(page)).to_contain_text(f"{ORGANISATION} has been approved.")
    expect(page.get_by_text("There are no organisations awaiting approval.")).to_be_visible()
    sign_out(page)

    # The person signs in again and sees their organisation is approved.
    sign_in(page, MEMBER_EMAIL, MEMBER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("main")).to_contain_text(f"You are a member of {ORGANISATION}, which is approved.")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your organisation").click()
    expect(heading(page)).to_have_text(ORGANISATION)
    status = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Status", exact=True))
    expect(status.locator(".govuk-summary-list__value")).to_have_text("Approved")

    assert [m["Subject"] for m in mailbox(app)] == [
        f"We have received {ORGANISATION}'s registration",
        f"{ORGANISATION} is approved on Matchmaker",
    ]
    assert page_problems == []


def test_a_name_close_to_an_existing_organisation_is_questioned_before_registering(app, page, page_problems):
    with app.app_context():
        make_organisation("Brent Food Bank", wards=("Kilburn",))

    page.goto("/register")
    fill_registration(
        page,
        kind="VCSE or community group",
        name="Brent Foodbank CIC",
        wards=["Kilburn"],
        full_name="Ola Bello",
        email="ola@example.org",
        password=MEMBER_PASSWORD,
    )
    submit_registration(page)

    warning = page.locator("#similar-organisations")
    expect(warning.get_by_role("heading", name="Is your organisation already registered?")).to_be_visible()
    expect(warning.get_by_role("listitem")).to_have_text(["Brent Food Bank (VCSE or community group, approved)"])
    expect(page).to_have_url(re.compile(r"/register$"))
    # What the person typed is kept, apart from the password.
    expect(page.get_by_label("Organisation name", exact=True)).to_have_value("Brent Foodbank CIC")
    expect(page.get_by_label("Kilburn", exact=True)).to_be_checked()

    # It is a different organisation: they confirm, enter the password again and register.
    page.get_by_label("Yes, my organisation is not one of these and I want to register it").check()
    fill_passwords(page, MEMBER_PASSWORD)
    submit_registration(page)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("main")).to_contain_text("Brent Foodbank CIC is awaiting approval.")
    assert page_problems == []
