"""Needs: a group posts one, officers moderate it, the group edits, closes and reopens it, and its history shows it all."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Need,
    NeedStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    Unit,
    utcnow,
)
from tests.conftest import mailbox
from tests.helpers.builders import make_need, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

KILBURN, ALPERTON = "E05013503", "E05013496"


def _parts(day: date) -> list[str]:
    """A date as the three GOV.UK date inputs (day, month, year) send it: all under the field's one name."""
    return [str(day.day), str(day.month), str(day.year)]


def _in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


def good(**changes) -> dict:
    """A need form filled in as a group would, sent for approval."""
    return {
        "title": "Volunteers for our Saturday larder",
        "description": "Four people to pack and hand out food parcels.",
        "priorities": ["reducing-inequalities", "vcse-capacity"],
        "wards": [KILBURN, ALPERTON],
        "support_types": ["volunteering"],
        "quantity": "40",
        "unit": "hours",
        "needed_by": _parts(_in_days(30)),
        "recurring": "y",
        "submit": "Send for approval",
        **changes,
    }


def draft(**changes) -> dict:
    data = good(**changes)
    del data["submit"]
    return {**data, "save_draft": "Save as draft"}


@pytest.fixture
def group(app) -> dict:
    """An approved community group with two members."""
    with app.app_context():
        org = make_organisation("Kilburn Food Larder", wards=("Kilburn",))
        first = make_user(Role.GROUP_MEMBER, org, email="amara@larder.example.org", full_name="Amara Okafor")
        second = make_user(Role.GROUP_MEMBER, org, email="ben@larder.example.org", full_name="Ben Price")
        return {"org_id": org.id, "member_id": first.id, "emails": [first.email, second.email]}


@pytest.fixture
def member(client, group):
    """The group's first member, signed in with `client`."""
    sign_in(client, group["emails"][0])
    return client


@pytest.fixture
def officer(app) -> dict:
    """An officer, signed in on a client of their own."""
    with app.app_context():
        user = make_officer(full_name="Olive Officer")
        found = {"id": user.id, "client": app.test_client()}
        email = user.email
    sign_in(found["client"], email)
    return found


def _post_need(client, data: dict):
    return post_form(client, "/my-needs/new", data)


def _created_id(response) -> int:
    assert response.status_code == 302, error_messages(response)
    match = re.fullmatch(r"/my-needs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _need(app, need_id: int) -> Need:
    with app.app_context():
        need = db.session.get(Need, need_id)
        db.session.expunge(need)
        return need


def _needs_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need))


