"""The API's needs: listed and read as on the browse pages, posted and changed by their own group only."""

from datetime import date, timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Need, NeedStatus, Organisation, OrganisationKind, Role
from tests.helpers.api import bearer
from tests.helpers.builders import make_need, make_officer, make_organisation, make_user

NEW_NEED = {
    "title": "Volunteers for our Saturday larder",
    "description": "Four people to sort and hand out food.",
    "priorities": ["reducing-inequalities"],
    "wards": ["E05013499"],
    "support_types": ["volunteering"],
    "quantity": 16,
    "unit": "hours",
    "needed_by": (date.today() + timedelta(days=30)).isoformat(),
}


def _group(app, **org):
    with app.app_context():
        organisation = make_organisation(kind=OrganisationKind.VCSE, **org)
        user = make_user(Role.GROUP_MEMBER, organisation)
        return organisation.id, bearer(user)


def test_needs_are_listed_a_page_at_a_time_with_the_browse_filters(app, client):
    org_id, headers = _group(app)
    with app.app_context():
        for n in range(23):
            make_need(
                title=f"Help with cooking {n}",
                needed_by=date.today() + timedelta(days=n + 1),
                priorities=("good-jobs",) if n % 2 else ("environment",),
            )
        make_need(status=NeedStatus.DRAFT, title="A draft nobody else sees")
        make_need(title="Gardening tools for the allotment", priorities=("environment",))
    first = client.get("/api/v1/needs?per_page=10", headers=headers).get_json()
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (24, 3, 1, 10)
    assert first["items"][0]["title"] == "Help with cooking 0"  # soonest needed first, as on the browse page
    last = client.get("/api/v1/needs?per_page=10&page=3", headers=headers).get_json()
    assert len(last["items"]) == 4
    assert "A draft nobody else sees" not in [i["title"] for p in (first, last) for i in p["items"]]

    good_jobs = client.get("/api/v1/needs?priority=good-jobs&per_page=100", headers=headers).get_json()
    assert good_jobs["total"] == 11
    assert all(i["priorities"] == ["good-jobs"] for i in good_jobs["items"])
    search = client.get("/api/v1/needs?q=gardning+tols", headers=headers).get_json()  # typos forgiven
    assert [i["title"] for i in search["items"]] == ["Gardening tools for the allotment"]
    assert client.get("/api/v1/needs?per_page=101", headers=headers).status_code == 422


def test_contact_details_are_only_for_the_group_itself_and_officers(app, client):
    org_id, own = _group(app)
    _, other = _group(app)
    with app.app_context():
        need_id = make_need(organisation=db.session.get(Organisation, org_id)).id
        officer = bearer(make_officer())
    assert client.get(f"/api/v1/needs/{need_id}", headers=other).get_json()["contact"] is None
    assert client.get("/api/v1/needs", headers=other).get_json()["items"][0]["contact"] is None
    assert client.get(f"/api/v1/needs/{need_id}", headers=own).get_json()["contact"]["name"] == "Casey Contact"
    assert client.get(f"/api/v1/needs/{need_id}", headers=officer).get_json()["contact"]["email"]


def test_a_group_posts_a_need_through_the_same_rules_as_the_form(app, client):
    org_id, headers = _group(app)
    response = client.post("/api/v1/needs", json={**NEW_NEED, "submit": True}, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "awaiting_moderation"
    assert body["wards"] == ["E05013499"] and body["quantity"] == 16 and body["unit"] == "hours"
    assert response.headers["Location"].endswith(f"/api/v1/needs/{body['id']}")
    with app.app_context():
        need = db.session.get(Need, body["id"])
        assert need.organisation_id == org_id
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == need.id, AuditEvent.subject_type == "need")
        ).all()
        assert actions == ["need.created", "need.status"]
    draft = client.post("/api/v1/needs", json=NEW_NEED, headers=headers).get_json()
    assert draft["status"] == "draft"


