"""Demo trade between the demo organisations: a buyer's question about a listing answered with a quote, an open request
for quotation with three quotes side by side, and orders in every state (placed, confirmed, shipped, delivered,
completed and rated, cancelled).

Everything goes through the trade services with demo members acting for each organisation, so conversations, notices,
mail, orders and the trade figures are what real use would leave. Idempotent: nothing is added twice.
"""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import Membership, User
from app.catalog.models import Listing
from app.extensions import db
from app.models_base import utcnow
from app.money import Money
from app.orgs.models import Organization
from app.trade import conversations, orders, quotes, rfqs
from app.trade.models import Rfq

RFQ_TITLE = "Demo: organic oats for our own-brand porridge"


def _sales_member(organization, password_hash):
    """A demo member with the seller role acting for `organization` (created once)."""
    email = f"sales.{organization.id}@coopex.example"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=f"Sales, {organization.name}"[:120], password_hash=password_hash,
                    email_verified_at=utcnow())
        db.session.add(user)
        db.session.add(Membership(user=user, organization=organization, role="seller"))
        db.session.flush()
    return user


def _quote(seller_user, seller, buyer, *, lines, currency, rfq=None, conversation=None, incoterm="DAP", days=7):
    return quotes.send_quote(seller_user, seller, buyer, {
        "rfq_id": rfq.id if rfq else None, "conversation_id": conversation.id if conversation else None,
        "currency": currency, "incoterm": incoterm, "delivery_place": f"{buyer.city or buyer.country.name_en}",
        "lead_time_days": days, "valid_until": (utcnow() + dt.timedelta(days=30)).date(), "note": "",
        "lines": [{"listing_id": listing_id, "description": description, "quantity": Decimal(quantity), "unit": unit,
                   "unit_price": Money.parse(price, currency)} for listing_id, description, quantity, unit, price in lines],
    })


def seed_demo_trade(buyer_user, buyer, seller_user, seller):
    """Add the demo trade if it is not there yet; returns how many orders were placed."""
    if db.session.scalar(select(Rfq.id).where(Rfq.title == RFQ_TITLE)) is not None:
        return 0
    currency = buyer.country.currency or "EUR"
    offers = list(db.session.scalars(select(Listing).where(Listing.organization_id == seller.id,
                                                           Listing.status == "active").order_by(Listing.id)))
    asked = next((listing for listing in offers if listing.price is None), offers[0] if offers else None)

    # A question about a listing, answered with a quote that waits for the buyer.
    subject = {"kind": "listing", "id": asked.id} if asked else None
    conversation, _message = conversations.start(
        buyer_user, buyer, seller, subject,
        "Hello! Could you quote 200 units delivered to our central warehouse next month? We pay at 30 days.")
    conversations.post(seller_user, conversation, seller,
                       "Thank you for asking. Yes: we can deliver in three weeks. Our quote follows.")
    _quote(seller_user, seller, buyer, conversation=conversation, currency=currency,
           lines=[(asked.id if asked else None, asked.title if asked else "Our produce", "200", asked.unit or "unit"
                   if asked else "unit", "4.20"), (None, "Delivery by pallet", "1", "trip", "95.00")])

    # An open request for quotation with three quotes from co-operatives: the buyer compares them.
    rfq = rfqs.create_rfq(buyer_user, buyer, {
        "title": RFQ_TITLE, "description": "Certified organic whole oats, in 25 kg sacks, for our own-brand porridge.",
        "cpv_code": "03211600", "quantity": Decimal("12000"), "unit": "kg", "delivery_country": buyer.country_code,
        "needed_by": (utcnow() + dt.timedelta(days=45)).date(), "quotes_due": utcnow() + dt.timedelta(days=12),
        "visibility": "public", "cooperatives_only": False})
    rfqs.publish(buyer_user, rfq)
    suppliers = [seller] + list(db.session.scalars(
        select(Organization).where(Organization.verification_status == "verified", Organization.legal_form == "cooperative",
                                   Organization.id.not_in((buyer.id, seller.id)), Organization.is_active.is_(True))
        .order_by(Organization.id).limit(2)))
    for supplier, price, days in zip(suppliers, ("0.61", "0.58", "0.58"), (10, 14, 8), strict=False):
        actor = seller_user if supplier.id == seller.id else _sales_member(supplier, seller_user.password_hash)
        _quote(actor, supplier, buyer, rfq=rfq, currency=currency, incoterm="FCA", days=days,
               lines=[(None, "Organic whole oats, 25 kg sacks", "12000", "kg", price)])

    # Orders in every state, from quotes the buyer accepted.
    placed = []
    for title, price in (("Wholemeal flour, 25 kg", "31.50"), ("Free-range eggs, tray of 30", "7.80"),
                         ("Apple juice, case of 6", "14.40"), ("Rapeseed oil, 5 L", "18.90"),
                         ("Dried beans, 10 kg", "22.00"), ("Porridge oats, 1 kg", "2.10")):
        talk, _message = conversations.start(buyer_user, buyer, seller, None, f"We would like {title.lower()}.")
        offer = _quote(seller_user, seller, buyer, conversation=talk, currency=currency,
                       lines=[(None, title, "40", "unit", price)])
        placed.append(quotes.accept(buyer_user, offer))
    confirmed, shipped, delivered, completed, cancelled = placed[1:]
    for order in (confirmed, shipped, delivered, completed):
        orders.confirm(seller_user, order)
    for order in (shipped, delivered, completed):
        orders.ship(seller_user, order)
    for order in (delivered, completed):
        orders.deliver(buyer_user, order)
    orders.rate(buyer_user, completed, 5, "Lovely produce, on time, well packed.")
    orders.cancel(buyer_user, cancelled, "Ordered twice by mistake.")
    return len(placed)
