"""The API's offers: listed and read by anyone with a token, posted and changed by their own supplier only."""

from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Contract, Offer, OfferStatus, OrganisationKind, Proposal, Role
from tests.helpers.api import bearer
from tests.helpers.builders import make_contract, make_need, make_offer, make_officer, make_organisation, make_user

NEW_OFFER = {
    "title": "Mock interviews",
    "description": "Our HR team runs practice interviews.",
    "priorities": ["good-jobs"],
    "borough_wide": True,
    "support_types": ["skills"],
    "quantity": 30,
    "unit": "hours",
}


def _supplier(app):
    with app.app_context():
        organisation = make_organisation(kind=OrganisationKind.SUPPLIER)
        contract = make_contract(supplier=organisation)
        return organisation.id, contract.id, bearer(make_user(Role.SUPPLIER_MEMBER, organisation))


def test_offers_are_listed_without_another_suppliers_contract_or_contacts(app, client):
    org_id, contract_id, own = _supplier(app)
    with app.app_context():
        make_offer(contract=db.session.get(Contract, contract_id), title="Ours")
        make_offer(title="Theirs", priorities=("environment",))
        make_offer(title="Withdrawn", status=OfferStatus.WITHDRAWN)
        group = bearer(make_user(Role.GROUP_MEMBER))
    listed = client.get("/api/v1/offers?per_page=1", headers=group).get_json()
    assert (listed["total"], listed["pages"], len(listed["items"])) == (2, 2, 1)
    everything = client.get("/api/v1/offers", headers=group).get_json()["items"]
    assert {o["title"] for o in everything} == {"Ours", "Theirs"}
    assert all(o["contract"] is None and o["contact"] is None for o in everything)
    mine = {o["title"]: o for o in client.get("/api/v1/offers", headers=own).get_json()["items"]}
    assert mine["Ours"]["contract"]["id"] == contract_id and mine["Ours"]["contact"]["email"]
    assert mine["Theirs"]["contract"] is None
    assert mine["Ours"]["remaining"] == 200.0
    environment = client.get("/api/v1/offers?priority=environment", headers=group).get_json()["items"]
    assert [o["title"] for o in environment] == ["Theirs"]


def test_a_supplier_posts_an_offer_under_its_own_contract(app, client):
    org_id, contract_id, headers = _supplier(app)
    with app.app_context():
        make_need(
            title="Practice interviews for young people",
            priorities=("good-jobs",),
            support_types=("skills",),
            borough_wide=True,
        )
    response = client.post("/api/v1/offers", json={**NEW_OFFER, "contract_id": contract_id}, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "active" and body["remaining"] == 30.0 and body["borough_wide"] is True
    with app.app_context():
        # The same service as the form: the engine has already proposed it for the matching need.
        assert db.session.scalar(select(Proposal).where(Proposal.offer_id == body["id"])) is not None


def test_a_supplier_cannot_post_under_another_suppliers_contract(app, client):
    _, _, headers = _supplier(app)
    _, their_contract, _ = _supplier(app)
    for contract_id in (their_contract, 999999):
        response = client.post("/api/v1/offers", json={**NEW_OFFER, "contract_id": contract_id}, headers=headers)
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"contract_id": ["Choose one of your organisation's contracts"]}
    with app.app_context():
        group = bearer(make_user(Role.GROUP_MEMBER))
    assert (
        client.post("/api/v1/offers", json={**NEW_OFFER, "contract_id": their_contract}, headers=group).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(Offer)) is None


def test_a_supplier_changes_its_own_offer_within_the_services_rules(app, client):
    _, contract_id, headers = _supplier(app)
    with app.app_context():
        offer_id = make_offer(contract=db.session.get(Contract, contract_id), quantity=40, allocated=25).id
    changed = client.patch(
        f"/api/v1/offers/{offer_id}", json={"quantity": 50, "title": "Board mentoring"}, headers=headers
    )
    assert changed.status_code == 200
    assert (changed.get_json()["title"], changed.get_json()["remaining"]) == ("Board mentoring", 25.0)
    too_little = client.patch(f"/api/v1/offers/{offer_id}", json={"quantity": 20}, headers=headers)
    assert too_little.status_code == 422
    assert too_little.get_json()["errors"] == {
        "quantity": ["Committed quantity cannot be less than the 25 hours already allocated"]
    }
    backwards = client.patch(
        f"/api/v1/offers/{offer_id}",
        json={"available_from": "2027-05-01", "available_until": "2027-04-01"},
        headers=headers,
    )
    assert backwards.get_json()["errors"] == {
        "available_until": ["The end of the period must be the same as or after its start"]
    }
    with app.app_context():
        assert db.session.get(Offer, offer_id).quantity == Decimal(50)


def test_a_supplier_cannot_change_another_suppliers_offer(app, client):
    _, _, headers = _supplier(app)
    with app.app_context():
        theirs = make_offer(title="Theirs").id
        withdrawn = make_offer(status=OfferStatus.WITHDRAWN).id
        officer = bearer(make_officer())
    assert client.patch(f"/api/v1/offers/{theirs}", json={"title": "Ours now"}, headers=headers).status_code == 403
    assert client.patch(f"/api/v1/offers/{withdrawn}", json={"title": "x"}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/offers/{withdrawn}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/offers/{withdrawn}", headers=officer).status_code == 200
    assert client.patch(f"/api/v1/offers/{theirs}", json={"title": "x"}, headers=officer).status_code == 403
    with app.app_context():
        assert db.session.get(Offer, theirs).title == "Theirs"
