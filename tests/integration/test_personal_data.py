"""Personal data: downloading what we hold, deleting an account (anonymised, figures kept), and sessions ending."""

import json

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Match, MatchStatus, Need, OrganisationKind, Role, User
from tests.helpers.builders import (
    PASSWORD,
    make_admin,
    make_contract,
    make_need,
    make_offer,
    make_organisation,
    make_user,
)
from tests.helpers.web import error_messages, post_form, sign_in, text_of


def _member_with_a_need(app, email="grace@example.org"):
    with app.app_context():
        org = make_organisation(
            "Roundwood Community Garden",
            contact_email=email,
            contact_name="Grace Mensah",
            contact_phone="020 8937 0000",
        )
        user = make_user(Role.GROUP_MEMBER, org, email=email, full_name="Grace Mensah")
        need = make_need(org, title="Compost bins for the garden", created_by=user)
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        offer = make_offer(make_contract(supplier), title="Spare timber")
        db.session.add(Match(need=need, offer=offer, status=MatchStatus.IN_DELIVERY, source="engine"))
        db.session.commit()
        return {"user_id": user.id, "org_id": org.id, "need_id": need.id, "email": email}


def _download(client, which):
    response = client.get(f"/account/data?download={which}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def test_a_member_downloads_their_own_data(app, client):
    me = _member_with_a_need(app)
    with app.app_context():
        make_user(Role.GROUP_MEMBER, email="someone.else@example.org")
    sign_in(client, me["email"])
    assert "Download your data" in text_of(client.get("/account/data"))
    data = _download(client, "account")
    assert data["account"]["email"] == me["email"] and data["account"]["full_name"] == "Grace Mensah"
    assert data["organisation_memberships"] == [
        {
            "id": me["org_id"],
            "name": "Roundwood Community Garden",
            "kind": "vcse",
            "status": "approved",
            "your_role": "group_member",
        }
    ]
    assert [n["title"] for n in data["needs_created"]] == ["Compost bins for the garden"]
    assert "password_hash" not in json.dumps(data) and "someone.else@example.org" not in json.dumps(data)


def test_audit_events_about_the_person_are_in_their_download(app, client):
    me = _member_with_a_need(app)
    app.config["LOCKOUT_THRESHOLD"], threshold = 3, app.config["LOCKOUT_THRESHOLD"]
    try:  # lock out a guesser's address; the holder signs in from elsewhere
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        for _ in range(3):
            post_form(guesser, "/sign-in", {"email": me["email"], "password": "wrong guess here"})
    finally:
        app.config["LOCKOUT_THRESHOLD"] = threshold
    sign_in(client, me["email"])
    events = _download(client, "account")["audit_events"]
    assert [(e["action"], e["by_you"]) for e in events] == [("user.locked", False)]


def test_a_member_downloads_their_organisations_data_but_officers_have_none(app, client):
    me = _member_with_a_need(app)
    sign_in(client, me["email"])
    data = _download(client, "organisation")
    assert data["organisation"]["name"] == "Roundwood Community Garden"
    assert [m["email"] for m in data["members"]] == [me["email"]]
    assert [n["title"] for n in data["needs"]] == ["Compost bins for the garden"]
    assert [(m["need_id"], m["status"]) for m in data["matches"]] == [(me["need_id"], "in_delivery")]
    officer = app.test_client()
    with app.app_context():
        sign_in(officer, make_user(Role.OFFICER).email)
    assert officer.get("/account/data?download=organisation").status_code == 404
    assert officer.get("/account/data?download=everything").status_code == 404


def _figures(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Need)),
            db.session.scalar(select(func.count()).select_from(Match)),
        )


