"""What an organisation's dashboard shows of its trade: the inbox, requests it could quote, quotes waiting for a
decision, its own requests, and its orders by state."""
from sqlalchemy import func, select

from app.extensions import db
from app.trade import conversations, rfqs
from app.trade.models import ORDER_STATUSES, Order, Quote
from app.trade.policy import BUYER, SELLER, takes_part


def _orders_by_state(organization_id, column):
    counts = dict(db.session.execute(select(Order.status, func.count(Order.id)).where(column == organization_id)
                                     .group_by(Order.status)).all())
    return [(status, counts[status]) for status in ORDER_STATUSES if counts.get(status)]


def summary(user, organization, now):
    """The trade part of the dashboard of `organization`, for one of its members."""
    buys, sells = takes_part(user, organization.id, BUYER), takes_part(user, organization.id, SELLER)
    waiting = select(Quote).where(Quote.status == "sent", Quote.valid_until >= now.date()).order_by(Quote.created_at.desc())
    rows, _total = conversations.inbox(user, organization.id, per_page=5)
    return {
        "conversations": rows,
        "unread": conversations.inbox(user, organization.id, unread=True, per_page=1)[1],
        "matching_rfqs": rfqs.open_for_supplier(organization, now, limit=10) if sells else [],
        "quotes_to_decide": list(db.session.scalars(waiting.where(Quote.buyer_organization_id == organization.id)
                                                    .limit(10))) if buys else [],
        "quotes_sent": list(db.session.scalars(waiting.where(Quote.seller_organization_id == organization.id)
                                               .limit(10))) if sells else [],
        "own_rfqs": rfqs.rfqs_of(user, organization, limit=5) if buys else [],
        "orders_bought": _orders_by_state(organization.id, Order.buyer_organization_id),
        "orders_sold": _orders_by_state(organization.id, Order.seller_organization_id),
    }
