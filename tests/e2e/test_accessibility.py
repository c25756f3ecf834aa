"""Every page, in each state a user can meet it, has no axe-core violations of WCAG 2.2 AA or axe's best practices.

Each case below opens one page the way a user would reach it and names the heading it expects, so a case can
never quietly check the wrong page (a sign-in redirect, say). Adding a page to the app means adding a case:
test_every_page_has_a_case fails until it is covered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    MatchStatus,
    Need,
    NeedStatus,
    Offer,
    OrganisationKind,
    OrganisationStatus,
    Role,
    Unit,
    User,
)
from matchmaker.services import matching
from matchmaker.services import needs as need_service
from matchmaker.services import offers as offer_service
from matchmaker.services.accounts import make_password_token
from matchmaker.services.tagging import Tags
from tests.e2e.support import assert_accessible, fill_registration, heading, sign_in, submit_registration
from tests.helpers.builders import (
    make_admin,
    make_contract,
    make_need,
    make_offer,
    make_officer,
    make_organisation,
    make_user,
)

pytestmark = pytest.mark.e2e

PASSWORD_FOR_NEW_ACCOUNTS = "kettle river lantern"


@dataclass(frozen=True)
class Case:
    endpoint: str | None  # the Flask endpoint whose page this is (None for an error page no route owns)
    h1: str
    open: Callable[[Page, Flask], None]
    status: int = 200


CASES: dict[str, Case] = {}


def case(name: str, endpoint: str | None, h1: str, status: int = 200):
    def register(open_page: Callable[[Page, Flask], None]):
        assert name not in CASES, f"two cases are called {name}"
        CASES[name] = Case(endpoint, h1, open_page, status)
        return open_page

    return register


def simple(name: str, endpoint: str | None, path: str, h1: str, status: int = 200) -> None:
    case(name, endpoint, h1, status)(lambda page, app: page.goto(path))


def member(app: Flask, status: OrganisationStatus = OrganisationStatus.APPROVED, **org) -> str:
    with app.app_context():
        organisation = make_organisation("Roundwood Community Garden", status=status, **org)
        return make_user(Role.GROUP_MEMBER, organisation, full_name="Grace Mensah").email


def officer(app: Flask) -> str:
    with app.app_context():
        return make_officer().email


def organisations_in_every_state(app: Flask) -> dict[OrganisationStatus, int]:
    with app.app_context():
        ids = {
            status: make_organisation(f"{status.label} Group", status=status, wards=("Kilburn", "Queens Park")).id
            for status in OrganisationStatus
        }
        # A pending organisation whose name is close to an approved one, so its review page shows the warning.
        make_organisation("Brent Food Bank")
        ids["duplicate"] = make_organisation(
            "Brent Foodbank", status=OrganisationStatus.PENDING, kind=OrganisationKind.SUPPLIER
        ).id
        return ids


# Anyone --------------------------------------------------------------------------------------------------

simple("home", "public.home", "/", "Connecting council suppliers' social value with Brent's communities")
simple("sign-in", "auth.sign_in", "/sign-in", "Sign in")
simple("register", "auth.register", "/register", "Register your organisation")
simple("forgot-password", "auth.forgot_password", "/forgot-password", "Reset your password")
simple(
    "reset-link-invalid",
    "auth.reset_password",
    "/reset-password/not-a-real-token",
    "This link has expired or has already been used",
    status=400,
)
simple("accessibility-statement", "public.accessibility", "/accessibility", "Accessibility statement")
simple("privacy-notice", "public.privacy", "/privacy", "Privacy notice")
simple("not-found", None, "/no-such-page", "Page not found", status=404)


@case("sign-in-with-errors", "auth.sign_in", "Sign in")
def _(page, app):
    page.goto("/sign-in")
    page.get_by_label("Email address", exact=True).fill("nobody@example.org")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")


@case("register-with-errors", "auth.register", "Register your organisation")
def _(page, app):
    page.goto("/register")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Select the type of organisation")


@case("register-duplicate-warning", "auth.register", "Register your organisation")
def _(page, app):
    with app.app_context():
        make_organisation("Brent Food Bank")
    page.goto("/register")
    fill_registration(
        page,
        kind="VCSE or community group",
        name="Brent Foodbank",
        wards=["Borough-wide: all of Brent"],
        full_name="Ola Bello",
        email="ola@example.org",
        password=PASSWORD_FOR_NEW_ACCOUNTS,
    )
    submit_registration(page)
    expect(page.get_by_role("heading", name="Is your organisation already registered?")).to_be_visible()


@case("forgot-password-with-errors", "auth.forgot_password", "Reset your password")
def _(page, app):
    page.goto("/forgot-password")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email address")


@case("reset-link-sent", "auth.forgot_password", "Check your email")
def _(page, app):
    page.goto("/forgot-password")
    page.get_by_label("Email address", exact=True).fill("someone@example.org")
    page.get_by_role("button", name="Send reset link").click()


@case("reset-password", "auth.reset_password", "Set a new password")
def _(page, app):
    with app.app_context():
        token = make_password_token(make_user(), "reset")
    page.goto(f"/reset-password/{token}")


@case("reset-password-with-errors", "auth.reset_password", "Set a new password")
def _(page, app):
    with app.app_context():
        token = make_password_token(make_user(), "reset")
    page.goto(f"/reset-password/{token}")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_be_visible()


# Members of an organisation ------------------------------------------------------------------------------


@case("account", "account.overview", "Your account")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account")


@case("account-awaiting-approval", "account.overview", "Your account")
def _(page, app):
    sign_in(page, member(app, OrganisationStatus.PENDING))
    expect(page.get_by_role("main")).to_contain_text("is awaiting approval")


@case("account-rejected", "account.overview", "Your account")
def _(page, app):
    sign_in(page, member(app, OrganisationStatus.REJECTED, rejection_reason="We could not find it in Brent"))
    expect(page.get_by_role("main")).to_contain_text("was not approved")


@case("account-details", "account.details", "Change your details")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/details")


@case("account-details-saved", "account.overview", "Your account")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/details")
    page.get_by_label("Full name", exact=True).fill("Grace A. Mensah")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Your details have been saved.")


@case("account-password", "account.change_password", "Change your password")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/password")


@case("account-password-with-errors", "account.change_password", "Change your password")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your current password")


@case("api-tokens-none", "account.api_tokens_page", "API tokens")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/api-tokens")


@case("api-token-created", "account.api_tokens_page", "Your new API token")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/api-tokens")
    page.get_by_label("Name", exact=True).fill("Monthly report script")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("main")).to_contain_text("mm_")


@case("api-tokens", "account.api_tokens_page", "API tokens")
def _(page, app):
    email = member(app)
    with app.app_context():
        from matchmaker.services import api_tokens

        user = db.session.scalar(select(User).where(User.email == email))
        api_tokens.create_token(user, "Monthly report script", date.today() + timedelta(days=90))
        api_tokens.create_token(user, "Dashboard", None)
        db.session.commit()
    sign_in(page, email)
    page.goto("/account/api-tokens")
    expect(page.get_by_role("table")).to_contain_text("Dashboard")


@case("api-tokens-with-errors", "account.api_tokens_page", "API tokens")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/api-tokens")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for the token")


@case("your-data", "account.your_data", "Your data")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/data")


@case("your-data-staff", "account.your_data", "Your data")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/account/data")


@case("delete-account-with-errors", "account.delete_account", "Delete your account")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/account/delete")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Your password is incorrect")


@case("organisation", "account.organisation", "Roundwood Community Garden")
def _(page, app):
    sign_in(page, member(app, description="A garden for everyone.", website="https://garden.example.org"))
    page.goto("/organisation")


@case("organisation-edit", "account.edit_organisation", "Edit your organisation's profile")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/organisation/edit")


@case("organisation-edit-awaiting-approval", "account.edit_organisation", "Edit your organisation's profile")
def _(page, app):
    sign_in(page, member(app, OrganisationStatus.PENDING))
    page.goto("/organisation/edit")


@case("organisation-edit-with-errors", "account.edit_organisation", "Edit your organisation's profile")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/organisation/edit")
    page.get_by_label("Website (optional)", exact=True).fill("not a website")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a website address in the correct format")


@case("forbidden", None, "You do not have permission to see this page", status=403)
def _(page, app):
    sign_in(page, member(app))
    page.goto("/officers/organisations")


# Brokerage officers --------------------------------------------------------------------------------------


def _queue(status: OrganisationStatus):
    @case(f"officer-queue-{status.value}", "officers.organisations", "Organisations")
    def _(page, app):
        organisations_in_every_state(app)
        sign_in(page, officer(app))
        page.goto(f"/officers/organisations?status={status.value}")
        expect(page.get_by_role("heading", level=2, name=status.label)).to_be_visible()


for _status in OrganisationStatus:
    _queue(_status)


@case("officer-queue-empty", "officers.organisations", "Organisations")
def _(page, app):
    sign_in(page, officer(app))
    expect(page.get_by_text("There are no organisations awaiting approval.")).to_be_visible()


@case("officer-account", "account.overview", "Your account")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/account")


@case("officer-review-pending", "officers.review", "Awaiting approval Group")
def _(page, app):
    ids = organisations_in_every_state(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/organisations/{ids[OrganisationStatus.PENDING]}")


@case("officer-review-possible-duplicate", "officers.review", "Brent Foodbank")
def _(page, app):
    ids = organisations_in_every_state(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/organisations/{ids['duplicate']}")
    expect(page.get_by_role("heading", name="Possible duplicate")).to_be_visible()


@case("officer-review-reject-without-reason", "officers.review", "Awaiting approval Group")
def _(page, app):
    ids = organisations_in_every_state(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/organisations/{ids[OrganisationStatus.PENDING]}")
    page.get_by_role("button", name="Reject organisation").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason for rejecting this organisation")


@case("officer-review-rejected", "officers.review", "Rejected Group")
def _(page, app):
    ids = organisations_in_every_state(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/organisations/{ids[OrganisationStatus.REJECTED]}")


@case("officer-queue-after-approving", "officers.organisations", "Organisations")
def _(page, app):
    ids = organisations_in_every_state(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/organisations/{ids[OrganisationStatus.PENDING]}")
    page.get_by_role("button", name="Approve organisation").click()
    expect(page.get_by_role("alert")).to_contain_text("has been approved")


# Administrators ------------------------------------------------------------------------------------------


def admin(app: Flask) -> str:
    with app.app_context():
        make_officer(email="officer@example.org")
        make_user(Role.SUPPLIER_MEMBER)
        return make_admin().email


@case("admin-users", "admin.users", "Users")
def _(page, app):
    sign_in(page, admin(app))
    page.goto("/admin/users")


@case("admin-new-user", "admin.new_user", "Create an officer or administrator")
def _(page, app):
    sign_in(page, admin(app))
    page.goto("/admin/users/new")


@case("admin-new-user-with-errors", "admin.new_user", "Create an officer or administrator")
def _(page, app):
    sign_in(page, admin(app))
    page.goto("/admin/users/new")
    page.get_by_label("Email address", exact=True).fill("officer@example.org")
    page.get_by_label("Full name", exact=True).fill("Another Officer")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("An account already exists with this email address")


@case("admin-delete-user-with-errors", "admin.delete_user", "Delete an account")
def _(page, app):
    email = member(app)
    sign_in(page, admin(app))
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    page.goto(f"/admin/users/{user_id}/delete")
    page.get_by_role("button", name="Delete account").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you want to delete this account")


# Browsing needs and offers ----------------------------------------------------------------------------------


def some_needs(app: Flask, count: int = 25) -> int:
    """Enough open needs for two pages of results; returns the id of one with every detail filled in."""
    with app.app_context():
        org = make_organisation("Kilburn Youth Choir", wards=("Kilburn", "Queens Park"))
        first = make_need(
            org,
            title="English lessons for adults",
            description="Conversation practice.\n\nTuesdays.",
            priorities=("good-jobs", "vcse-capacity"),
            wards=("Kilburn", "Queens Park"),
            support_types=("volunteering", "skills"),
            quantity=40,
            unit=Unit.HOURS,
            recurring=True,
        )
        for n in range(count - 1):
            make_need(org, title=f"Need number {n}", borough_wide=n % 3 == 0)
        return first.id


def some_offers(app: Flask) -> int:
    with app.app_context():
        contract = make_contract(make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER))
        first = make_offer(
            contract, title="Volunteer days", allocated=80, available_until=date.today() + timedelta(days=90)
        )
        make_offer(contract, title="Laptops", quantity=None, support_types=("in-kind",), borough_wide=True)
        return first.id


@case("browse-needs", "browse.needs", "Community needs")
def _(page, app):
    some_needs(app)
    page.goto("/needs")


@case("browse-needs-filtered", "browse.needs", "Community needs")
def _(page, app):
    some_needs(app)
    page.goto("/needs")
    page.get_by_label("Search needs", exact=True).fill("englsh")
    page.get_by_label("Good jobs", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("1 need")


@case("browse-needs-none-found", "browse.needs", "Community needs")
def _(page, app):
    some_needs(app, count=2)
    page.goto("/needs?q=quantum+physics&ward=E05013503")


@case("browse-need", "browse.need", "English lessons for adults")
def _(page, app):
    page.goto(f"/needs/{some_needs(app, count=1)}")


@case("browse-need-as-supplier", "browse.need", "English lessons for adults")
def _(page, app):
    need_id = some_needs(app, count=1)
    with app.app_context():
        email = make_user(Role.SUPPLIER_MEMBER).email
    sign_in(page, email)
    page.goto(f"/needs/{need_id}")


@case("browse-offers", "browse.offers", "Supplier offers")
def _(page, app):
    some_offers(app)
    sign_in(page, member(app))
    page.goto("/offers")


@case("browse-offer", "browse.offer", "Volunteer days")
def _(page, app):
    offer_id = some_offers(app)
    sign_in(page, member(app))
    page.goto(f"/offers/{offer_id}")


# A group's own needs ----------------------------------------------------------------------------------------


def _same_details(need: Need, **changes) -> need_service.NeedDetails:
    """The need's details as the edit form would send them back, with `changes`."""
    tags = Tags(
        priority_ids=tuple(p.id for p in need.priorities),
        ward_ids=tuple(w.id for w in need.wards),
        borough_wide=need.borough_wide,
        support_type_ids=tuple(t.id for t in need.support_types),
    )
    details = dict(
        title=need.title,
        description=need.description,
        tags=tags,
        quantity=need.quantity,
        unit=need.unit,
        needed_by=need.needed_by,
        recurring=need.recurring,
    )
    return need_service.NeedDetails(**{**details, **changes})


