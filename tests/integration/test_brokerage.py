"""Officers decide on pledges and proposals: approval allocates and introduces; rejection is remembered."""

from decimal import Decimal

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import (
    AuditEvent,
    Match,
    MatchStatus,
    Offer,
    OrganisationKind,
    Pledge,
    PledgeStatus,
    Proposal,
    Role,
    Unit,
)
from tests.conftest import mailbox
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import error_messages, post_form, sign_in, text_of


def _pair(app, quantity=40):
    """A group with a need, a supplier with an offer, and an officer."""
    with app.app_context():
        group = make_organisation("Kilburn Larder", contact_email="larder@example.org", contact_phone="020 7000 0001")
        make_user(Role.GROUP_MEMBER, group, email="grace@example.org")
        supplier = make_organisation(
            "Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER, contact_email="sv@brentside.example.org"
        )
        make_user(Role.SUPPLIER_MEMBER, supplier, email="lucy@example.org")
        need = make_need(organisation=group, title="Volunteers for our larder", quantity=10, unit=Unit.HOURS)
        offer = make_offer(supplier=supplier, title="Staff volunteering", quantity=quantity, borough_wide=True)
        return need.id, offer.id, make_officer().email


def _pledge(app, need_id, offer_id, amount=8) -> int:
    with app.app_context():
        pledge = Pledge(need_id=need_id, offer_id=offer_id, quantity=Decimal(amount), status=PledgeStatus.PENDING)
        db.session.add(pledge)
        db.session.commit()
        return pledge.id


def test_approving_a_pledge_allocates_it_and_introduces_both_sides(app, client):
    need_id, offer_id, officer = _pair(app)
    pledge_id = _pledge(app, need_id, offer_id)
    sign_in(client, officer)
    queue = text_of(client.get("/officers/queue"))
    assert "Volunteers for our larder (Kilburn Larder)" in queue and "Pledge" in queue
    page = text_of(client.get(f"/officers/queue/pledge/{pledge_id}"))
    assert "Pledge from Brentside Builders Ltd" in page and "40 hours of 40 hours" in page

    response = post_form(
        client,
        f"/officers/queue/pledge/{pledge_id}/approve",
        {"quantity": "8"},
        form_url=f"/officers/queue/pledge/{pledge_id}",
        follow_redirects=True,
    )
    page = text_of(response)
    assert "Approved. Kilburn Larder and Brentside Builders Ltd have been introduced by email." in page
    assert "Introduced" in page and "Approved → introduced" in page
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == Decimal(8)
        assert db.session.get(Pledge, pledge_id).status is PledgeStatus.APPROVED
        match = db.session.scalar(select(Match))
        assert (match.status, match.quantity, match.source) == (MatchStatus.INTRODUCED, Decimal(8), "pledge")
    to_group = next(m for m in mailbox(app) if m["To"] == "grace@example.org")
    to_supplier = next(m for m in mailbox(app) if m["To"] == "lucy@example.org")
    assert "sv@brentside.example.org" in to_group.get_body(("plain",)).get_content()  # each sees the other's contact
    assert "larder@example.org" in to_supplier.get_body(("plain",)).get_content()
    assert "8 hours" in to_group.get_body(("plain",)).get_content()


def test_an_approval_bigger_than_what_is_left_is_refused_and_changes_nothing(app, client):
    need_id, offer_id, officer = _pair(app, quantity=5)
    pledge_id = _pledge(app, need_id, offer_id, amount=5)
    sign_in(client, officer)
    response = post_form(
        client,
        f"/officers/queue/pledge/{pledge_id}/approve",
        {"quantity": "6"},
        form_url=f"/officers/queue/pledge/{pledge_id}",
    )
    assert error_messages(response) == ["Only 5 hours left of this offer: approve that much or less"]
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == 0
        assert db.session.get(Pledge, pledge_id).status is PledgeStatus.PENDING
        assert db.session.scalar(select(Match)) is None


