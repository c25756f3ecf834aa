"""Suppliers pledge part of an offer to an open need; the pledge waits for the brokerage officers."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    NeedStatus,
    Offer,
    OfferStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Pledge,
    PledgeStatus,
    Role,
    Unit,
)
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

SUPPLIER = OrganisationKind.SUPPLIER


@pytest.fixture
def world(app, client) -> dict:
    """A group with an open need; a supplier (signed in with `client`) with offers in every state; a rival."""
    with app.app_context():
        group = make_organisation("Kilburn Food Larder")
        group_member = make_user(Role.GROUP_MEMBER, group, email="amara@larder.example.org")
        need = make_need(group, title="Saturday larder volunteers", quantity=20, unit=Unit.HOURS)

        supplier = make_organisation("Brentside Builders Ltd", kind=SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, supplier, email="dana@brentside.example.com")
        contract = make_contract(supplier, ref="BC-2026-0142", value=1_250_000)
        mentoring = make_offer(contract, title="Board mentoring", quantity=40, unit=Unit.HOURS)
        laptops = make_offer(contract, title="Laptop donation", quantity=10, unit=Unit.ITEMS)
        open_ended = make_offer(contract, title="Meeting room", quantity=None)
        withdrawn = make_offer(contract, title="Old offer", status=OfferStatus.WITHDRAWN)
        used_up = make_offer(contract, title="Fully used", quantity=5, allocated=5)

        rival = make_organisation("Wembley Facilities plc", kind=SUPPLIER)
        rival_offer = make_offer(supplier=rival, title="Swimming lessons", quantity=100)
        ids = {
            name: record.id
            for name, record in (
                ("group", group),
                ("need", need),
                ("supplier", supplier),
                ("user", user),
                ("mentoring", mentoring),
                ("laptops", laptops),
                ("open_ended", open_ended),
                ("withdrawn", withdrawn),
                ("used_up", used_up),
                ("rival_offer", rival_offer),
            )
        }
        ids["group_member_email"] = group_member.email
    sign_in(client, "dana@brentside.example.com")
    return ids


def _pledge(client, need_id: int, offer_id, quantity: str, note: str = "", follow: bool = False):
    return post_form(
        client,
        f"/needs/{need_id}/pledge",
        {"offer": str(offer_id), "quantity": quantity, "note": note},
        follow_redirects=follow,
    )


def _offer_choices(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<input[^>]*name="offer"[^>]*value="([^"]*)"', html)


def _pledges(app) -> list[Pledge]:
    with app.app_context():
        rows = list(db.session.scalars(select(Pledge).order_by(Pledge.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _signed_in(app, email: str):
    other = app.test_client()
    sign_in(other, email)
    return other


# Pledging ---------------------------------------------------------------------------------------------------


def test_the_pledge_form_offers_only_active_offers_with_capacity_left(client, world):
    response = client.get(f"/needs/{world['need']}/pledge")
    assert response.status_code == 200
    page = text_of(response)
    assert "Saturday larder volunteers Pledge support to this need" in page
    assert "Kilburn Food Larder · Kilburn · needs 20 hours by" in page
    assert "Board mentoring (40 hours left to pledge)" in page and "Laptop donation (10 items left to pledge)" in page
    assert "Meeting room" in page
    assert "Old offer" not in page and "Fully used" not in page and "Swimming lessons" not in page
    assert sorted(_offer_choices(response)) == sorted(
        str(world[name]) for name in ("mentoring", "laptops", "open_ended")
    )


def test_a_supplier_pledges_and_the_pledge_waits_for_an_officer(app, client, world):
    response = _pledge(client, world["need"], world["mentoring"], "15", "We can start in May.")
    assert response.status_code == 302 and response.headers["Location"] == "/my-pledges"

    mine = text_of(client.get("/my-pledges"))
    assert "Thank you. Your pledge has gone to the brokerage team, who will introduce you to the group." in mine
    assert "Saturday larder volunteers Kilburn Food Larder Board mentoring 15 hours Waiting for an officer" in mine

    [pledge] = _pledges(app)
    assert (pledge.need_id, pledge.offer_id, pledge.quantity, pledge.note, pledge.status, pledge.created_by_id) == (
        world["need"],
        world["mentoring"],
        Decimal(15),
        "We can start in May.",
        PledgeStatus.PENDING,
        world["user"],
    )
    with app.app_context():
        # Nothing is allocated until an officer approves it.
        assert db.session.get(Offer, world["mentoring"]).allocated == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pledge.created"))
        assert (event.subject_id, event.to_state, event.actor_id) == (pledge.id, "pending", world["user"])
        email = make_officer().email

    queue = text_of(_signed_in(app, email).get("/officers/pledges"))
    assert "1 pledge waiting" in queue
    assert "Brentside Builders Ltd Board mentoring Saturday larder volunteers Kilburn Food Larder 15 hours" in queue

    group_page = text_of(_signed_in(app, world["group_member_email"]).get(f"/my-needs/{world['need']}"))
    assert "Pledges from suppliers" in group_page
    assert "Brentside Builders Ltd: 15 hours (waiting for an officer)" in group_page


def test_a_pledge_to_a_partly_met_need(app, client, world):
    with app.app_context():
        need_id = make_need(db.session.get(Organisation, world["group"]), status=NeedStatus.PARTLY_MET).id
    assert _pledge(client, need_id, world["laptops"], "3").status_code == 302
    assert [p.quantity for p in _pledges(app)] == [Decimal(3)]


def test_a_pledge_from_an_offer_without_a_set_amount(app, client, world):
    assert _pledge(client, world["need"], world["open_ended"], "500").status_code == 302
    assert [(p.offer_id, p.quantity) for p in _pledges(app)] == [(world["open_ended"], Decimal(500))]


def test_a_pledge_cannot_be_more_than_is_left_of_the_offer(app, client, world):
    with app.app_context():
        db.session.get(Offer, world["mentoring"]).allocated = Decimal(30)
        db.session.commit()
    response = _pledge(client, world["need"], world["mentoring"], "10.5", "Note kept")
    assert response.status_code == 200
    assert error_messages(response) == [
        "Amount must be 10 hours or less: that is what is left of this offer after the pledges waiting for the brokerage team"
    ]
    html = response.get_data(as_text=True)
    assert 'value="10.5"' in html and "Note kept" in html
    assert _pledges(app) == []

    assert _pledge(client, world["need"], world["mentoring"], "10").status_code == 302
    assert [p.quantity for p in _pledges(app)] == [Decimal(10)]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("", "Enter how much you are pledging"),
        ("0", "Amount must be more than 0"),
        ("-5", "Amount must be more than 0"),
        ("ten", "Amount must be a number, like 20 or 7.5"),
        ("2.555", "Amount can have up to 2 decimal places"),
    ],
)
def test_a_pledge_must_be_a_positive_number(app, client, world, quantity, message):
    response = _pledge(client, world["need"], world["mentoring"], quantity)
    assert response.status_code == 200
    assert error_messages(response) == [message]
    assert _pledges(app) == []


def test_an_offer_must_be_chosen(app, client, world):
    response = post_form(client, f"/needs/{world['need']}/pledge", {"quantity": "5"})
    assert error_messages(response) == ["Select the offer you are pledging from"]
    assert _pledges(app) == []


@pytest.mark.parametrize("offer", ["withdrawn", "used_up", "rival_offer"])
def test_an_offer_that_is_not_on_the_form_cannot_be_pledged_from(app, client, world, offer):
    """A withdrawn or used-up offer, or another supplier's (an id typed into the request), is refused."""
    response = _pledge(client, world["need"], world[offer], "1")
    assert response.status_code == 200
    assert error_messages(response) == ["Select the offer you are pledging from"]
    assert _pledges(app) == []
    with app.app_context():
        assert db.session.get(Offer, world["rival_offer"]).allocated == 0


