"""One signed-in test client per kind of user, for tests that try every route as everyone."""

from dataclasses import dataclass

from matchmaker.models import OrganisationKind, OrganisationStatus, Role
from tests.helpers.builders import make_organisation, make_user
from tests.helpers.web import sign_in

PERSONAS = ("anonymous", "group", "supplier", "officer", "admin")
ROLE_OF = {"anonymous": None, "group": Role.GROUP_MEMBER, "supplier": Role.SUPPLIER_MEMBER,
           "officer": Role.OFFICER, "admin": Role.ADMIN}


@dataclass
class World:
    """Who exists, and the values that fill URL parameters."""

    clients: dict
    url_values: dict


def build_world(app) -> World:
    with app.app_context():
        group_org = make_organisation("Roundwood Community Garden", kind=OrganisationKind.VCSE)
        supplier_org = make_organisation("Brentside Builders Ltd", kind=OrganisationKind.SUPPLIER)
        pending = make_organisation("Queensbury Carers Circle", status=OrganisationStatus.PENDING)
        users = {
            "group": make_user(Role.GROUP_MEMBER, group_org),
            "supplier": make_user(Role.SUPPLIER_MEMBER, supplier_org),
            "officer": make_user(Role.OFFICER),
            "admin": make_user(Role.ADMIN),
        }
        url_values = {"org_id": pending.id, "token": "not-a-real-token"}
        emails = {persona: user.email for persona, user in users.items()}
    clients = {"anonymous": app.test_client()}
    for persona, email in emails.items():
        clients[persona] = app.test_client()
        sign_in(clients[persona], email)
    return World(clients, url_values)
