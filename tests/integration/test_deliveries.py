"""From introduction to proof: the supplier reports, the group confirms, an officer verifies; figures move."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Contract, Match, MatchStatus, Need, NeedStatus, OrganisationKind, Role, Unit, User
from matchmaker.services import brokerage, contracts
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of


def _introduced_match(app, agreed=8, need_quantity=10) -> dict:
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        group_email = make_user(Role.GROUP_MEMBER, group, email="grace@example.org").email
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        supplier_email = make_user(Role.SUPPLIER_MEMBER, supplier, email="lucy@example.org").email
        need = make_need(organisation=group, title="Volunteers for our larder", quantity=need_quantity, unit=Unit.HOURS)
        offer = make_offer(supplier=supplier, title="Staff volunteering", quantity=40, borough_wide=True)
        officer = make_officer()
        match = brokerage.approve(need, offer, officer, Decimal(agreed))
        brokerage.move(match, MatchStatus.INTRODUCED, officer)
        db.session.commit()
        return {
            "match": match.id,
            "need": need.id,
            "contract": offer.contract_id,
            "group": group_email,
            "supplier": supplier_email,
            "officer": officer.email,
        }


def _report(client, match_id, amount, complete=False):
    day = date.today()
    data = {"quantity": str(amount), "delivered_on": [str(day.day), str(day.month), str(day.year)], "note": "Done"}
    if complete:
        data["complete"] = "y"
    return post_form(client, f"/my-matches/{match_id}/deliveries", data, form_url=f"/my-matches/{match_id}")


def _delivery_ids(app, match_id) -> list[int]:
    with app.app_context():
        return [d.id for d in db.session.get(Match, match_id).deliveries]


def _confirm(client, need_id, delivery_id, amount):
    return post_form(
        client,
        f"/my-needs/{need_id}/deliveries/{delivery_id}/confirm",
        {f"delivery-{delivery_id}-received": str(amount)},
        form_url=f"/my-needs/{need_id}",
    )


def _verify(client, match_id, delivery_id, amount):
    return post_form(
        client,
        f"/officers/matches/{match_id}/deliveries/{delivery_id}/verify",
        {f"delivery-{delivery_id}-verified": str(amount)},
        form_url=f"/officers/matches/{match_id}",
    )


def test_partial_then_complete_delivery_moves_the_need_and_the_contract(app):
    ids = _introduced_match(app)
    supplier, group, officer = app.test_client(), app.test_client(), app.test_client()
    sign_in(supplier, ids["supplier"]), sign_in(group, ids["group"]), sign_in(officer, ids["officer"])

    assert _report(supplier, ids["match"], 5).status_code == 302
    [first] = _delivery_ids(app, ids["match"])
    assert "In delivery" in text_of(supplier.get(f"/my-matches/{ids['match']}"))
    assert _confirm(group, ids["need"], first, 5).status_code == 302
    assert _verify(officer, ids["match"], first, 5).status_code == 302
    with app.app_context():
        assert db.session.get(Need, ids["need"]).status is NeedStatus.PARTLY_MET
        progress = contracts.progress(db.session.get(Contract, ids["contract"]))
        assert (progress.offers[0].approved, progress.offers[0].verified) == (Decimal(8), Decimal(5))

    assert _report(supplier, ids["match"], 3, complete=True).status_code == 302
    second = _delivery_ids(app, ids["match"])[1]
    assert _confirm(group, ids["need"], second, 3).status_code == 302
    assert _verify(officer, ids["match"], second, 3).status_code == 302
    with app.app_context():
        assert db.session.get(Match, ids["match"]).status is MatchStatus.VERIFIED
        assert db.session.get(Need, ids["need"]).status is NeedStatus.PARTLY_MET  # 8 of the 10 hours needed
    page = text_of(supplier.get(f"/contracts/{ids['contract']}"))
    assert "Committed against delivered" in page and "8 hours" in page


def test_a_need_is_met_when_verified_help_covers_it(app):
    ids = _introduced_match(app, agreed=10, need_quantity=10)
    supplier, group, officer = app.test_client(), app.test_client(), app.test_client()
    sign_in(supplier, ids["supplier"]), sign_in(group, ids["group"]), sign_in(officer, ids["officer"])
    _report(supplier, ids["match"], 10, complete=True)
    [only] = _delivery_ids(app, ids["match"])
    _confirm(group, ids["need"], only, 10)
    _verify(officer, ids["match"], only, 10)
    with app.app_context():
        assert db.session.get(Need, ids["need"]).status is NeedStatus.MET


def test_what_cannot_happen_is_refused_with_a_reason(app):
    ids = _introduced_match(app, agreed=8)
    supplier, group, officer = app.test_client(), app.test_client(), app.test_client()
    sign_in(supplier, ids["supplier"]), sign_in(group, ids["group"]), sign_in(officer, ids["officer"])
    assert error_messages(_report(supplier, ids["match"], 9)) == [
        "Amount delivered cannot be more than the 8 hours still to deliver under this match"
    ]
    _report(supplier, ids["match"], 4)
    [delivery] = _delivery_ids(app, ids["match"])
    # An officer cannot verify what the group has not confirmed (no button is offered; a hand-made request is told).
    assert "Verify the delivery" not in text_of(officer.get(f"/officers/matches/{ids['match']}"))
    response = _verify(officer, ids["match"], delivery, 4)
    assert "The group has not confirmed this delivery yet" in text_of(response)
    assert error_messages(_confirm(group, ids["need"], delivery, 5)) == [
        "Amount received cannot be more than the 4 hours reported"
    ]
    _confirm(group, ids["need"], delivery, 4)
    assert error_messages(_verify(officer, ids["match"], delivery, 6)) == [
        "Verified amount must be between 0 and the 4 hours the group received"
    ]


def test_only_the_parties_can_report_or_confirm(app):
    ids = _introduced_match(app)
    with app.app_context():
        other_supplier = make_user(
            Role.SUPPLIER_MEMBER, make_organisation("Other Ltd", kind=OrganisationKind.SUPPLIER)
        ).email
        other_group = make_user(Role.GROUP_MEMBER, make_organisation("Other Group")).email
    stranger, outsider = app.test_client(), app.test_client()
    sign_in(stranger, other_supplier), sign_in(outsider, other_group)
    assert stranger.get(f"/my-matches/{ids['match']}").status_code == 404
    supplier = app.test_client()
    sign_in(supplier, ids["supplier"])
    _report(supplier, ids["match"], 2)
    [delivery] = _delivery_ids(app, ids["match"])
    response = post_form(
        outsider,
        f"/my-needs/{ids['need']}/deliveries/{delivery}/confirm",
        {f"delivery-{delivery}-received": "2"},
        form_url="/my-needs",
    )
    assert response.status_code == 404


def test_a_match_not_yet_introduced_takes_no_deliveries(app):
    with app.app_context():
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        user = make_user(Role.SUPPLIER_MEMBER, supplier)
        need = make_need()
        offer = make_offer(supplier=supplier, quantity=10)
        match = brokerage.approve(need, offer, make_officer(), Decimal(2))
        db.session.commit()
        from matchmaker.services import deliveries
        from matchmaker.services.errors import NotAllowed

        try:
            deliveries.report(match, db.session.get(User, user.id), Decimal(1), date.today())
        except NotAllowed as refused:
            assert refused.message == "A match that is approved takes no more deliveries"
        else:
            raise AssertionError("a delivery was accepted before the introduction")
        assert db.session.scalar(select(Match.status)) is MatchStatus.APPROVED


def test_ending_a_match_returns_what_was_not_delivered_to_the_offer(app):
    from matchmaker.models import Offer

    ids = _introduced_match(app, agreed=8)
    supplier, group, officer = app.test_client(), app.test_client(), app.test_client()
    sign_in(supplier, ids["supplier"]), sign_in(group, ids["group"]), sign_in(officer, ids["officer"])
    _report(supplier, ids["match"], 5)
    [delivery] = _delivery_ids(app, ids["match"])
    _confirm(group, ids["need"], delivery, 5)
    _verify(officer, ids["match"], delivery, 5)

    url, page = f"/officers/matches/{ids['match']}/end", f"/officers/matches/{ids['match']}"
    assert error_messages(post_form(officer, url, {"outcome": "failed"}, form_url=page)) == ["Enter the reason"]
    response = post_form(
        officer, url, {"outcome": "failed", "reason": "Site team stood down"}, form_url=page, follow_redirects=True
    )
    assert "The match is failed. 3 hours returned to the offer." in text_of(response)
    with app.app_context():
        match = db.session.get(Match, ids["match"])
        assert match.status is MatchStatus.FAILED
        assert db.session.get(Offer, match.offer_id).allocated == Decimal(5)  # the verified 5 still count
    # An ended match cannot be ended again, nor take deliveries.
    assert "End this match" not in text_of(officer.get(page))
    again = post_form(officer, url, {"outcome": "cancelled", "reason": "Again"}, form_url=page, follow_redirects=True)
    assert "This match has already been ended: it is failed" in text_of(again)
    assert _report(supplier, ids["match"], 1).status_code == 200
