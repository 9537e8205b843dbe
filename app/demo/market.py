"""Demo tenders and campaigns on top of the demo organisations: open tenders to bid on, an awarded one for the
transparency dashboard, and live campaigns with donations, a match pledge and an expense in their ledgers.

Everything goes through the services (so the figures and the ledgers are what real use would leave), with demo
events standing in for Stripe's webhooks. Idempotent: nothing is added twice.
"""
import datetime as dt
import io
import secrets

from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from app.campaigns import funds, ledger
from app.campaigns import services as campaigns
from app.campaigns.models import Campaign, Donation, MatchPledge
from app.extensions import db
from app.models_base import utcnow
from app.money import Money
from app.orgs.models import Organization
from app.tenders import services as tenders
from app.tenders import standstill
from app.tenders.models import Tender

#: A 1×1 PNG: the demo expense's receipt.
RECEIPT_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
               b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
DONORS = ["Amina", "Bruno", "Chen", "Dolores", "Emeka", "Freya", "Gustavo", "Hana", "Ines", "Jomo", "Kalani", "Lena"]


def _organizations(*excluded):
    """Verified co-ops, co-operative banks and mutuals, and non-co-ops: the demo's bidders, backers and matchers."""
    def of(*conditions):
        return db.session.scalars(select(Organization).where(*conditions, Organization.id.not_in([o.id for o in excluded]))
                                  .order_by(Organization.id)).all()

    return (of(Organization.verification_status == "verified", Organization.legal_form == "cooperative"),
            of(Organization.verification_status == "verified", Organization.legal_form.in_(("cooperative_bank", "mutual"))),
            of(Organization.legal_form.in_(("sme", "mutual"))))


def seed_demo_market(buyer_membership, seller_organization, rng):
    """Add the demo tenders and campaigns if they are not there yet; returns (tenders, campaigns) added."""
    if db.session.scalar(select(Campaign.id).where(Campaign.title.like("Demo:%")).limit(1)) is not None:
        return 0, 0
    buyer = buyer_membership.organization
    verified, banks, others = _organizations(buyer, seller_organization)
    return (_tenders(buyer_membership.user, buyer, verified, others, rng),
            _campaigns(seller_organization, verified, banks, rng))


def _tenders(buyer_user, buyer, verified, others, rng):
    now = utcnow()
    specs = [
        ("Demo: cold-chain transport of fresh produce", "60000000", {"policy": "price_margin", "margin_percent": "10"},
         ["North routes", "South routes"]),
        ("Demo: fair-trade coffee for our cafés", "15861000", {"policy": "reserved"}, ["Arabica, washed"]),
        ("Demo: accounting software and training", "48000000",
         {"policy": "weighted", "weights": {"price": 50, "quality": 30, "cooperative": 20}}, ["Software", "Training"]),
    ]
    for title, cpv, preference, lots in specs:
        tender = tenders.create_tender(buyer, {
            "title": title, "description": f"{title.removeprefix('Demo: ')}: what our members need this year.",
            "cpv_code": cpv, "currency": "GBP", "deadline": now + dt.timedelta(days=rng.randrange(10, 40)),
            "budget": Money(rng.randrange(20, 90) * 1_000_00, "GBP"), "preference": preference,
            "lots": [{"title": lot, "description": ""} for lot in lots]})
        tenders.publish(tender)
    # One tender already decided, for the award notice and the transparency dashboard.
    tender = tenders.create_tender(buyer, {
        "title": "Demo: office cleaning, three sites", "description": "Weekly cleaning of our three offices.",
        "cpv_code": "90910000", "currency": "GBP", "deadline": now + dt.timedelta(days=1), "budget": None,
        "preference": {"policy": "price_margin", "margin_percent": "10"}, "lots": [{"title": "All sites"}],
        "standstill_days": 0})
    tenders.publish(tender)
    lot = tender.lots[0]
    for organization, price in ((verified[0], 12_400_00), (others[0] if others else verified[1], 11_900_00)):
        tenders.submit_bid(tender, lot, organization, {"price": Money(price, "GBP"), "delivery_days": 7,
                                                       "proposal": "Eco-certified products, living wage."})
    db.session.execute(update(Tender).where(Tender.id == tender.id).values(deadline=now - dt.timedelta(hours=1)))
    db.session.refresh(tender)
    final, ranking = tenders.evaluate_lot(tender, lot)
    standstill.decide(buyer_user, tender, lot, ranking[0][0].bid_id, "")  # no standstill: the contract at once
    return len(specs) + 1


