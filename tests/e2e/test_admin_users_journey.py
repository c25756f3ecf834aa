"""The administrator's users page in the browser: the table fits a laptop screen and an account is deleted by
clicking its Delete link."""

import re

import pytest
from playwright.sync_api import expect

from matchmaker.models import Role
from tests.e2e.support import assert_accessible, heading, sign_in, success_banner
from tests.helpers.builders import make_admin, make_organisation, make_user

pytestmark = pytest.mark.e2e


def _table_overflow(page) -> float:
    """How many pixels the table runs past the right edge of the page's column (and of the header above it)."""
    return page.evaluate(
        "document.querySelector('table').getBoundingClientRect().right"
        " - document.querySelector('main').getBoundingClientRect().right"
    )


def test_an_administrator_deletes_an_account_from_the_users_page(app, page, page_problems):
    with app.app_context():
        admin_email = make_admin(full_name="Adam Admin").email
        garden = make_organisation("Roundwood Community Garden and Allotment Association")
        make_user(
            Role.GROUP_MEMBER,
            garden,
            full_name="Grace Mensah",
            email="grace.mensah.volunteer-coordinator@roundwood-community-garden.example.org",
        )
        make_user(Role.GROUP_MEMBER, garden, full_name="Kwame Boateng")

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, admin_email)
    page.goto("/admin/users")
    expect(heading(page)).to_have_text("Users")
    assert _table_overflow(page) <= 0
    grace = page.get_by_role("row").filter(has_text="Grace Mensah")
    expect(grace).not_to_contain_text("<a")  # the link is a link, not its markup shown as text
    # Nobody can delete their own account from here.
    expect(page.get_by_role("row").filter(has_text="Adam Admin").get_by_role("link")).to_have_count(0)
    assert_accessible(page, "users page")

    grace.get_by_role("link", name="Delete the account of Grace Mensah").click()
    expect(heading(page)).to_have_text("Delete an account")
    page.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(
        "Confirm that you want to delete this account"
    )
    page.get_by_role("checkbox", name=re.compile("Yes, delete this account")).check()
    page.get_by_role("button", name="Delete account").click()

    expect(heading(page)).to_have_text("Users")
    expect(success_banner(page)).to_contain_text("The account of Grace Mensah has been deleted.")
    expect(page.get_by_role("row").filter(has_text="Grace Mensah")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Deleted")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="Kwame Boateng")).to_contain_text("Active")
    assert page_problems == []
