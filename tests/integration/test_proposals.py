"""The matching engine on the database: batch and incremental proposals, and what officers see."""

import json

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.matching.confidence import CALIBRATION
from matchmaker.models import NeedStatus, Offer, OrganisationKind, Proposal, Role
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of


def _proposed(app, need_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(select(Proposal.offer_id).where(Proposal.need_id == need_id).order_by(Proposal.rank))
        )


def test_propose_prints_json_ordered_by_need_then_score(app, runner):
    with app.app_context():
        larder = make_need(
            title="Volunteers for our food larder",
            description="Packing food parcels on Saturdays.",
            ref="N-LARDER",
            wards=("Kilburn",),
        )
        laptops = make_need(
            title="Laptops for homework club",
            description="Children need computers.",
            support_types=("in-kind",),
            wards=("Kilburn",),
        )
        make_offer(
            title="Staff volunteering at food banks",
            description="Teams pack food parcels.",
            ref="O-FOOD",
            borough_wide=True,
        )
        make_offer(
            title="Refurbished laptops",
            description="Wiped laptops for charities.",
            support_types=("in-kind",),
            quantity=20,
            wards=("Kilburn",),
        )
        make_offer(title="Volunteers for gardening", description="Clearing green spaces.", wards=("Alperton",))
        make_offer(title="Marshals for fun runs", description="Staff marshal charity races.", borough_wide=True)
        laptops_id = laptops.id
        larder_id = larder.id
    result = runner.invoke(args=["propose", "--top", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = data["proposals"]
    assert [r["need_ref"] for r in rows] == ["N-LARDER", "N-LARDER", str(laptops_id)]
    assert rows[0]["offer_ref"] == "O-FOOD" and rows[0]["score"] >= rows[1]["score"]
    assert set(rows[0]["components"]) == {
        "text",
        "priority",
        "location",
        "support",
        "capacity",
        "urgency",
        "fairness",
        "semantic",
    }
    assert rows[0]["reason"] == (
        "Borough-wide offer · priority: Good jobs and fair work · type: volunteering · "
        "words: larder ≈ food parcels, food parcels · "
        "meaning: 'Packing food parcels on Saturdays' ~ 'Teams pack food parcels'"
    )
    assert all(0.0 <= r["confidence"] <= 1.0 for r in rows)
    assert rows[0]["confidence"] > rows[1]["confidence"]
    # Flagged: the needs whose best proposal is below the threshold (how well that separates needs with and
    # without a right offer is measured on the labelled sets: tests/unit/test_match_quality.py).
    best = {}
    for r in rows:
        best[r["need_ref"]] = max(best.get(r["need_ref"], 0.0), r["confidence"])
    assert data["no_good_match"] == [need for need, value in best.items() if value < CALIBRATION.threshold]
    assert "N-LARDER" not in data["no_good_match"]
    assert "Done in" in result.stderr and "proposals for 2 open needs from 4 offers" in result.stderr
    assert len(_proposed(app, larder_id)) == 2  # saved as well as printed


def test_a_new_offer_is_proposed_straight_away(app, client):
    with app.app_context():
        need_id = make_need(title="Volunteers for our food larder", description="Packing parcels.").id
        supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        email = make_user(Role.SUPPLIER_MEMBER, supplier).email
        contract_id = make_offer(supplier=supplier, title="Old offer", support_types=("space",)).contract_id
    assert _proposed(app, need_id) == []
    sign_in(client, email)
    response = post_form(
        client,
        f"/contracts/{contract_id}/offers/new",
        {
            "title": "Staff volunteers",
            "description": "Our staff help at food larders.",
            "priorities": ["good-jobs"],
            "wards": ["borough-wide"],
            "support_types": ["volunteering"],
            "quantity": "100",
            "unit": "hours",
        },
    )
    assert response.status_code == 302
    assert len(_proposed(app, need_id)) == 1


def test_publishing_a_need_proposes_offers_and_closing_it_removes_them(app, client):
    with app.app_context():
        group = make_organisation("Kilburn Larder")
        member_email = make_user(Role.GROUP_MEMBER, group).email
        need_id = make_need(
            organisation=group, status=NeedStatus.AWAITING_MODERATION, title="Volunteers for our larder"
        ).id
        offer_id = make_offer(title="Volunteer teams", borough_wide=True).id
        officer_email = make_officer().email
    sign_in(client, officer_email)
    post_form(client, f"/officers/needs/{need_id}/publish", {}, form_url=f"/officers/needs/{need_id}")
    assert _proposed(app, need_id) == [offer_id]
    page = text_of(client.get(f"/officers/needs/{need_id}"))
    assert "Proposed offers" in page and "Volunteer teams" in page and "Borough-wide offer" in page

    member = app.test_client()
    sign_in(member, member_email)
    post_form(member, f"/my-needs/{need_id}/close", {"note": "Sorted"}, form_url=f"/my-needs/{need_id}")
    assert _proposed(app, need_id) == []


def test_officers_see_unmatched_needs_and_why(app, client, runner):
    with app.app_context():
        make_need(title="Cash for a coach trip", support_types=("donation",))
        make_need(title="A room for our choir", support_types=("space",))
        make_offer(title="A meeting room", support_types=("space",), quantity=5, allocated=5)
        make_offer(title="Volunteer teams", borough_wide=True)
        officer_email = make_officer().email
    runner.invoke(args=["propose"])
    sign_in(client, officer_email)
    page = text_of(client.get("/officers/matching/unmatched"))
    assert "Cash for a coach trip" in page and "No offer of that type (donation)" in page
    assert "A room for our choir" in page and "all their capacity is used" in page
    overview = text_of(client.get("/officers/matching"))
    assert "Cash for a coach trip" in overview and "No proposal" in overview


def test_officers_see_no_good_match_yet_with_the_closest_candidates(app, client, runner):
    with app.app_context():
        mice = make_need(
            title="Mice in the store cupboard",
            description="We found droppings. Someone to get rid of the mice and block the holes.",
        ).id
        reading = make_need(title="Reading helpers", description="Our children need adults to listen to them read.").id
        make_offer(title="Marshals for fun runs", description="Staff marshal charity races.", borough_wide=True)
        make_offer(title="Reading helpers", description="Staff listen to children read at school.", borough_wide=True)
        officer_email = make_officer().email
    runner.invoke(args=["propose"])
    sign_in(client, officer_email)
    page = text_of(client.get(f"/officers/needs/{mice}"))
    assert "No good match yet" in page and "closest candidates" in page
    assert "Marshals for fun runs" in page and "confidence" in page
    page = text_of(client.get(f"/officers/needs/{reading}"))
    assert "No good match yet" not in page and "Reading helpers from" in page


def _stored(app) -> dict[tuple[int, int], tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(Proposal.need_id, Proposal.offer_id, Proposal.id, Proposal.rank, Proposal.score, Proposal.reason)
        )
        return {(r.need_id, r.offer_id): (r.id, r.rank, r.score, r.reason) for r in rows}


def test_propose_again_rewrites_only_the_proposals_that_changed(app, runner):
    with app.app_context():
        make_need(title="Volunteers for our food larder", description="Packing food parcels.")
        make_need(title="Gardeners for the allotment", description="Digging and weeding on Sundays.")
        food = make_offer(title="Staff volunteering at food banks", description="Teams pack food parcels.")
        make_offer(title="Gardening volunteers", description="Weeding and digging community gardens.")
        make_offer(title="Volunteers for anything", description="A team of staff for a day.")
        food_id = food.id
    first = runner.invoke(args=["propose"])
    assert first.exit_code == 0, first.output
    assert "6 proposals for 2 open needs from 3 offers (6 new, 0 changed, 0 withdrawn, 0 unchanged)" in first.output
    before = _stored(app)

    again = runner.invoke(args=["propose"])
    assert "(0 new, 0 changed, 0 withdrawn, 6 unchanged)" in again.output
    assert _stored(app) == before  # the same rows, untouched

    # The food offer's capacity is used up: its two proposals go, the others move up a rank or stay as they were.
    with app.app_context():
        offer = db.session.get(Offer, food_id)
        offer.allocated = offer.quantity
        db.session.commit()
    third = runner.invoke(args=["propose"])
    after = _stored(app)
    assert set(after) == {pair for pair in before if pair[1] != food_id}
    moved = [pair for pair in after if after[pair][1] != before[pair][1]]
    kept = [pair for pair in after if after[pair][1] == before[pair][1]]
    assert f"(0 new, {len(moved)} changed, 2 withdrawn, {len(kept)} unchanged)" in third.output, third.output
    assert moved, "the food offer ranked first for the larder, so something moved up"
    assert all(after[pair][0] == before[pair][0] for pair in after)  # updated in place, never re-inserted
    assert all(after[pair] == before[pair] for pair in kept)