def test_a_rejected_proposal_is_not_proposed_again_unless_something_changes(app, client, runner):
    need_id, offer_id, officer = _pair(app)
    runner.invoke(args=["propose"])
    with app.app_context():
        proposal_id = db.session.scalar(select(Proposal.id).where(Proposal.need_id == need_id))
    sign_in(client, officer)
    missing = post_form(
        client,
        f"/officers/queue/proposal/{proposal_id}/reject",
        {"reason": "other"},
        form_url=f"/officers/queue/proposal/{proposal_id}",
    )
    assert error_messages(missing) == ["Enter the reason"]
    response = post_form(
        client,
        f"/officers/queue/proposal/{proposal_id}/reject",
        {"reason": "wrong_ward"},
        form_url=f"/officers/queue/proposal/{proposal_id}",
        follow_redirects=True,
    )
    assert "It will not be proposed again unless one of them changes." in text_of(response)
    runner.invoke(args=["propose"])
    with app.app_context():
        assert db.session.scalar(select(Proposal).where(Proposal.need_id == need_id)) is None
        match = db.session.scalar(select(Match))
        assert (match.status, match.reason.value, match.source) == (MatchStatus.DECLINED, "wrong_ward", "engine")
        assert set(match.components) >= {"text", "location"}  # what the engine saw: training data for tune
        db.session.get(Offer, offer_id).title = "Staff volunteering, now with evening shifts"  # the offer changes
        db.session.commit()
    runner.invoke(args=["propose"])
    with app.app_context():
        assert db.session.scalar(select(Proposal.offer_id).where(Proposal.need_id == need_id)) == offer_id


def test_the_queue_filters_and_sorts(app, client):
    need_id, offer_id, officer = _pair(app)
    _pledge(app, need_id, offer_id)
    sign_in(client, officer)
    assert "Volunteers for our larder" in text_of(client.get("/officers/queue?ward=E05013503&sort=age"))
    assert "Nothing is waiting for a decision" in text_of(client.get("/officers/queue?ward=E05013496"))
    assert "Nothing is waiting for a decision" in text_of(client.get("/officers/queue?priority=environment"))
    assert "Volunteers for our larder" in text_of(client.get("/officers/queue?sort=nonsense&page=99"))


def test_a_decided_pledge_cannot_be_decided_again(app, client):
    need_id, offer_id, officer = _pair(app)
    pledge_id = _pledge(app, need_id, offer_id)
    sign_in(client, officer)
    post_form(
        client,
        f"/officers/queue/pledge/{pledge_id}/approve",
        {"quantity": "8"},
        form_url=f"/officers/queue/pledge/{pledge_id}",
    )
    # Opening it again (a stale tab, a second officer) leads to the match it became, saying so.
    again = client.get(f"/officers/queue/pledge/{pledge_id}", follow_redirects=True)
    assert "This pledge has already been approved" in text_of(again)
    assert again.request.path.startswith("/officers/matches/")
    with app.app_context():
        assert (
            db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "match"))
            == 2
        )  # approved, then introduced


def test_clear_cases_can_be_approved_together_and_unclear_ones_are_left(app, client, runner):
    need_id, offer_id, officer = _pair(app)
    pledge_id = _pledge(app, need_id, offer_id, amount=8)
    with app.app_context():
        unclear_need = make_need(title="Volunteers, amount not given").id
    runner.invoke(args=["propose"])
    with app.app_context():
        unclear = db.session.scalar(select(Proposal.id).where(Proposal.need_id == unclear_need))
    sign_in(client, officer)
    response = post_form(
        client,
        "/officers/queue/approve",
        {"selected": [f"pledge:{pledge_id}", f"proposal:{unclear}", "nonsense", "proposal:99999"]},
        form_url="/officers/queue",
        follow_redirects=True,
    )
    page = text_of(response)
    assert "1 approved and introduced." in page
    assert "Not approved: Staff volunteering for Volunteers, amount not given: choose the amount on its page" in page
    with app.app_context():
        assert db.session.get(Offer, offer_id).allocated == Decimal(8)
        assert db.session.get(Pledge, pledge_id).status is PledgeStatus.APPROVED
        assert db.session.scalar(select(Match).where(Match.need_id == unclear_need)) is None
