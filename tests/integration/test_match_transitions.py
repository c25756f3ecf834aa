"""Every match transition: the allowed ones work and are audited; the forbidden ones are refused with a clear
message and change nothing; and nobody but the parties and officers can act on a match through any route."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import AuditEvent, Delivery, Match, MatchStatus, Offer, OrganisationKind, Role
from matchmaker.services import brokerage
from matchmaker.services.errors import NotAllowed
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user
from tests.helpers.web import post_form, sign_in, text_of

S = MatchStatus
PAIRS = [(source, target) for source in S for target in S]


def _match(status: MatchStatus, quantity: int = 4) -> Match:
    group = make_organisation("Kilburn Larder")
    make_user(Role.GROUP_MEMBER, group, email="grace@example.org")
    supplier = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
    make_user(Role.SUPPLIER_MEMBER, supplier, email="lucy@example.org")
    offer = make_offer(supplier=supplier, quantity=40, allocated=quantity, borough_wide=True)
    match = Match(
        need=make_need(organisation=group), offer=offer, quantity=Decimal(quantity), status=status, source="engine"
    )
    db.session.add(match)
    db.session.commit()
    return match


def _events(match_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_type == "match", AuditEvent.subject_id == match_id)
    )


def test_the_matrix_covers_every_status():
    assert set(brokerage.ALLOWED) == set(S)


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s.value}->{t.value}" for s, t in PAIRS])
def test_every_transition_is_allowed_or_refused_without_change(ctx, source, target):
    match = _match(source)
    officer = make_officer()
    if target in brokerage.ALLOWED[source]:
        brokerage.move(match, target, officer, note="Checked")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Match, match.id).status is target
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.subject_id == match.id))
        assert (event.from_state, event.to_state, event.note, event.actor_id) == (
            source.value,
            target.value,
            "Checked",
            officer.id,
        )
    else:
        with pytest.raises(NotAllowed) as refused:
            brokerage.move(match, target, officer)
        assert refused.value.message == f"A match that is {source.label.lower()} cannot become {target.label.lower()}"
        db.session.rollback()
        assert db.session.get(Match, match.id).status is source
        assert _events(match.id) == 0


@pytest.mark.parametrize("source", list(S), ids=[s.value for s in S])
@pytest.mark.parametrize("outcome", [S.CANCELLED, S.FAILED], ids=["cancel", "fail"])
def test_ending_a_match_through_the_officers_page(app, client, source, outcome):
    """The route officers use to end a match: allowed endings release the allocation; others change nothing."""
    with app.app_context():
        match_id, offer_id = (lambda m: (m.id, m.offer_id))(_match(source))
        officer = make_officer().email
    sign_in(client, officer)
    page = f"/officers/matches/{match_id}"
    response = post_form(
        client, f"{page}/end", {"outcome": outcome.value, "reason": "Supplier stood down"}, form_url=page
    )
    with app.app_context():
        match, offer = db.session.get(Match, match_id), db.session.get(Offer, offer_id)
        if outcome in brokerage.ALLOWED[source]:
            assert response.status_code == 302
            assert match.status is outcome and offer.allocated == 0
        elif source in (S.CANCELLED, S.FAILED):  # ended already: the officer is shown it, and told
            assert response.status_code == 302 and response.location.endswith(page)
            assert f"This match has already been ended: it is {source.label.lower()}" in text_of(client.get(page))
            assert match.status is source and offer.allocated == Decimal(4) and _events(match_id) == 0
        else:
            assert f"A match that is {source.label.lower()} cannot become {outcome.label.lower()}" in text_of(response)
            assert match.status is source and offer.allocated == Decimal(4) and _events(match_id) == 0


# Wrong roles: every route that acts on a match, tried by another supplier, another group and nobody at all.


def _world(app) -> dict:
    with app.app_context():
        match = _match(S.INTRODUCED)
        delivery = Delivery(
            match=match,
            quantity=Decimal(1),
            delivered_on=date.today(),
            received_quantity=Decimal(1),
            confirmed_at=match.created_at,
        )
        db.session.add(delivery)
        db.session.commit()
        users = {
            "another supplier": make_user(
                Role.SUPPLIER_MEMBER, make_organisation("Other Ltd", kind=OrganisationKind.SUPPLIER)
            ).email,
            "another group": make_user(Role.GROUP_MEMBER, make_organisation("Other Group")).email,
        }
        return {"match": match.id, "need": match.need_id, "delivery": delivery.id, "users": users}


def _routes(w: dict) -> list[tuple[str, str, dict]]:
    m, n, d = w["match"], w["need"], w["delivery"]
    day = date.today()
    return [
        ("GET", f"/officers/matches/{m}", {}),
        ("POST", f"/officers/matches/{m}/end", {"outcome": "cancelled", "reason": "x"}),
        ("POST", f"/officers/matches/{m}/deliveries/{d}/verify", {f"delivery-{d}-verified": "1"}),
        ("GET", f"/my-matches/{m}", {}),
        (
            "POST",
            f"/my-matches/{m}/deliveries",
            {"quantity": "1", "delivered_on": [str(day.day), str(day.month), str(day.year)]},
        ),
        ("POST", f"/my-matches/{m}/respond", {}),
        ("POST", f"/my-matches/{m}/new-match", {}),
        ("POST", f"/my-needs/{n}/matches/{m}/respond", {}),
        ("POST", f"/my-needs/{n}/matches/{m}/new-match", {}),
        ("POST", f"/my-needs/{n}/deliveries/{d}/confirm", {f"delivery-{d}-received": "1"}),
    ]


ROUTE_NAMES = [
    "officer's match page",
    "end",
    "verify",
    "supplier's match page",
    "report delivery",
    "supplier responds",
    "supplier asks for a new match",
    "group responds",
    "group asks for a new match",
    "confirm delivery",
]


def _state(app, w: dict) -> tuple:
    with app.app_context():
        match = db.session.get(Match, w["match"])
        return (
            match.status,
            match.group_responded_at,
            match.supplier_responded_at,
            len(match.deliveries),
            [(x.received_quantity, x.verified_quantity) for x in match.deliveries],
            _events(w["match"]),
        )


@pytest.mark.parametrize("who", ["another supplier", "another group", "anonymous"])
@pytest.mark.parametrize("route", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
def test_wrong_people_cannot_act_on_a_match(app, client, who, route):
    w = _world(app)
    method, path, data = _routes(w)[route]
    if who != "anonymous":
        sign_in(client, w["users"][who])
    before = _state(app, w)
    if method == "GET":
        response = client.get(path)
    else:  # with a valid CSRF token, so that it is the access checks that refuse
        response = post_form(client, path, data, form_url="/account" if who != "anonymous" else "/sign-in")
    if who == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    else:
        assert response.status_code in (403, 404)
    assert _state(app, w) == before


def test_the_audit_log_has_no_route_that_edits_it(app):
    """No URL names the audit log or an audit event: it is written only by the services."""
    for rule in app.url_map.iter_rules():
        assert "audit" not in rule.rule and "event" not in rule.rule, rule.rule
