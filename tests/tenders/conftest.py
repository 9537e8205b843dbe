"""A small market for tender tests: a buyer, a verified cooperative, an unverified co-op and an SME, with tokens."""
import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models_base import utcnow
from app.notices.models import Notification
from app.tenders.models import Bid, Contract, Lot, Tender


def tender_payload(organization_id, **changes):
    payload = {
        "organization_id": organization_id,
        "title": "Cold-chain transport of fresh produce",
        "description": "Refrigerated transport from our members' packhouses to the regional hub.",
        "cpv_code": "60000000",
        "currency": "EUR",
        "deadline": (utcnow() + dt.timedelta(days=14)).isoformat(),
        "budget": {"amount": "50000.00", "currency": "EUR"},
        "lots": [{"title": "North routes", "description": "Three runs a week."}, {"title": "South routes"}],
        "preference": {"policy": "price_margin", "margin_percent": "10"},
    }
    payload.update(changes)
    return payload


class Market:
    def __init__(self, app, client, make, auth):
        self.app, self.client, self.make, self.auth = app, client, make, auth
        self.buyer_admin = make.user(name="Buyer Admin")
        self.buyer = make.organization(self.buyer_admin, name="Northern Wholesale Co-operative", verified=True)
        self.coop_admin = make.user(name="Coop Admin")
        self.coop = make.organization(self.coop_admin, name="Valley Haulage Cooperative", verified=True, size="small")
        self.sme_admin = make.user(name="SME Admin")
        self.sme = make.organization(self.sme_admin, name="Speedy Freight Ltd", legal_form="sme", size="medium")
        self.unverified_admin = make.user(name="Unverified Admin")
        self.unverified = make.organization(self.unverified_admin, name="Hill Carriers Cooperative")
        self.h = {name: auth(make.token(getattr(self, f"{name}_admin"))) for name in ("buyer", "coop", "sme", "unverified")}
        self.h["anonymous"] = {}

    # Tenders ----------------------------------------------------------------------------------

    def create(self, **changes):
        response = self.client.post("/api/v1/tenders", headers=self.h["buyer"], json=tender_payload(self.buyer.id, **changes))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def publish(self, tender):
        response = self.client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=self.h["buyer"])
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def published(self, **changes):
        return self.publish(self.create(**changes))

    def bid(self, tender, lot_index, who, amount, days=5, proposal="Refrigerated vans, GPS-tracked."):
        lot_id = tender["lots"][lot_index]["id"]
        organization = getattr(self, who)
        response = self.client.post(
            f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=self.h[who],
            json={"organization_id": organization.id, "price": {"amount": amount, "currency": tender["currency"]},
                  "delivery_days": days, "proposal": proposal})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def pass_deadline(self, tender):
        """Time passes: the deadline is now behind us (the product reads time, it schedules nothing)."""
        with self.app.app_context():
            db.session.execute(update(Tender).where(Tender.id == tender["id"])
                               .values(deadline=utcnow() - dt.timedelta(seconds=1)))
            db.session.commit()

    def evaluation(self, tender, who="buyer"):
        return self.client.get(f"/api/v1/tenders/{tender['id']}/evaluation", headers=self.h[who])

    def award(self, tender, lot_index, bid_id, justification="", who="buyer"):
        lot_id = tender["lots"][lot_index]["id"]
        return self.client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/award", headers=self.h[who],
                                json={"bid_id": bid_id, "justification": justification})

    def notifications(self, organization):
        with self.app.app_context():
            return [n.text for n in db.session.scalars(
                select(Notification).where(Notification.organization_id == organization.id).order_by(Notification.id))]


@pytest.fixture
def market(app, client, make, auth):
    return Market(app, client, make, auth)


def snapshot(app):
    """Every tender, lot, bid and contract: to prove a refused request changed nothing."""
    with app.app_context():
        return SimpleNamespace(
            tenders=[(t.id, t.title, t.status, t.deadline, t.policy, t.margin_basis_points, t.budget_minor, t.updated_at)
                     for t in db.session.scalars(select(Tender).order_by(Tender.id))],
            lots=[(lot.id, lot.tender_id, lot.number, lot.title) for lot in db.session.scalars(select(Lot).order_by(Lot.id))],
            bids=[(b.id, b.status, b.price_minor, b.currency, b.delivery_days, b.proposal, b.quality_mark, b.submitted_at)
                  for b in db.session.scalars(select(Bid).order_by(Bid.id))],
            contracts=[(c.id, c.bid_id, c.status, c.rating) for c in db.session.scalars(select(Contract).order_by(Contract.id))],
        )
