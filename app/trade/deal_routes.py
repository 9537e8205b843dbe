"""Pages: quotes (the form, a quote and its versions, decisions) and orders (the printable order, its moves, an
organisation's orders and their CSV). Forms are validated by the API's schemas and handled by the same services."""
import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from app.catalog.models import Listing
from app.csv_export import csv_response
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.i18n import localize
from app.labels import label
from app.models_base import utcnow
from app.money import currency_codes
from app.navigation import page_number
from app.orgs.services import get_organization
from app.trade import bp, conversations, orders, quotes, rfqs
from app.trade.models import INCOTERMS, ORDER_STATUSES, Order
from app.trade.policy import BUYER, SELLER, sides_of
from app.trade.record import track_records
from app.trade.routes import chosen_organization, refusal_messages, trading_organizations
from app.trade.schemas import OrderCancelSchema, OrderRatingSchema, QuoteCreateSchema

#: Empty line rows a new quote's form offers.
QUOTE_FORM_LINES = 5


# Quotes --------------------------------------------------------------------------------------------------------------


def _quote_payload(form, seller, buyer, rfq_id, conversation_id):
    currency = form.get("currency", "")
    lines = []
    for index in range(int(form.get("line_count", QUOTE_FORM_LINES) or QUOTE_FORM_LINES)):
        description = form.get(f"lines-{index}-description", "").strip()
        quantity, price = form.get(f"lines-{index}-quantity", "").strip(), form.get(f"lines-{index}-unit_price", "").strip()
        if not (description or quantity or price):
            continue
        line = {"description": description, "quantity": quantity, "unit": form.get(f"lines-{index}-unit", ""),
                "unit_price": {"amount": price, "currency": currency}}
        listing_id = form.get(f"lines-{index}-listing_id", "")
        if listing_id.isdigit():
            line["listing_id"] = int(listing_id)
        lines.append(line)
    payload = {"organization_id": seller.id, "buyer_organization_id": buyer.id, "rfq_id": rfq_id,
               "conversation_id": conversation_id, "currency": currency, "lines": lines,
               "incoterm": form.get("incoterm", ""), "delivery_place": form.get("delivery_place", ""),
               "valid_until": form.get("valid_until", ""), "note": form.get("note", "")}
    lead_time = form.get("lead_time_days", "").strip()
    payload["lead_time_days"] = int(lead_time) if lead_time.isdigit() else lead_time
    return payload


def _quote_target():
    """(request for quotation, conversation, buyer) the quote form answers, from the query or the form."""
    rfq_id, conversation_id = request.values.get("rfq", type=int), request.values.get("conversation", type=int)
    rfq = rfqs.visible_rfq(current_user, rfq_id) if rfq_id else None
    conversation = conversations.get_conversation(current_user, conversation_id) if conversation_id else None
    if rfq is None and conversation is None:
        raise Forbidden(_("A quote answers a request for quotation or a conversation."))
    buyer = rfq.organization if rfq else conversation.buyer
    return rfq, conversation, buyer


def _quote_form(previous=None):
    """The new-quote form (or a revision of `previous`): GET shows it, POST sends it."""
    if previous is not None:
        rfq, conversation, buyer = previous.rfq, None, previous.buyer
        organizations = [previous.seller]
    else:
        rfq, conversation, buyer = _quote_target()
        organizations = trading_organizations(SELLER, excluding=buyer.id)
        if conversation is not None:
            organizations = [o for o in organizations if o.id == conversation.seller_organization_id]
    if not organizations:
        raise Forbidden(_("Only admins and sellers of the selling organisation send quotes."))
    seller = chosen_organization(organizations)
    errors, form = {}, request.form
    if request.method == "POST":
        payload = _quote_payload(request.form, seller, buyer, rfq.id if rfq else None,
                                 conversation.id if conversation else None)
        try:
            fields_ = QuoteCreateSchema().load(payload)
            quote = quotes.revise(current_user, previous, fields_) if previous else \
                quotes.send_quote(current_user, seller, buyer, fields_)
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            errors, message = refusal_messages(error)
            flash(message, "danger")
        else:
            db.session.commit()
            flash(_("Quote sent to %(name)s.", name=buyer.name), "success")
            return redirect(url_for("trade.quote_page", quote_id=quote.id))
    listings = db.session.scalars(select(Listing).where(Listing.organization_id == seller.id, Listing.status == "active")
                                  .order_by(Listing.title)).all()
    return render_template(
        "trade/quote_form.html", rfq=rfq, conversation=conversation, buyer=buyer, organizations=organizations,
        chosen=seller, previous=previous, errors=errors, form=form, incoterms=INCOTERMS, currencies=currency_codes(),
        line_count=max(QUOTE_FORM_LINES, len(previous.lines) if previous else 0), listings=listings,
        default_currency=(previous.currency if previous else seller.country.currency or "EUR"),
        default_valid=(utcnow() + dt.timedelta(days=30)).date().isoformat(),
    ), 422 if errors else 200


