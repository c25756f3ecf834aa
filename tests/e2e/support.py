"""What a person does in the browser (sign in, sign out, fill the registration form), and the axe check."""

import re

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.helpers.builders import PASSWORD

# WCAG 2.2 AA as axe tags it (each version's tag holds only the rules new in it), plus axe's best practices.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
# The one finding we accept. GOV.UK places the back link just before <main>, so that "Skip to main content" skips
# it; axe's best-practice "region" rule (not a WCAG rule) flags anything outside a landmark. GOV.UK looked into it
# and kept the back link where it is (alphagov/govuk-frontend#6460, alphagov/govuk-design-system#5024).
# Only this element is excused, and only from this rule: every other rule still checks it.
ACCEPTED = {"region": {".govuk-back-link"}}
_axe = Axe()


def assert_accessible(page: Page, name: str) -> None:
    results = _axe.run(page, context="html", options=AXE_OPTIONS)
    assert results.response["toolOptions"]["runOnly"] == AXE_OPTIONS["runOnly"], "axe ignored the options"
    results = AxeResults({**results.response, "violations": _unaccepted(results.response["violations"])})
    assert results.violations_count == 0, f"{name} ({page.url}):\n{results.generate_report()}"


def _unaccepted(violations: list[dict]) -> list[dict]:
    kept = []
    for violation in violations:
        excused = ACCEPTED.get(violation["id"], set())
        nodes = [node for node in violation["nodes"] if " ".join(node["target"]) not in excused]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/sign-in(\?|$)"))


def sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Sign out").click()
    expect(success_banner(page)).to_contain_text("You have signed out.")


def success_banner(page: Page):
    """GOV.UK's success notification banner (role "alert", titled "Success")."""
    return page.get_by_role("alert").filter(has_text="Success")


def fill_registration(
    page: Page,
    *,
    kind: str,
    name: str,
    wards: list[str],
    full_name: str,
    email: str,
    password: str,
    description: str = "",
    contact_email: str | None = None,
) -> None:
    """Fill the register form from its labels, as someone reading the page would."""
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Organisation name", exact=True).fill(name)
    for ward in wards:
        page.get_by_label(ward, exact=True).check()
    if description:
        page.get_by_label("What does your organisation do? (optional)", exact=True).fill(description)
    page.get_by_label("Contact name", exact=True).fill(full_name)
    page.get_by_label("Contact email address", exact=True).fill(contact_email or email)
    page.get_by_label("Your full name", exact=True).fill(full_name)
    page.get_by_label("Your email address", exact=True).fill(email)
    fill_passwords(page, password)


def fill_passwords(page: Page, password: str) -> None:
    page.get_by_label("Create a password", exact=True).fill(password)
    page.get_by_label("Confirm your password", exact=True).fill(password)


def submit_registration(page: Page) -> None:
    page.get_by_role("button", name="Register", exact=True).click()