def group_with_needs(app: Flask) -> tuple[str, dict[str, int]]:
    """A group member and their organisation's needs in each state a group meets, moved there through the services,
    so each has the history a real one would (the builders write no history)."""
    with app.app_context():
        org = make_organisation("Roundwood Community Garden", wards=("Harlesden and Kensal Green",))
        user = make_user(Role.GROUP_MEMBER, org, full_name="Grace Mensah")
        officer_ = make_officer()
        draft = make_need(
            org,
            NeedStatus.DRAFT,
            title="Seeds and compost for the spring planting",
            support_types=("in-kind",),
            needed_by=None,
        )
        returned = make_need(org, NeedStatus.DRAFT, title="A gazebo for the summer fair", support_types=("in-kind",))
        need_service.submit_need(returned, user)
        need_service.return_need(returned, officer_, "Say which Saturday the fair is, so suppliers can plan.")
        open_ = make_need(
            org,
            NeedStatus.DRAFT,
            title="Help building raised beds",
            quantity=40,
            unit=Unit.HOURS,
            priorities=("environment", "reducing-inequalities"),
            recurring=True,
        )
        need_service.submit_need(open_, user)
        need_service.publish_need(open_, officer_)
        need_service.update_need(open_, user, _same_details(open_, quantity=60))
        offer = make_offer(
            supplier=make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER),
            title="Volunteer days",
        )
        supplier_member = make_user(Role.SUPPLIER_MEMBER, offer.contract.supplier)
        offer_service.pledge(offer, open_, supplier_member, Decimal(20), "Our site team can come on a Saturday.")
        closed = make_need(org, title="Gardening tools")
        need_service.close_need(closed, user, note="A neighbour lent us theirs.")
        db.session.commit()
        return user.email, {"draft": draft.id, "returned": returned.id, "open": open_.id, "closed": closed.id}