def _status_events(app, need_id: int) -> list[tuple]:
    """(from, to, actor id, note) of each status change of a need, oldest first."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor_id, AuditEvent.note)
                .where(
                    AuditEvent.subject_type == "need",
                    AuditEvent.subject_id == need_id,
                    AuditEvent.action == "need.status",
                )
                .order_by(AuditEvent.id)
            )
        ]


def _checked(response, name: str) -> list[str]:
    """Values of the checked checkboxes or radios called `name`."""
    html = response.get_data(as_text=True)
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags if re.search(r"\schecked\b", t)]


def _input_value(response, element_id: str) -> str:
    html = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', html)
    assert tag, f"no input {element_id}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# Posting a need ---------------------------------------------------------------------------------------------


def test_a_member_sends_a_need_for_approval(app, member, group):
    need_id = _created_id(_post_need(member, good()))

    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert "Your need has been sent to the brokerage team for approval." in page
    assert "Your need · Awaiting moderation" in page
    assert "A brokerage officer will check this need before it is published" in page
    for shown in (
        "Volunteers for our Saturday larder",
        "Four people to pack and hand out food parcels.",
        "Alperton, Kilburn",
        "40 hours",
        _in_days(30).strftime("%-d %B %Y"),
        "Regular need Yes",
    ):
        assert shown in page, shown

    need = _need(app, need_id)
    assert need.status is NeedStatus.AWAITING_MODERATION
    assert need.organisation_id == group["org_id"] and need.created_by_id == group["member_id"]
    assert (need.quantity, need.unit, need.needed_by, need.recurring, need.borough_wide) == (
        Decimal(40),
        Unit.HOURS,
        _in_days(30),
        True,
        False,
    )
    assert need.published_at is None
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert [p.slug for p in need.priorities] == ["reducing-inequalities", "vcse-capacity"]
        assert [w.ons_code for w in need.wards] == [ALPERTON, KILBURN]
        assert [t.slug for t in need.support_types] == ["volunteering"]
    assert _status_events(app, need_id) == [("draft", "awaiting_moderation", group["member_id"], "")]

    listing = text_of(member.get("/my-needs"))
    assert "Volunteers for our Saturday larder Awaiting moderation" in listing
    assert "Kilburn Food Larder has 1 of 5 live needs" in listing


def test_a_need_saved_as_draft_waits_until_it_is_sent(app, member, group, officer):
    need_id = _created_id(_post_need(member, draft()))
    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert "Your need has been saved as a draft." in page and "Your need · Draft" in page
    assert _need(app, need_id).status is NeedStatus.DRAFT
    assert "No needs are waiting for approval." in text_of(officer["client"].get("/officers/needs"))

    sent = post_form(member, f"/my-needs/{need_id}/submit", {}, form_url=f"/my-needs/{need_id}", follow_redirects=True)
    assert "Your need has been sent to the brokerage team for approval." in text_of(sent)
    assert _need(app, need_id).status is NeedStatus.AWAITING_MODERATION
    assert "Volunteers for our Saturday larder" in text_of(officer["client"].get("/officers/needs"))


def test_a_borough_wide_need_without_a_quantity(app, member):
    need_id = _created_id(_post_need(member, good(wards=["borough-wide"], quantity="", unit="", recurring="")))
    need = _need(app, need_id)
    assert (need.borough_wide, need.quantity, need.unit, need.recurring) == (True, None, None, False)
    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert "Where Borough-wide" in page and "Quantity Not given" in page and "Regular need No" in page


def test_a_need_can_be_needed_today(app, member):
    need_id = _created_id(_post_need(member, good(needed_by=_parts(date.today()))))
    assert _need(app, need_id).needed_by == date.today()


def test_an_empty_form_says_what_is_missing(app, member):
    response = _post_need(
        member,
        {"title": "", "description": "", "quantity": "", "needed_by": ["", "", ""], "submit": "Send for approval"},
    )
    assert response.status_code == 200
    assert error_messages(response) == [
        "Enter a title for the need",
        "Describe what you need",
        "Select at least one priority",
        "Select at least one ward, or borough-wide",
        "Select at least one type of support",
        "Enter the date you need it by",
    ]
    assert "There is a problem" in text_of(response)
    assert _needs_count(app) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "x" * 161}, "Title must be 160 characters or fewer"),
        ({"description": "x" * 5001}, "Description must be 5000 characters or fewer"),
        ({"quantity": "lots"}, "Quantity must be a number, like 20 or 7.5"),
        ({"quantity": "0"}, "Quantity must be more than 0"),
        ({"quantity": "-5"}, "Quantity must be more than 0"),
        ({"quantity": "7.555"}, "Quantity can have up to 2 decimal places"),
        ({"quantity": "40", "unit": ""}, "Select the unit of the quantity"),
        ({"quantity": "", "unit": "hours"}, "Enter the quantity, or clear the unit"),
        ({"unit": "parsecs"}, "Select a unit from the list"),
        ({"needed_by": ["31", "2", str(date.today().year + 1)]}, "Needed by must be a real date"),
        ({"needed_by": ["12", "13", str(date.today().year + 1)]}, "Needed by must be a real date"),
        ({"needed_by": ["1", "two", str(date.today().year + 1)]}, "Needed by must be a real date"),
        ({"needed_by": ["1", "6", ""]}, "Needed by must include a day, month and year"),
        ({"needed_by": _parts(date.today() - timedelta(days=1))}, "Needed by must be today or in the future"),
        ({"wards": ["borough-wide", KILBURN]}, "Select borough-wide or particular wards, not both"),
    ],
)
def test_a_need_with_a_mistake_is_refused_with_the_reason(app, member, changes, message):
    response = _post_need(member, good(**changes))
    assert response.status_code == 200
    assert error_messages(response) == [message]
    assert _needs_count(app) == 0


def test_a_title_of_exactly_160_characters_is_accepted(app, member):
    need_id = _created_id(_post_need(member, good(title="x" * 160)))
    assert _need(app, need_id).title == "x" * 160


def test_a_past_date_is_reported_with_the_other_mistakes(app, member):
    """GOV.UK forms list every problem at once, so people do not fix one only to be told of the next."""
    response = _post_need(member, good(title="", needed_by=_parts(date.today() - timedelta(days=1))))
    assert error_messages(response) == ["Enter a title for the need", "Needed by must be today or in the future"]


def test_what_was_typed_is_kept_after_an_error(member):
    year = str(date.today().year + 1)
    response = _post_need(member, good(title="x" * 161, quantity="lots", needed_by=["31", "2", year]))
    assert error_messages(response) == [
        "Title must be 160 characters or fewer",
        "Quantity must be a number, like 20 or 7.5",
        "Needed by must be a real date",
    ]
    assert _input_value(response, "title") == "x" * 161
    assert "Four people to pack and hand out food parcels." in response.get_data(as_text=True)
    assert _checked(response, "priorities") == ["reducing-inequalities", "vcse-capacity"]
    assert _checked(response, "wards") == [ALPERTON, KILBURN]
    assert _checked(response, "support_types") == ["volunteering"]
    assert _input_value(response, "quantity") == "lots"
    assert _checked(response, "unit") == ["hours"]
    assert [_input_value(response, f"needed_by-{part}") for part in ("day", "month", "year")] == ["31", "2", year]
    assert _checked(response, "recurring") == ["y"]


# The limit on live needs ------------------------------------------------------------------------------------


def test_an_organisation_may_have_only_so_many_live_needs(app, monkeypatch, member, group):
    monkeypatch.setitem(app.config, "MAX_LIVE_NEEDS", 2)
    first = _created_id(_post_need(member, good(title="First need")))
    assert "Your organisation has 1 of 2 live needs." in text_of(member.get("/my-needs/new"))
    assert "the most allowed" not in text_of(member.get("/my-needs/new"))
    _created_id(_post_need(member, good(title="Second need")))
    # Said before the form, with the way out: a draft can still be saved.
    assert (
        "Your organisation has 2 of 2 live needs. ! Warning Your organisation already has 2 live needs, the most "
        "allowed, so this need cannot be sent for approval yet. You can still write it and use “Save as draft”"
    ) in text_of(member.get("/my-needs/new"))

    refused = _post_need(member, good(title="Third need"))
    assert refused.status_code == 200
    [message] = error_messages(refused)
    assert message.startswith("Your organisation already has 2 live needs")
    assert _input_value(refused, "title") == "Third need"
    with app.app_context():
        assert db.session.scalar(select(Need).where(Need.title == "Third need")) is None

    # Closing one frees a place.
    post_form(member, f"/my-needs/{first}/close", {"note": ""}, form_url=f"/my-needs/{first}")
    assert _need(app, first).status is NeedStatus.CLOSED
    _created_id(_post_need(member, good(title="Third need")))


def test_drafts_do_not_count_towards_the_limit(app, monkeypatch, member):
    monkeypatch.setitem(app.config, "MAX_LIVE_NEEDS", 2)
    drafts = [_created_id(_post_need(member, draft(title=f"Draft {n}"))) for n in range(3)]
    _created_id(_post_need(member, good(title="Live one")))
    _created_id(_post_need(member, good(title="Live two")))
    assert "has 2 of 2 live needs" in text_of(member.get("/my-needs"))

    # Still possible to save another draft, but not to send one for approval.
    _created_id(_post_need(member, draft(title="Draft 4")))
    refused = post_form(
        member, f"/my-needs/{drafts[0]}/submit", {}, form_url=f"/my-needs/{drafts[0]}", follow_redirects=True
    )
    assert "Your organisation already has 2 live needs" in text_of(refused)
    assert _need(app, drafts[0]).status is NeedStatus.DRAFT


# Who may post and see needs ---------------------------------------------------------------------------------


def test_a_member_of_a_pending_organisation_cannot_post_needs_yet(app, client):
    with app.app_context():
        org = make_organisation("Queensbury Carers Circle", status=OrganisationStatus.PENDING)
        email = make_user(Role.GROUP_MEMBER, org).email
    sign_in(client, email)
    for url in ("/my-needs/new", "/my-needs"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Your organisation is waiting for approval" in text_of(response)
    token_page = "/account/password"
    response = post_form(client, "/my-needs/new", good(), form_url=token_page)
    assert response.status_code == 403
    assert _needs_count(app) == 0


def test_another_groups_need_does_not_exist_for_you(app, member):
    with app.app_context():
        other = make_need(make_organisation("Harlesden Youth Club"), title="Football coaches", status=NeedStatus.OPEN)
        other_id = other.id
    own_page = "/my-needs/new"  # for a CSRF token
    assert member.get(f"/my-needs/{other_id}").status_code == 404
    assert member.get(f"/my-needs/{other_id}/edit").status_code == 404
    for action, data in (
        ("edit", good(title="Taken over")),
        ("close", {"note": "Not yours"}),
        ("reopen", {}),
        ("submit", {}),
    ):
        response = post_form(member, f"/my-needs/{other_id}/{action}", data, form_url=own_page)
        assert response.status_code == 404, action
    need = _need(app, other_id)
    assert (need.title, need.status) == ("Football coaches", NeedStatus.OPEN)
    assert _status_events(app, other_id) == []
    assert "Football coaches" not in text_of(member.get("/my-needs"))


def test_suppliers_and_officers_have_no_needs_of_their_own(app, client, officer):
    with app.app_context():
        email = make_user(Role.SUPPLIER_MEMBER, make_organisation(kind=OrganisationKind.SUPPLIER)).email
    sign_in(client, email)
    for url in ("/my-needs", "/my-needs/new"):
        assert client.get(url).status_code == 403, url
        assert officer["client"].get(url).status_code == 403, url


# Moderation -------------------------------------------------------------------------------------------------


def test_officers_see_the_needs_waiting_for_approval(app, member, officer):
    waiting = _created_id(_post_need(member, good(title="Waiting need")))
    _created_id(_post_need(member, draft(title="Draft need")))
    with app.app_context():
        make_need(make_organisation("Other Group"), title="Already open need", status=NeedStatus.OPEN)

    response = officer["client"].get("/officers/needs")
    page = text_of(response)
    assert "1 need waiting" in page
    assert "Waiting need Kilburn Food Larder Alperton, Kilburn" in page
    assert "Draft need" not in page and "Already open need" not in page
    assert f'href="/officers/needs/{waiting}"' in response.get_data(as_text=True)

    review = text_of(officer["client"].get(f"/officers/needs/{waiting}"))
    assert "Kilburn Food Larder · Awaiting moderation" in review
    assert "Publish need" in review and "Return to the group" in review


def test_publishing_a_need_opens_it_and_tells_the_members(app, member, group, officer):
    need_id = _created_id(_post_need(member, good()))
    response = post_form(
        officer["client"], f"/officers/needs/{need_id}/publish", {}, form_url=f"/officers/needs/{need_id}"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/officers/needs"
    queue = text_of(officer["client"].get("/officers/needs"))
    assert "‘Volunteers for our Saturday larder’ is published." in queue
    assert "No needs are waiting for approval." in queue

    need = _need(app, need_id)
    assert need.status is NeedStatus.OPEN and need.published_at is not None
    assert _status_events(app, need_id)[-1] == ("awaiting_moderation", "open", officer["id"], "")

    messages = mailbox(app)
    assert sorted(m["To"] for m in messages) == sorted(group["emails"])
    for message in messages:
        assert message["Subject"] == "Your need is published: Volunteers for our Saturday larder"
        assert f"{app.config['BASE_URL']}/my-needs/{need_id}" in message.get_body(("plain",)).get_content()

    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert "Your need · Open" in page and "Awaiting moderation → open" in page and "by Olive Officer" in page


def test_an_officer_must_say_why_a_need_is_returned(app, member, officer):
    need_id = _created_id(_post_need(member, good()))
    response = post_form(
        officer["client"], f"/officers/needs/{need_id}/return", {"comment": "  "}, form_url=f"/officers/needs/{need_id}"
    )
    assert response.status_code == 200
    assert error_messages(response) == ["Enter a comment saying what the group should change"]
    assert _need(app, need_id).status is NeedStatus.AWAITING_MODERATION
    assert mailbox(app) == []


def test_a_returned_need_goes_back_to_the_group_who_change_it_and_send_it_again(app, member, group, officer):
    need_id = _created_id(_post_need(member, good(title="Help")))
    comment = "Please say what kind of help, and on which days."
    response = post_form(
        officer["client"],
        f"/officers/needs/{need_id}/return",
        {"comment": comment},
        form_url=f"/officers/needs/{need_id}",
    )
    assert response.status_code == 302
    assert "‘Help’ has been returned to Kilburn Food Larder." in text_of(officer["client"].get("/officers/needs"))

    need = _need(app, need_id)
    assert (need.status, need.moderation_comment) == (NeedStatus.DRAFT, comment)
    assert _status_events(app, need_id)[-1] == ("awaiting_moderation", "draft", officer["id"], comment)
    messages = mailbox(app)
    assert sorted(m["To"] for m in messages) == sorted(group["emails"])
    assert messages[0]["Subject"] == "Your need needs changes: Help"
    assert comment in messages[0].get_body(("plain",)).get_content()
    assert f"{app.config['BASE_URL']}/my-needs/{need_id}" in messages[0].get_body(("plain",)).get_content()

    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert f"The brokerage team returned this need: {comment}" in page
    assert "Your need · Draft" in page

    # The group changes it and sends it again: back in the queue, without the old comment.
    form = member.get(f"/my-needs/{need_id}/edit")
    assert _input_value(form, "title") == "Help"
    assert "Send for approval" in text_of(form)
    resent = post_form(member, f"/my-needs/{need_id}/edit", good(title="Saturday volunteers, 9am to 1pm"))
    assert resent.status_code == 302
    need = _need(app, need_id)
    assert (need.status, need.moderation_comment) == (NeedStatus.AWAITING_MODERATION, None)
    assert _status_events(app, need_id)[-1] == ("draft", "awaiting_moderation", group["member_id"], "")
    page = text_of(member.get(f"/my-needs/{need_id}"))
    assert "The brokerage team returned this need" not in page
    assert "Title: Help → Saturday volunteers, 9am to 1pm" in page
    assert "Saturday volunteers, 9am to 1pm" in text_of(officer["client"].get("/officers/needs"))


def test_only_a_need_awaiting_moderation_can_be_published(app, member, officer):
    need_id = _created_id(_post_need(member, draft()))
    response = post_form(
        officer["client"], f"/officers/needs/{need_id}/publish", {}, form_url="/officers/needs", follow_redirects=True
    )
    assert "A need that is draft cannot become open" in text_of(response)
    assert _need(app, need_id).status is NeedStatus.DRAFT
    assert mailbox(app) == []


# Editing, closing and reopening -----------------------------------------------------------------------------


@pytest.fixture
def open_need(app, group) -> int:
    """A published need of the group's: 40 hours, needed in 30 days."""
    with app.app_context():
        org = db.session.get(Organisation, group["org_id"])
        return make_need(
            org,
            title="Saturday larder volunteers",
            status=NeedStatus.OPEN,
            quantity=40,
            unit=Unit.HOURS,
            wards=("Kilburn",),
            priorities=("reducing-inequalities",),
            support_types=("volunteering",),
            needed_by=_in_days(30),
        ).id


