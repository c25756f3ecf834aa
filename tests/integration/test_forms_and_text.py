"""Forms and text as people meet them: a character count on descriptions, paragraphs kept, a website typed
without https://, why the password boxes are empty after a problem, and a needed-by date too far off."""

import re
from datetime import date

from matchmaker.extensions import db
from matchmaker.models import Need, Organisation
from tests.helpers.builders import make_need, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of
from tests.integration.test_needs import _parts, good
from tests.integration.test_registration import GOOD as REGISTRATION


def _group_member(app, client) -> None:
    with app.app_context():
        sign_in(client, make_user(organisation=make_organisation("Kilburn Food Larder")).email)


def test_descriptions_have_a_gov_uk_character_count(app, client):
    _group_member(app, client)
    html = client.get("/my-needs/new").get_data(as_text=True)
    count = re.search(r'<div class="govuk-form-group govuk-character-count"[^>]*>', html).group(0)
    assert 'data-module="govuk-character-count"' in count and 'data-maxlength="5000"' in count
    assert "You can enter up to 5000 characters" in text_of(client.get("/my-needs/new"))


def test_paragraphs_and_line_breaks_are_kept_and_escaped(app, client):
    with app.app_context():
        need_id = make_need(
            title="Saturday larder volunteers",
            description="We open at 9.\r\nWe close at 1.\r\n\r\nBring <b>gloves</b>.",
        ).id
        sign_in(client, make_officer().email)
    html = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert '<p class="govuk-body">We open at 9.<br>We close at 1.</p>' in html
    assert '<p class="govuk-body">Bring &lt;b&gt;gloves&lt;/b&gt;.</p>' in html
    review = client.get(f"/officers/needs/{need_id}").get_data(as_text=True)
    assert "We open at 9.<br>We close at 1.</p>" in review


def test_a_website_typed_without_https_is_accepted(app, client):
    response = post_form(client, "/register", {**REGISTRATION, "website": "www.stonebridge.example.org"})
    assert response.status_code == 302, error_messages(response)
    with app.app_context():
        org = db.session.query(Organisation).filter_by(name=REGISTRATION["name"]).one()
        assert org.website == "https://www.stonebridge.example.org"


def test_after_a_problem_the_form_says_why_the_password_boxes_are_empty(client):
    response = post_form(client, "/register", {**REGISTRATION, "full_name": ""})
    assert error_messages(response) == ["Enter your full name"]
    assert 'type="password"' in response.get_data(as_text=True)
    assert REGISTRATION["password"] not in response.get_data(as_text=True)
    assert (
        "For your security, we do not show your password again after a problem with the form. Enter it again in "
        "both password boxes." in text_of(response)
    )
    assert "For your security" not in text_of(client.get("/register"))


def test_a_needed_by_date_too_far_off_says_so(app, client):
    _group_member(app, client)
    far = date.today().replace(year=date.today().year + 3)
    response = post_form(client, "/my-needs/new", good(title="", needed_by=_parts(far)))
    [title, needed_by] = error_messages(response)
    assert title == "Enter a title for the need"  # reported together with the date, in one pass
    assert re.fullmatch(
        r"Needed by must be within 2 years, by \d{1,2} \w+ \d{4}: post needs further ahead nearer the time", needed_by
    )
    typo = post_form(client, "/my-needs/new", good(needed_by=["1", "6", "2207"]))
    assert error_messages(typo) == ["Needed by must be a date between 2000 and 2100"]
    with app.app_context():
        assert db.session.query(Need).count() == 0