@case("my-needs", "groups.needs", "Your needs")
def _(page, app):
    email, _ = group_with_needs(app)
    sign_in(page, email)
    page.goto("/my-needs")
    expect(page.get_by_role("table")).to_contain_text("Help building raised beds")


@case("my-needs-none-yet", "groups.needs", "Your needs")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/my-needs")
    expect(page.get_by_text("You have not posted any needs yet.")).to_be_visible()


@case("my-needs-new", "groups.new_need", "Post a need")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/my-needs/new")


@case("my-needs-new-with-errors", "groups.new_need", "Post a need")
def _(page, app):
    sign_in(page, member(app))
    page.goto("/my-needs/new")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the date you need it by")


@case("my-need-draft", "groups.need", "Seeds and compost for the spring planting")
def _(page, app):
    email, ids = group_with_needs(app)
    sign_in(page, email)
    page.goto(f"/my-needs/{ids['draft']}")
    expect(page.get_by_role("button", name="Send for approval")).to_be_visible()


@case("my-need-returned", "groups.need", "A gazebo for the summer fair")
def _(page, app):
    email, ids = group_with_needs(app)
    sign_in(page, email)
    page.goto(f"/my-needs/{ids['returned']}")
    expect(page.get_by_role("main")).to_contain_text("The brokerage team returned this need: Say which Saturday")


@case("my-need-open-with-history-and-a-pledge", "groups.need", "Help building raised beds")
def _(page, app):
    email, ids = group_with_needs(app)
    sign_in(page, email)
    page.goto(f"/my-needs/{ids['open']}")
    expect(page.get_by_role("main")).to_contain_text("Quantity: 40 hours → 60 hours")
    expect(page.get_by_role("main")).to_contain_text("Northway Construction Ltd: 20 hours")


@case("my-need-closed", "groups.need", "Gardening tools")
def _(page, app):
    email, ids = group_with_needs(app)
    sign_in(page, email)
    page.goto(f"/my-needs/{ids['closed']}")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()


@case("my-need-edit", "groups.edit_need", "Edit your need")
def _(page, app):
    email, ids = group_with_needs(app)
    sign_in(page, email)
    page.goto(f"/my-needs/{ids['open']}/edit")


