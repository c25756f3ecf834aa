"""A small, fixed borough for the impact figures, with every total worked out by hand in the comments.

Financial year 2026 to 2027. Needs: N1 (good jobs + VCSE capacity; Kilburn and Harlesden and Kensal Green;
20 hours), N2 (environment; Kilburn; £500), N3 (reducing inequalities; borough-wide; never matched), N4
(posted before the year, closed). Offers: O1 (contract C1, 40 hours, measure BR-VCS-01 at £20 an hour), O2
(contract C2, £1,000, no measure). Matches: M1 N1xO1 15 hours, in delivery, with D1 (10 reported, 8
verified) and D2 (5 reported, not confirmed); M2 N2xO2 £500, verified, D3 £500 verified with a shared story;
M3 N1xO2 £100 CANCELLED, whose D4 (£100 verified before it was cancelled) must count nowhere.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.models import (
    Delivery,
    Match,
    MatchStatus,
    Measure,
    NeedStatus,
    OrganisationKind,
    Priority,
    Role,
    Unit,
)
from tests.helpers.builders import make_contract, make_need, make_offer, make_organisation, make_user

YEAR = (date(2026, 4, 1), date(2027, 3, 31))


def at(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def build() -> dict:
    group_a = make_organisation(
        "Kilburn Larder", contact_email="larder@private.example.org", contact_name="Priya Private"
    )
    group_b = make_organisation("Willesden Growers", contact_email="growers@private.example.org")
    supplier_1 = make_organisation(
        "Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER, contact_email="builders@private.example.org"
    )
    supplier_2 = make_organisation("Northway Facilities Ltd", kind=OrganisationKind.SUPPLIER)
    group_user = make_user(Role.GROUP_MEMBER, group_a, email="grace@private.example.org", full_name="Grace Private")
    supplier_user = make_user(Role.SUPPLIER_MEMBER, supplier_1, email="lucy@private.example.org")
    other_supplier_user = make_user(Role.SUPPLIER_MEMBER, supplier_2, email="sam@private.example.org")
    priority = db.session.scalar(db.select(Priority).where(Priority.slug == "vcse-capacity"))
    measure = Measure(
        code="BR-VCS-01",
        name="Hours of expert pro bono support",
        unit=Unit.HOURS,
        priority=priority,
        proxy_value=Decimal(20),
    )
    db.session.add(measure)

    n1 = make_need(
        group_a,
        NeedStatus.PARTLY_MET,
        title="Mentors for our trustees",
        priorities=("good-jobs", "vcse-capacity"),
        wards=("Kilburn", "Harlesden and Kensal Green"),
        quantity=20,
        unit=Unit.HOURS,
        published_at=at(2026, 5, 1),
    )
    n2 = make_need(
        group_b,
        NeedStatus.MET,
        title="Raised beds",
        priorities=("environment",),
        wards=("Kilburn",),
        support_types=("donation",),
        quantity=500,
        unit=Unit.POUNDS,
        published_at=at(2026, 6, 1),
    )
    n3 = make_need(
        group_b,
        NeedStatus.OPEN,
        title="Digital champions",
        priorities=("reducing-inequalities",),
        borough_wide=True,
        published_at=at(2026, 6, 10),
    )
    n4 = make_need(group_a, NeedStatus.CLOSED, title="Old need", published_at=at(2025, 12, 1))

    c1 = make_contract(
        supplier_1, ref="BC-C1", title="Housing repairs", start_date=date(2026, 1, 1), end_date=date(2027, 12, 31)
    )
    c2 = make_contract(
        supplier_2, ref="BC-C2", title="Street cleaning", start_date=date(2026, 4, 1), end_date=date(2027, 3, 31)
    )
    o1 = make_offer(
        c1,
        title="Board mentoring",
        quantity=40,
        unit=Unit.HOURS,
        allocated=15,
        borough_wide=True,
        created_at=at(2026, 4, 15),
    )
    o1.measure = measure
    o2 = make_offer(
        c2,
        title="Community grants",
        quantity=1000,
        unit=Unit.POUNDS,
        allocated=500,
        support_types=("donation",),
        borough_wide=True,
        created_at=at(2026, 4, 20),
    )

    m1 = Match(
        need=n1,
        offer=o1,
        quantity=Decimal(15),
        status=MatchStatus.IN_DELIVERY,
        source="engine",
        created_at=at(2026, 5, 3),
    )
    m2 = Match(
        need=n2,
        offer=o2,
        quantity=Decimal(500),
        status=MatchStatus.VERIFIED,
        source="pledge",
        created_at=at(2026, 6, 5),
    )
    m3 = Match(
        need=n1,
        offer=o2,
        quantity=Decimal(100),
        status=MatchStatus.CANCELLED,
        source="engine",
        created_at=at(2026, 5, 2),
    )
    d1 = Delivery(
        match=m1,
        quantity=Decimal(10),
        delivered_on=date(2026, 5, 10),
        received_quantity=Decimal(10),
        confirmed_at=at(2026, 5, 11),
        verified_quantity=Decimal(8),
        verified_at=at(2026, 5, 12),
        story="Not shown: this match is not verified yet.",
        story_shared=True,
    )
    d2 = Delivery(match=m1, quantity=Decimal(5), delivered_on=date(2026, 6, 1))
    d3 = Delivery(
        match=m2,
        quantity=Decimal(500),
        delivered_on=date(2026, 6, 20),
        received_quantity=Decimal(500),
        confirmed_at=at(2026, 6, 20),
        verified_quantity=Decimal(500),
        verified_at=at(2026, 6, 21),
        story="The raised beds mean our older members can garden again.",
        story_shared=True,
    )
    d4 = Delivery(
        match=m3,
        quantity=Decimal(100),
        delivered_on=date(2026, 5, 5),
        received_quantity=Decimal(100),
        confirmed_at=at(2026, 5, 5),
        verified_quantity=Decimal(100),
        verified_at=at(2026, 5, 6),
        story="Not shown: the match was cancelled.",
        story_shared=True,
    )
    db.session.add_all([m1, m2, m3, d1, d2, d3, d4])
    db.session.commit()
    return {
        "needs": [n1.id, n2.id, n3.id, n4.id],
        "contracts": [c1.id, c2.id],
        "c1": c1.id,
        "c2": c2.id,
        "group": group_user.email,
        "supplier": supplier_user.email,
        "other_supplier": other_supplier_user.email,
    }