def test_deleting_your_account_anonymises_you_and_keeps_the_figures(app, client):
    me = _member_with_a_need(app)
    before = _figures(app)
    sign_in(client, me["email"])
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    sign_in(elsewhere, me["email"])
    wrong = post_form(client, "/account/delete", {"password": "not my password"})
    assert error_messages(wrong) == ["Your password is incorrect"]
    response = post_form(client, "/account/delete", {"password": PASSWORD}, follow_redirects=True)
    assert "Your account has been deleted" in text_of(response)
    assert client.get("/account").status_code == 302 and elsewhere.get("/account").status_code == 302
    assert post_form(app.test_client(), "/sign-in", {"email": me["email"], "password": PASSWORD}).status_code == 200
    assert _figures(app) == before
    with app.app_context():
        user = db.session.get(User, me["user_id"])
        assert (user.full_name, user.active, user.password_hash) == ("Deleted user", False, None)
        assert user.email.endswith("@deleted.invalid") and user.deleted_at is not None
        need = db.session.get(Need, me["need_id"])
        assert need.created_by_id == user.id and need.organisation_id == me["org_id"]
        org = user.organisation
        assert (org.contact_name, org.contact_email, org.contact_phone) == (
            "Deleted user",
            app.config["SUPPORT_EMAIL"],
            None,
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
        assert event.subject_id == user.id and event.actor_id == user.id
        dump = json.dumps([vars(row) for row in db.session.scalars(select(User))], default=str)
        assert "Grace Mensah" not in dump and me["email"] not in dump


def test_the_same_email_can_register_again_after_deletion(app, client):
    me = _member_with_a_need(app)
    sign_in(client, me["email"])
    post_form(client, "/account/delete", {"password": PASSWORD})
    with app.app_context():
        make_user(Role.GROUP_MEMBER, email=me["email"])  # the unique email is free again


def test_staff_ask_an_administrator_instead(app, client):
    with app.app_context():
        officer = make_user(Role.OFFICER)
        email, user_id = officer.email, officer.id
    sign_in(client, email)
    assert "Staff accounts are deleted by an administrator" in text_of(client.get("/account/delete"))
    token_page = client.get("/account/password").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    response = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).deleted_at is None


def test_an_administrator_deletes_an_account_on_request_and_it_is_audited(app, client):
    me = _member_with_a_need(app)
    with app.app_context():
        admin = make_admin()
        admin_email, admin_id = admin.email, admin.id
    sign_in(client, admin_email)
    assert "Grace Mensah" in text_of(client.get(f"/admin/users/{me['user_id']}/delete"))
    unconfirmed = post_form(client, f"/admin/users/{me['user_id']}/delete", {})
    assert error_messages(unconfirmed) == ["Confirm that you want to delete this account"]
    done = post_form(client, f"/admin/users/{me['user_id']}/delete", {"confirm": "y"}, follow_redirects=True)
    assert "The account of Grace Mensah has been deleted" in text_of(done)
    with app.app_context():
        assert db.session.get(User, me["user_id"]).full_name == "Deleted user"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
        assert (event.actor_id, event.subject_id, event.note) == (admin_id, me["user_id"], "by an administrator")
    own = post_form(client, f"/admin/users/{admin_id}/delete", {"confirm": "y"})
    assert error_messages(own) == ["Ask another administrator to delete your account"]
    assert client.get("/admin/users/999999/delete").status_code == 404


# Sessions end when the password changes ------------------------------------------------------------------------


def test_changing_the_password_signs_out_every_other_session_but_this_one(app, client):
    me = _member_with_a_need(app)
    sign_in(client, me["email"])
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    sign_in(other, me["email"])
    assert other.get("/account").status_code == 200
    new = "copper kite meadow"
    response = post_form(
        client, "/account/password", {"current_password": PASSWORD, "password": new, "confirm_password": new}
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


# Every administrator action that changes something is audited ---------------------------------------------------


def test_every_admin_only_change_writes_an_audit_event(app):
    """New admin routes fail here until they are given a valid request below and shown to write an audit record."""
    from matchmaker.web.access import rule_for

    with app.app_context():
        admin = make_admin()
        target = make_user(Role.GROUP_MEMBER, full_name="Sam Target")
        admin_email, target_id = admin.email, target.id
    valid = {
        "admin.new_user": (
            "/admin/users/new",
            {"full_name": "Olu Officer", "email": "olu@brent.example.org", "role": "officer"},
        ),
        "admin.delete_user": (f"/admin/users/{target_id}/delete", {"confirm": "y"}),
    }
    admin_only = set()
    for rule in app.url_map.iter_rules():
        with app.test_request_context():
            access = rule_for(rule.endpoint)
        if "POST" in rule.methods and access.kind == "roles" and access.roles == {Role.ADMIN}:
            admin_only.add(rule.endpoint)
    assert admin_only == set(valid), "give every admin-only POST route a valid request here"
    client = app.test_client()
    sign_in(client, admin_email)
    for endpoint, (url, data) in valid.items():
        with app.app_context():
            before = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.actor_id == select(User.id).where(User.email == admin_email).scalar_subquery())
            )
        assert post_form(client, url, data).status_code == 302, endpoint
        with app.app_context():
            after = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.actor_id == select(User.id).where(User.email == admin_email).scalar_subquery())
            )
        assert after == before + 1, endpoint