@case("waiting-for-approval", None, "Your organisation is waiting for approval", status=403)
def _(page, app):
    sign_in(page, member(app, OrganisationStatus.PENDING))
    page.goto("/my-needs")


# Suppliers' contracts, offers and pledges -------------------------------------------------------------------


def supplier_with_contracts(app: Flask) -> tuple[str, dict[str, int]]:
    """A supplier member with a contract that meets its tier (one offer) and one that does not (no offers)."""
    with app.app_context():
        org = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, org, full_name="Sam Okafor").email
        meets = make_contract(org, ref="BC-2026-0142", title="Highways maintenance", value=800_000)
        offer = make_offer(meets, title="Volunteer days", allocated=40, priorities=("good-jobs", "environment"))
        make_offer(
            meets, title="Laptops for a youth club", quantity=None, support_types=("in-kind",), borough_wide=True
        )
        short = make_contract(org, ref="BC-2026-0077", title="Housing repairs", value=6_000_000)
        return email, {"meets": meets.id, "short": short.id, "offer": offer.id}


def open_need(app: Flask, **fields) -> int:
    with app.app_context():
        org = make_organisation("Roundwood Community Garden", wards=("Harlesden and Kensal Green",))
        return make_need(org, title="Help building raised beds", quantity=40, unit=Unit.HOURS, **fields).id


@case("my-contracts", "suppliers.contracts", "Your contracts")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto("/contracts")
    expect(page.get_by_role("table")).to_contain_text("Commitments missing")


@case("contract-new", "suppliers.new_contract", "Record a contract")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto("/contracts/new")


@case("contract-new-with-errors", "suppliers.new_contract", "Record a contract")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto("/contracts/new")
    page.get_by_role("button", name="Save contract").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the contract's start date")


@case("contract-meeting-its-tier", "suppliers.contract", "Contract BC-2026-0142")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/contracts/{ids['meets']}")
    expect(page.get_by_role("main")).to_contain_text("Yes. 2 active offers")


@case("contract-not-meeting-its-tier", "suppliers.contract", "Contract BC-2026-0077")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/contracts/{ids['short']}")
    expect(page.get_by_role("main")).to_contain_text("Not yet.")


@case("contract-as-officer", "suppliers.contract", "Contract BC-2026-0142")
def _(page, app):
    _, ids = supplier_with_contracts(app)
    sign_in(page, officer(app))
    page.goto(f"/contracts/{ids['meets']}")


@case("contract-edit", "suppliers.edit_contract", "Edit contract BC-2026-0142")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/contracts/{ids['meets']}/edit")


@case("offer-new", "suppliers.new_offer", "Add an offer")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/contracts/{ids['short']}/offers/new")


@case("offer-new-with-errors", "suppliers.new_offer", "Add an offer")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/contracts/{ids['short']}/offers/new")
    page.get_by_label("Quantity (optional)", exact=True).fill("ten")
    page.get_by_role("group", name="Available from (optional)").get_by_label("Day").fill("31")
    page.get_by_role("button", name="Save offer").click()
    expect(page.get_by_role("alert")).to_contain_text("Select at least one priority")


@case("offer-edit", "suppliers.edit_offer", "Edit your offer")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto(f"/my-offers/{ids['offer']}/edit")
    expect(page.get_by_role("main")).to_contain_text("40 hours of 200 hours already allocated")


@case("pledge", "suppliers.pledge", "Pledge support to this need")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    need_id = open_need(app)
    sign_in(page, email)
    page.goto(f"/needs/{need_id}/pledge")


@case("pledge-with-errors", "suppliers.pledge", "Pledge support to this need")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    need_id = open_need(app)
    sign_in(page, email)
    page.goto(f"/needs/{need_id}/pledge")
    page.get_by_role("button", name="Pledge", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Select the offer you are pledging from")


@case("pledge-with-no-offers-left", "suppliers.pledge", "Pledge support to this need")
def _(page, app):
    need_id = open_need(app)
    with app.app_context():
        org = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, org).email
        make_offer(supplier=org, title="Volunteer days", quantity=100, allocated=100)
    sign_in(page, email)
    page.goto(f"/needs/{need_id}/pledge")
    expect(page.get_by_role("main")).to_contain_text("You have no offers with capacity left.")


@case("my-pledges", "suppliers.pledges", "Your pledges")
def _(page, app):
    email, ids = supplier_with_contracts(app)
    need_id = open_need(app)
    with app.app_context():
        offer_service.pledge(
            db.session.get(Offer, ids["offer"]),
            db.session.get(Need, need_id),
            db.session.scalar(select(User).where(User.email == email)),
            Decimal(20),
        )
        db.session.commit()
    sign_in(page, email)
    page.goto("/my-pledges")
    expect(page.get_by_role("table")).to_contain_text("Waiting for an officer")


@case("my-pledges-none-yet", "suppliers.pledges", "Your pledges")
def _(page, app):
    email, _ = supplier_with_contracts(app)
    sign_in(page, email)
    page.goto("/my-pledges")


def match_in_delivery(app: Flask) -> tuple[dict[str, str], int, int]:
    """A supplier and a group introduced by an approved match, with one delivery reported; their emails."""
    from matchmaker.services import brokerage, deliveries

    email, ids = supplier_with_contracts(app)
    need_id = open_need(app)
    with app.app_context():
        need, offer = db.session.get(Need, need_id), db.session.get(Offer, ids["offer"])
        officer_user = make_officer()
        group_user = make_user(Role.GROUP_MEMBER, need.organisation, full_name="Grace Mensah")
        match = brokerage.approve(need, offer, officer_user, Decimal(10))
        brokerage.move(match, MatchStatus.INTRODUCED, officer_user)
        deliveries.report(match, db.session.scalar(select(User).where(User.email == email)), Decimal(4), date.today())
        db.session.commit()
        return {"supplier": email, "group": group_user.email, "officer": officer_user.email}, match.id, need_id


@case("my-matches", "suppliers.matches", "Your matches")
def _(page, app):
    emails, _, _ = match_in_delivery(app)
    sign_in(page, emails["supplier"])
    page.goto("/my-matches")
    expect(page.get_by_role("table")).to_contain_text("Help building raised beds")


@case("my-match-report-delivery-errors", "suppliers.match", "Help building raised beds")
def _(page, app):
    emails, match_id, _ = match_in_delivery(app)
    sign_in(page, emails["supplier"])
    page.goto(f"/my-matches/{match_id}")
    page.get_by_role("button", name="Report delivery").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter how much you delivered")


