"""A movement with history for report tests: organisations with SDGs, listings with SDGs, and rows written straight into
the tables (orders with their lines, awarded contracts, campaign ledgers) at chosen moments, in several currencies, so
that every report figure has something to count, something to leave out, and something on each edge of a period."""
import datetime as dt
import random
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.campaigns.models import LEDGER_KINDS, Campaign, LedgerEntry
from app.extensions import db
from app.orgs.models import Organization
from app.reference.models import SdgGoal
from app.tenders.models import Bid, Contract, ContractShare, Lot, Tender
from app.tenders.transparency import split
from app.trade.models import ORDER_STATUSES, Order, OrderLine, Quote

CURRENCIES = ("EUR", "GBP", "JPY")
#: Moments around a period of 2026-01-01 to 2026-06-30 (UTC): inside, on both edges, and just outside.
EDGES = (dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
         dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC), dt.datetime(2026, 7, 1, tzinfo=dt.UTC))


def moment(rng):
    """A moment between mid-2025 and the end of 2026, sometimes on a period's edge."""
    if rng.random() < 0.2:
        return rng.choice(EDGES)
    start = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=rng.randrange(int(dt.timedelta(days=580).total_seconds())))


class History:
    """Writes the rows; every write is committed like a request would."""

    def __init__(self, app, make, rng):
        self.app, self.make, self.rng = app, make, rng

    def _add(self, *rows):
        with self.app.app_context():
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    def order(self, buyer, seller, lines, currency="EUR", status="placed", placed_at=None):
        """An order of `lines` [(listing id or None, total minor)] placed at `placed_at`."""
        placed_at = placed_at or moment(self.rng)
        total = sum(amount for _listing, amount in lines)
        with self.app.app_context():
            quote = Quote(seller_organization_id=seller.id, buyer_organization_id=buyer.id, currency=currency,
                          total_minor=total, incoterm="DAP", delivery_place="Leeds", lead_time_days=5,
                          valid_until=placed_at.date(), status="accepted")
            db.session.add(quote)
            db.session.flush()
            seller_row = db.session.get(Organization, seller.id)
            order = Order(quote_id=quote.id, buyer_organization_id=buyer.id, seller_organization_id=seller.id,
                          currency=currency, total_minor=total, incoterm="DAP", delivery_place="Leeds",
                          lead_time_days=5, status=status, seller_verified_cooperative=seller_row.verified,
                          buyer_verified_cooperative=False, seller_region=seller_row.ica_region,
                          seller_sector=seller_row.sector, placed_at=placed_at,
                          lines=[OrderLine(position=index, listing_id=listing, description="A line",
                                           quantity_milli=1000, unit="unit", unit_price_minor=amount,
                                           total_minor=amount)
                                 for index, (listing, amount) in enumerate(lines, start=1)])
            db.session.add(order)
            db.session.commit()
            return order.id

    def contract(self, buyer, supplier, value, currency="EUR", awarded_at=None, status="active", members=()):
        """A contract; with `members` ([(organisation, share in hundredths of a percent)], the supplier first), a joint
        bid's, its value split by share."""
        awarded_at = awarded_at or moment(self.rng)
        with self.app.app_context():
            tender = Tender(organization_id=buyer.id, title="Transport", cpv_code8="60000000", currency=currency,
                            deadline=awarded_at, status="published")
            lot = Lot(tender=tender, number=1, title="Lot 1")
            bid = Bid(tender=tender, lot=lot, organization_id=supplier.id, price_minor=value, currency=currency,
                      delivery_days=5)
            db.session.add_all([tender, lot, bid])
            db.session.flush()
            contract = Contract(tender_id=tender.id, lot_id=lot.id, bid_id=bid.id, buyer_id=buyer.id,
                                supplier_id=supplier.id, value_minor=value, currency=currency, status=status,
                                policy="none", bid_count=1, supplier_verified_cooperative=False,
                                supplier_is_sme=False, supplier_sector="agriculture", awarded_at=awarded_at,
                                joint_bid=bool(members))
            parts = split(value, [share for _member, share in members])
            contract.shares = [ContractShare(organization_id=member.id, share_basis_points=share, value_minor=part,
                                             is_lead=index == 0, verified_cooperative=False)
                               for index, ((member, share), part) in enumerate(zip(members, parts, strict=True))]
            db.session.add(contract)
            db.session.commit()
            return contract.id

    def campaign(self, organization, currency="EUR", sdgs=()):
        with self.app.app_context():
            campaign = Campaign(organization_id=organization.id, title="A cold store", goal_minor=1_000_000,
                                currency=currency, deadline=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                                funding_model="keep_it_all", status="live",
                                sdgs=list(db.session.scalars(select(SdgGoal).where(SdgGoal.number.in_(sdgs)))))
            db.session.add(campaign)
            db.session.commit()
            return SimpleNamespace(id=campaign.id, currency=currency)

    def entry(self, campaign, kind, amount, created_at=None):
        """A ledger entry (money out negative, as the ledger writes it)."""
        created_at = created_at or moment(self.rng)
        with self.app.app_context():
            entry = LedgerEntry(campaign_id=campaign.id, kind=kind, amount_minor=amount, currency=campaign.currency,
                                description=f"{kind} {uuid.uuid4().hex[:6]}", created_at=created_at)
            db.session.add(entry)
            db.session.commit()
            return entry.id

    def random_ledger(self, campaign, entries=12):
        """Money in and out of a campaign, pools' movements among it (which are not the campaign's money)."""
        signs = {"donation": 1, "match": 1, "refund": -1, "fee": -1, "expense": -1, "disbursement": -1, "pool": 1,
                 "return": -1}
        for _ in range(entries):
            kind = self.rng.choice(LEDGER_KINDS)
            self.entry(campaign, kind, signs[kind] * self.rng.randrange(100, 50_000))


