"""The impact pages as people use them: the dashboard, open data, the annual report (page and PDF), contract
statements, and who may see what. Figures come from the hand-computed borough in tests/helpers/impact_data.py."""

import csv
import io
import json

import pypdfium2 as pdfium
import pytest

from tests.helpers import impact_data
from tests.helpers.builders import make_officer
from tests.helpers.web import error_messages, sign_in, text_of

YEAR = "period=year&year=2026"
PERSONAL = ("private.example.org", "Priya Private", "Grace Private", "020 8937 1234", "Casey Contact")


@pytest.fixture
def data(app):
    with app.app_context():
        return impact_data.build()


def _officer(app):
    client = app.test_client()
    with app.app_context():
        sign_in(client, make_officer().email)
    return client


def test_the_public_dashboard_shows_the_years_figures_and_no_personal_data(client, data):
    page = text_of(client.get(f"/impact?{YEAR}"))
    assert "Financial year 2026 to 2027" in page
    assert "3 needs posted" in page and "2 needs matched" in page and "1 needs met" in page
    assert "£660 verified value" in page
    assert "Verified by an officer 2 8 hours; £500" in page
    assert "Delivered (reported by suppliers) 3 15 hours; £500" in page  # not the cancelled match's £100
    assert "3 days" in page
    assert "Kilburn" in page and "Source: Office for National Statistics" in page
    for private in PERSONAL:
        assert private not in page
    assert "Needs still unmatched" not in page  # officers only


def test_the_map_is_an_accessible_svg_shaded_by_the_chosen_measure(client, data):
    html = client.get(f"/impact?{YEAR}&map=value").get_data(as_text=True)
    assert (
        "<svg" in html and 'role="img"' in html and '<title id="map-title">' in html and '<desc id="map-desc">' in html
    )
    assert "Kilburn: £" in html  # each ward names itself and its figure
    assert "Highest: Kilburn." in html
    assert "url(#map-hatch)" in html  # wards with nothing are hatched, not only coloured


def test_officers_also_see_why_needs_are_unmatched_and_contract_statement_links(app, data):
    officer = _officer(app)
    page = officer.get(f"/impact?{YEAR}").get_data(as_text=True)
    assert "Needs still unmatched, and why" in page and "1 open need with no match yet" in page
    why = text_of(officer.get(f"/impact?{YEAR}&unmatched=why"))
    assert "Not yet proposed: run matchmaker propose" in why
    assert f"/contracts/{data['c1']}/social-value-statement" in page


