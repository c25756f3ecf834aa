"""Suppliers record council contracts, see what the policy's tier asks of each, and add, change and withdraw offers.

The tier boundaries themselves are pinned by tests/unit/test_tiers.py; here a few go through the pages.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Contract,
    Offer,
    OfferStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Role,
    Unit,
)
from tests.helpers.builders import make_contract, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

SUPPLIER = OrganisationKind.SUPPLIER
KILBURN = "E05013503"


def contract_form(**changes) -> dict:
    return {
        "ref": "BC-2026-0142",
        "title": "Housing repairs and maintenance",
        "value": "1,250,000",
        "start_date": ["1", "4", "2026"],
        "end_date": ["31", "3", "2029"],
        "manager_email": "Contracts.Manager@Brent.example.gov.uk",
        **changes,
    }


def offer_form(**changes) -> dict:
    return {
        "title": "Board mentoring",
        "description": "Finance staff to mentor trustees of local charities.",
        "priorities": ["vcse-capacity"],
        "wards": ["borough-wide"],
        "support_types": ["skills"],
        "quantity": "40",
        "unit": "hours",
        "available_from": ["", "", ""],
        "available_until": ["", "", ""],
        **changes,
    }


@pytest.fixture
def supplier(app, client) -> dict:
    """An approved supplier whose member is signed in with `client`."""
    with app.app_context():
        org = make_organisation("Brentside Builders Ltd", kind=SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, org, email="dana@brentside.example.com", full_name="Dana Shah")
        found = {"org_id": org.id, "user_id": user.id}
    sign_in(client, "dana@brentside.example.com")
    return found


@pytest.fixture
def rival(app) -> dict:
    """Another supplier, with a contract and an offer of its own."""
    with app.app_context():
        org = make_organisation("Wembley Facilities plc", kind=SUPPLIER)
        contract = make_contract(org, ref="BC-RIVAL-1", title="Leisure centre management", value=3_000_000)
        offer = make_offer(contract, title="Swimming lessons", quantity=100)
        return {"org_id": org.id, "contract_id": contract.id, "offer_id": offer.id}


def _signed_in(
    app,
    role: Role,
    organisation_kind: OrganisationKind | None = None,
    status: OrganisationStatus = OrganisationStatus.APPROVED,
):
    with app.app_context():
        org = make_organisation(kind=organisation_kind, status=status) if organisation_kind else None
        email = make_user(role, org).email  # a member without an organisation gets a new approved one
    client = app.test_client()
    sign_in(client, email)
    return client


def _created_contract(response) -> int:
    assert response.status_code == 302, error_messages(response)
    match = re.fullmatch(r"/contracts/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _record(client, **changes) -> int:
    return _created_contract(post_form(client, "/contracts/new", contract_form(**changes)))


def _contract_of(app, supplier: dict, value, **fields) -> int:
    with app.app_context():
        return make_contract(db.session.get(Organisation, supplier["org_id"]), value=Decimal(str(value)), **fields).id


def _offer(app, offer_id: int) -> Offer:
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        db.session.expunge(offer)
        return offer


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _set_allocated(app, offer_id: int, amount) -> None:
    """What brokerage will do when an officer approves a pledge."""
    with app.app_context():
        db.session.execute(update(Offer).where(Offer.id == offer_id).values(allocated=Decimal(amount)))
        db.session.commit()


# Recording a contract ---------------------------------------------------------------------------------------


def test_a_supplier_records_a_contract_and_sees_what_its_tier_asks(app, client, supplier):
    contract_id = _record(client)
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "Contract BC-2026-0142 has been recorded. Now add the social value offers you committed to." in page
    for shown in (
        "Brentside Builders Ltd",
        "Contract BC-2026-0142",
        "Housing repairs and maintenance",
        "£1,250,000.00",
        "1 April 2026 to 31 March 2029",
        "contracts.manager@brent.example.gov.uk",
        "£1m to £5m: Clear social value commitments with agreed KPIs.",
        "At least one commitment with a KPI: an offer with a committed quantity and unit",
        "No offers yet.",
    ):
        assert shown in page, shown

    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert (contract.supplier_id, contract.value, contract.start_date, contract.end_date) == (
            supplier["org_id"],
            Decimal("1250000.00"),
            date(2026, 4, 1),
            date(2029, 3, 31),
        )
        assert contract.manager_email == "contracts.manager@brent.example.gov.uk"
        assert (
            db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "contract.created"))
            == supplier["user_id"]
        )

    listing = text_of(client.get("/contracts"))
    assert "BC-2026-0142 Housing repairs and maintenance £1,250,000 £1m to £5m Commitments missing" in listing


def test_a_value_may_be_written_with_a_pound_sign(app, client, supplier):
    contract_id = _record(client, value="£215000")
    with app.app_context():
        assert db.session.get(Contract, contract_id).value == Decimal("215000.00")
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "£215k to £1m: A basic social value contribution in 1 to 2 priority areas." in page
    assert "At least one offer in 1 or 2 priority areas" in page


def test_the_largest_value_the_form_allows_is_stored_exactly(app, client, supplier):
    contract_id = _record(client, value="999,999,999,999.99")
    with app.app_context():
        assert db.session.get(Contract, contract_id).value == Decimal("999999999999.99")
    assert "£999,999,999,999.99" in text_of(client.get(f"/contracts/{contract_id}"))


def test_a_contract_may_start_and_end_on_the_same_day(app, client, supplier):
    _record(client, end_date=["1", "4", "2026"])
    assert _count(app, Contract) == 1


def test_an_empty_contract_form_says_what_is_missing(app, client, supplier):
    response = post_form(
        client,
        "/contracts/new",
        {
            "ref": "",
            "title": "",
            "value": "",
            "start_date": ["", "", ""],
            "end_date": ["", "", ""],
            "manager_email": "",
        },
    )
    assert response.status_code == 200
    assert error_messages(response) == [
        "Enter the council's reference for the contract",
        "Enter the contract's title",
        "Enter the contract's value in pounds",
        "Enter the contract's start date",
        "Enter the contract's end date",
        "Enter the contract manager's email address",
    ]
    assert _count(app, Contract) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": "lots"}, "Contract value must be an amount in pounds, like 250000"),
        ({"value": "1.250.000"}, "Contract value must be an amount in pounds, like 250000"),
        ({"value": "-5"}, "Contract value must be between £0 and £999,999,999,999"),
        ({"value": "1000000000000"}, "Contract value must be between £0 and £999,999,999,999"),
        # Rounds to a penny more than the column holds: PostgreSQL used to answer with a server error.
        ({"value": "999999999999.995"}, "Contract value must be between £0 and £999,999,999,999"),
        ({"end_date": ["31", "3", "2026"]}, "The end date must be the same as or after the start date"),
        ({"start_date": ["30", "2", "2026"]}, "Start date must be a real date"),
        ({"manager_email": "manager at brent"}, "Enter an email address in the correct format, like name@example.com"),
        ({"ref": "x" * 61}, "Reference must be 60 characters or fewer"),
    ],
)
def test_a_contract_with_a_mistake_is_refused_with_the_reason(app, client, supplier, changes, message):
    response = post_form(client, "/contracts/new", contract_form(**changes))
    assert response.status_code == 200
    assert error_messages(response) == [message]
    assert _count(app, Contract) == 0
    # What was typed is kept, to be corrected.
    typed = changes.get("value", "1,250,000")
    assert f'value="{typed}"' in response.get_data(as_text=True)


def test_dates_in_the_wrong_order_are_reported_with_the_other_mistakes(app, client, supplier):
    response = post_form(client, "/contracts/new", contract_form(title="", end_date=["31", "3", "2026"]))
    assert error_messages(response) == [
        "Enter the contract's title",
        "The end date must be the same as or after the start date",
    ]
    contract_id = _contract_of(app, supplier, 300_000)
    response = post_form(
        client,
        f"/contracts/{contract_id}/offers/new",
        offer_form(title="", available_from=["1", "5", "2027"], available_until=["30", "4", "2027"]),
    )
    assert error_messages(response) == [
        "Enter a title for the offer",
        "The end of the period must be the same as or after its start",
    ]


def test_a_contract_reference_can_be_recorded_only_once(app, client, supplier, rival):
    _record(client)
    for ref in ("BC-2026-0142", "  BC-2026-0142 ", "BC-RIVAL-1"):  # also another supplier's
        response = post_form(client, "/contracts/new", contract_form(ref=ref, title="Again"))
        assert response.status_code == 200, ref
        assert error_messages(response) == ["A contract with this reference is already recorded. Check the reference"]
    assert _count(app, Contract) == 2


def test_editing_a_contract_can_change_its_tier(app, client, supplier):
    contract_id = _record(client)
    form = client.get(f"/contracts/{contract_id}/edit")
    html = form.get_data(as_text=True)
    assert 'value="1,250,000"' in html and 'value="BC-2026-0142"' in html  # starts with what is recorded

    # Keeping its own reference is not a duplicate.
    response = post_form(
        client, f"/contracts/{contract_id}/edit", contract_form(value="214,999.99"), follow_redirects=True
    )
    page = text_of(response)
    assert "The contract has been saved." in page
    assert "£214,999.99" in page and "Under £215k: No formal social value weighting required" in page
    assert "Yes. 0 active offers" in page
    assert "Under £215k Meets its tier" in text_of(client.get("/contracts"))


# What each tier asks, through the contract page -------------------------------------------------------------


def test_a_contract_over_5m_needs_three_kpis_across_more_than_one_priority(app, client, supplier):
    contract_id = _contract_of(app, supplier, "5000000.01")
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "Over £5m: Strategic social value across multiple outcomes, with at least 3 KPIs." in page
    assert "At least 3 KPIs (offers with a committed quantity and unit): 0 so far" in page
    assert "Commitments across more than one priority: 0 so far" in page

    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        for n in range(3):
            make_offer(contract, title=f"Apprenticeships {n}", priorities=("good-jobs",), quantity=10)
        make_offer(contract, title="Unmeasured help", priorities=("environment",), quantity=None)
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "At least 3 KPIs" not in page and "Commitments across more than one priority" not in page
    assert "Yes. 4 active offers, 3 with a measurable commitment (KPI), covering 2 priorities." in page


def test_a_1m_contract_is_still_in_the_basic_tier_and_a_penny_more_is_not(app, client, supplier):
    exactly = _contract_of(app, supplier, "1000000")
    over = _contract_of(app, supplier, "1000000.01")
    assert "£215k to £1m" in text_of(client.get(f"/contracts/{exactly}"))
    page = text_of(client.get(f"/contracts/{over}"))
    assert "£1m to £5m" in page and "At least one commitment with a KPI" in page


# Offers -----------------------------------------------------------------------------------------------------


def test_a_supplier_adds_an_offer_and_sees_its_capacity(app, client, supplier):
    contract_id = _record(client, value="£215,000")
    assert "At least one offer in 1 or 2 priority areas" in text_of(client.get(f"/contracts/{contract_id}"))

    form_url = f"/contracts/{contract_id}/offers/new"
    assert "Contract BC-2026-0142 Add an offer" in text_of(client.get(form_url))
    response = post_form(
        client, form_url, offer_form(available_from=["1", "5", "2026"], available_until=["30", "4", "2027"])
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/contracts/{contract_id}"
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "Your offer ‘Board mentoring’ is now visible to community groups." in page
    assert "Board mentoring VCSE capacity Borough-wide 40 hours left of 40 hours Active" in page
    assert "At least one offer in 1 or 2 priority areas" not in page
    assert "Yes. 1 active offer, 1 with a measurable commitment (KPI), covering 1 priority." in page

    with app.app_context():
        offer = db.session.scalar(select(Offer))
        assert (offer.contract_id, offer.quantity, offer.unit, offer.allocated, offer.status) == (
            contract_id,
            Decimal(40),
            Unit.HOURS,
            Decimal(0),
            OfferStatus.ACTIVE,
        )
        assert (offer.available_from, offer.available_until) == (date(2026, 5, 1), date(2027, 4, 30))
        assert offer.borough_wide and [p.slug for p in offer.priorities] == ["vcse-capacity"]
        assert [t.slug for t in offer.support_types] == ["skills"]


def test_an_offer_without_a_set_amount(app, client, supplier):
    contract_id = _contract_of(app, supplier, 300_000)
    post_form(client, f"/contracts/{contract_id}/offers/new", offer_form(quantity="", unit="", wards=[KILBURN]))
    page = text_of(client.get(f"/contracts/{contract_id}"))
    assert "Kilburn No set amount Active" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Enter a title for the offer"),
        ({"priorities": []}, "Select at least one priority"),
        ({"wards": []}, "Select at least one ward, or borough-wide"),
        ({"support_types": []}, "Select at least one type of support"),
        ({"quantity": "forty"}, "Quantity must be a number, like 20 or 7.5"),
        ({"quantity": "40", "unit": ""}, "Select the unit of the quantity"),
        ({"quantity": "", "unit": "hours"}, "Enter the quantity, or clear the unit"),
        (
            {"available_from": ["1", "5", "2027"], "available_until": ["30", "4", "2027"]},
            "The end of the period must be the same as or after its start",
        ),
    ],
)
def test_an_offer_with_a_mistake_is_refused_with_the_reason(app, client, supplier, changes, message):
    contract_id = _contract_of(app, supplier, 300_000)
    response = post_form(client, f"/contracts/{contract_id}/offers/new", offer_form(**changes))
    assert response.status_code == 200
    assert error_messages(response) == [message]
    assert _count(app, Offer) == 0


def test_the_committed_quantity_cannot_go_below_what_is_allocated(app, client, supplier):
    contract_id = _contract_of(app, supplier, 300_000)
    post_form(client, f"/contracts/{contract_id}/offers/new", offer_form())
    offer_id = _offer_id(app)
    _set_allocated(app, offer_id, 30)

    edit_url = f"/my-offers/{offer_id}/edit"
    form = client.get(edit_url)
    assert "30 hours of 40 hours already allocated; 10 hours left." in text_of(form)
    assert 'value="Board mentoring"' in form.get_data(as_text=True)
    assert "10 hours left of 40 hours" in text_of(client.get(f"/contracts/{contract_id}"))

    refused = post_form(client, edit_url, offer_form(quantity="29.5"))
    assert refused.status_code == 200
    assert error_messages(refused) == ["Committed quantity cannot be less than the 30 hours already allocated"]
    assert _offer(app, offer_id).quantity == Decimal(40)

    # Down to exactly what is allocated is allowed: nothing is left.
    saved = post_form(
        client, edit_url, offer_form(quantity="30", title="Board mentoring (full)"), follow_redirects=True
    )
    page = text_of(saved)
    assert "Your offer has been saved." in page and "0 hours left of 30 hours" in page
    assert _offer(app, offer_id).quantity == Decimal(30)


def _offer_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Offer.id))


def test_the_database_itself_refuses_more_allocated_than_committed(app, ctx):
    """The CHECK constraints come from the migrations, so this holds on SQLite and PostgreSQL alike."""
    offer = make_offer(quantity=40)
    for sql in (
        "UPDATE offer SET allocated = 40.01 WHERE id = :id",
        "UPDATE offer SET allocated = quantity + 1 WHERE id = :id",
    ):
        with pytest.raises(IntegrityError) as refused:
            db.session.execute(text(sql), {"id": offer.id})
            db.session.flush()
        assert "allocated_within_quantity" in str(refused.value)
        db.session.rollback()
    with pytest.raises(IntegrityError) as refused:
        db.session.execute(text("UPDATE offer SET allocated = -1 WHERE id = :id"), {"id": offer.id})
    assert "allocated_not_negative" in str(refused.value)
    db.session.rollback()

    # Up to the committed quantity is fine.
    db.session.execute(text("UPDATE offer SET allocated = 40 WHERE id = :id"), {"id": offer.id})
    db.session.commit()
    assert db.session.get(Offer, offer.id).remaining == 0


def test_a_supplier_withdraws_an_offer(app, client, supplier):
    contract_id = _contract_of(app, supplier, 300_000)
    post_form(client, f"/contracts/{contract_id}/offers/new", offer_form())
    offer_id = _offer_id(app)
    edit_url = f"/my-offers/{offer_id}/edit"
    assert "Withdraw this offer" in text_of(client.get(edit_url))

    response = post_form(client, f"/my-offers/{offer_id}/withdraw", {}, form_url=edit_url, follow_redirects=True)
    page = text_of(response)
    assert "‘Board mentoring’ has been withdrawn." in page
    assert "40 hours left of 40 hours Withdrawn" in page
    # A withdrawn offer no longer counts towards the contract's tier.
    assert "At least one offer in 1 or 2 priority areas" in page
    assert _offer(app, offer_id).status is OfferStatus.WITHDRAWN
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer.status"))
        assert (event.subject_id, event.from_state, event.to_state, event.actor_id) == (
            offer_id,
            "active",
            "withdrawn",
            supplier["user_id"],
        )

    assert "Withdraw this offer" not in text_of(client.get(edit_url))
    again = post_form(client, f"/my-offers/{offer_id}/withdraw", {}, form_url=edit_url, follow_redirects=True)
    assert "This offer has already been withdrawn" in text_of(again)


# Who may see and change contracts ---------------------------------------------------------------------------


def test_another_suppliers_contract_and_offers_do_not_exist_for_you(app, client, supplier, rival):
    contract, offer = rival["contract_id"], rival["offer_id"]
    for url in (
        f"/contracts/{contract}",
        f"/contracts/{contract}/edit",
        f"/contracts/{contract}/offers/new",
        f"/my-offers/{offer}/edit",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/contracts/{contract}/edit", contract_form(ref="BC-RIVAL-1", value="1")),
        (f"/contracts/{contract}/offers/new", offer_form(title="Planted offer")),
        (f"/my-offers/{offer}/edit", offer_form(title="Renamed")),
        (f"/my-offers/{offer}/withdraw", {}),
    ):
        assert post_form(client, url, data, form_url="/contracts/new").status_code == 404, url

    with app.app_context():
        assert db.session.get(Contract, contract).value == Decimal(3_000_000)
        theirs = db.session.get(Offer, offer)
        assert (theirs.title, theirs.status) == ("Swimming lessons", OfferStatus.ACTIVE)
        assert db.session.scalar(select(func.count()).select_from(Offer)) == 1
    assert "BC-RIVAL-1" not in text_of(client.get("/contracts"))


def test_groups_have_no_contracts(app, rival):
    group = _signed_in(app, Role.GROUP_MEMBER)
    for url in (
        "/contracts",
        "/contracts/new",
        f"/contracts/{rival['contract_id']}",
        f"/my-offers/{rival['offer_id']}/edit",
    ):
        assert group.get(url).status_code == 403, url


def test_a_supplier_waiting_for_approval_cannot_record_contracts_yet(app):
    pending = _signed_in(app, Role.SUPPLIER_MEMBER, SUPPLIER, OrganisationStatus.PENDING)
    for url in ("/contracts", "/contracts/new"):
        response = pending.get(url)
        assert response.status_code == 403 and "Your organisation is waiting for approval" in text_of(response)
    response = post_form(pending, "/contracts/new", contract_form(), form_url="/account/password")
    assert response.status_code == 403
    assert _count(app, Contract) == 0


def test_officers_can_read_any_contract_but_not_change_it(app, rival):
    with app.app_context():
        email = make_officer().email
    officer = app.test_client()
    sign_in(officer, email)
    response = officer.get(f"/contracts/{rival['contract_id']}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Wembley Facilities plc" in page and "Contract BC-RIVAL-1" in page and "Swimming lessons" in page
    assert "Edit contract" not in page and "Add an offer" not in page
    assert f"/my-offers/{rival['offer_id']}/edit" not in response.get_data(as_text=True)

    for url in (
        f"/contracts/{rival['contract_id']}/edit",
        f"/contracts/{rival['contract_id']}/offers/new",
        f"/my-offers/{rival['offer_id']}/edit",
        "/contracts",
        "/contracts/new",
    ):
        assert officer.get(url).status_code == 403, url
    token_page = "/account/password"
    assert (
        post_form(
            officer,
            f"/contracts/{rival['contract_id']}/edit",
            contract_form(ref="BC-RIVAL-1", value="1"),
            form_url=token_page,
        ).status_code
        == 403
    )
    assert post_form(officer, f"/my-offers/{rival['offer_id']}/withdraw", {}, form_url=token_page).status_code == 403
    assert _offer(app, rival["offer_id"]).status is OfferStatus.ACTIVE
