"""Measures: an officer uploads the council's list (every bad row reported, nothing written), suppliers tag offers
and deliveries with them, reports value them only where a proxy was given. Stories: a group writes one when
confirming, and only agreed stories of verified matches reach the reports."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Match, MatchStatus, Measure, Offer, OrganisationKind, Role, Unit
from matchmaker.services import brokerage, impact
from matchmaker.services import measures as measure_service
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import csrf_token, error_messages, post_form, sign_in, text_of

EXAMPLE = Path(__file__).resolve().parents[2] / "seeds" / "measures-example.csv"


def _upload(client, content: bytes):
    token = csrf_token(client, "/officers/measures")
    return client.post(
        "/officers/measures",
        data={"csrf_token": token, "file": (io.BytesIO(content), "m.csv")},
        content_type="multipart/form-data",
    )


def _officer_client(app):
    client = app.test_client()
    with app.app_context():
        sign_in(client, make_officer().email)
    return client


def test_the_shipped_example_uploads_and_has_no_values(app):
    client = _officer_client(app)
    response = _upload(client, EXAMPLE.read_bytes())
    assert response.status_code == 302
    page = text_of(client.get("/officers/measures"))
    assert "Measures uploaded: 15 added, 0 updated." in page and "BR-JOB-01" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Measure.proxy_value.is_not(None))) == 0
    assert "TOMs" not in EXAMPLE.read_text() and "NT1" not in EXAMPLE.read_text()
    # A corrected upload updates a code in place and adds a value.
    _upload(client, b'code,name,unit,priority,proxy_value\nbr-job-04,Careers hours,hours,1,"\xc2\xa312.50"\n')
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.code == "br-job-04"))
        assert measure.proxy_value == Decimal("12.50") and measure.name == "Careers hours"
        assert db.session.scalar(select(func.count(Measure.id))) == 15


def test_every_bad_row_and_column_is_reported_and_nothing_is_written(app):
    client = _officer_client(app)
    bad = (
        b"code,name,unit,priority,proxy_value\n"
        b"A1,Volunteering hours,hours,reducing-inequalities,\n"
        b",No code,weeks,9,abc\n"
        b"A1,Twice,hours,1,-4\n"
        b"A3,,people,good-jobs,1.234\n"
    )
    response = _upload(client, bad)
    page = text_of(response)
    assert "The file has 8 problems: nothing was saved" in page
    for expected in (
        "3 code enter the measure's code",
        "3 unit 'weeks' is not a unit",
        "3 priority '9' is not one of the five priorities",
        "3 proxy_value 'abc' is not an amount in pounds",
        "4 code A1 is also on row 2",
        "4 proxy_value the proxy value must be £0 or more",
        "5 name enter the measure's name",
        "5 proxy_value the proxy value can have up to 2 decimal places",
    ):
        assert expected in page, expected
    with app.app_context():
        assert db.session.scalar(select(func.count(Measure.id))) == 0
    assert "The header is missing columns: unit" in text_of(_upload(client, b"code,name,priority\nA,B,1\n"))
    assert "Select a CSV file of measures" in error_messages(
        client.post("/officers/measures", data={"csrf_token": csrf_token(client, "/officers/measures")})
    )


def test_measures_page_is_for_officers_only(app, client):
    with app.app_context():
        supplier = make_user(Role.SUPPLIER_MEMBER).email
    sign_in(client, supplier)
    assert client.get("/officers/measures").status_code == 403


def _measures(app):
    with app.app_context():
        upload = measure_service.parse(
            b"code,name,unit,priority,proxy_value\nH1,Pro bono hours,hours,5,25\nP1,Donations,pounds,5,\n"
        )
        measure_service.save(upload, make_officer())
        db.session.commit()
        return {m.code: m.id for m in measure_service.all_measures()}


def test_a_supplier_tags_an_offer_with_a_measure_in_the_same_unit(app):
    ids = _measures(app)
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        offer = make_offer(supplier=supplier, quantity=40, unit=Unit.HOURS)
        offer_id = offer.id
    client = app.test_client()
    sign_in(client, email)
    form = {
        "title": "Mentoring",
        "description": "Finance staff",
        "priorities": "vcse-capacity",
        "wards": "borough-wide",
        "support_types": "skills",
        "quantity": "40",
        "unit": "hours",
    }
    url = f"/my-offers/{offer_id}/edit"
    response = post_form(client, url, {**form, "measure": str(ids["P1"])})
    assert "Select a measure counted in hours, as this offer is, or none (P1 is counted in pounds)" in error_messages(
        response
    )
    assert post_form(client, url, {**form, "measure": str(ids["H1"])}).status_code == 302
    with app.app_context():
        assert db.session.get(Offer, offer_id).measure.code == "H1"


def test_a_groups_story_is_shared_only_when_agreed_and_only_once_verified(app):
    ids = _measures(app)
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        group_email = make_user(Role.GROUP_MEMBER, group).email
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        need = make_need(organisation=group, quantity=10, unit=Unit.HOURS)
        offer = make_offer(supplier=supplier, quantity=40, borough_wide=True)
        officer = make_officer()
        match = brokerage.approve(need, offer, officer, Decimal(10))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        db.session.commit()
        match_id, need_id, officer_email = match.id, need.id, officer.email
    supplier_client, group_client, officer_client = app.test_client(), app.test_client(), app.test_client()
    sign_in(supplier_client, supplier_email), sign_in(group_client, group_email), sign_in(officer_client, officer_email)
    day = date.today()
    post_form(
        supplier_client,
        f"/my-matches/{match_id}/deliveries",
        {
            "quantity": "10",
            "delivered_on": [str(day.day), str(day.month), str(day.year)],
            "complete": "y",
            "measure": str(ids["H1"]),
        },
    )
    with app.app_context():
        [delivery] = db.session.get(Match, match_id).deliveries
        delivery_id = delivery.id
        assert delivery.measure.code == "H1"
    url = f"/my-needs/{need_id}/deliveries/{delivery_id}/confirm"
    response = post_form(
        group_client,
        url,
        {f"delivery-{delivery_id}-received": "10", f"delivery-{delivery_id}-share_story": "y"},
        form_url=f"/my-needs/{need_id}",
    )
    assert "Write your story, or untick sharing it" in error_messages(response)
    post_form(
        group_client,
        url,
        {
            f"delivery-{delivery_id}-received": "10",
            f"delivery-{delivery_id}-story": "Our trustees now read the accounts with confidence.",
            f"delivery-{delivery_id}-share_story": "y",
        },
        form_url=f"/my-needs/{need_id}",
    )
    period = impact.month_of(day)
    with app.app_context():
        assert impact.shared_stories(period) == []  # confirmed, not yet verified
    post_form(
        officer_client,
        f"/officers/matches/{match_id}/deliveries/{delivery_id}/verify",
        {f"delivery-{delivery_id}-verified": "10"},
        form_url=f"/officers/matches/{match_id}",
    )
    with app.app_context():
        assert db.session.get(Match, match_id).status is MatchStatus.VERIFIED
        assert [s["story"] for s in impact.shared_stories(period)] == [
            "Our trustees now read the accounts with confidence."
        ]
        # Valued by the delivery's measure: 10 hours x £25.
        assert impact.offer_figures(period)["verified"]["value_pounds"] == 250
        assert impact.by_measure(period)[0]["value_pounds"] == 250


def test_a_supplier_changes_or_removes_a_deliverys_measure_until_it_is_verified(app):
    with app.app_context():
        upload = measure_service.parse(
            b"code,name,unit,priority,proxy_value\nH1,Pro bono hours,hours,5,25\nH2,Mentoring hours,hours,2,10\n"
        )
        measure_service.save(upload, make_officer())
        ids = {m.code: m.id for m in measure_service.all_measures()}
        group = make_organisation("Kilburn Larder")
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        need = make_need(organisation=group, quantity=10, unit=Unit.HOURS)
        offer = make_offer(supplier=supplier, quantity=40, borough_wide=True)
        officer = make_officer()
        match = brokerage.approve(need, offer, officer, Decimal(10))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        db.session.commit()
        match_id = match.id
    client = app.test_client()
    sign_in(client, supplier_email)
    day = date.today()
    post_form(
        client,
        f"/my-matches/{match_id}/deliveries",
        {"quantity": "4", "delivered_on": [str(day.day), str(day.month), str(day.year)], "measure": str(ids["H1"])},
    )
    with app.app_context():
        [delivery] = db.session.get(Match, match_id).deliveries
        delivery_id = delivery.id
        assert [m["code"] for m in impact.by_measure(impact.month_of(day))] == ["H1"]
    page = text_of(client.get(f"/my-matches/{match_id}"))
    assert "What your deliveries count towards" in page
    url, field = f"/my-matches/{match_id}/deliveries/{delivery_id}/measure", f"measure-{delivery_id}-measure"

    response = post_form(client, url, {field: str(ids["H2"])}, form_url=f"/my-matches/{match_id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Match, match_id).deliveries[0].measure.code == "H2"

    # "None" removes the tag: the delivery no longer counts towards any measure (its offer has none).
    response = post_form(client, url, {field: ""}, form_url=f"/my-matches/{match_id}")
    assert response.status_code == 302
    assert "now counts towards no measure" in text_of(client.get(f"/my-matches/{match_id}"))
    with app.app_context():
        assert db.session.get(Match, match_id).deliveries[0].measure is None
        assert impact.by_measure(impact.month_of(day)) == []
