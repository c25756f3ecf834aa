"""One signed-in test client per kind of user, for tests that try every route as everyone."""

from dataclasses import dataclass, field

from matchmaker.models import OrganisationKind, OrganisationStatus, Role
from tests.helpers.builders import make_organisation, make_user
from tests.helpers.web import sign_in

PERSONAS = ("anonymous", "group", "supplier", "partner", "officer", "admin", "other_group", "other_supplier")
ROLE_OF = {
    "anonymous": None,
    "group": Role.GROUP_MEMBER,
    "supplier": Role.SUPPLIER_MEMBER,
    "partner": Role.PARTNER_MEMBER,
    "officer": Role.OFFICER,
    "admin": Role.ADMIN,
    # Members of other approved organisations: the right role, but none of the objects in url_values are theirs.
    "other_group": Role.GROUP_MEMBER,
    "other_supplier": Role.SUPPLIER_MEMBER,
}
# The organisation whose objects fill url_values, for each member persona.
OWNER_OF_OBJECTS = {"group", "supplier"}


@dataclass
class World:
    """Who exists, and the values that fill URL parameters."""

    clients: dict
    url_values: dict
    # The API's personal-token headers for each persona ({} for anonymous): API routes ignore session cookies.
    api_headers: dict = field(default_factory=dict)


def _need_contract_and_offer(group_org, supplier_org):
    """An open need of the group's, and a contract and offer of the supplier's, so every URL can be filled."""
    from datetime import date, timedelta
    from decimal import Decimal

    from matchmaker.extensions import db
    from matchmaker.models import Contract, Need, NeedStatus, Offer, Priority, SupportType, Unit
    from tests.helpers.builders import ward

    priority = db.session.scalar(db.select(Priority).where(Priority.slug == "vcse-capacity"))
    skills = db.session.scalar(db.select(SupportType).where(SupportType.slug == "skills"))
    need = Need(
        organisation=group_org,
        title="Trustees with finance skills",
        description="Two new trustees.",
        status=NeedStatus.OPEN,
        needed_by=date.today() + timedelta(days=60),
        priorities=[priority],
        wards=[ward("Roundwood")],
        support_types=[skills],
    )
    contract = Contract(
        supplier=supplier_org,
        ref="BC-TEST-1",
        title="Housing repairs",
        value=Decimal("2500000"),
        start_date=date.today(),
        end_date=date.today() + timedelta(days=365),
        manager_email="manager@brent.example.org",
    )
    offer = Offer(
        contract=contract,
        title="Board mentoring",
        description="Finance staff as trustees.",
        quantity=Decimal(40),
        unit=Unit.HOURS,
        allocated=Decimal(0),
        borough_wide=True,
        priorities=[priority],
        support_types=[skills],
    )
    db.session.add_all([need, contract, offer])
    db.session.commit()
    return need, contract, offer


def _pledge_and_match(need, offer):
    """A pending pledge (the queue's decision pages) and an approved match (the match page)."""
    from decimal import Decimal

    from matchmaker.extensions import db
    from matchmaker.models import Match, MatchStatus, Pledge, PledgeStatus

    pledge = Pledge(offer=offer, need=need, quantity=Decimal(5), status=PledgeStatus.PENDING)
    from datetime import date

    from matchmaker.models import Delivery

    match = Match(need=need, offer=offer, quantity=Decimal(2), status=MatchStatus.IN_DELIVERY, source="engine")
    delivery = Delivery(match=match, quantity=Decimal(1), delivered_on=date.today())
    db.session.add_all([pledge, match, delivery])
    db.session.commit()
    return pledge, match, delivery


def _proposal(need, offer):
    """An engine proposal, for the API's proposal routes."""
    from matchmaker.extensions import db
    from matchmaker.models import Proposal

    proposal = Proposal(need=need, offer=offer, rank=1, score=0.8, components={"text": 0.5}, reason="Close match")
    db.session.add(proposal)
    db.session.commit()
    return proposal


def _remedial_plan(contract):
    """A remedial plan with one action (the plan pages and their buttons)."""
    from datetime import date, timedelta

    from matchmaker.extensions import db
    from matchmaker.models import RemedialAction, RemedialPlan

    plan = RemedialPlan(contract=contract, problem="Volunteering is behind.", state_when_opened="Behind")
    action = RemedialAction(
        plan=plan, description="Agree dates", owner="Site manager", due_on=date.today() + timedelta(days=14)
    )
    db.session.add_all([plan, action])
    db.session.commit()
    return plan, action


def build_world(app) -> World:
    from matchmaker.extensions import db
    from matchmaker.services import api_tokens

    with app.app_context():
        group_org = make_organisation("Roundwood Community Garden", kind=OrganisationKind.VCSE)
        supplier_org = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        pending = make_organisation("Queensbury Carers Circle", status=OrganisationStatus.PENDING)
        partner_org = make_organisation("Northwick Park Hospital", kind=OrganisationKind.PARTNER)
        users = {
            "group": make_user(Role.GROUP_MEMBER, group_org),
            "supplier": make_user(Role.SUPPLIER_MEMBER, supplier_org),
            "partner": make_user(Role.PARTNER_MEMBER, partner_org),
            "officer": make_user(Role.OFFICER),
            "admin": make_user(Role.ADMIN),
            "other_group": make_user(Role.GROUP_MEMBER, make_organisation("Tokyngton Tenants Association")),
            "other_supplier": make_user(
                Role.SUPPLIER_MEMBER, make_organisation("Alperton Facilities plc", kind=OrganisationKind.SUPPLIER)
            ),
        }
        bystander = make_user(Role.GROUP_MEMBER, group_org, full_name="Someone Else")
        need, contract, offer = _need_contract_and_offer(group_org, supplier_org)
        pledge, match, delivery = _pledge_and_match(need, offer)
        proposal = _proposal(need, offer)
        plan, action = _remedial_plan(contract)
        api_headers = {"anonymous": {}}
        for persona, user in users.items():
            api_headers[persona] = {"Authorization": f"Bearer {api_tokens.create_token(user, 'Scan', None)[1]}"}
        spare, _ = api_tokens.create_token(users["admin"], "Spare", None)  # to be revoked by the scans
        db.session.commit()
        url_values = {
            "org_id": pending.id,
            "token": "not-a-real-token",
            "need_id": need.id,
            "contract_id": contract.id,
            "offer_id": offer.id,
            "kind": "pledge",
            "item_id": pledge.id,
            "match_id": match.id,
            "delivery_id": delivery.id,
            "token_id": spare.id,
            "proposal_id": proposal.id,
            "partner_id": users["supplier"].id,
            "user_id": bystander.id,
            "plan_id": plan.id,
            "action_id": action.id,
        }
        emails = {persona: user.email for persona, user in users.items()}
    clients = {"anonymous": app.test_client()}
    for number, (persona, email) in enumerate(emails.items(), start=1):
        clients[persona] = app.test_client()
        # Each persona from its own address, as real people are, so that signing them all in stays under the
        # per-address sign-in limit.
        clients[persona].environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
        sign_in(clients[persona], email)
    return World(clients, url_values, api_headers)
