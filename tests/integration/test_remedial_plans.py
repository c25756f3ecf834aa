"""Remedial plans: opened for a contract behind, escalated while it stays behind, closed once back on track.

The contract manager is emailed at each step; the supplier sees the plan read-only; nobody else sees it at all.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Delivery,
    Match,
    MatchStatus,
    OrganisationKind,
    PlanStatus,
    RemedialPlan,
    Role,
)
from tests.conftest import mailbox
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

MANAGER = "jo.manager@brent.example.org"


def _contract_behind(app) -> dict:
    """Half-way through its year with nothing verified of its 100 hours: at risk."""
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        start = date.today() - timedelta(days=183)
        contract = make_contract(
            supplier,
            ref="BC-2026-0500",
            title="Housing repairs",
            start_date=start,
            end_date=start + timedelta(days=366),
            manager_email=MANAGER,
        )
        offer = make_offer(contract, title="Staff volunteering", quantity=100)
        return {
            "contract": contract.id,
            "offer": offer.id,
            "supplier": supplier_email,
            "officer": make_officer(full_name="Olive Officer").email,
        }


def _catch_up(app, offer_id: int, hours: int) -> None:
    """Verified delivery, as if through the whole match flow, so the contract's state moves."""
    with app.app_context():
        from matchmaker.models import Offer

        offer = db.session.get(Offer, offer_id)
        match = Match(
            need=make_need(), offer=offer, quantity=Decimal(hours), status=MatchStatus.VERIFIED, source="engine"
        )
        db.session.add_all(
            [
                match,
                Delivery(
                    match=match,
                    quantity=Decimal(hours),
                    delivered_on=date.today(),
                    received_quantity=Decimal(hours),
                    verified_quantity=Decimal(hours),
                ),
            ]
        )
        offer.allocated = Decimal(hours)
        db.session.commit()


def _due(days: int = 14) -> list[str]:
    day = date.today() + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def _open(client, contract_id: int, **overrides):
    data = {
        "problem": "No volunteering delivered in six months.",
        "description": "Agree a volunteering calendar",
        "owner": "Sam at Brentside",
        "due_on": _due(),
        **overrides,
    }
    url = f"/officers/contracts/{contract_id}/remedial-plan/new"
    return post_form(client, url, data, form_url=url)


def _plan_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(RemedialPlan.id))


def _sent_to_manager(app) -> list:
    return [m for m in mailbox(app) if m["To"] == MANAGER]


def test_an_officer_opens_a_plan_for_a_contract_behind_and_the_manager_is_emailed(app, client):
    ids = _contract_behind(app)
    sign_in(client, ids["officer"])
    contract_page = text_of(client.get(f"/contracts/{ids['contract']}"))
    assert "This contract is at risk. Following the policy, the first step is a remedial plan." in contract_page

    opening = client.get(f"/officers/contracts/{ids['contract']}/remedial-plan/new").get_data(as_text=True)
    assert '">At risk</strong>: 50% of its time' in opening  # the colon right after the tag, not "At risk :"

    empty = _open(client, ids["contract"], problem="", description="", owner="", due_on=["", "", ""])
    assert error_messages(empty) == [
        "Enter what is behind and why",
        "Enter what will be done",
        "Enter who will do it",
        "Enter the date it is due",
    ]
    yesterday = date.today() - timedelta(days=1)
    past = _open(client, ids["contract"], due_on=[str(yesterday.day), str(yesterday.month), str(yesterday.year)])
    assert error_messages(past) == ["The due date must be today or in the future"]
    assert _sent_to_manager(app) == []

    response = _open(client, ids["contract"])
    assert response.status_code == 302
    plan_id = _plan_id(app)
    assert response.headers["Location"] == f"/officers/remedial-plans/{plan_id}"
    page = text_of(client.get(response.headers["Location"]))
    assert "Remedial plan opened. The contract manager (jo.manager@brent.example.org) has been emailed." in page
    assert "Agree a volunteering calendar Sam at Brentside" in page and "To do" in page
    [email] = _sent_to_manager(app)
    assert email["Subject"] == "Remedial plan opened: contract BC-2026-0500"
    body = email.get_body(("plain",)).get_content()
    assert "Agree a volunteering calendar (owner: Sam at Brentside" in body
    assert f"{app.config['BASE_URL']}/officers/remedial-plans/{plan_id}" in body
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.subject_type == "remedialplan", AuditEvent.to_state == "open")
        )
        assert event.note == "No volunteering delivered in six months." and event.actor.full_name == "Olive Officer"

    # A second plan cannot be opened while one is in force: the page leads to the plan in force instead.
    again = client.get(f"/officers/contracts/{ids['contract']}/remedial-plan/new")
    assert again.headers["Location"] == f"/officers/remedial-plans/{plan_id}"


