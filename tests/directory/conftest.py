"""The movement for directory tests: verified federations of a territory and of a sector, co-operative banks, and
organisations that must stay out of the directory (unverified, suspended, not an apex body)."""
from types import SimpleNamespace

import pytest

from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization


def change(app, organization, **values):
    """Set columns of an organisation as an admin's edit or a platform admin's decision would have."""
    with app.app_context():
        row = db.session.get(Organization, organization.id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


class Movement:
    def __init__(self, app, make, auth):
        self.app, self.make, self.auth = app, make, auth
        self.uk_admin = make.user(name="Fred Federation")
        self.uk = make.organization(self.uk_admin, name="Co-operatives UK", legal_form="cooperative_federation",
                                    country="GB", sector="other", verified=True)
        self.scop_admin = make.user(name="Sophie Scop")
        self.scop = make.organization(self.scop_admin, name="Confédération générale des Scop et des Scic",
                                      legal_form="cooperative_federation", country="FR", sector="industry_services",
                                      verified=True)
        change(app, self.scop, federation_scope="sectoral")
        self.amul = make.organization(make.user(), name="Gujarat Cooperative Milk Marketing Federation (Amul)",
                                      legal_form="cooperative_federation", country="IN", sector="agriculture",
                                      verified=True)
        change(app, self.amul, federation_scope="sectoral")
        self.credit_cooperatif = make.organization(make.user(), name="Crédit Coopératif", legal_form="cooperative_bank",
                                                   country="FR", sector="banking", verified=True)
        self.desjardins = make.organization(make.user(), name="Desjardins Group", legal_form="cooperative_bank",
                                            country="CA", sector="banking", verified=True)
        self.unverified = make.organization(make.user(), name="Kenya Union of Savings and Credit Co-operatives",
                                            legal_form="cooperative_federation", country="KE", sector="banking")
        self.suspended = make.organization(make.user(), name="Suspended Federation", legal_form="cooperative_federation",
                                           country="GB", verified=True)
        change(app, self.suspended, is_active=False, suspended_at=utcnow())
        self.coop_admin = make.user(name="Carla Coop")
        self.coop = make.organization(self.coop_admin, name="Valley Growers Cooperative", verified=True)
        self.h = {"uk": auth(make.token(self.uk_admin)), "scop": auth(make.token(self.scop_admin)),
                  "coop": auth(make.token(self.coop_admin)), "anonymous": {}}

    def declare(self, member_headers, member, federation, status=201):
        answer = self.client.post(f"/api/v1/organizations/{member.id}/federations", json={"federation_id": federation.id},
                                  headers=member_headers)
        assert answer.status_code == status, answer.get_json()
        return answer.get_json()

    def decide(self, headers, membership, decision, status=200):
        answer = self.client.post(f"/api/v1/federation-memberships/{membership['id']}/decision",
                                  json={"decision": decision}, headers=headers)
        assert answer.status_code == status, answer.get_json()
        return answer.get_json()


@pytest.fixture
def movement(app, client, make, auth):
    movement = Movement(app, make, auth)
    movement.client = client
    return movement


@pytest.fixture
def members(movement, make, auth):
    """Co-operatives of Co-operatives UK: confirmed and public, confirmed and private, declared only, declined, ended."""
    made = {}
    for name in ("confirmed_public", "confirmed_private", "declared", "declined", "ended"):
        admin = make.user()
        organization = make.organization(admin, name=f"{name.replace('_', ' ').title()} Co-operative", verified=True)
        headers = auth(make.token(admin))
        membership = movement.declare(headers, organization, movement.uk)
        if name.startswith("confirmed") or name == "ended":
            movement.decide(movement.h["uk"], membership, "confirmed")
        if name == "declined":
            movement.decide(movement.h["uk"], membership, "declined")
        if name == "ended":
            answer = movement.client.post(f"/api/v1/federation-memberships/{membership['id']}/end", headers=headers)
            assert answer.status_code == 200, answer.get_json()
        if name != "confirmed_private":
            change(movement.app, organization, report_public=True)
        made[name] = SimpleNamespace(organization=organization, headers=headers, membership=membership, admin=admin)
    return made