@pytest.mark.parametrize(
    "status", [NeedStatus.DRAFT, NeedStatus.AWAITING_MODERATION, NeedStatus.CLOSED, NeedStatus.EXPIRED, NeedStatus.MET]
)
def test_only_an_open_need_can_be_pledged_to(app, client, world, status):
    with app.app_context():
        need_id = make_need(db.session.get(Organisation, world["group"]), status=status).id
    assert client.get(f"/needs/{need_id}/pledge").status_code == 404
    response = post_form(
        client,
        f"/needs/{need_id}/pledge",
        {"offer": str(world["mentoring"]), "quantity": "5"},
        form_url=f"/needs/{world['need']}/pledge",
    )
    assert response.status_code == 404
    assert _pledges(app) == []


def test_a_need_that_does_not_exist_is_not_found(client, world):
    assert client.get("/needs/999999/pledge").status_code == 404


def test_a_supplier_without_offers_with_capacity_is_told_what_to_do(app, world):
    with app.app_context():
        supplier = make_organisation("Empty Handed Ltd", kind=SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        make_offer(supplier=supplier, title="Everything given", quantity=8, allocated=8)
        make_offer(supplier=supplier, title="Given up", status=OfferStatus.WITHDRAWN)
    empty_handed = _signed_in(app, email)
    response = empty_handed.get(f"/needs/{world['need']}/pledge")
    assert response.status_code == 200
    page = text_of(response)
    assert "You have no offers with capacity left. Add an offer under one of your contracts first." in page
    assert 'href="/contracts"' in response.get_data(as_text=True)
    assert _offer_choices(response) == []

    posted = post_form(
        empty_handed, f"/needs/{world['need']}/pledge", {"offer": str(world["mentoring"]), "quantity": "1"}
    )
    assert posted.status_code == 200 and "You have no offers with capacity left." in text_of(posted)
    assert _pledges(app) == []


def test_your_pledges_lists_only_your_organisations(app, client, world):
    with app.app_context():
        db.session.add(
            Pledge(
                offer_id=world["rival_offer"], need_id=world["need"], quantity=Decimal(7), status=PledgeStatus.PENDING
            )
        )
        db.session.commit()
    assert "You have not pledged to any needs yet." in text_of(client.get("/my-pledges"))
    _pledge(client, world["need"], world["laptops"], "2")
    page = text_of(client.get("/my-pledges"))
    assert "Laptop donation 2 items" in page and "Swimming lessons" not in page


# Who may pledge ---------------------------------------------------------------------------------------------


def test_groups_and_officers_cannot_pledge(app, world):
    with app.app_context():
        officer_email = make_officer().email
    for email in (world["group_member_email"], officer_email):
        other = _signed_in(app, email)
        assert other.get(f"/needs/{world['need']}/pledge").status_code == 403
        assert other.get("/my-pledges").status_code == 403
        response = post_form(
            other,
            f"/needs/{world['need']}/pledge",
            {"offer": str(world["mentoring"]), "quantity": "1"},
            form_url="/account/password",
        )
        assert response.status_code == 403
    assert _pledges(app) == []


def test_a_supplier_waiting_for_approval_cannot_pledge(app, world):
    with app.app_context():
        pending = make_organisation("New Supplier Ltd", kind=SUPPLIER, status=OrganisationStatus.PENDING)
        email = make_user(Role.SUPPLIER_MEMBER, pending).email
    other = _signed_in(app, email)
    response = other.get(f"/needs/{world['need']}/pledge")
    assert response.status_code == 403 and "Your organisation is waiting for approval" in text_of(response)


def test_signed_out_visitors_are_asked_to_sign_in(app, world):
    response = app.test_client().get(f"/needs/{world['need']}/pledge")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