def test_actions_escalation_and_closing_follow_the_contract_state(app, client):
    ids = _contract_behind(app)
    sign_in(client, ids["officer"])
    _open(client, ids["contract"])
    plan_id = _plan_id(app)
    url = f"/officers/remedial-plans/{plan_id}"

    added = post_form(
        client,
        f"{url}/actions",
        {"description": "Send the site rota", "owner": "Council officer", "due_on": _due(7)},
        form_url=url,
        follow_redirects=True,
    )
    assert "Action added to the plan." in text_of(added)
    with app.app_context():
        first_action = db.session.get(RemedialPlan, plan_id).actions[0].id
    done = post_form(client, f"{url}/actions/{first_action}/done", {}, form_url=url, follow_redirects=True)
    assert "Marked as done: Send the site rota" in text_of(done)
    twice = post_form(client, f"{url}/actions/{first_action}/done", {}, form_url=url, follow_redirects=True)
    assert "This action is already done" in text_of(twice)

    assert error_messages(post_form(client, f"{url}/escalate", {}, form_url=url)) == [
        "Select the level it is escalated to",
        "Enter the name or role of who it is escalated to",
        "Enter why it is being escalated",
    ]
    escalation = {
        "level": "head_of_service",
        "escalated_to": "Priya Shah, Head of Housing",
        "reason": "No dates agreed after four weeks",
    }
    response = post_form(client, f"{url}/escalate", escalation, form_url=url, follow_redirects=True)
    assert "Escalated to Priya Shah, Head of Housing. The contract manager has been emailed." in text_of(response)
    assert "Escalated: Level 1: the commissioning head of service" in text_of(response)
    assert error_messages(post_form(client, f"{url}/escalate", escalation, form_url=url)) == [
        "The plan is already escalated to level 1: select a higher level"
    ]
    post_form(
        client,
        f"{url}/escalate",
        {**escalation, "level": "director", "escalated_to": "Director of Housing"},
        form_url=url,
    )

    # Not closed while the contract is behind: no close form is offered, and a hand-made request is told why.
    assert "Close the plan" not in text_of(client.get(url))
    refused = post_form(client, f"{url}/close", {"note": "Giving up"}, form_url=url, follow_redirects=True)
    assert "Contract BC-2026-0500 is still at risk: close the plan once it is back on track" in text_of(refused)

    _catch_up(app, ids["offer"], 50)  # 50% verified, 50% of the time gone: on track
    page = text_of(client.get(url))
    assert "Close the plan" in page and "Escalate" not in page.split("Add an action")[1].split("Timeline")[0]
    closed = post_form(
        client, f"{url}/close", {"note": "Rota running since last month"}, form_url=url, follow_redirects=True
    )
    assert "The remedial plan is closed. The contract manager has been emailed." in text_of(closed)
    with app.app_context():
        plan = db.session.get(RemedialPlan, plan_id)
        assert plan.status is PlanStatus.CLOSED and plan.closing_note == "Rota running since last month"
        assert [e.level.value for e in plan.escalations] == ["head_of_service", "director"]
    assert [m["Subject"] for m in _sent_to_manager(app)] == [
        "Remedial plan opened: contract BC-2026-0500",
        "Remedial plan escalated: contract BC-2026-0500",
        "Remedial plan escalated: contract BC-2026-0500",
        "Remedial plan closed: contract BC-2026-0500",
    ]
    escalated_email = _sent_to_manager(app)[1].get_body(("plain",)).get_content()
    assert "Escalated to: Priya Shah, Head of Housing (Level 1: the commissioning head of service)" in escalated_email

    timeline = text_of(client.get(url)).split("Timeline")[1]
    for step in (
        "New → open",
        "Action added",
        "Action done",
        "Open → escalated",
        "Escalated → escalated",
        "Escalated → closed",
    ):
        assert step in timeline
    # A closed plan takes no more actions.
    late = post_form(
        client,
        f"{url}/actions",
        {"description": "More", "owner": "Me", "due_on": _due()},
        form_url=url,
        follow_redirects=True,
    )
    assert "This remedial plan is closed: open a new one if the contract falls behind again" in text_of(late)