@case("group-need-confirm-delivery", "groups.need", "Help building raised beds")
def _(page, app):
    emails, _, need_id = match_in_delivery(app)
    sign_in(page, emails["group"])
    page.goto(f"/my-needs/{need_id}")
    expect(page.get_by_role("main")).to_contain_text("Confirm what we received")


@case("officer-match-verify", "officers.match", "Match: Volunteer days for Help building raised beds")
def _(page, app):
    emails, match_id, need_id = match_in_delivery(app)
    sign_in(page, emails["group"])
    page.goto(f"/my-needs/{need_id}")
    page.get_by_role("button", name="Confirm what we received").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, emails["officer"])
    page.goto(f"/officers/matches/{match_id}")
    expect(page.get_by_role("button", name="Verify")).to_be_visible()


# Responses to introductions, and remedial plans --------------------------------------------------------------


def introduction_unanswered(app: Flask) -> tuple[dict[str, str], int, int]:
    """An introduction three weeks old that the group answered and the supplier did not."""
    from datetime import timedelta as _days

    from matchmaker.services import brokerage, responses

    email, ids = supplier_with_contracts(app)
    need_id = open_need(app)
    with app.app_context():
        need, offer = db.session.get(Need, need_id), db.session.get(Offer, ids["offer"])
        officer_user = make_officer()
        group_user = make_user(Role.GROUP_MEMBER, need.organisation, full_name="Grace Mensah")
        match = brokerage.approve(need, offer, officer_user, Decimal(10))
        brokerage.move(match, MatchStatus.INTRODUCED, officer_user)
        match.introduced_at -= _days(days=21)
        responses.respond(match, group_user)
        db.session.commit()
        return {"supplier": email, "group": group_user.email, "officer": officer_user.email}, match.id, need_id


@case("officer-matches-overdue", "officers.matches", "Matches in progress")
def _(page, app):
    emails, _, _ = introduction_unanswered(app)
    sign_in(page, emails["officer"])
    page.goto("/officers/queue")
    page.get_by_role("link", name="See the matches waiting for a response").click()
    expect(page.get_by_role("table")).to_contain_text("No response")


@case("officer-matches-none", "officers.matches", "Matches in progress")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/matches")
    expect(page.get_by_text("No matches are in progress.")).to_be_visible()


@case("officer-match-no-response", "officers.match", "Match: Volunteer days for Help building raised beds")
def _(page, app):
    emails, match_id, _ = introduction_unanswered(app)
    sign_in(page, emails["officer"])
    page.goto(f"/officers/matches/{match_id}")
    expect(page.get_by_role("main")).to_contain_text("No response from Northway Construction Ltd")


@case("group-need-ask-for-new-match", "groups.need", "Help building raised beds")
def _(page, app):
    emails, _, need_id = introduction_unanswered(app)
    sign_in(page, emails["group"])
    page.goto(f"/my-needs/{need_id}")
    expect(page.get_by_role("button", name="Ask for a new match")).to_be_visible()


@case("group-need-after-asking-for-new-match", "groups.need", "Help building raised beds")
def _(page, app):
    emails, _, need_id = introduction_unanswered(app)
    sign_in(page, emails["group"])
    page.goto(f"/my-needs/{need_id}")
    page.get_by_role("button", name="Ask for a new match").click()
    expect(page.get_by_role("alert")).to_contain_text("This match has ended")


@case("my-match-waiting-for-response", "suppliers.match", "Help building raised beds")
def _(page, app):
    emails, match_id, _ = introduction_unanswered(app)
    sign_in(page, emails["supplier"])
    page.goto(f"/my-matches/{match_id}")
    expect(page.get_by_role("button", name="We have been in touch")).to_be_visible()


def contract_behind(app: Flask, with_plan: bool = True) -> tuple[dict[str, str], dict[str, int]]:
    """A contract half-way through with nothing verified (at risk), and a plan with an action done, one overdue
    and an escalation."""
    from datetime import timedelta as _days

    from matchmaker.models import EscalationLevel, RemedialAction
    from matchmaker.services import remedial

    with app.app_context():
        org = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        supplier = make_user(Role.SUPPLIER_MEMBER, org, full_name="Sam Okafor").email
        start = date.today() - _days(days=183)
        contract = make_contract(
            org, ref="BC-2026-0500", title="Housing repairs", start_date=start, end_date=start + _days(days=366)
        )
        make_offer(contract, title="Volunteer days", quantity=100)
        officer_user = make_officer()
        ids = {"contract": contract.id}
        if with_plan:
            plan = remedial.open_plan(
                contract,
                officer_user,
                "No volunteering delivered in six months.",
                remedial.ActionDetails("Agree a volunteering calendar", "Sam Okafor", date.today() + _days(days=14)),
            )
            remedial.add_action(
                plan, officer_user, remedial.ActionDetails("Send the site rota", "Site manager", date.today())
            )
            remedial.mark_done(plan.actions[-1], officer_user)
            db.session.add(
                RemedialAction(
                    plan=plan,
                    description="Name a volunteering lead",
                    owner="Sam Okafor",
                    due_on=date.today() - _days(days=3),
                )
            )
            remedial.escalate(
                plan,
                officer_user,
                EscalationLevel.HEAD_OF_SERVICE,
                "Priya Shah, Head of Housing",
                "No dates agreed after four weeks",
            )
            ids["plan"] = plan.id
        db.session.commit()
        return {"supplier": supplier, "officer": officer_user.email}, ids


@case("officer-contracts", "remedial.contracts", "Contracts")
def _(page, app):
    contract_behind(app)
    sign_in(page, officer(app))
    page.goto("/officers/contracts?show=behind")
    expect(page.get_by_role("table")).to_contain_text("BC-2026-0500")


@case("remedial-plan-open", "remedial.open_plan", "Open a remedial plan")
def _(page, app):
    emails, ids = contract_behind(app, with_plan=False)
    sign_in(page, emails["officer"])
    page.goto(f"/contracts/{ids['contract']}")
    page.get_by_role("button", name="Open a remedial plan").click()