def test_a_new_need_is_refused_with_every_problem_named(app, client):
    _, headers = _group(app)
    missing = client.post("/api/v1/needs", json={"description": " "}, headers=headers)
    assert missing.status_code == 422
    assert missing.mimetype == "application/problem+json"
    errors = missing.get_json()["errors"]
    assert errors["title"] == ["Enter a title for the need"]
    assert errors["priorities"] == ["Select at least one priority"]
    assert errors["needed_by"] == ["Enter the date you need it by"]
    assert errors["description"] == ["Enter a description"]
    unknown = client.post("/api/v1/needs", json={**NEW_NEED, "priorities": ["world-peace"]}, headers=headers)
    assert unknown.get_json()["errors"] == {"priorities": ["Unknown priority: world-peace"]}
    past = client.post("/api/v1/needs", json={**NEW_NEED, "needed_by": "2020-01-01"}, headers=headers)
    assert past.get_json()["errors"] == {"needed_by": ["Needed by must be today or in the future"]}
    no_area = client.post("/api/v1/needs", json={**NEW_NEED, "wards": []}, headers=headers)
    assert no_area.get_json()["errors"] == {"wards": ["Select at least one ward, or borough-wide"]}
    half = client.post("/api/v1/needs", json={**NEW_NEED, "unit": None}, headers=headers)
    assert half.get_json()["errors"] == {"quantity": ["Enter both a quantity and its unit, or neither"]}
    extra = client.post("/api/v1/needs", json={**NEW_NEED, "status": "open"}, headers=headers)
    assert extra.status_code == 422 and "status" in extra.get_json()["errors"]
    broken = client.post("/api/v1/needs", data="{not json", content_type="application/json", headers=headers)
    assert broken.status_code == 400
    assert broken.get_json()["detail"] == "The request body is not valid JSON"
    with app.app_context():
        assert db.session.scalar(select(Need)) is None  # nothing half-written


def test_only_approved_group_members_post_needs(app, client):
    with app.app_context():
        supplier = bearer(make_user(Role.SUPPLIER_MEMBER))
        officer = bearer(make_officer())
    for headers in (supplier, officer):
        assert client.post("/api/v1/needs", json=NEW_NEED, headers=headers).status_code == 403
    assert client.post("/api/v1/needs", json=NEW_NEED).status_code == 401


def test_the_live_needs_limit_applies(app, client):
    org_id, headers = _group(app)
    app.config["MAX_LIVE_NEEDS"] = 1
    try:
        assert client.post("/api/v1/needs", json={**NEW_NEED, "submit": True}, headers=headers).status_code == 201
        refused = client.post("/api/v1/needs", json={**NEW_NEED, "submit": True}, headers=headers)
        assert refused.status_code == 422
        assert "already has 1 live needs" in refused.get_json()["errors"]["title"][0]
    finally:
        app.config["MAX_LIVE_NEEDS"] = 5


def test_a_group_changes_its_own_need_and_rewording_goes_back_to_the_officers(app, client):
    org_id, headers = _group(app)
    with app.app_context():
        need_id = make_need(organisation=db.session.get(Organisation, org_id)).id
    response = client.patch(f"/api/v1/needs/{need_id}", json={"title": "Volunteers for Saturdays"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Volunteers for Saturdays"
    assert body["status"] == "awaiting_moderation"  # the public sees new wording only once an officer has
    assert body["priorities"] == ["good-jobs"]  # what was not sent is kept
    moved = client.patch(f"/api/v1/needs/{need_id}", json={"borough_wide": True}, headers=headers).get_json()
    assert moved["borough_wide"] is True and moved["wards"] == []


def test_a_group_cannot_change_another_groups_need(app, client):
    _, headers = _group(app)
    with app.app_context():
        open_need = make_need().id
        draft = make_need(status=NeedStatus.DRAFT).id
        officer = bearer(make_officer())
    refused = client.patch(f"/api/v1/needs/{open_need}", json={"title": "Mine now"}, headers=headers)
    assert refused.status_code == 403  # it can see this need, but it is not its own
    assert client.patch(f"/api/v1/needs/{draft}", json={"title": "Mine now"}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/needs/{draft}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/needs/{open_need}", json={"title": "x"}, headers=officer).status_code == 403
    with app.app_context():
        assert db.session.get(Need, open_need).title != "Mine now"


def test_a_closed_need_must_be_reopened_before_it_changes(app, client):
    org_id, headers = _group(app)
    with app.app_context():
        need_id = make_need(organisation=db.session.get(Organisation, org_id), status=NeedStatus.CLOSED).id
    response = client.patch(f"/api/v1/needs/{need_id}", json={"title": "Changed"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["detail"] == "Reopen this need before changing it"


def test_a_missing_need_is_not_found(app, client):
    _, headers = _group(app)
    for url in ("/api/v1/needs/424242", "/api/v1/needs/2147483648"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.get_json()["status"] == 404
