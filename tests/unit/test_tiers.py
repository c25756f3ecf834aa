"""The policy's contract-value tiers and what each expects of a contract's offers."""

from datetime import date
from decimal import Decimal

import pytest

from matchmaker.models import Contract, Offer, OfferStatus, Priority, Unit
from matchmaker.services.contracts import Tier, assess, tier_for


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ("0", Tier.UNDER_215K),
        ("214999.99", Tier.UNDER_215K),
        ("215000", Tier.BASIC),
        ("1000000", Tier.BASIC),
        ("1000000.01", Tier.KPIS),
        ("5000000", Tier.KPIS),
        ("5000000.01", Tier.STRATEGIC),
        ("90000000", Tier.STRATEGIC),
    ],
)
def test_tier_boundaries_follow_the_policy_table(value, tier):
    assert tier_for(Decimal(value)) is tier


def _priority(number: int) -> Priority:
    return Priority(id=number, number=number, slug=f"p{number}", title=f"P{number}", short_title="", summary="")


def _offer(priorities=(1,), quantity="10", status=OfferStatus.ACTIVE) -> Offer:
    return Offer(
        title="x",
        description="x",
        priorities=[_priority(n) for n in priorities],
        status=status,
        quantity=Decimal(quantity) if quantity else None,
        unit=Unit.HOURS if quantity else None,
    )


def _contract(value: str, offers: list[Offer]) -> Contract:
    return Contract(
        ref="C",
        title="C",
        value=Decimal(value),
        start_date=date(2026, 1, 1),
        end_date=date(2027, 1, 1),
        manager_email="m@example.org",
        offers=offers,
    )


def test_a_small_contract_has_no_formal_requirement():
    assessment = assess(_contract("100000", []))
    assert assessment.tier is Tier.UNDER_215K and assessment.meets_tier


def test_a_basic_contract_needs_one_offer():
    assert assess(_contract("500000", [])).missing == ["At least one offer in 1 or 2 priority areas"]
    assert assess(_contract("500000", [_offer(quantity=None)])).meets_tier


def test_a_kpi_contract_needs_a_measurable_commitment():
    unmeasured = assess(_contract("2000000", [_offer(quantity=None)]))
    assert unmeasured.missing == ["At least one commitment with a KPI: an offer with a committed quantity and unit"]
    assert assess(_contract("2000000", [_offer()])).meets_tier


def test_a_strategic_contract_needs_three_kpis_across_priorities():
    two_kpis = assess(_contract("8000000", [_offer((1,)), _offer((1,)), _offer((1,), quantity=None)]))
    assert two_kpis.missing == [
        "At least 3 KPIs (offers with a committed quantity and unit): 2 so far",
        "Commitments across more than one priority: 1 so far",
    ]
    assert assess(_contract("8000000", [_offer((1,)), _offer((2,)), _offer((1, 3))])).meets_tier


def test_withdrawn_offers_do_not_count():
    assessment = assess(_contract("8000000", [_offer((1,)), _offer((2,)), _offer((3,), status=OfferStatus.WITHDRAWN)]))
    assert assessment.kpis == 2 and not assessment.meets_tier
