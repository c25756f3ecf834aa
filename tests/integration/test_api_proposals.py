"""The API's proposals: officers read them and approve or reject them through the brokerage service."""

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, Offer, OrganisationKind, Proposal, Role, Unit
from matchmaker.services import impact
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
        proposals = [
            Proposal(
                need=need, offer=offer, rank=1, score=score, components={"text": score}, reason="Same ward and type"
            )
            for need, score in ((first, 0.9), (second, 0.7))
        ]
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
        assert (
            client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 1}, headers=headers).status_code == 403
        )
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
    assert again.status_code == 409  # decided already, and the answer says so
    assert again.get_json()["detail"] == "This proposal has already been approved"


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
    assert client.post(f"/api/v1/proposals/{second}/approve", json={"quantity": -1}, headers=headers).status_code == 422


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


def _exactly(figures) -> str:
    """JSON text that tells 8 from 8.0, so "the same figures" means the same numbers in the same form."""
    return json.dumps(figures, sort_keys=True)


def _summary(client, headers, start: date, end: date):
    response = client.get(f"/api/v1/reports/summary?start={start}&end={end}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _open_data(client, start: date, end: date):
    dates = {"start": [start.day, start.month, start.year], "end": [end.day, end.month, end.year]}
    response = client.get("/impact/open-data", query_string={"period": "custom", "format": "json", **dates})
    assert response.status_code == 200
    return response.get_json()


def test_report_figures_are_the_impact_dashboards(app, client):
    (first, _), _, headers = _proposals(app)
    assert client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers).status_code == 201
    today = date.today()
    this_week = (today - timedelta(days=7), today + timedelta(days=1))  # a day spare: the service counts London days
    last_year = (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    a_financial_year = (date(today.year - 2, 4, 1), date(today.year - 1, 3, 31))
    for start, end in (this_week, last_year, a_financial_year):
        figures = _summary(client, headers, start, end)
        with app.app_context():
            assert _exactly(figures) == _exactly(impact.headline_figures(start, end))
        published = _open_data(client, start, end)
        assert _exactly(figures) == _exactly({key: published[key] for key in figures})


def test_report_figures_after_approving_eight_hours(app, client):
    (first, _), _, headers = _proposals(app)
    client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers)
    today = date.today()
    figures = _summary(client, headers, today - timedelta(days=7), today + timedelta(days=1))
    assert figures["needs"] == {"posted": 2, "matched": 1, "met": 0, "open_without_a_match": 1}
    offers = figures["offers"]
    assert offers["committed"] == {"count": 1, "by_unit": {"hours": 10}}
    assert offers["approved"] == {"count": 1, "by_unit": {"hours": 8}}
    assert offers["delivered"] == {"count": 0, "by_unit": {}}
    assert offers["verified"] == {"count": 0, "by_unit": {}, "value_pounds": 0}
    assert figures["median_days_to_first_match"] is not None
    rows = {row["key"]: row for row in figures["by_priority"]}
    assert len(rows) == 5  # every priority, even with nothing in it
    assert (rows["good-jobs"]["needs_posted"], rows["good-jobs"]["matches_approved"]) == (2, 1)
    assert (rows["environment"]["needs_posted"], rows["environment"]["matches_approved"]) == (0, 0)


def test_report_figures_for_last_year_are_empty(app, client):
    (first, _), _, headers = _proposals(app)
    client.post(f"/api/v1/proposals/{first}/approve", json={"quantity": 8}, headers=headers)
    year = date.today().year - 1
    figures = _summary(client, headers, date(year, 1, 1), date(year, 12, 31))
    assert figures["period"] == {
        "start": f"{year}-01-01",
        "end": f"{year}-12-31",
        "label": f"1 January {year} to 31 December {year}",
    }
    # Open needs without a match are counted as they are today, whatever the period.
    assert figures["needs"] == {"posted": 0, "matched": 0, "met": 0, "open_without_a_match": 1}
    assert all(block["count"] == 0 and block["by_unit"] == {} for block in figures["offers"].values())
    assert figures["median_days_to_first_match"] is None
    assert {(row["needs_posted"], row["matches_approved"], row["value_pounds"]) for row in figures["by_priority"]} == {
        (0, 0, 0)
    }


def test_report_figures_need_a_sensible_period_and_an_officer(app, client):
    _, _, headers = _proposals(app)
    backwards = client.get("/api/v1/reports/summary?start=2026-05-01&end=2026-04-01", headers=headers)
    assert backwards.status_code == 422
    assert backwards.get_json()["errors"] == {"end": ["The end must be the same as or after the start"]}
    missing = client.get("/api/v1/reports/summary", headers=headers)
    assert set(missing.get_json()["errors"]) == {"start", "end"}
    far = client.get("/api/v1/reports/summary?start=1999-12-31&end=9999-12-31", headers=headers)
    assert far.status_code == 422
    assert far.get_json()["errors"] == {
        "start": ["Enter a date from 2000 to 2100"],
        "end": ["Enter a date from 2000 to 2100"],
    }
    with app.app_context():
        group = bearer(make_user(Role.GROUP_MEMBER))
    assert client.get("/api/v1/reports/summary?start=2026-01-01&end=2026-02-01", headers=group).status_code == 403