@case("remedial-plan-open-with-errors", "remedial.open_plan", "Open a remedial plan")
def _(page, app):
    emails, ids = contract_behind(app, with_plan=False)
    sign_in(page, emails["officer"])
    page.goto(f"/officers/contracts/{ids['contract']}/remedial-plan/new")
    page.get_by_role("button", name="Open remedial plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the date it is due")


@case("remedial-plan", "remedial.plan", "Remedial plan: contract BC-2026-0500")
def _(page, app):
    emails, ids = contract_behind(app)
    sign_in(page, emails["officer"])
    page.goto(f"/officers/remedial-plans/{ids['plan']}")
    expect(page.get_by_role("table", name="Actions")).to_contain_text("Overdue")


@case("remedial-plan-escalate-errors", "remedial.plan", "Remedial plan: contract BC-2026-0500")
def _(page, app):
    emails, ids = contract_behind(app)
    sign_in(page, emails["officer"])
    page.goto(f"/officers/remedial-plans/{ids['plan']}")
    page.get_by_label("Level 1: the commissioning head of service").check()
    page.get_by_label("Name or role", exact=True).fill("Priya Shah")
    page.get_by_label("Why is it being escalated?", exact=True).fill("Still nothing delivered")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_role("alert")).to_contain_text("select a higher level")


@case("remedial-plan-add-action-errors", "remedial.plan", "Remedial plan: contract BC-2026-0500")
def _(page, app):
    emails, ids = contract_behind(app)
    sign_in(page, emails["officer"])
    page.goto(f"/officers/remedial-plans/{ids['plan']}")
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what will be done")


@case("contract-with-remedial-plan", "suppliers.contract", "Contract BC-2026-0500")
def _(page, app):
    emails, ids = contract_behind(app)
    sign_in(page, emails["supplier"])
    page.goto(f"/contracts/{ids['contract']}")
    page.get_by_text("The plan's timeline").click()
    expect(page.get_by_role("main")).to_contain_text("Open → escalated")


# Brokerage officers: needs, pledges, matches, imports and downloads --------------------------------------------


def officers_work(app: Flask) -> tuple[str, dict[str, int]]:
    """An officer, a need waiting for approval, open needs with and without proposals, and a pledge waiting."""
    with app.app_context():
        email = make_officer().email
        org = make_organisation("Roundwood Community Garden", wards=("Harlesden and Kensal Green",))
        member_ = make_user(Role.GROUP_MEMBER, org, full_name="Grace Mensah")
        waiting = make_need(org, NeedStatus.DRAFT, title="A gazebo for the summer fair", support_types=("in-kind",))
        need_service.submit_need(waiting, member_)
        matched = make_need(
            org,
            title="Help building raised beds",
            description="Volunteers to build raised beds.",
            priorities=("environment",),
            wards=("Harlesden and Kensal Green",),
            quantity=40,
            unit=Unit.HOURS,
        )
        make_need(org, title="A room for our Tuesday club", support_types=("space",), borough_wide=True)
        supplier = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        offer = make_offer(
            supplier=supplier,
            title="Volunteer days",
            description="Our staff can build and garden.",
            priorities=("environment",),
            wards=("Harlesden and Kensal Green",),
        )
        offer_service.pledge(offer, matched, make_user(Role.SUPPLIER_MEMBER, supplier), Decimal(20))
        matching.refresh_all()
        db.session.commit()
        return email, {"waiting": waiting.id, "matched": matched.id}


@case("officer-needs-queue", "officers.needs_queue", "Needs waiting for approval")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/needs")
    expect(page.get_by_role("table")).to_contain_text("A gazebo for the summer fair")


@case("officer-needs-queue-empty", "officers.needs_queue", "Needs waiting for approval")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/needs")
    expect(page.get_by_text("No needs are waiting for approval.")).to_be_visible()


@case("officer-need-awaiting-approval", "officers.need_review", "A gazebo for the summer fair")
def _(page, app):
    email, ids = officers_work(app)
    sign_in(page, email)
    page.goto(f"/officers/needs/{ids['waiting']}")
    expect(page.get_by_role("button", name="Publish need")).to_be_visible()


@case("officer-need-return-without-comment", "officers.need_review", "A gazebo for the summer fair")
def _(page, app):
    email, ids = officers_work(app)
    sign_in(page, email)
    page.goto(f"/officers/needs/{ids['waiting']}")
    page.get_by_role("button", name="Return to the group").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a comment saying what the group should change")


@case("officer-need-open-with-proposals", "officers.need_review", "Help building raised beds")
def _(page, app):
    email, ids = officers_work(app)
    sign_in(page, email)
    page.goto(f"/officers/needs/{ids['matched']}")
    expect(page.get_by_role("main")).to_contain_text("Volunteer days from Northway Construction Ltd, score")


@case("officer-pledges", "officers.pledges_queue", "Pledges waiting for brokerage")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/pledges")
    expect(page.get_by_role("table")).to_contain_text("Northway Construction Ltd")


@case("officer-matching", "officers.matching", "Proposed matches")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/matching")
    expect(page.get_by_role("table")).to_contain_text("Volunteer days")


@case("officer-unmatched", "officers.unmatched", "Unmatched needs and why")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/matching/unmatched")
    expect(page.get_by_role("table")).to_contain_text("A room for our Tuesday club")


@case("officer-brokerage-queue", "officers.queue", "Brokerage queue")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/queue?sort=age")
    expect(page.get_by_role("table")).to_contain_text("Help building raised beds")


@case("officer-brokerage-queue-empty", "officers.queue", "Brokerage queue")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/queue")
    expect(page.get_by_text("Nothing is waiting for a decision")).to_be_visible()


@case("officer-decision-pledge", "officers.decision", "Volunteer days for Help building raised beds")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/queue")
    page.get_by_role("link", name="Decide on Volunteer days for Help building raised beds").first.click()


@case("officer-decision-errors", "officers.decision", "Volunteer days for Help building raised beds")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/queue")
    page.get_by_role("link", name="Decide on Volunteer days for Help building raised beds").first.click()
    page.get_by_label("Another reason").check()
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the reason")


@case("officer-match", "officers.match", "Match: Volunteer days for Help building raised beds")
def _(page, app):
    email, _ = officers_work(app)
    sign_in(page, email)
    page.goto("/officers/queue")
    page.get_by_role("link", name="Decide on Volunteer days for Help building raised beds").first.click()
    page.get_by_role("button", name="Approve and introduce").click()
    expect(page.get_by_text("Timeline")).to_be_visible()