def _campaigns(owner, verified, banks, rng):
    now = utcnow()
    specs = [
        (owner, "Demo: a cold store for the valley's growers", "keep_it_all", "EUR", 12_000_00, [2, 12],
         [("Cold room panels and doors", 8_000_00, True), ("Refrigeration unit", 4_000_00, True),
          ("Solar panels on the roof", 5_000_00, False)]),
        (verified[1], "Demo: a youth co-op's first year", "all_or_nothing", "GBP", 6_000_00, [4, 8],
         [("Training and mentoring", 3_500_00, True), ("Workshop tools", 2_500_00, True)]),
        (verified[2], "Demo: flood recovery fund", "keep_it_all", "GBP", 25_000_00, [1, 11, 13],
         [("Emergency repairs", 15_000_00, True), ("Replacement stock", 10_000_00, True)]),
    ]
    for organization, title, model, currency, goal, sdgs, lines in specs:
        campaign = campaigns.create_campaign(organization, {
            "title": title, "summary": f"{title.removeprefix('Demo: ')}: every unit of money accounted for.",
            "story": (f"## Why\n\n{organization.name} needs your help. **Every** donation and every expense is in the "
                      "open ledger.\n\n## What it pays for\n\n" + "\n".join(f"- {line[0]}" for line in lines)),
            "goal": Money(goal, currency), "deadline": now + dt.timedelta(days=rng.randrange(12, 45)),
            "funding_model": model, "sdgs": sdgs,
            "budget_lines": [{"title": t, "amount": Money(a, currency), "required": r} for t, a, r in lines]})
        campaigns.publish(campaign)
        if banks and model == "keep_it_all":
            _paid_pledge(campaign, banks[len(title) % len(banks)], Money(50_00, currency), Money(1_000_00, currency))
        for n in range(rng.randrange(8, 14)):
            _donate(campaign, Money(rng.choice([10, 20, 25, 50, 100, 250]) * 100, currency), DONORS[n % len(DONORS)],
                    anonymous=n % 5 == 4)
        if model == "keep_it_all":
            db.session.refresh(campaign)
            ledger.add_expense(campaign, {"amount": Money(campaign.raised_minor // 10, currency).as_decimal_string(),
                                          "category": "materials", "description": "First order of materials",
                                          "budget_line_id": campaign.budget_lines[0].id, "spent_on": now.date()},
                               FileStorage(io.BytesIO(RECEIPT_PNG), filename="receipt.png"), user=None)
    return len(specs)


def _paid_pledge(campaign, bank, cap_per_donation, cap_total):
    """A 1:1 match pledge the owners accepted, its pool paid as Stripe's webhook would record it (the same rule)."""
    pledge = MatchPledge(campaign=campaign, organization=bank, factor_percent=100, status="accepted",
                         cap_per_donation_minor=cap_per_donation.minor, cap_total_minor=cap_total.minor,
                         decided_at=utcnow())
    db.session.add(pledge)
    db.session.flush()
    funds.record_pool_payment(funds.locked_pool(pledge.id), cap_total.minor, cap_total.currency, f"pi_demo_pool_{pledge.id}")


def _donate(campaign, amount, name, anonymous):
    """A donation as Stripe's webhook would leave it: paid (or, all-or-nothing, pledged)."""
    donation = Donation(campaign=campaign, amount_minor=amount.minor, currency=amount.currency,
                        email=f"{name.lower()}@donors.example", name=name, anonymous=anonymous,
                        receipt_token=secrets.token_urlsafe(32), message="Go for it!" if len(name) % 2 else "")
    db.session.add(donation)
    db.session.flush()
    held = funds.locked_donation(donation.id)
    if campaign.funding_model == "all_or_nothing":
        funds.record_pledge(held, f"seti_demo_{donation.id}", f"cus_demo_{donation.id}")
    else:
        funds.record_payment(held, amount.minor, amount.currency, f"pi_demo_{donation.id}")