def test_chart_figures_download_as_csv(client, data):
    response = client.get(f"/impact?{YEAR}&download=value-by-priority")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["priority", "2026-04", "2026-05"]
    assert rows[1][:3] == ["Good jobs", "0", "160"]
    contracts = list(
        csv.DictReader(
            io.StringIO(client.get(f"/impact?{YEAR}&download=contracts").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert [(c["contract"], c["verified"], c["percent_verified"]) for c in contracts] == [
        ("BC-C1", "8 hours", "20"),
        ("BC-C2", "£500", "50"),
    ]
    wards = {
        w["ward"]: w
        for w in csv.DictReader(
            io.StringIO(client.get(f"/impact?{YEAR}&download=wards").get_data(as_text=True).lstrip("\ufeff"))
        )
    }
    assert wards["Kilburn"]["verified_value_pounds"] == "580" and len(wards) == 22


def test_a_custom_period_needs_both_dates_in_order(client, data):
    response = client.get("/impact?period=custom&start=1&start=6&start=2026&end=1&end=5&end=2026")
    assert response.status_code == 200
    assert "The end date must be the same as or after the start date" in error_messages(response)
    response = client.get("/impact?period=custom&start=1&start=6&start=2026")
    assert "Enter the date to show figures to" in error_messages(response)
    page = text_of(client.get("/impact?period=custom&start=1&start=6&start=2026&end=30&end=6&end=2026"))
    assert "1 June 2026 to 30 June 2026" in page and "£500 verified value" in page


def test_open_data_as_json_and_csv_holds_figures_and_nothing_personal(client, data):
    response = client.get(f"/impact/open-data?{YEAR}&format=json")
    assert response.mimetype == "application/json"
    body = response.get_data(as_text=True)
    figures = json.loads(body)
    assert figures["offers"]["verified"]["value_pounds"] == 660
    assert figures["licence"] == "Open Government Licence v3.0"
    csv_body = client.get(f"/impact/open-data?{YEAR}&format=csv").get_data(as_text=True)
    assert "offers,verified,,value_pounds,660" in csv_body
    for text in (body, csv_body):
        for private in PERSONAL + ("Mentors for our trustees", "raised beds mean", "@"):
            assert private not in text
    assert "Social value open data" in text_of(client.get("/impact/open-data"))


def _not_blank(pdf_bytes: bytes) -> float:
    """The share of the first page's pixels that are not white."""
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        page = document[0]
        histogram = page.render(scale=0.5).to_pil().convert("L").histogram()
        page.close()
    finally:
        document.close()
    return sum(histogram[:200]) / sum(histogram)


def _filled_to(page) -> float:
    """How far down the page (0 to 1) its content reaches, leaving out the footer's page number."""
    image = page.render(scale=0.5).to_pil().convert("L")
    body = image.crop((0, 0, image.width, int(image.height * 0.92))).point(lambda v: 255 if v < 200 else 0)
    box = body.getbbox()
    return box[3] / image.height if box else 0.0


def test_the_annual_report_is_a_printable_page_and_a_pdf(client, data):
    page = text_of(client.get("/impact/annual-report?year=2026"))
    assert "Annual Social Value Impact Report 2026 to 2027" in page
    assert "Good jobs and fair work" in page and "Building community and voluntary sector capacity" in page
    assert "The raised beds mean our older members can garden again." in page
    assert "not verified yet" not in page and "was cancelled" not in page  # stories only of verified matches
    response = client.get("/impact/annual-report?year=2026&format=pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert _not_blank(response.data) > 0.01
    document = pdfium.PdfDocument(response.data)
    try:
        assert len(document) >= 3
        text = ""
        for i in range(len(document)):
            page = document[i]
            if i < len(document) - 1:  # a figure or table kept whole must not leave a page half empty
                assert _filled_to(page) > 0.7, f"page {i + 1} is mostly empty"
            textpage = page.get_textpage()
            text += textpage.get_text_range()
            textpage.close(), page.close()
    finally:
        document.close()
    assert "Annual Social Value Impact Report" in text and "£660" in text and "raised beds" in text


def test_a_contract_statement_for_its_supplier_and_officers_only(app, data):
    url = f"/contracts/{data['c1']}/social-value-statement"
    supplier, other, group, anonymous = (app.test_client() for _ in range(4))
    sign_in(supplier, data["supplier"]), sign_in(other, data["other_supplier"]), sign_in(group, data["group"])
    page = text_of(supplier.get(url))
    assert "Social value statement: BC-C1" in page and "Board mentoring" in page and "8 hours" in page
    rows = list(csv.DictReader(io.StringIO(supplier.get(url + "?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["title"], r["measure"], r["committed"], r["approved"], r["delivered"], r["verified"]) for r in rows] == [
        ("Board mentoring", "BR-VCS-01", "40.00", "15.00", "15.00", "8.00")
    ]
    pdf = supplier.get(url + "?format=pdf")
    assert pdf.mimetype == "application/pdf" and _not_blank(pdf.data) > 0.01
    assert _officer(app).get(url).status_code == 200
    assert other.get(url).status_code == 404 and other.get(url + "?format=pdf").status_code == 404
    assert group.get(url).status_code == 403
    assert anonymous.get(url).status_code == 302
    assert f"/contracts/{data['c1']}/social-value-statement" in supplier.get(f"/contracts/{data['c1']}").get_data(
        as_text=True
    )


@pytest.fixture
def kept(app, monkeypatch):
    """The cache as production has it (tests otherwise compute every figure afresh), with a count of builds."""
    from matchmaker.web.impact import routes

    monkeypatch.setitem(app.config, "IMPACT_CACHE_SECONDS", 3600)
    builds = {"figures": 0, "pdf": 0}

    def counted(name, real):
        def build(*args, **kwargs):
            builds[name] += 1
            return real(*args, **kwargs)

        return build

    monkeypatch.setattr(routes, "_figures", counted("figures", routes._figures))
    monkeypatch.setattr(routes, "_pdf_bytes", counted("pdf", routes._pdf_bytes))
    return builds


def _pdf_text(pdf_bytes: bytes) -> str:
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_the_figures_are_kept_until_a_change_to_them_is_committed(app, client, data, kept):
    assert "£660 verified value" in text_of(client.get(f"/impact?{YEAR}"))
    assert "£660 verified value" in text_of(client.get(f"/impact?{YEAR}"))
    assert kept["figures"] == 1
    with app.app_context():
        from matchmaker.extensions import db
        from matchmaker.models import Delivery

        # An UPDATE statement, as the compare-and-set services write, not only changed objects, clears the cache.
        db.session.execute(db.update(Delivery).where(Delivery.verified_quantity == 8).values(verified_quantity=9))
        db.session.commit()
    assert "£680 verified value" in text_of(client.get(f"/impact?{YEAR}"))
    assert kept["figures"] == 2


def test_the_annual_report_pdf_is_built_once_until_its_figures_change(app, client, data, kept):
    url = "/impact/annual-report?year=2026&format=pdf"
    first = client.get(url)
    second = app.test_client().get(url)  # another visitor
    assert kept["pdf"] == 1 and second.data == first.data and "£660" in _pdf_text(first.data)
    with app.app_context():
        from sqlalchemy import select

        from matchmaker.extensions import db
        from matchmaker.models import Delivery

        delivery = db.session.scalar(select(Delivery).where(Delivery.verified_quantity == 8))
        delivery.verified_quantity = 9
        db.session.commit()
    third = client.get(url)
    assert kept["pdf"] == 2 and "£680" in _pdf_text(third.data)
    # Changes that are not figures (a sign-in, an audit record) keep the PDF.
    with app.app_context():
        sign_in(app.test_client(), make_officer().email)
    assert client.get(url).data == third.data and kept["pdf"] == 2


def test_the_public_report_pages_are_rate_limited_per_anonymous_client(app, data, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_RATE_LIMIT", "3 per minute")
    for url in ("/impact", "/impact/open-data?format=json", "/impact/annual-report"):
        visitor = app.test_client()
        assert [visitor.get(url).status_code for _ in range(4)] == [200, 200, 200, 429], url
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.5"
        assert elsewhere.get(url).status_code == 200
    officer = _officer(app)  # signed-in people are known and few: not limited
    assert {officer.get("/impact").status_code for _ in range(5)} == {200}
