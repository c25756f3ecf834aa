"""Responding to an introduction: each side says it is in touch; officers are alerted once when one does not;
the side that did respond can ask for a new match, and that pairing is not proposed again."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Offer,
    OrganisationKind,
    Proposal,
    Role,
    Unit,
)
from matchmaker.services import brokerage, matching, responses
from matchmaker.services.working_days import add_working_days
from tests.conftest import mailbox
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of


def _introduced(app, days_ago: int = 0) -> dict:
    """An introduced match between Kilburn Larder and Brentside Builders, introduced `days_ago` days ago, with a
    second offer the engine could propose instead."""
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        group_email = make_user(Role.GROUP_MEMBER, group, email="grace@example.org").email
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier, email="lucy@example.org").email
        need = make_need(
            organisation=group,
            title="Volunteers for our larder",
            description="Volunteers to sort food",
            quantity=10,
            unit=Unit.HOURS,
        )
        offer = make_offer(
            supplier=supplier,
            title="Staff volunteering",
            description="Staff volunteers",
            quantity=40,
            borough_wide=True,
        )
        other = make_offer(
            title="Warehouse volunteers", description="Staff volunteers to sort food", quantity=40, borough_wide=True
        )
        officers = [make_officer(email="olive@example.org"), make_officer(email="owen@example.org")]
        match = brokerage.approve(need, offer, officers[0], Decimal(8))
        brokerage.move(match, MatchStatus.INTRODUCED, officers[0])
        match.introduced_at -= timedelta(days=days_ago)
        db.session.commit()
        return {
            "match": match.id,
            "need": need.id,
            "offer": offer.id,
            "other_offer": other.id,
            "group": group_email,
            "supplier": supplier_email,
            "officer": officers[0].email,
        }


def _clients(app, ids):
    group, supplier, officer = app.test_client(), app.test_client(), app.test_client()
    sign_in(group, ids["group"]), sign_in(supplier, ids["supplier"]), sign_in(officer, ids["officer"])
    return group, supplier, officer


def _group_respond(client, ids, follow=True):
    return post_form(
        client,
        f"/my-needs/{ids['need']}/matches/{ids['match']}/respond",
        {},
        form_url=f"/my-needs/{ids['need']}",
        follow_redirects=follow,
    )


def test_each_side_says_it_has_been_in_touch_by_the_deadline(app):
    ids = _introduced(app)
    group, supplier, officer = _clients(app, ids)
    due = add_working_days(date.today(), 10)
    page = text_of(group.get(f"/my-needs/{ids['need']}"))
    assert f"Contact Brentside Builders Ltd by {due.day} {due:%B %Y}" in page
    assert "We have been in touch with Brentside Builders Ltd" in page

    assert "We have noted that you are in touch." in text_of(_group_respond(group, ids))
    page = text_of(group.get(f"/my-needs/{ids['need']}"))
    assert "You told us on" in page and "We have been in touch with Brentside Builders Ltd" not in page
    assert "You have already told us you have been in touch" in text_of(_group_respond(group, ids))
    assert f"Waiting for Brentside Builders Ltd to say they have been in touch, by {due.day} {due:%B %Y}" in text_of(
        officer.get(f"/officers/matches/{ids['match']}")
    )

    post_form(supplier, f"/my-matches/{ids['match']}/respond", {}, form_url=f"/my-matches/{ids['match']}")
    page = text_of(officer.get(f"/officers/matches/{ids['match']}"))
    assert "Both sides have said they are in touch." in page
    assert "Kilburn Larder has been in touch" in page and "Brentside Builders Ltd has been in touch" in page


def test_the_introduction_email_gives_the_deadline_and_the_link(app, client):
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        make_user(Role.GROUP_MEMBER, group, email="grace@example.org")
        need = make_need(organisation=group, title="Volunteers for our larder", quantity=10, unit=Unit.HOURS)
        offer = make_offer(title="Staff volunteering", quantity=40, borough_wide=True)
        pledge_id, need_id = _pledge(need, offer), need.id
        officer = make_officer().email
    sign_in(client, officer)
    post_form(
        client,
        f"/officers/queue/pledge/{pledge_id}/approve",
        {"quantity": "8"},
        form_url=f"/officers/queue/pledge/{pledge_id}",
    )
    [to_group] = [m for m in mailbox(app) if m["To"] == "grace@example.org"]
    body = to_group.get_body(("plain",)).get_content()
    due = add_working_days(date.today(), 10)
    assert f"by {due.day} {due:%B %Y} (10 working days)" in body
    assert f"{app.config['BASE_URL']}/my-needs/{need_id}" in body


def _pledge(need, offer) -> int:
    from matchmaker.models import Pledge, PledgeStatus

    pledge = Pledge(need=need, offer=offer, quantity=Decimal(8), status=PledgeStatus.PENDING)
    db.session.add(pledge)
    db.session.commit()
    return pledge.id


def test_chase_alerts_every_officer_once_per_overdue_match(app, runner):
    overdue = _introduced(app, days_ago=20)
    with app.app_context():
        # Introduced 3 working days ago: not overdue yet.
        recent = brokerage.approve(make_need(), make_offer(), make_officer(), Decimal(1))
        brokerage.move(recent, MatchStatus.INTRODUCED, None)
        db.session.commit()

    result = runner.invoke(args=["matches", "chase"])
    assert result.exit_code == 0, result.output
    assert "[1/1] alerting officers: no response from Kilburn Larder and Brentside Builders Ltd" in result.output
    assert result.output.strip().endswith(
        "Done: 1 matches overdue for a response, 1 newly reported to 3 officers, "
        "0 reported before, 0 alerts could not be sent."
    )
    alerts = [m for m in mailbox(app) if m["Subject"] == "No response to an introduction: Volunteers for our larder"]
    assert sorted(m["To"] for m in alerts)[:2] == ["olive@example.org", "owen@example.org"] and len(alerts) == 3
    body = alerts[0].get_body(("plain",)).get_content()
    assert f"{app.config['BASE_URL']}/officers/matches/{overdue['match']}" in body

    again = runner.invoke(args=["matches", "chase"])
    assert "0 newly reported to 3 officers, 1 reported before" in again.output
    assert len([m for m in mailbox(app) if m["Subject"].startswith("No response")]) == 3  # nothing new
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.note).where(AuditEvent.action == "match.chased")) == (
            "No response from Kilburn Larder and Brentside Builders Ltd within 10 working days: officers alerted"
        )


def test_the_response_time_is_configurable_in_working_days(app, runner):
    _introduced(app, days_ago=4)
    friday = date.today() + timedelta(days=(4 - date.today().weekday()) % 7)  # 4 to 10 days after the introduction
    assert "0 matches overdue" in runner.invoke(args=["matches", "chase", "--today", friday.isoformat()]).output
    app.config["RESPONSE_WORKING_DAYS"] = 2
    try:
        result = runner.invoke(args=["matches", "chase", "--today", friday.isoformat()])
        assert "(2 working days to respond)" in result.output and "1 matches overdue" in result.output
    finally:
        app.config["RESPONSE_WORKING_DAYS"] = 10


def test_officers_see_overdue_matches_flagged(app):
    ids = _introduced(app, days_ago=20)
    _, _, officer = _clients(app, ids)
    assert "1 introduction has had no response in time." in text_of(officer.get("/officers/queue"))
    listing = text_of(officer.get("/officers/matches?show=overdue"))
    assert (
        "Staff volunteering for Volunteers for our larder" in listing and "No response from Kilburn Larder" in listing
    )
    assert "No response from Kilburn Larder and Brentside Builders Ltd by" in text_of(
        officer.get(f"/officers/matches/{ids['match']}")
    )


def test_the_side_that_responded_asks_for_a_new_match(app):
    ids = _introduced(app, days_ago=20)
    group, supplier, officer = _clients(app, ids)
    # Nobody may ask before they have responded themselves, nor while the other side still has time.
    refused = post_form(
        supplier,
        f"/my-matches/{ids['match']}/new-match",
        {},
        form_url=f"/my-matches/{ids['match']}",
        follow_redirects=True,
    )
    assert "Tell us you have been in touch before asking for a new match" in text_of(refused)
    _group_respond(group, ids)
    page = text_of(group.get(f"/my-needs/{ids['need']}"))
    assert "Brentside Builders Ltd has not responded by" in page and "Ask for a new match" in page
    assert "Ask for a new match" not in text_of(supplier.get(f"/my-matches/{ids['match']}"))

    response = post_form(
        group,
        f"/my-needs/{ids['need']}/matches/{ids['match']}/new-match",
        {},
        form_url=f"/my-needs/{ids['need']}",
        follow_redirects=True,
    )
    assert (
        "This match has ended. The brokerage team have been told and will look for a new match: your need is "
        "open for other offers." in text_of(response)
    )
    assert "This match ended because no response from Brentside Builders Ltd." in text_of(response)
    with app.app_context():
        match = db.session.get(Match, ids["match"])
        assert (match.status, match.no_response_from) == (MatchStatus.CANCELLED, "supplier")
        assert db.session.get(Offer, ids["offer"]).allocated == 0  # the 8 hours are back on the offer
        assert db.session.get(Need, ids["need"]).status is NeedStatus.OPEN
        proposed = set(db.session.scalars(select(Proposal.offer_id).where(Proposal.need_id == ids["need"])))
        assert ids["other_offer"] in proposed and ids["offer"] not in proposed
        matching.refresh_all()  # and the nightly run does not bring the pairing back either
        assert ids["offer"] not in set(
            db.session.scalars(select(Proposal.offer_id).where(Proposal.need_id == ids["need"]))
        )
    told = [m for m in mailbox(app) if m["Subject"] == "New match asked for: no response from Brentside Builders Ltd"]
    assert sorted(m["To"] for m in told) == ["olive@example.org", "owen@example.org"]
    assert "8 hours returned to the offer" in told[0].get_body(("plain",)).get_content()
    timeline = text_of(officer.get(f"/officers/matches/{ids['match']}")).split("Timeline")[1]
    assert "Introduced → cancelled" in timeline and "Kilburn Larder asked for a new match" in timeline
    again = post_form(
        group,
        f"/my-needs/{ids['need']}/matches/{ids['match']}/new-match",
        {},
        form_url=f"/my-needs/{ids['need']}",
        follow_redirects=True,
    )
    assert "This match has already been ended: it is cancelled" in text_of(again)


def test_no_new_match_before_the_deadline(app):
    ids = _introduced(app, days_ago=1)
    group, _, _ = _clients(app, ids)
    _group_respond(group, ids)
    with app.app_context():
        due = responses.deadline(db.session.get(Match, ids["match"]))
    response = post_form(
        group,
        f"/my-needs/{ids['need']}/matches/{ids['match']}/new-match",
        {},
        form_url=f"/my-needs/{ids['need']}",
        follow_redirects=True,
    )
    assert f"Brentside Builders Ltd has until {due.day} {due:%B %Y} to respond" in text_of(response)
    with app.app_context():
        assert db.session.get(Match, ids["match"]).status is MatchStatus.INTRODUCED


def test_reporting_a_delivery_counts_as_the_suppliers_response(app):
    ids = _introduced(app, days_ago=20)
    _, supplier, _ = _clients(app, ids)
    day = date.today()
    post_form(
        supplier,
        f"/my-matches/{ids['match']}/deliveries",
        {"quantity": "2", "delivered_on": [str(day.day), str(day.month), str(day.year)]},
        form_url=f"/my-matches/{ids['match']}",
    )
    with app.app_context():
        match = db.session.get(Match, ids["match"])
        assert match.status is MatchStatus.IN_DELIVERY and match.supplier_responded_at is not None
        assert responses.overdue_matches() == []
