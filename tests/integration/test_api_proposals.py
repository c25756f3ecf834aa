"""The API's proposals: officers read them and approve or reject them through the brokerage service."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, Offer, OrganisationKind, Proposal, Role, Unit
from tests.conftest import mailbox
from tests.helpers.api import bearer
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user


def _proposals(app, quantity=10):
    """An offer of `quantity` hours proposed for two needs, and an officer's token."""
    with app.app_context():
        supplier = make_organisation(kind=OrganisationKind.SUPPLIER)
        make_user(Role.SUPPLIER_MEMBER, supplier, email="supplier@example.org")
        group = make_organisation(kind=OrganisationKind.VCSE)
        make_user(Role.GROUP_MEMBER, group, email="group@example.org")
        offer = make_offer(supplier=supplier, quantity=quantity)
        first = make_need(organisation=group, title="Homework club helpers", quantity=8, unit=Unit.HOURS)
        second = make_need(title="Reading buddies", quantity=5, unit=Unit.HOURS)
        proposals = [Proposal(need=need, offer=offer, rank=1, score=score, components={"text": score},
                              reason="Same ward and type") for need, score in ((first, 0.9), (second, 0.7))]
        db.session.add_all(proposals)
        db.session.commit()
        return [p.id for p in proposals], offer.id, bearer(make_officer())


def test_officers_read_proposals_a_page_at_a_time(app, client):
    (first, second), offer_id, headers = _proposals(app)
    listed = client.get("/api/v1/proposals?per_page=1", headers=headers).get_json()
    assert (listed["total"], listed["pages"], len(listed["items"])) == (2, 2, 1)
    one = client.get(f"/api/v1/proposals/{first}", headers=headers).get_json()
    assert one["need"]["title"] == "Homework club helpers" and one["offer"]["id"] == offer_id
    assert one["score"] == 0.9 and one["components"] == {"text": 0.9} and one["reason"] == "Same ward and type"
    need_id = one["need"]["id"]
    only = client.get(f"/api/v1/proposals?need_id={need_id}", headers=headers).get_json()["items"]
    assert [p["id"] for p in only] == [first]


def test_members_cannot_read_or_decide_proposals(app, client):
    (first, _), _, _ = _proposals(app)
    with app.app_context():
        group, supplier = bearer(make_user(Role.GROUP_MEMBER)), bearer(make_user(Role.SUPPLIER_MEMBER))
    for headers in (group, supplier):
        assert client.get("/api/v1/proposals", headers=headers).status_code == 403
        assert client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 1},
                           headers=headers).status_code == 403
    assert client.get("/api/v1/proposals").status_code == 401


def test_an_officer_approves_a_proposal_and_both_sides_are_introduced(app, client):
    (first, _), offer_id, headers = _proposals(app)
    response = client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers)
    assert response.status_code == 201, response.get_json()
    match = response.get_json()
    assert (match["status"], match["quantity"]) == ("introduced", 8.0)
    assert sorted(m["To"] for m in mailbox(app)) == ["group@example.org", "supplier@example.org"]
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == Decimal(8)
        assert db.session.get(Proposal, first) is None
        assert db.session.get(Match, match["id"]).decided_by_id is not None
    again = client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers)
    assert again.status_code == 404  # decided already


def test_approving_more_than_is_left_is_a_conflict(app, client):
    (first, second), offer_id, headers = _proposals(app)
    assert client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers).status_code == 201
    conflict = client.post(f"/api/v1/proposals/{second}/approve", json={"quantity": 5}, headers=headers)
    assert conflict.status_code == 409
    assert conflict.get_json()["detail"] == "Only 2 hours left of this offer: approve that much or less"
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == Decimal(8)
        assert db.session.get(Proposal, second) is not None  # still waiting
    no_amount = client.post(f"/api/v1/proposals/{second}/approve", json={}, headers=headers)
    assert no_amount.status_code == 422
    assert no_amount.get_json()["errors"] == {"quantity": ["Enter how much of the offer to allocate, in hours"]}
    assert client.post(f"/api/v1/proposals/{second}/approve", json={"quantity": -1},
                       headers=headers).status_code == 422


def test_an_officer_rejects_a_proposal_with_a_reason(app, client):
    (first, second), _, headers = _proposals(app)
    missing = client.post(f"/api/v1/proposals/{first}/reject", json={"reason": "other"}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {"reason_text": ["Enter the reason"]}
    unknown = client.post(f"/api/v1/proposals/{first}/reject", json={"reason": "bored"}, headers=headers)
    assert unknown.status_code == 422 and "reason" in unknown.get_json()["errors"]
    rejected = client.post(f"/api/v1/proposals/{first}/reject", json={"reason": "wrong_ward"}, headers=headers)
    assert rejected.status_code == 201
    assert (rejected.get_json()["status"], rejected.get_json()["reason"]) == ("declined", "wrong_ward")
    with app.app_context():
        assert db.session.scalar(select(Match.status)) is MatchStatus.DECLINED
    assert client.get(f"/api/v1/proposals/{first}", headers=headers).status_code == 404


def test_report_figures_for_a_period(app, client):
    (first, _), _, headers = _proposals(app)
    client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers)
    today = date.today()
    url = f"/api/v1/reports/summary?start={today - timedelta(days=7)}&end={today}"
    figures = client.get(url, headers=headers).get_json()
    totals = figures["totals"]
    assert (totals["needs_posted"], totals["needs_matched"], totals["needs_met"]) == (2, 1, 0)
    assert totals["offers_committed"] == 1
    assert totals["committed"] == {"hours": 10.0} and totals["allocated"] == {"hours": 8.0}
    assert totals["delivered"] == {}
    good_jobs = next(p for p in figures["by_priority"] if p["priority"] == "good-jobs")
    assert good_jobs["needs_posted"] == 2 and good_jobs["allocated"] == {"hours": 8.0}
    environment = next(p for p in figures["by_priority"] if p["priority"] == "environment")
    assert environment["needs_posted"] == 0 and environment["committed"] == {}
    last_year = client.get(f"/api/v1/reports/summary?start={today.replace(year=today.year - 1)}"
                           f"&end={today - timedelta(days=300)}", headers=headers).get_json()
    assert last_year["totals"]["needs_posted"] == 0


def test_report_figures_need_a_sensible_period_and_an_officer(app, client):
    _, _, headers = _proposals(app)
    backwards = client.get("/api/v1/reports/summary?start=2026-05-01&end=2026-04-01", headers=headers)
    assert backwards.status_code == 422
    assert backwards.get_json()["errors"] == {"end": ["The end must be the same as or after the start"]}
    missing = client.get("/api/v1/reports/summary", headers=headers)
    assert set(missing.get_json()["errors"]) == {"start", "end"}
    with app.app_context():
        group = bearer(make_user(Role.GROUP_MEMBER))
    assert client.get("/api/v1/reports/summary?start=2026-01-01&end=2026-02-01", headers=group).status_code == 403