def test_the_edit_form_starts_with_the_needs_values(member, open_need):
    form = member.get(f"/my-needs/{open_need}/edit")
    assert _input_value(form, "title") == "Saturday larder volunteers"
    assert _checked(form, "priorities") == ["reducing-inequalities"]
    assert _checked(form, "wards") == [KILBURN]
    assert _checked(form, "support_types") == ["volunteering"]
    assert (_input_value(form, "quantity"), _checked(form, "unit")) == ("40", ["hours"])
    day = _in_days(30)
    assert [_input_value(form, f"needed_by-{p}") for p in ("day", "month", "year")] == [
        f"{day.day:02d}",
        f"{day.month:02d}",
        str(day.year),
    ]
    # An open need is saved, not sent for approval again; the page says what rewording it does.
    assert "Save changes" in text_of(form) and "Send for approval" not in text_of(form)
    assert (
        "If you change the title or description, your need comes off the public list until a brokerage officer "
        "checks the new wording. Other changes are published straight away."
    ) in text_of(form)


def test_rewording_an_open_need_records_what_changed_and_sends_it_back_to_an_officer(app, member, group, open_need):
    data = good(
        title="Weekend larder volunteers",
        wards=[KILBURN],
        priorities=["reducing-inequalities"],
        quantity="60",
        recurring="",
        save_draft="Save changes",
    )
    del data["submit"]
    response = post_form(member, f"/my-needs/{open_need}/edit", data, follow_redirects=True)
    page = text_of(response)
    # New wording is checked before the public sees it again, and the group is told so.
    assert (
        "Your changes have been saved. Because you changed the title or description, your need is off the public "
        "list until a brokerage officer checks the new wording."
    ) in page
    assert "Your need · Awaiting moderation" in page
    assert "Changed" in page
    assert "Title: Saturday larder volunteers → Weekend larder volunteers" in page
    assert "Quantity: 40 hours → 60 hours" in page
    assert (
        "Description: We would welcome help from a local business. → Four people to pack and hand out food parcels."
    ) in page
    assert "Recurring:" not in page and "Wards:" not in page  # unchanged, so not listed
    assert "by Amara Okafor" in page
    assert "Reworded after publication" in page

    need = _need(app, open_need)
    assert (need.status, need.title, need.quantity) == (
        NeedStatus.AWAITING_MODERATION,
        "Weekend larder volunteers",
        Decimal(60),
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.updated"))
        assert event.actor_id == group["member_id"] and event.subject_id == open_need
        assert event.detail["changes"]["title"] == ["Saturday larder volunteers", "Weekend larder volunteers"]
    assert _status_events(app, open_need) == [
        ("open", "awaiting_moderation", group["member_id"], "Reworded after publication")
    ]


def test_changing_only_the_amount_of_an_open_need_keeps_it_open(app, member, open_need):
    data = {
        **good(
            title="Saturday larder volunteers",
            description="We would welcome help from a local business.",
            wards=[KILBURN],
            priorities=["reducing-inequalities"],
            quantity="60",
            recurring="",
        ),
        "save_draft": "Save changes",
    }
    del data["submit"]
    page = text_of(post_form(member, f"/my-needs/{open_need}/edit", data, follow_redirects=True))
    assert "Your need · Open" in page and "Quantity: 40 hours → 60 hours" in page
    assert "Your changes have been saved." in page and "off the public list" not in page
    assert _need(app, open_need).status is NeedStatus.OPEN


def test_saving_without_changes_records_nothing(app, member, open_need):
    data = {
        **good(
            title="Saturday larder volunteers",
            description="We would welcome help from a local business.",
            wards=[KILBURN],
            priorities=["reducing-inequalities"],
            recurring="",
        ),
        "save_draft": "Save changes",
    }
    del data["submit"]
    assert post_form(member, f"/my-needs/{open_need}/edit", data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.updated")) is None


def test_closing_and_reopening_a_need(app, member, group, open_need):
    closed = post_form(
        member,
        f"/my-needs/{open_need}/close",
        {"note": "We found volunteers ourselves."},
        form_url=f"/my-needs/{open_need}",
        follow_redirects=True,
    )
    page = text_of(closed)
    assert "Your need has been closed." in page and "Your need · Closed" in page
    assert "Open → closed" in page and "“We found volunteers ourselves.”" in page
    assert "Close this need" not in page and "Reopen" in page
    assert _need(app, open_need).status is NeedStatus.CLOSED

    # A closed need must be reopened before it can be changed.
    blocked = member.get(f"/my-needs/{open_need}/edit", follow_redirects=True)
    assert "Reopen this need before changing it." in text_of(blocked)

    reopened = post_form(
        member, f"/my-needs/{open_need}/reopen", {}, form_url=f"/my-needs/{open_need}", follow_redirects=True
    )
    assert "Your need has been reopened." in text_of(reopened) and "Your need · Open" in text_of(reopened)
    assert _need(app, open_need).status is NeedStatus.OPEN
    member_id = group["member_id"]
    assert _status_events(app, open_need) == [
        ("open", "closed", member_id, "We found volunteers ourselves."),
        ("closed", "open", member_id, ""),
    ]


def test_a_need_that_was_never_published_reopens_as_a_draft(app, member):
    need_id = _created_id(_post_need(member, draft()))
    post_form(member, f"/my-needs/{need_id}/close", {"note": ""}, form_url=f"/my-needs/{need_id}")
    assert _need(app, need_id).status is NeedStatus.CLOSED
    post_form(member, f"/my-needs/{need_id}/reopen", {}, form_url=f"/my-needs/{need_id}")
    assert _need(app, need_id).status is NeedStatus.DRAFT


@pytest.fixture
def expired_need(app, group) -> int:
    """A published need whose needed-by date passed three days ago, so the daily job expired it."""
    with app.app_context():
        org = db.session.get(Organisation, group["org_id"])
        return make_need(
            org, title="Winter coats", status=NeedStatus.EXPIRED, needed_by=_in_days(-3), published_at=utcnow()
        ).id


def test_an_expired_need_cannot_be_reopened_until_its_date_is_moved(app, member, expired_need):
    page = text_of(member.get(f"/my-needs/{expired_need}"))
    assert "This need expired on its needed-by date." in page
    response = post_form(
        member, f"/my-needs/{expired_need}/reopen", {}, form_url=f"/my-needs/{expired_need}", follow_redirects=True
    )
    assert "Change the needed-by date to a date in the future before reopening this need" in text_of(response)
    assert _need(app, expired_need).status is NeedStatus.EXPIRED
    assert _status_events(app, expired_need) == []


def test_moving_the_date_of_an_expired_need_opens_it_again(app, member, group, expired_need):
    new_date = _in_days(14)
    data = {
        **good(
            title="Winter coats",
            description="We would welcome help from a local business.",
            priorities=["good-jobs"],
            wards=[KILBURN],
            quantity="",
            unit="",
            recurring="",
            needed_by=_parts(new_date),
        ),
        "save_draft": "Save changes",
    }
    del data["submit"]
    response = post_form(member, f"/my-needs/{expired_need}/edit", data, follow_redirects=True)
    page = text_of(response)
    assert "Your need · Open" in page
    assert f"Needed by: {_in_days(-3):%-d %B %Y} → {new_date:%-d %B %Y}" in page
    need = _need(app, expired_need)
    assert (need.status, need.needed_by) == (NeedStatus.OPEN, new_date)
    assert _status_events(app, expired_need) == [("expired", "open", group["member_id"], "Needed-by date extended")]


def test_an_expired_need_given_another_past_date_stays_expired(app, member, expired_need):
    data = {**good(needed_by=_parts(_in_days(-1))), "save_draft": "Save changes"}
    del data["submit"]
    response = post_form(member, f"/my-needs/{expired_need}/edit", data)
    assert error_messages(response) == ["Needed by must be today or in the future"]
    assert _need(app, expired_need).status is NeedStatus.EXPIRED