def test_no_plan_for_a_contract_on_track_and_never_two_in_force(app, client):
    ids = _contract_behind(app)
    _catch_up(app, ids["offer"], 60)
    sign_in(client, ids["officer"])
    assert "Open a remedial plan" not in text_of(client.get(f"/contracts/{ids['contract']}"))
    response = _open(client, ids["contract"])
    assert "Contract BC-2026-0500 is on track: a remedial plan is for a contract that is behind or at risk" in text_of(
        response
    )
    with app.app_context():
        assert db.session.scalar(select(RemedialPlan)) is None
        # Whatever the application does, the database holds at most one plan in force per contract.
        for _ in range(2):
            db.session.add(RemedialPlan(contract_id=ids["contract"], problem="x", state_when_opened="Behind"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_supplier_sees_its_plan_read_only_and_nobody_else_sees_it(app, client):
    ids = _contract_behind(app)
    officer = app.test_client()
    sign_in(officer, ids["officer"])
    _open(officer, ids["contract"])
    plan_id = _plan_id(app)
    with app.app_context():
        other_supplier = make_user(
            Role.SUPPLIER_MEMBER, make_organisation("Other Ltd", kind=OrganisationKind.SUPPLIER)
        ).email
        group = make_user(Role.GROUP_MEMBER).email

    sign_in(client, ids["supplier"])
    page = client.get(f"/contracts/{ids['contract']}")
    assert "Remedial plan" in text_of(page) and "Agree a volunteering calendar" in text_of(page)
    assert "Mark as done" not in text_of(page) and "remedial-plans" not in page.get_data(as_text=True)
    assert client.get(f"/officers/remedial-plans/{plan_id}").status_code == 403

    stranger, outsider, anonymous = app.test_client(), app.test_client(), app.test_client()
    sign_in(stranger, other_supplier), sign_in(outsider, group)
    assert stranger.get(f"/contracts/{ids['contract']}").status_code == 404
    assert outsider.get(f"/contracts/{ids['contract']}").status_code == 403
    for who, token_page in (
        (client, "/account"),
        (stranger, "/account"),
        (outsider, "/account"),
        (anonymous, "/sign-in"),
    ):
        for path in (
            f"/officers/remedial-plans/{plan_id}",
            f"/officers/contracts/{ids['contract']}/remedial-plan/new",
            "/officers/contracts",
        ):
            assert who.get(path).status_code == (302 if who is anonymous else 403)
        # With a valid CSRF token, so it is the access rule that refuses.
        for path, data in (
            (f"/officers/remedial-plans/{plan_id}/escalate", {"level": "director", "escalated_to": "X", "reason": "Y"}),
            (f"/officers/remedial-plans/{plan_id}/actions/1/done", {}),
        ):
            response = post_form(who, path, data, form_url=token_page)
            assert response.status_code == (302 if who is anonymous else 403)
    with app.app_context():
        assert db.session.get(RemedialPlan, plan_id).status is PlanStatus.OPEN


def test_officers_list_contracts_behind_with_their_plans(app, client):
    ids = _contract_behind(app)
    with app.app_context():
        make_contract(make_organisation("Greenline Ltd", kind=OrganisationKind.SUPPLIER), ref="BC-2026-0600")
    sign_in(client, ids["officer"])
    everything = text_of(client.get("/officers/contracts"))
    assert "BC-2026-0500" in everything and "BC-2026-0600" in everything and "Open a plan" in everything
    behind = text_of(client.get("/officers/contracts?show=behind"))
    assert "BC-2026-0500" in behind and "BC-2026-0600" not in behind
    _open(client, ids["contract"])
    assert "Open remedial plan for BC-2026-0500" in text_of(client.get("/officers/contracts?show=behind"))
