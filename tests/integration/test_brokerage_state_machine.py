"""Random interleavings of everything that moves capacity or a status keep the books straight (issue 12).

Hypothesis plays an officer, a supplier and a group against two offers and three needs: approving pledges and
proposals (and approving each a second time, which must be refused), introducing, ending, asking for a new
match, reporting, confirming and verifying deliveries, in any order and with any amounts, legal or not. After
every step it checks what the council relies on:

- an offer's allocation is exactly what its matches hold: all of a live match's amount, plus what was verified
  under a match that ended (the rest went back to the offer); never below zero, never above what was committed;
- one match at most per pledge and per proposal;
- what is reported under a match never exceeds its amount; what is verified never exceeds what was received,
  nor that what was reported;
- a need with verified help under a live match is not "open".
"""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import (
    Delivery,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Offer,
    OrganisationKind,
    Proposal,
    Role,
    Unit,
    User,
    utcnow,
)
from matchmaker.services import brokerage, offers
from matchmaker.services import deliveries as delivery_service
from matchmaker.services import responses as response_service
from matchmaker.services.errors import DomainError, StateConflict
from tests.helpers.builders import make_need, make_offer, make_officer, make_organisation, make_user

ENDED = (MatchStatus.CANCELLED, MatchStatus.FAILED)
amounts = st.integers(min_value=0, max_value=7).map(Decimal)
picks = st.integers(min_value=0, max_value=1000)


