"""Orders: what accepting a quote places, and how it moves.

placed → confirmed (seller) → shipped (seller) → delivered (buyer) → completed (when the buyer rates the supplier, or
COMPLETE_AFTER after delivery: `flask trade complete-orders`, run by the worker); cancelled by either side before
shipping, with a reason. Each move tells the other side. Orders not cancelled count in the trade figures of the
transparency dashboard, added in the transaction that places the order and taken out in the one that cancels it.
"""
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import false, func, or_, select, update

from app.accounts.services import is_member
from app.database import lock
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.labels import label
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.trade import notices, totals
from app.trade.models import Order, OrderLine
from app.trade.policy import BUYER, ORDER_READERS, SELLER, require_reader, require_side, sides_of

COMPLETE_AFTER = dt.timedelta(days=14)
#: Moves: (from, to) -> the side that makes it.
MOVES = {
    ("placed", "confirmed"): SELLER,
    ("confirmed", "shipped"): SELLER,
    ("shipped", "delivered"): BUYER,
    ("delivered", "completed"): BUYER,
    ("placed", "cancelled"): None,
    ("confirmed", "cancelled"): None,
}
_STAMPS = {"confirmed": "confirmed_at", "shipped": "shipped_at", "delivered": "delivered_at",
           "completed": "completed_at", "cancelled": "cancelled_at"}


def order_for(user, order_id):
    """An order for the members of its two sides who trade, and their finance members; 404 for anybody else."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound(_("No such order."))
    return require_reader(user, order, _("No such order."), readers=ORDER_READERS)


def place(user, quote):
    """The order of an accepted quote: its lines and terms copied, what the two parties are now kept."""
    seller, buyer = quote.seller, quote.buyer
    order = Order(
        quote_id=quote.id, buyer=buyer, seller=seller, rfq_id=quote.rfq_id, currency=quote.currency,
        total_minor=quote.total_minor, incoterm=quote.incoterm, delivery_place=quote.delivery_place,
        lead_time_days=quote.lead_time_days, status="placed", placed_by_id=user.id, placed_at=utcnow(),
        seller_verified_cooperative=seller.is_cooperative and seller.verified,
        buyer_verified_cooperative=buyer.is_cooperative and buyer.verified,
        seller_region=seller.ica_region, seller_sector=seller.sector,
        lines=[OrderLine(position=line.position, listing_id=line.listing_id, description=line.description,
                         quantity_milli=line.quantity_milli, unit=line.unit, unit_price_minor=line.unit_price_minor,
                         total_minor=line.total_minor) for line in quote.lines],
    )
    db.session.add(order)
    db.session.flush()
    totals.record(order, +1)
    _tell(order, SELLER, Phrase("%(buyer)s accepted quote #%(quote)s: order #%(id)s is placed.",
                           buyer=buyer.name, quote=quote.thread_id, id=order.id))
    return order


def _tell(order, side, message):
    notices.tell([order.seller_organization_id if side == SELLER else order.buyer_organization_id], side, "trade",
                 Phrase("Coopex: order #%(id)s", id=order.id), message, link("trade.order_page", order_id=order.id))


def _move(order, status, now):
    if (order.status, status) not in MOVES:
        raise Conflict(_("A %(current)s order cannot become %(wanted)s.", current=label("order", order.status),
                         wanted=label("order", status)), code="order_state")
    order.status = status
    setattr(order, _STAMPS[status], now)


def _advance(user, order, status, side, message):
    """`side` moves the order to `status` and the other side is told `message`."""
    require_side(user, order, side)
    _move(lock(order), status, utcnow())
    _tell(order, BUYER if side == SELLER else SELLER, message)
    db.session.flush()
    return order


def confirm(user, order):
    """The seller confirms a placed order."""
    return _advance(user, order, "confirmed", SELLER,
                    Phrase("%(seller)s confirmed order #%(id)s.", seller=order.seller.name, id=order.id))


def ship(user, order):
    """The seller ships a confirmed order."""
    return _advance(user, order, "shipped", SELLER,
                    Phrase("%(seller)s shipped order #%(id)s.", seller=order.seller.name, id=order.id))


def deliver(user, order):
    """The buyer received a shipped order."""
    return _advance(user, order, "delivered", BUYER,
                    Phrase("%(buyer)s received order #%(id)s.", buyer=order.buyer.name, id=order.id))


def cancel(user, order, reason):
    """Either side cancels before shipping, saying why; the order leaves the trade figures."""
    sides = sides_of(user, order.buyer_organization_id, order.seller_organization_id)
    side = sides[0] if sides else BUYER
    require_side(user, order, side)
    _move(lock(order), "cancelled", utcnow())
    order.cancel_reason = reason
    order.cancelled_by_organization_id = order.buyer_organization_id if side == BUYER else order.seller_organization_id
    totals.record(order, -1)
    other = SELLER if side == BUYER else BUYER
    name = order.buyer.name if side == BUYER else order.seller.name
    _tell(order, other, Phrase("%(name)s cancelled order #%(id)s: %(reason)s", name=name, id=order.id, reason=reason))
    db.session.flush()
    return order


def rate(user, order, rating, comment):
    """The buyer rates the supplier once the goods are delivered; that completes the order."""
    require_side(user, order, BUYER)
    lock(order)
    if order.rating is not None:
        raise Conflict(_("This order has already been rated."), code="already_rated")
    if order.status not in ("delivered", "completed"):
        raise Conflict(_("A supplier is rated once the order is delivered."), code="order_state")
    now = utcnow()
    order.rating, order.rating_comment, order.rated_at = rating, comment or None, now
    if order.status == "delivered":
        _move(order, "completed", now)
    _tell(order, SELLER, Phrase("%(buyer)s rated order #%(id)s: %(rating)s/5.", buyer=order.buyer.name, id=order.id,
                           rating=rating))
    db.session.flush()
    return order


def complete_delivered(now=None):
    """Complete the orders delivered more than COMPLETE_AFTER ago; returns how many."""
    now = now or utcnow()
    result = db.session.execute(
        update(Order).where(Order.status == "delivered", Order.delivered_at <= now - COMPLETE_AFTER)
        .values(status="completed", completed_at=now).execution_options(synchronize_session=False))
    return result.rowcount


def orders_of(user, organization, role=None, status=None, *, page=1, per_page=50):
    """(orders, total) of the organisation, newest first, as buyer or seller (or both), for its members: on each side,
    only if their role reads that side's orders (as order_for says)."""
    if not is_member(user, organization.id):
        raise Forbidden(_("Only members see their organisation's orders."))
    parties = {BUYER: Order.buyer_organization_id, SELLER: Order.seller_organization_id}
    sides = [side for side in sides_of(user, organization.id, organization.id, ORDER_READERS) if role in (None, side)]
    statement = select(Order).where(or_(false(), *(parties[side] == organization.id for side in sides)))
    if status:
        statement = statement.where(Order.status == status)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.scalars(statement.order_by(Order.placed_at.desc(), Order.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def csv_rows(orders, organization_id):
    """The orders as CSV rows, a header first; amounts in major units."""
    yield ["order", "placed_at", "role", "counterparty", "status", "currency", "total", "incoterm", "delivery_place",
           "lines", "rating"]
    for order in orders:
        buying = order.buyer_organization_id == organization_id
        yield [order.id, order.placed_at.isoformat(), "buyer" if buying else "seller",
               (order.seller if buying else order.buyer).name, order.status, order.currency,
               order.total.as_decimal_string(), order.incoterm, order.delivery_place, len(order.lines), order.rating or ""]
