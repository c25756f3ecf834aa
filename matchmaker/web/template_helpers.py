"""Template globals and filters shared by every page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, url_for
from flask_login import current_user

from matchmaker.models import DigestFrequency, DigestStatus, Role

LONDON = ZoneInfo("Europe/London")


def format_date(value: datetime | date | None) -> str:
    """24 November 2026: a timestamp in London time, or a calendar date as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return value.strftime("%-d %B %Y")


def format_datetime(value: datetime | None) -> str:
    return (
        value.astimezone(LONDON).strftime("%-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm")
        if value
        else ""
    )


def external_url(endpoint: str, **values) -> str:
    """A full link for an email, on the site's configured address (BASE_URL).

    Never url_for(..., _external=True) in a link we email: that takes the host from the request's Host header,
    so anyone could ask for a reset of someone else's password and have the emailed link point at their own site.
    """
    base = current_app.config["BASE_URL"]
    if current_app.config.get("BASE_URL_FROM_REQUEST") and has_request_context():
        base = request.host_url  # development only (see config): the address this server was reached on
    return base.rstrip("/") + url_for(endpoint, **values)


def wtforms_errors(form, params=None):
    """govuk_frontend_wtf's error summary, but a date's link goes to its day box: GOV.UK links each error to the
    first input of its field, and a date input's wrapper cannot take focus."""
    from govuk_frontend_wtf.main import wtforms_errors as summary_of

    from matchmaker.web.tag_fields import GovDateField

    summary = summary_of(form, params or {})
    dates = {f"#{field.id}": f"#{field.name}-day" for field in form if isinstance(field, GovDateField)}
    for item in summary["errorList"]:
        item["href"] = dates.get(item["href"], item["href"])
    return summary


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """1 need, 2 needs."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def navigation() -> list[dict]:
    """The service navigation for the signed-in user's role, with the current section marked."""
    items: list[tuple[str, str]] = [("Home", "public.home"), ("Needs", "browse.needs"), ("Impact", "impact.dashboard")]
    if current_user.is_authenticated:
        items.append(("Offers", "browse.offers"))
        if current_user.is_officer:
            items.append(("Organisations", "officers.organisations"))
            items.append(("Needs to approve", "officers.needs_queue"))
            items.append(("Queue", "officers.queue"))
            items.append(("Proposals", "officers.matching"))  # the engine's suggestions, need by need
            items.append(("Matches", "officers.matches"))  # approved matches, in progress
            items.append(("Digest", "digest.overview"))
            items.append(("Contracts", "remedial.contracts"))
        if current_user.role is Role.ADMIN:
            items.append(("Users", "admin.users"))
        if current_user.role is Role.GROUP_MEMBER:
            items.append(("Your needs", "groups.needs"))
        if current_user.role is Role.SUPPLIER_MEMBER:
            items.append(("Your contracts", "suppliers.contracts"))
            items.append(("Your pledges", "suppliers.pledges"))
            items.append(("Your matches", "suppliers.matches"))
        if current_user.is_member:
            items.append(("Your organisation", "account.organisation"))
        items.append(("Your account", "account.overview"))
    else:
        items += [("Register", "auth.register"), ("Sign in", "auth.sign_in")]
    current = request.endpoint or ""
    section = SECTION_OF.get(current, current)
    return [{"text": text, "href": url_for(endpoint), "active": section == endpoint} for text, endpoint in items]


# Pages that belong under a navigation item, so the item stays marked while someone works inside it.
SECTION_OF = {
    "officers.review": "officers.organisations",
    "officers.need_review": "officers.needs_queue",
    "officers.unmatched": "officers.matching",
    "officers.ward_weights": "officers.matching",
    "officers.decision": "officers.queue",
    "officers.match": "officers.matches",
    "officers.pledges_queue": "officers.queue",
    "remedial.plan": "remedial.contracts",
    "remedial.open_plan": "remedial.contracts",
    "admin.new_user": "admin.users",
    "groups.need": "groups.needs",
    "groups.new_need": "groups.needs",
    "groups.edit_need": "groups.needs",
    "suppliers.contract": "suppliers.contracts",
    "suppliers.new_contract": "suppliers.contracts",
    "suppliers.edit_contract": "suppliers.contracts",
    "suppliers.new_offer": "suppliers.contracts",
    "suppliers.edit_offer": "suppliers.contracts",
    "suppliers.pledge": "suppliers.pledges",
    "suppliers.match": "suppliers.matches",
    "account.details": "account.overview",
    "account.change_password": "account.overview",
    "account.edit_organisation": "account.organisation",
    "account.api_tokens_page": "account.overview",
    "browse.need": "browse.needs",
    "browse.offer": "browse.offers",
    "digest.preview": "digest.overview",
    "digest.subscription": "account.overview",
    "impact.open_data": "impact.dashboard",
    "impact.annual_report": "impact.dashboard",
    "impact.measures": "impact.dashboard",
}


def init_app(app: Flask) -> None:
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_global(navigation)
    app.add_template_global(wtforms_errors)  # replaces the library's: see above
    app.add_template_filter(plural)
    app.add_template_global(external_url)
    app.add_template_global(Role)
    app.add_template_global(DigestFrequency)
    app.add_template_global(DigestStatus)