def random_history(history, subject, others, listings, rng, orders=25, contracts=12):
    """Orders bought and sold by `subject` with `others` (and among the others), contracts both ways, in every currency
    and status; listing lines and free-text lines."""
    parties = [subject, *others]
    for _ in range(orders):
        buyer, seller = rng.sample(parties, 2)
        own = listings.get(seller.id, [])
        lines = [(rng.choice(own) if own and rng.random() < 0.7 else None, rng.randrange(1, 200_000))
                 for _ in range(rng.randrange(1, 4))]
        history.order(buyer, seller, lines, currency=rng.choice(CURRENCIES), status=rng.choice(ORDER_STATUSES))
    for _ in range(contracts):
        buyer, supplier = rng.sample(parties, 2)
        history.contract(buyer, supplier, rng.randrange(1, 10_000_000), currency=rng.choice(CURRENCIES),
                         status=rng.choice(("active", "completed", "terminated")))
    for _ in range(max(1, contracts // 4)):  # joint bids' contracts, won in parts
        buyer, supplier, member = rng.sample(parties, 3) if len(parties) > 2 else (*rng.sample(parties, 2), None)
        if member is not None:
            lead_share = rng.randrange(1, 10_000)
            history.contract(buyer, supplier, rng.randrange(1, 10_000_000), currency=rng.choice(CURRENCIES),
                             members=[(supplier, lead_share), (member, 10_000 - lead_share)])


@pytest.fixture
def history(app, make):
    return History(app, make, random.Random(15))


@pytest.fixture
def movement(app, make, history):
    """A co-operative with members in every role (the subject of the reports), two trading partners with SDGs and a
    listing-less third, their listings (with SDGs, without), and random history among them."""
    rng = random.Random(2026)
    admin = make.user(name="Report Admin")
    subject = make.organization(admin, name="Valley Growers Cooperative", verified=True, sdgs=[2, 12])
    partner = make.organization(make.user(), name="Northern Wholesale Co-operative", verified=True, sdgs=[8])
    other = make.organization(make.user(), name="Hill Traders Ltd", legal_form="sme", sdgs=[])
    listings = {
        subject.id: [make.listing(subject, title="Spelt flour", sdgs=[2, 12]).id,
                     make.listing(subject, title="Oat flakes", sdgs=[]).id],
        partner.id: [make.listing(partner, title="Cold-chain transport", cpv_code="60000000", sdgs=[9, 13]).id],
    }
    random_history(history, subject, [partner, other], listings, rng)
    for currency, sdgs in (("EUR", [2, 13]), ("GBP", [])):
        history.random_ledger(history.campaign(subject, currency, sdgs))
    history.random_ledger(history.campaign(partner, "EUR", [1]))
    return SimpleNamespace(subject=subject, partner=partner, other=other, admin=admin, listings=listings)
