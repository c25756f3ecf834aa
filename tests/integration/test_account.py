"""A signed-in user's own details and password, and a member's organisation profile."""

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Organisation, OrganisationKind, OrganisationStatus, Role, User
from tests.helpers.builders import PASSWORD, make_admin, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of

NEW_PASSWORD = "copper kite meadow"


def _signed_in_member(app, client, **kwargs) -> dict:
    with app.app_context():
        user = make_user(**kwargs)
        found = {"user_id": user.id, "email": user.email, "org_id": user.organisation_id}
    sign_in(client, found["email"])
    return found


# Name and email --------------------------------------------------------------------------------------------


def test_the_details_form_is_filled_in_with_what_we_have(app, client):
    me = _signed_in_member(app, client, full_name="Priya Patel")
    html = client.get("/account/details").get_data(as_text=True)
    assert 'value="Priya Patel"' in html and f'value="{me["email"]}"' in html


def test_changing_name_and_email(app, client):
    me = _signed_in_member(app, client)
    response = post_form(
        client, "/account/details", {"full_name": "  Ada Okafor ", "email": " Ada.Okafor@Example.ORG "}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = text_of(client.get("/account"))
    assert "Your details have been saved." in page
    assert "Ada Okafor" in page and "ada.okafor@example.org" in page
    with app.app_context():
        user = db.session.get(User, me["user_id"])
        assert (user.full_name, user.email) == ("Ada Okafor", "ada.okafor@example.org")

    # The new email signs in; the old one no longer does.
    other = app.test_client()
    assert post_form(other, "/sign-in", {"email": me["email"], "password": PASSWORD}).status_code == 200
    sign_in(other, "ADA.OKAFOR@example.org")


def test_keeping_your_own_email_is_not_a_clash(app, client):
    me = _signed_in_member(app, client)
    response = post_form(client, "/account/details", {"full_name": "New Name", "email": me["email"].upper()})
    assert response.status_code == 302


def test_another_users_email_is_refused(app, client):
    with app.app_context():
        taken = make_officer(email="taken@example.org").email
    me = _signed_in_member(app, client, full_name="Original Name")
    response = post_form(client, "/account/details", {"full_name": "Changed Name", "email": "Taken@Example.org"})
    assert response.status_code == 200
    assert error_messages(response) == ["Another account already uses this email address"]
    html = response.get_data(as_text=True)
    assert 'value="Changed Name"' in html and 'value="Taken@Example.org"' in html  # kept what was typed
    with app.app_context():
        user = db.session.get(User, me["user_id"])
        assert (user.full_name, user.email) == ("Original Name", me["email"])
        assert db.session.scalar(select(User.full_name).where(User.email == taken)) == "Olive Officer"


def test_details_must_be_given_and_well_formed(app, client):
    _signed_in_member(app, client)
    response = post_form(client, "/account/details", {"full_name": "", "email": "not an email"})
    assert error_messages(response) == [
        "Enter your full name",
        "Enter an email address in the correct format, like name@example.com",
    ]
    assert 'value="not an email"' in response.get_data(as_text=True)


# Password --------------------------------------------------------------------------------------------------


def _change_password(client, current, new, confirm=None):
    return post_form(
        client,
        "/account/password",
        {"current_password": current, "password": new, "confirm_password": new if confirm is None else confirm},
    )


def test_changing_password(app, client):
    me = _signed_in_member(app, client)
    response = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Your password has been changed" in text_of(client.get("/account"))
    fresh = app.test_client()
    assert post_form(fresh, "/sign-in", {"email": me["email"], "password": PASSWORD}).status_code == 200
    sign_in(fresh, me["email"], NEW_PASSWORD)


def test_the_current_password_must_be_right(app, client):
    me = _signed_in_member(app, client)
    response = _change_password(client, "a wrong guess here", NEW_PASSWORD)
    assert response.status_code == 200
    assert error_messages(response) == ["Your current password is incorrect"]
    with app.app_context():
        assert db.session.get(User, me["user_id"]).check_password(PASSWORD)


def test_the_new_password_follows_the_rules(app, client):
    me = _signed_in_member(app, client, email="rosalind@example.org")
    cases = {
        "short": "Password must be 12 characters or more",
        "password123456": "Password is too easy to guess. Try three random words, like ‘kettle river lantern’",
        "my rosalind secret": "Password must not contain your email address",
        "x" * 129: "Password must be 128 characters or fewer",
    }
    for new, message in cases.items():
        response = _change_password(client, PASSWORD, new)
        assert response.status_code == 200
        assert message in error_messages(response), new
    with app.app_context():
        assert db.session.get(User, me["user_id"]).check_password(PASSWORD)


def test_the_new_password_must_be_typed_twice_the_same(app, client):
    _signed_in_member(app, client)
    response = _change_password(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD.upper())
    assert error_messages(response) == ["Enter the same password in both fields"]


def test_password_fields_are_never_echoed_back(app, client):
    _signed_in_member(app, client)
    response = _change_password(client, PASSWORD, NEW_PASSWORD, "something else entirely")
    html = response.get_data(as_text=True)
    assert PASSWORD not in html and NEW_PASSWORD not in html


# The organisation's profile --------------------------------------------------------------------------------


def _profile(**changes) -> dict:
    data = {
        "kind": "vcse",
        "name": "Harlesden Community Kitchen",
        "charity_number": "1123456",
        "company_number": "",
        "wards": ["E05013510"],
        "description": "Hot meals on Fridays.",
        "website": "https://kitchen.example.org",
        "contact_name": "Dee Contact",
        "contact_email": "Kitchen@Example.org",
        "contact_phone": "020 8937 1234",
        "address": "1 High Street, NW10",
    }
    return {**data, **changes}


def test_a_member_sees_their_organisation_with_its_contact_details(app, client):
    me = _signed_in_member(app, client)
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        expected = (org.name, org.contact_email, org.contact_phone)
    page = text_of(client.get("/organisation"))
    assert all(value in page for value in expected)


def test_a_member_edits_their_organisations_profile(app, client):
    me = _signed_in_member(app, client)
    form = client.get("/organisation/edit").get_data(as_text=True)
    assert 'value="E05013503" checked' in form and form.count(" checked") == 1  # Kilburn, as saved
    response = post_form(client, "/organisation/edit", _profile(wards=["E05013510", "E05013501"]))
    assert response.status_code == 302 and response.headers["Location"] == "/organisation"
    page = text_of(client.get("/organisation"))
    assert "Your organisation's profile has been saved." in page
    assert "Harlesden Community Kitchen" in page and "Harlesden and Kensal Green, Stonebridge" in page
    assert "kitchen@example.org" in page and "1 High Street, NW10" in page
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        assert sorted(w.name for w in org.wards) == ["Harlesden and Kensal Green", "Stonebridge"]
        assert (org.contact_name, org.contact_email, org.contact_phone) == (
            "Dee Contact",
            "kitchen@example.org",
            "020 8937 1234",
        )
        assert (org.kind, org.status) == (OrganisationKind.VCSE, OrganisationStatus.APPROVED)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
        assert (event.subject_id, event.actor_id) == (me["org_id"], me["user_id"])

    # Reopening the form shows the saved values.
    html = client.get("/organisation/edit").get_data(as_text=True)
    assert 'value="Dee Contact"' in html
    assert 'value="E05013501" checked' in html and 'value="E05013510" checked' in html


def test_going_borough_wide_and_back(app, client):
    me = _signed_in_member(app, client)
    assert post_form(client, "/organisation/edit", _profile(wards=["borough-wide"])).status_code == 302
    assert "Borough-wide (all of Brent)" in text_of(client.get("/organisation"))
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        assert org.borough_wide and org.wards == []
    assert post_form(client, "/organisation/edit", _profile(wards=["E05013510"])).status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        assert not org.borough_wide and [w.ons_code for w in org.wards] == ["E05013510"]


def test_validation_errors_keep_what_was_typed_and_save_nothing(app, client):
    me = _signed_in_member(app, client)
    with app.app_context():
        before = db.session.get(Organisation, me["org_id"]).contact_email
    response = post_form(
        client,
        "/organisation/edit",
        _profile(name="Renamed Kitchen", contact_email="kitchen at example", contact_phone="ring me", wards=[]),
    )
    assert response.status_code == 200
    assert set(error_messages(response)) == {
        "Enter a contact email address in the correct format, like name@example.com",
        "Enter a telephone number, like 020 8937 1234 or 07700 900 982",
        "Select the wards you serve, or borough-wide",
    }
    html = response.get_data(as_text=True)
    assert 'value="Renamed Kitchen"' in html and 'value="kitchen at example"' in html and 'value="ring me"' in html
    assert " checked" not in html.split('name="wards"', 1)[1].split("</fieldset>", 1)[0]  # unticked stays unticked
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        assert org.name != "Renamed Kitchen" and org.contact_email == before
        assert [w.name for w in org.wards] == ["Kilburn"]


def test_the_type_of_an_approved_organisation_cannot_be_changed(app, client):
    me = _signed_in_member(app, client)  # the builder's organisation is approved
    response = post_form(client, "/organisation/edit", _profile(kind="supplier", name="Now A Supplier Ltd"))
    assert response.status_code == 200
    assert "You cannot change the type of an approved organisation. Contact the brokerage team" in text_of(response)
    with app.app_context():
        org = db.session.get(Organisation, me["org_id"])
        assert org.kind is OrganisationKind.VCSE and org.name != "Now A Supplier Ltd"
        assert db.session.get(User, me["user_id"]).role is Role.GROUP_MEMBER


def test_a_supplier_cannot_become_a_vcse_either(app, client):
    with app.app_context():
        org = make_organisation(kind=OrganisationKind.SUPPLIER, company_number="01234567")
        org_id = org.id
        email = make_user(role=Role.SUPPLIER_MEMBER, organisation=org).email
    sign_in(client, email)
    post_form(client, "/organisation/edit", _profile(kind="vcse"))
    with app.app_context():
        assert db.session.get(Organisation, org_id).kind is OrganisationKind.SUPPLIER


def test_the_edit_form_of_an_approved_organisation_offers_no_choice_of_type(app, client):
    _signed_in_member(app, client)
    html = client.get("/organisation/edit").get_data(as_text=True)
    assert 'type="radio"' not in html


def test_officers_and_admins_have_no_organisation_page(app):
    with app.app_context():
        emails = [make_officer().email, make_admin().email]
    for email in emails:
        client = app.test_client()
        sign_in(client, email)
        for url in ("/organisation", "/organisation/edit"):
            response = client.get(url)
            assert response.status_code == 403, (email, url)
            assert "You do not have permission to see this page" in text_of(response)


def test_signed_out_visitors_are_asked_to_sign_in(client):
    for url in ("/account", "/account/details", "/account/password", "/organisation", "/organisation/edit"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), url


def test_a_member_sees_only_their_own_organisation(app, client):
    with app.app_context():
        other = make_organisation("Someone Else's Charity", contact_email="private@else.example.org")
        other_id = other.id
    _signed_in_member(app, client)
    page = text_of(client.get("/organisation"))
    assert "Someone Else's Charity" not in page and "private@else.example.org" not in page
    post_form(client, "/organisation/edit", _profile(name="Mine Now"))
    with app.app_context():
        assert db.session.get(Organisation, other_id).name == "Someone Else's Charity"
