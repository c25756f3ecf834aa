"""A group posts a need in the browser and sends it for approval, an officer publishes it, and anyone can then see
it on the public list, without the group's contact details."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from matchmaker.models import Role
from tests.conftest import mailbox
from tests.e2e.support import heading, sign_in, sign_out, success_banner
from tests.helpers.builders import make_officer, make_organisation, make_user

pytestmark = pytest.mark.e2e

NEED = "Volunteers for our Saturday food larder"
GROUP = "Stonebridge Tenants Association"
CONTACT = {
    "contact_name": "Femi Ade",
    "contact_email": "femi.ade@stonebridge.example.org",
    "contact_phone": "020 8937 4455",
}


def test_a_group_posts_a_need_an_officer_publishes_it_and_the_public_sees_it(app, page, page_problems):
    with app.app_context():
        group = make_organisation(GROUP, wards=("Stonebridge",), **CONTACT)
        member_email = make_user(Role.GROUP_MEMBER, group, full_name="Femi Ade").email
        officer_email = make_officer().email
    needed_by = date.today() + timedelta(days=60)

    # The group member fills in the form and saves a draft.
    sign_in(page, member_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Your needs").click()
    expect(heading(page)).to_have_text("Your needs")
    page.get_by_role("button", name="Post a need").click()
    expect(heading(page)).to_have_text("Post a need")
    page.get_by_label("Title", exact=True).fill(NEED)
    page.get_by_label("Describe what you need", exact=True).fill(
        "Two or three people to help sort and hand out food.\n\nEvery Saturday, 10am to 1pm."
    )
    priorities = page.get_by_role("group", name="Which of Brent's priorities does it support?")
    priorities.get_by_label(
        "Reducing inequalities and strengthening community wellbeing, resilience, and participation", exact=True
    ).check()
    priorities.get_by_label("Good jobs and fair work", exact=True).check()
    wards = page.get_by_role("group", name="Which wards is it for?")
    wards.get_by_label("Stonebridge", exact=True).check()
    wards.get_by_label("Harlesden and Kensal Green", exact=True).check()
    page.get_by_role("group", name="What kind of support?").get_by_label("Volunteering", exact=True).check()
    page.get_by_label("Quantity (optional)", exact=True).fill("12")
    page.get_by_role("group", name="Unit (optional)").get_by_label("People", exact=True).check()
    date_input = page.get_by_role("group", name="Needed by")
    date_input.get_by_label("Day", exact=True).fill(str(needed_by.day))
    date_input.get_by_label("Month", exact=True).fill(str(needed_by.month))
    date_input.get_by_label("Year", exact=True).fill(str(needed_by.year))
    page.get_by_label("This is a regular need, for example every week", exact=True).check()
    page.get_by_role("button", name="Save as draft").click()

    expect(success_banner(page)).to_contain_text("Your need has been saved as a draft.")
    expect(heading(page)).to_have_text(NEED)
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text("Good jobs and fair work; Reducing inequalities")
    expect(summary).to_contain_text("Harlesden and Kensal Green, Stonebridge")
    expect(summary).to_contain_text("12 people")
    expect(summary).to_contain_text(f"{needed_by:%-d %B %Y}")

    # ...and sends it for approval.
    page.get_by_role("button", name="Send for approval").click()
    expect(success_banner(page)).to_contain_text("Your need has been sent to the brokerage team for approval.")
    expect(page.locator(".govuk-caption-l")).to_have_text("Your need · Awaiting moderation")
    sign_out(page)

    # An officer finds it among the needs to approve and publishes it.
    sign_in(page, officer_email)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Needs to approve").click()
    expect(heading(page)).to_have_text("Needs waiting for approval")
    page.get_by_role("table").get_by_role("link", name=NEED).click()
    expect(heading(page)).to_have_text(NEED)
    expect(page.get_by_role("main")).to_contain_text(f"{CONTACT['contact_name']}, {CONTACT['contact_email']}")
    page.get_by_role("button", name="Publish need").click()
    expect(success_banner(page)).to_contain_text(f"‘{NEED}’ is published.")
    expect(page.get_by_text("No needs are waiting for approval.")).to_be_visible()
    sign_out(page)

    # Anyone can now find it on the public list; neither the list nor the need's page shows how to contact the group.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Needs", exact=True).click()
    expect(heading(page)).to_have_text("Community needs")
    page.get_by_role("link", name=NEED).click()
    expect(heading(page)).to_have_text(NEED)
    expect(page).to_have_url(re.compile(r"/needs/\d+$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Every Saturday, 10am to 1pm.")
    expect(main).to_contain_text(f"Need posted by {GROUP}")
    for detail in CONTACT.values():
        expect(main).not_to_contain_text(detail)
    expect(page.get_by_role("button", name="Pledge support")).to_have_count(0)
    page.go_back()
    for detail in CONTACT.values():
        expect(page.get_by_role("main")).not_to_contain_text(detail)

    assert [m["Subject"] for m in mailbox(app)] == [f"Your need is published: {NEED}"]
    assert page_problems == []