def upload(page: Page, kind: str, csv: str, check_only: bool = False) -> None:
    page.goto("/officers/import")
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("CSV file", exact=True).set_input_files(
        {"name": "needs.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    if check_only:
        page.get_by_label("Check only (dry run): show what would change, without saving anything").check()
    page.get_by_role("button", name="Import file").click()


NEEDS_CSV_HEADER = "ref,organisation,title,description,priorities,wards,support_types\n"


@case("officer-import", "imports.upload", "Import needs or offers")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/import")


@case("officer-import-with-errors", "imports.upload", "Import needs or offers")
def _(page, app):
    sign_in(page, officer(app))
    upload(
        page,
        "Needs of VCSEs and community groups",
        NEEDS_CSV_HEADER
        + "N-1,Roundwood Community Garden,Raised beds,Help building beds,not-a-priority,Kilburn,volunteering\n"
        + "N-2,Roundwood Community Garden,,Help with the larder,good-jobs,Atlantis,volunteering\n",
    )
    expect(page.get_by_role("alert")).to_contain_text("nothing was imported")
    expect(page.get_by_role("table", name="Problems found in the file")).to_be_visible()


@case("officer-import-checked", "imports.upload", "Import needs or offers")
def _(page, app):
    sign_in(page, officer(app))
    upload(
        page,
        "Needs of VCSEs and community groups",
        NEEDS_CSV_HEADER
        + "N-1,Roundwood Community Garden,Raised beds,Help building beds,environment,Kilburn,volunteering\n",
        check_only=True,
    )
    expect(page.get_by_role("alert").filter(has_text="Checked")).to_contain_text("1 to create")


@case("officer-export", "imports.export", "Download needs, offers and contracts")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/export")


def upload_ward_weights(page: Page, csv: str) -> None:
    page.goto("/officers/ward-weights")
    page.get_by_label("Ward-level index (CSV)", exact=True).set_input_files(
        {"name": "index.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    )
    page.get_by_label("More need (for example a deprivation score)", exact=True).check()
    page.get_by_role("button", name="Upload ward weights").click()


@case("officer-ward-weights", "officers.ward_weights", "Where help is needed most")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/ward-weights")
    expect(page.get_by_text("No ward weights are set: every ward counts the same.")).to_be_visible()


@case("officer-ward-weights-with-errors", "officers.ward_weights", "Where help is needed most")
def _(page, app):
    sign_in(page, officer(app))
    upload_ward_weights(page, "ward,value\nKilburn,12.5\nAtlantis,3\nQueens Park,many\n")
    expect(page.get_by_role("alert")).to_contain_text("no weights were changed")


@case("officer-ward-weights-set", "officers.ward_weights", "Where help is needed most")
def _(page, app):
    sign_in(page, officer(app))
    upload_ward_weights(page, "ward,value\nKilburn,12.5\nStonebridge,31\nQueens Park,8\n")
    expect(page.get_by_role("table", name="Current ward weights")).to_contain_text("Stonebridge")


# The partner digest -------------------------------------------------------------------------------------


def digest_partner(app: Flask, with_news: bool = True) -> tuple[int, str]:
    """A supplier's member; with_news adds a borough-wide need published in October 2026, so their digest has content."""
    from datetime import UTC, datetime

    from matchmaker.models import DigestDelivery, DigestStatus

    with app.app_context():
        org = make_organisation("Northway Construction Ltd", kind=OrganisationKind.SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, org, full_name="Sam Patel")
        if with_news:
            make_need(
                title="Kitchen porters for a lunch club",
                borough_wide=True,
                quantity=30,
                unit=Unit.HOURS,
                published_at=datetime(2026, 10, 14, 10, tzinfo=UTC),
            )
            refused = make_user(Role.GROUP_MEMBER, full_name="Pat Lee")
            db.session.add(
                DigestDelivery(
                    user_id=refused.id,
                    period="2026-10",
                    status=DigestStatus.FAILED,
                    email=refused.email,
                    attempts=1,
                    error="550 5.1.1 No such mailbox",
                )
            )
            db.session.commit()
        return user.id, user.email


@case("digest-subscription", "digest.subscription", "Your email digest")
def _(page, app):
    sign_in(page, digest_partner(app, with_news=False)[1])
    page.goto("/account/digest")


def _unsubscribe_link(app: Flask) -> str:
    from matchmaker.services.digest_subscriptions import make_unsubscribe_token

    user_id, _ = digest_partner(app, with_news=False)
    with app.app_context():
        return f"/digest/unsubscribe/{make_unsubscribe_token(db.session.get(User, user_id))}"


@case("digest-unsubscribe", "digest.unsubscribe", "Unsubscribe from the digest")
def _(page, app):
    page.goto(_unsubscribe_link(app))


@case("digest-unsubscribed", "digest.unsubscribe_now", "You have unsubscribed from the digest")
def _(page, app):
    page.goto(_unsubscribe_link(app))
    page.get_by_role("button", name="Unsubscribe").click()


simple(
    "digest-unsubscribe-invalid",
    "digest.unsubscribe",
    "/digest/unsubscribe/not-a-real-token",
    "This unsubscribe link is not valid",
    status=400,
)


@case("officer-digest", "digest.overview", "Email digest")
def _(page, app):
    digest_partner(app)
    sign_in(page, officer(app))
    page.goto("/officers/digests?period=2026-10")
    expect(page.get_by_role("main")).to_contain_text("550 5.1.1 No such mailbox")


@case("officer-digest-preview", "digest.preview", "Digest for Sam Patel")
def _(page, app):
    digest_partner(app)
    sign_in(page, officer(app))
    page.goto("/officers/digests?period=2026-10")
    page.get_by_role("link", name="Preview the digest for Sam Patel").click()
    expect(page.get_by_role("main")).to_contain_text("Kitchen porters for a lunch club")


@case("officer-digest-preview-empty", "digest.preview", "Digest for Sam Patel")
def _(page, app):
    user_id, _ = digest_partner(app, with_news=False)
    sign_in(page, officer(app))
    page.goto(f"/officers/digests/partners/{user_id}?period=2026-10")
    expect(page.get_by_role("main")).to_contain_text("will not be emailed")


@case("officer-digest-email", "digest.preview_email", "Your Brent social value digest for October 2026")
def _(page, app):
    """The email itself, as the partner will see it: the HTML part is held to the same standard as the site."""
    user_id, _ = digest_partner(app)
    sign_in(page, officer(app))
    page.goto(f"/officers/digests/partners/{user_id}?period=2026-10")
    page.get_by_role("link", name="Open the email as Sam Patel will see it").click()


# Impact reporting ----------------------------------------------------------------------------------------


def impact_borough(app: Flask) -> dict:
    from tests.helpers import impact_data

    with app.app_context():
        return impact_data.build()


@case("impact-dashboard", "impact.dashboard", "Social value impact")
def _(page, app):
    impact_borough(app)
    page.goto("/impact?period=year&year=2026&map=value")
    expect(page.get_by_role("img", name="Brent wards: verified value in pounds per 1,000 residents")).to_be_visible()


@case("impact-dashboard-officer-with-errors", "impact.dashboard", "Social value impact")
def _(page, app):
    impact_borough(app)
    sign_in(page, officer(app))
    page.goto("/impact?period=custom&start=1&start=6&start=2026")
    expect(page.get_by_role("alert")).to_contain_text("Enter the date to show figures to")
    expect(page.get_by_role("main")).to_contain_text("Needs still unmatched, and why")


@case("impact-dashboard-empty", "impact.dashboard", "Social value impact")
def _(page, app):
    page.goto("/impact?period=month")
    expect(page.get_by_role("main")).to_contain_text("Nothing in this period")


@case("impact-open-data", "impact.open_data", "Social value open data")
def _(page, app):
    page.goto("/impact/open-data")


@case("impact-annual-report", "impact.annual_report", "Annual Social Value Impact Report 2026 to 2027")
def _(page, app):
    impact_borough(app)
    page.goto("/impact/annual-report?year=2026")
    expect(page.get_by_role("main")).to_contain_text("The raised beds mean our older members can garden again.")


@case("impact-contract-statement", "impact.statement", "Social value statement: BC-C1")
def _(page, app):
    data = impact_borough(app)
    sign_in(page, data["supplier"])
    page.goto(f"/contracts/{data['c1']}/social-value-statement")


@case("officer-measures", "impact.measures", "Measures and proxy values")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/measures")
    expect(page.get_by_text("No measures yet.")).to_be_visible()


@case("officer-measures-with-errors", "impact.measures", "Measures and proxy values")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/measures")
    page.get_by_label("CSV file of measures", exact=True).set_input_files(
        {
            "name": "measures.csv",
            "mimeType": "text/csv",
            "buffer": b"code,name,unit,priority,proxy_value\nA1,Hours,weeks,9,\nA2,Donations,pounds,5,10\n",
        }
    )
    page.get_by_role("button", name="Upload measures").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")


@case("officer-measures-listed", "impact.measures", "Measures and proxy values")
def _(page, app):
    sign_in(page, officer(app))
    page.goto("/officers/measures")
    page.get_by_label("CSV file of measures", exact=True).set_input_files(
        {
            "name": "measures.csv",
            "mimeType": "text/csv",
            "buffer": b"code,name,unit,priority,proxy_value\nA1,Volunteer hours,hours,3,\nA2,Donations,pounds,5,1\n",
        }
    )
    page.get_by_role("button", name="Upload measures").click()
    expect(page.get_by_role("main")).to_contain_text("A2")


# The checks ----------------------------------------------------------------------------------------------


def _open(name: str, app: Flask, page: Page) -> None:
    """Open the case's page and check it is the page the case means, answered with the status it expects."""
    case_ = CASES[name]
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.is_navigation_request() else None)
    case_.open(page, app)
    expect(heading(page)).to_have_text(case_.h1)
    assert statuses and statuses[-1] == case_.status, f"{name}: the page answered {statuses[-1:]}"


@pytest.mark.parametrize("name", list(CASES))
def test_page_has_no_accessibility_violations(name, app, page, page_problems):
    _open(name, app, page)
    assert_accessible(page, name)
    assert page_problems == []
    assert_error_links_lead_to_fields(page, name)


def assert_error_links_lead_to_fields(page: Page, name: str) -> None:
    """axe does not follow links: click each error summary link and check it puts the cursor in the field it names.

    GOV.UK Frontend's error summary script focuses the element the link's fragment names, so the fragment has to
    be the id of the field itself: of a date input's day box (#needed_by-day), of a checkbox group's or radio
    group's first box, never of a wrapper that cannot take focus."""
    broken = []
    links = page.locator(".govuk-error-summary a")
    for n in range(links.count()):
        link = links.nth(n)
        href = link.get_attribute("href") or ""
        target = page.locator(f"[id='{href[1:]}']")
        if not href.startswith("#") or target.count() != 1:
            broken.append(f"{href} leads nowhere")
            continue
        link.click()
        if not target.evaluate("el => el === document.activeElement"):
            tag = target.evaluate("el => el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1)")
            broken.append(f"{href} does not put the cursor in a field (it names {tag})")
    if broken:
        pytest.fail(f"{name}: error summary links:\n" + "\n".join(broken), pytrace=False)


# On a phone-sized screen the service navigation folds into a "Menu" button, and 320 CSS pixels is the width
# WCAG 1.4.10 (reflow) asks pages to work at. A sample of page types, with the menu opened.
NARROW_SCREEN = [
    "home",
    "register-with-errors",
    "account",
    "officer-review-reject-without-reason",
    "admin-new-user",
    "browse-needs",
    "browse-needs-filtered",
    "my-needs-new",
    "impact-dashboard",
    "impact-annual-report",
]


@pytest.mark.parametrize("name", NARROW_SCREEN)
def test_page_has_no_accessibility_violations_on_a_narrow_screen(name, app, page, page_problems):
    page.set_viewport_size({"width": 320, "height": 640})
    _open(name, app, page)
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{name} scrolls sideways at 320px"
    assert_accessible(page, f"{name} (320px wide)")
    assert page_problems == []


def test_every_page_has_a_case(app):
    """Every page a browser can GET has at least one accessibility case."""
    from tests.integration.test_page_structure import NOT_PAGES

    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and not rule.rule.startswith("/api/")
    }  # the API answers JSON
    covered = {c.endpoint for c in CASES.values()}
    assert pages - covered == set(), "add an accessibility case for these pages"
