"""JSON API: quotes and orders (on the trade blueprint), and the trade figures of the transparency dashboard.

Each handler parses, calls one service with the calling user (the service decides who may), commits, and dumps."""
from sqlalchemy import select

from app.accounts.auth import allows_anonymous, require_api_user
from app.extensions import db
from app.orgs.services import get_organization
from app.schemas import ProblemSchema
from app.tenders.schemas import TransparencyQuerySchema
from app.tenders.transparency import chosen_currency
from app.trade import orders, quotes, totals
from app.trade.api import blp, line_json, organization_named, quote_json
from app.trade.models import Order
from app.trade.schemas import (
    AcceptedSchema,
    OrderCancelSchema,
    OrderListQuerySchema,
    OrderPageSchema,
    OrderRatingSchema,
    OrderSchema,
    QuoteCreateSchema,
    QuoteSchema,
    TradeTransparencySchema,
)

# Quotes --------------------------------------------------------------------------------------------------------------


def full_quote_json(quote):
    order = db.session.scalar(select(Order.id).where(Order.quote_id == quote.id))
    return {**quote_json(quote), "order_id": order, "versions": [
        {"id": version.id, "version": version.version, "status": version.status,
         "total": {"amount": version.total.as_decimal_string(), "currency": version.currency},
         "created_at": version.created_at.isoformat()} for version in quotes.versions_of(quote)]}


@blp.route("/quotes", methods=["POST"])
@blp.arguments(QuoteCreateSchema)
@blp.response(201, QuoteSchema)
def send_quote(payload):
    """A quote to a buyer, answering its request for quotation or a conversation (the seller's admins and sellers)."""
    user = require_api_user()
    seller = organization_named(payload["organization_id"], "organization_id")
    buyer = organization_named(payload["buyer_organization_id"], "buyer_organization_id")
    quote = quotes.send_quote(user, seller, buyer, payload)
    db.session.commit()
    return full_quote_json(quote)


@blp.route("/quotes/<int:quote_id>", methods=["GET"])
@blp.response(200, QuoteSchema)
def get_quote(quote_id):
    """A quote with its lines and every version (the two parties only)."""
    return full_quote_json(quotes.quote_for(require_api_user(), quote_id))


@blp.route("/quotes/<int:quote_id>/revise", methods=["POST"])
@blp.arguments(QuoteCreateSchema)
@blp.response(201, QuoteSchema)
def revise_quote(payload, quote_id):
    """A new version of an open quote (same body as a new quote, same seller and buyer); the old one is superseded."""
    user = require_api_user()
    revision = quotes.revise(user, quotes.quote_for(user, quote_id), payload)
    db.session.commit()
    return full_quote_json(revision)


def _decide(quote_id, decision):
    user = require_api_user()
    quote = decision(user, quotes.quote_for(user, quote_id))
    db.session.commit()
    return full_quote_json(quote)


@blp.route("/quotes/<int:quote_id>/withdraw", methods=["POST"])
@blp.response(200, QuoteSchema)
def withdraw_quote(quote_id):
    """The seller takes back an open quote."""
    return _decide(quote_id, quotes.withdraw)


@blp.route("/quotes/<int:quote_id>/decline", methods=["POST"])
@blp.response(200, QuoteSchema)
def decline_quote(quote_id):
    """The buyer declines an open quote."""
    return _decide(quote_id, quotes.decline)


@blp.route("/quotes/<int:quote_id>/accept", methods=["POST"])
@blp.response(201, AcceptedSchema)
@blp.alt_response(409, schema=ProblemSchema, description="Expired, withdrawn, declined, superseded or already accepted")
def accept_quote(quote_id):
    """The buyer accepts an open quote: an order is placed with its lines and terms."""
    user = require_api_user()
    order = quotes.accept(user, quotes.quote_for(user, quote_id))
    db.session.commit()
    return {"order": order_json(order)}


# Orders --------------------------------------------------------------------------------------------------------------


def order_json(order):
    return {**{name: getattr(order, name) for name in (
        "id", "status", "quote_id", "rfq_id", "buyer", "seller", "total", "incoterm", "delivery_place", "lead_time_days",
        "placed_at", "confirmed_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at", "cancel_reason",
        "rating", "rating_comment")}, "lines": [line_json(line) for line in order.lines]}


@blp.route("/orders/<int:order_id>", methods=["GET"])
@blp.response(200, OrderSchema)
def get_order(order_id):
    """An order (the two parties' traders and finance members)."""
    return order_json(orders.order_for(require_api_user(), order_id))


def _move(order_id, move, *args):
    user = require_api_user()
    order = move(user, orders.order_for(user, order_id), *args)
    db.session.commit()
    return order_json(order)


@blp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@blp.response(200, OrderSchema)
def confirm_order(order_id):
    """The seller confirms a placed order."""
    return _move(order_id, orders.confirm)


@blp.route("/orders/<int:order_id>/ship", methods=["POST"])
@blp.response(200, OrderSchema)
def ship_order(order_id):
    """The seller ships a confirmed order."""
    return _move(order_id, orders.ship)


@blp.route("/orders/<int:order_id>/deliver", methods=["POST"])
@blp.response(200, OrderSchema)
def deliver_order(order_id):
    """The buyer confirms delivery of a shipped order."""
    return _move(order_id, orders.deliver)


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@blp.arguments(OrderCancelSchema)
@blp.response(200, OrderSchema)
def cancel_order(payload, order_id):
    """Either side cancels an order before it is shipped, saying why."""
    return _move(order_id, orders.cancel, payload["reason"])


@blp.route("/orders/<int:order_id>/rating", methods=["POST"])
@blp.arguments(OrderRatingSchema)
@blp.response(200, OrderSchema)
def rate_order(payload, order_id):
    """The buyer rates the supplier 1–5 once delivered; the order is then completed."""
    return _move(order_id, orders.rate, payload["rating"], payload["comment"])


@blp.route("/organizations/<int:organization_id>/orders", methods=["GET"])
@blp.arguments(OrderListQuerySchema(), location="query")
@blp.response(200, OrderPageSchema)
def list_orders(query, organization_id):
    """The organisation's orders, newest first, as buyer or seller, by status (its members)."""
    found, total = orders.orders_of(require_api_user(), get_organization(organization_id), query["role"], query["status"],
                                    page=query["page"], per_page=query["per_page"])
    return {"items": [order_json(order) for order in found], "total": total, "page": query["page"],
            "per_page": query["per_page"]}


# Transparency --------------------------------------------------------------------------------------------------------


@blp.route("/transparency/trade", methods=["GET"])
@allows_anonymous
@blp.arguments(TransparencyQuerySchema(), location="query")
@blp.response(200, TradeTransparencySchema)
def trade_transparency(query):
    """Order value by the seller's region, sector and month, with the share sold by verified co-operatives and the
    inter-cooperation share (both parties verified co-operatives), in one currency (the most used by default)."""
    available = totals.currencies()
    return {**totals.dashboard(chosen_currency(query["currency"], available)), "currencies": available}