def _brokerage_machine(app):
    class Brokerage(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.context = app.app_context()
            self.context.push()
            group = make_organisation(wards=("Kilburn",))
            supplier = make_organisation(kind=OrganisationKind.SUPPLIER)
            self.group_user = make_user(Role.GROUP_MEMBER, group).id
            self.supplier_user = make_user(Role.SUPPLIER_MEMBER, supplier).id
            self.officer = make_officer().id
            self.offers = [make_offer(supplier=supplier, quantity=10, borough_wide=True).id for _ in range(2)]
            self.needs = [make_need(organisation=group, quantity=6, unit=Unit.HOURS).id for _ in range(3)]
            self.matches: list[int] = []
            self.deliveries: list[int] = []

        def teardown(self) -> None:
            db.session.rollback()
            db.session.remove()
            self.context.pop()

        # Helpers ------------------------------------------------------------------------------------------

        def user(self, user_id: int) -> User:
            return db.session.get(User, user_id)

        def attempt(self, change) -> bool:
            """Run one request's worth of change: commit it, or roll back a refusal (a DomainError) as a view
            would. Anything else is a bug and fails the test."""
            try:
                change()
            except DomainError:
                db.session.rollback()
                return False
            db.session.commit()
            return True

        def pair(self, need: int, offer: int) -> tuple[Need, Offer]:
            return db.session.get(Need, self.needs[need % 3]), db.session.get(Offer, self.offers[offer % 2])

        def match(self, pick: int) -> Match:
            return db.session.get(Match, self.matches[pick % len(self.matches)])

        def delivery(self, pick: int) -> Delivery:
            return db.session.get(Delivery, self.deliveries[pick % len(self.deliveries)])

        def approved(self, kind: str, need: Need, offer: Offer, amount: Decimal, source: dict) -> None:
            made: list[int] = []
            officer = self.user(self.officer)
            if self.attempt(lambda: made.append(brokerage.approve(need, offer, officer, amount, **source).id)):
                self.matches.extend(made)
                # The same decision a second time (a double-click) is refused and changes nothing.
                need, offer = db.session.get(Need, need.id), db.session.get(Offer, offer.id)
                again = {key: db.session.merge(value) if key == "pledge" else value for key, value in source.items()}
                try:
                    brokerage.approve(need, offer, self.user(self.officer), amount, **again)
                except StateConflict as conflict:
                    assert conflict.message == f"This {kind} has already been approved"
                    db.session.rollback()
                else:
                    raise AssertionError(f"a {kind} was approved twice")

        # Rules --------------------------------------------------------------------------------------------

        @rule(need=picks, offer=picks, amount=amounts)
        def pledge_and_approve(self, need: int, offer: int, amount: Decimal) -> None:
            need, offer = self.pair(need, offer)
            made = []
            if self.attempt(lambda: made.append(offers.pledge(offer, need, self.user(self.supplier_user), amount))):
                pledge = db.session.merge(made[0])
                self.approved("pledge", pledge.need, pledge.offer, pledge.quantity, {"pledge": pledge})

        @rule(need=picks, offer=picks, amount=amounts)
        def propose_and_approve(self, need: int, offer: int, amount: Decimal) -> None:
            need, offer = self.pair(need, offer)
            if db.session.scalar(select(Proposal).where(Proposal.need_id == need.id, Proposal.offer_id == offer.id)):
                return
            proposal = Proposal(need=need, offer=offer, rank=1, score=0.5, components={}, reason="Test")
            db.session.add(proposal)
            db.session.commit()
            self.approved("proposal", need, offer, amount, {"proposal": proposal})

        @precondition(lambda self: self.matches)
        @rule(pick=picks)
        def introduce(self, pick: int) -> None:
            match = self.match(pick)
            self.attempt(lambda: brokerage.move(match, MatchStatus.INTRODUCED, self.user(self.officer)))

        @precondition(lambda self: self.matches)
        @rule(pick=picks, failed=st.booleans())
        def end(self, pick: int, failed: bool) -> None:
            match = self.match(pick)
            outcome = MatchStatus.FAILED if failed else MatchStatus.CANCELLED
            self.attempt(lambda: brokerage.end(match, self.user(self.officer), outcome, "Test"))

        @precondition(lambda self: self.matches)
        @rule(pick=picks)
        def ask_for_new_match(self, pick: int) -> None:
            match = self.match(pick)
            if match.status is MatchStatus.INTRODUCED:
                match.introduced_at = utcnow() - timedelta(days=30)  # the supplier has been silent for weeks
                db.session.commit()
            group = self.user(self.group_user)
            self.attempt(lambda: response_service.respond(match, group))
            self.attempt(lambda: response_service.ask_for_new_match(self.match(pick), group))

        @precondition(lambda self: self.matches)
        @rule(pick=picks, amount=amounts, complete=st.booleans())
        def report(self, pick: int, amount: Decimal, complete: bool) -> None:
            match = self.match(pick)
            made = []
            supplier = self.user(self.supplier_user)
            report = lambda: made.append(  # noqa: E731
                delivery_service.report(match, supplier, amount, date.today(), complete=complete).id
            )
            if self.attempt(report):
                self.deliveries.extend(made)

        @precondition(lambda self: self.deliveries)
        @rule(pick=picks, amount=amounts)
        def confirm(self, pick: int, amount: Decimal) -> None:
            delivery = self.delivery(pick)
            self.attempt(lambda: delivery_service.confirm(delivery, self.user(self.group_user), amount))

        @precondition(lambda self: self.deliveries)
        @rule(pick=picks, amount=st.none() | amounts)
        def verify(self, pick: int, amount: Decimal | None) -> None:
            delivery = self.delivery(pick)
            self.attempt(lambda: delivery_service.verify(delivery, self.user(self.officer), amount))

        # Invariants, checked after every step ---------------------------------------------------------------

        @invariant()
        def allocation_is_what_matches_hold(self) -> None:
            db.session.expire_all()
            for offer_id in self.offers:
                offer = db.session.get(Offer, offer_id)
                held = Decimal(0)
                for match in db.session.scalars(select(Match).where(Match.offer_id == offer_id)):
                    if match.status in brokerage.LIVE:
                        held += match.quantity
                    elif match.status in ENDED:
                        held += min(match.quantity, match.total("verified_quantity"))
                assert offer.allocated == held
                assert 0 <= offer.allocated <= offer.quantity

        @invariant()
        def one_match_per_pledge_and_proposal(self) -> None:
            for column in (Match.pledge_id, Match.proposal_id):
                twice = db.session.scalars(
                    select(column).where(column.is_not(None)).group_by(column).having(func.count() > 1)
                ).all()
                assert twice == []

        @invariant()
        def deliveries_add_up(self) -> None:
            for match_id in self.matches:
                match = db.session.get(Match, match_id)
                assert match.total("quantity") <= match.quantity
                for delivery in match.deliveries:
                    if delivery.received_quantity is not None:
                        assert delivery.received_quantity <= delivery.quantity
                    if delivery.verified_quantity is not None:
                        assert delivery.verified_quantity <= delivery.received_quantity

        @invariant()
        def helped_needs_are_not_open(self) -> None:
            for need_id in self.needs:
                helped = db.session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .join(Match)
                    .where(
                        Match.need_id == need_id, Match.status.in_(brokerage.LIVE), Delivery.verified_at.is_not(None)
                    )
                )
                if helped:
                    assert db.session.get(Need, need_id).status is not NeedStatus.OPEN

    return Brokerage


def test_random_interleavings_keep_capacity_and_state_consistent(app):
    run_state_machine_as_test(
        _brokerage_machine(app),
        settings=settings(
            max_examples=30,  # about a minute on a shared 2-core machine
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