@bp.route("/quotes/new", methods=["GET", "POST"])
@login_required
def new_quote():
    return _quote_form()


@bp.route("/quotes/<int:quote_id>/revise", methods=["GET", "POST"])
@login_required
def revise_quote(quote_id):
    return _quote_form(quotes.quote_for(current_user, quote_id))


@bp.route("/quotes/<int:quote_id>")
@login_required
def quote_page(quote_id):
    quote = quotes.quote_for(current_user, quote_id)
    order = db.session.scalar(select(Order).where(Order.quote_id == quote.id))
    mine = sides_of(current_user, quote.buyer_organization_id, quote.seller_organization_id)
    return render_template("trade/quote.html", quote=quote, versions=quotes.versions_of(quote), order=order,
                           buys=BUYER in mine, sells=SELLER in mine, expired=quote.valid_until < utcnow().date(),
                           record=track_records([quote.seller_organization_id])[quote.seller_organization_id])


@bp.route("/quotes/<int:quote_id>/<any(accept, decline, withdraw):decision>", methods=["POST"])
@login_required
def quote_decision(quote_id, decision):
    quote = quotes.quote_for(current_user, quote_id)
    result = getattr(quotes, decision)(current_user, quote)
    db.session.commit()
    if decision == "accept":
        flash(_("Quote accepted: order #%(id)s is placed.", id=result.id), "success")
        return redirect(url_for("trade.order_page", order_id=result.id))
    return redirect(url_for("trade.quote_page", quote_id=quote.id))


# Orders --------------------------------------------------------------------------------------------------------------


@bp.route("/orders/<int:order_id>")
@login_required
def order_page(order_id):
    order = orders.order_for(current_user, order_id)
    mine = sides_of(current_user, order.buyer_organization_id, order.seller_organization_id)
    return render_template("trade/order.html", order=order, buys=BUYER in mine, sells=SELLER in mine, errors={},
                           record=track_records([order.seller_organization_id])[order.seller_organization_id])


@bp.route("/orders/<int:order_id>/<any(confirm, ship, deliver, cancel, rate):move>", methods=["POST"])
@login_required
def order_move(order_id, move):
    order = orders.order_for(current_user, order_id)
    try:
        if move == "cancel":
            orders.cancel(current_user, order, OrderCancelSchema().load({"reason": request.form.get("reason", "")})["reason"])
        elif move == "rate":
            rating = request.form.get("rating", "")
            fields_ = OrderRatingSchema().load({"rating": int(rating) if rating.isdigit() else rating,
                                                "comment": request.form.get("comment", "")})
            orders.rate(current_user, order, fields_["rating"], fields_["comment"])
        else:
            {"confirm": orders.confirm, "ship": orders.ship, "deliver": orders.deliver}[move](current_user, order)
    except ValidationError as error:
        db.session.rollback()
        order = orders.order_for(current_user, order_id)
        mine = sides_of(current_user, order.buyer_organization_id, order.seller_organization_id)
        flash(_("Some fields are not valid."), "danger")
        return render_template("trade/order.html", order=order, buys=BUYER in mine, sells=SELLER in mine,
                               errors=localize(error.messages),
                               record=track_records([order.seller_organization_id])[order.seller_organization_id]), 422
    db.session.commit()
    flash(_("Order #%(id)s is %(status)s.", id=order.id, status=label("order", order.status)), "success")
    return redirect(url_for("trade.order_page", order_id=order.id))


@bp.route("/organizations/<int:organization_id>/orders")
@login_required
def organization_orders(organization_id):
    organization = get_organization(organization_id)
    role = request.args.get("role") if request.args.get("role") in ("buyer", "seller") else None
    status = request.args.get("status") if request.args.get("status") in ORDER_STATUSES else None
    page = page_number()
    found, total = orders.orders_of(current_user, organization, role, status, page=page)
    return render_template("trade/orders.html", organization=organization, orders=found, total=total, page=page,
                           role=role, status=status, statuses=ORDER_STATUSES)


@bp.route("/organizations/<int:organization_id>/orders.csv")
@login_required
def organization_orders_csv(organization_id):
    organization = get_organization(organization_id)
    found, _total = orders.orders_of(current_user, organization, per_page=100_000)
    return csv_response(orders.csv_rows(found, organization.id), f"coopex-orders-{organization.id}.csv")
