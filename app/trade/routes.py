"""Pages: the inbox and conversations, requests for quotation, quotes, orders.

Forms are plain HTML validated by the API's schemas and handled by the same services; a refusal shows its field
messages on the form, unchanged data kept."""
import datetime as dt

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from app.accounts.auth import current_membership
from app.catalog.models import Listing
from app.catalog.services import visible_listing
from app.csv_export import csv_response
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.i18n import localize
from app.labels import label
from app.models_base import utcnow
from app.money import currency_codes
from app.navigation import page_number, query_arguments
from app.orgs.services import get_organization
from app.reference.services import countries
from app.trade import bp, conversations, orders, quotes, rfqs, search_service
from app.trade.models import INCOTERMS, ORDER_STATUSES, Order, Quote
from app.trade.policy import BUYER, SELLER, SIDE_ROLES, sides_of, takes_part
from app.trade.record import track_records
from app.trade.schemas import OrderCancelSchema, OrderRatingSchema, QuoteCreateSchema, RfqCreateSchema, RfqSearchQuerySchema
from search import SearchUnavailable

#: Empty line rows a new quote's form offers.
QUOTE_FORM_LINES = 5


def _trading_organizations(side, excluding=None):
    """The organisations the user may act for on `side` (by role), other than `excluding`."""
    return [m.organization for m in current_user.memberships
            if m.allows(*SIDE_ROLES[side]) and m.organization_id != excluding and m.organization.is_active]


def _chosen(organizations):
    """The organisation the form names (one of `organizations`), else the acting one if it is among them, else the first."""
    wanted = request.values.get("organization_id", type=int)
    acting = current_membership()
    for candidate in (wanted, acting.organization_id if acting else None):
        for organization in organizations:
            if organization.id == candidate:
                return organization
    return organizations[0] if organizations else None


def _errors(error):
    """Field messages and a summary from a schema's ValidationError or a domain error, as text."""
    if isinstance(error, ValidationError):
        return localize(error.messages), _("Some fields are not valid.")
    return error.fields, error.message


# Conversations -------------------------------------------------------------------------------------------------------


@bp.route("/inbox")
@login_required
def inbox():
    unread_only = request.args.get("unread") == "1"
    page = page_number()
    rows, total = conversations.inbox(current_user, unread=unread_only, page=page)
    return render_template("trade/inbox.html", rows=rows, total=total, page=page, per_page=conversations.PAGE_SIZE,
                           unread_only=unread_only)


@bp.route("/conversations/new", methods=["GET", "POST"])
@login_required
def new_conversation():
    """Write to an organisation, about a listing or a request for quotation (or nothing in particular)."""
    kind, subject_id = request.values.get("kind"), request.values.get("id", type=int)
    subject = {"kind": kind, "id": subject_id} if kind in ("listing", "rfq") and subject_id else None
    listing = visible_listing(subject_id, current_user) if subject and kind == "listing" else None
    rfq = rfqs.visible_rfq(current_user, subject_id) if subject and kind == "rfq" else None
    other = listing.organization if listing else rfq.organization if rfq else \
        get_organization(request.values.get("with", type=int) or 0)
    side = SELLER if rfq else BUYER
    organizations = _trading_organizations(side, excluding=other.id)
    if not organizations:
        raise Forbidden(_("Only admins, buyers and sellers of another organisation write to %(name)s.", name=other.name))
    errors, body = {}, ""
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            conversation, _message = conversations.start(current_user, _chosen(organizations), other, subject, body,
                                                         request.files.get("attachment") or None)
        except DomainError as error:
            db.session.rollback()
            errors, message = _errors(error)
            flash(message, "danger")
        else:
            db.session.commit()
            flash(_("Your message was sent to %(name)s.", name=other.name), "success")
            return redirect(url_for("trade.conversation_page", conversation_id=conversation.id))
    return render_template("trade/new_conversation.html", other=other, listing=listing, rfq=rfq, kind=kind,
                           subject_id=subject_id, organizations=organizations, chosen=_chosen(organizations),
                           errors=errors, body=body), 422 if errors else 200


def _conversation_context(conversation):
    mine = sides_of(current_user, conversation.buyer_organization_id, conversation.seller_organization_id)
    writer = conversation.buyer if BUYER in mine else conversation.seller
    subject = None
    if conversation.subject_kind == "listing":
        subject = ("listing", url_for("catalog.show", listing_id=conversation.subject_id))
    elif conversation.subject_kind == "rfq":
        subject = ("rfq", url_for("trade.rfq_page", rfq_id=conversation.subject_id))
    elif conversation.subject_kind == "quote":
        subject = ("quote", url_for("trade.quote_page", quote_id=conversation.subject_id))
    elif conversation.subject_kind == "order":
        subject = ("order", url_for("trade.order_page", order_id=conversation.subject_id))
    conversation_quotes = db.session.scalars(select(Quote).where(Quote.conversation_id == conversation.id)
                                             .order_by(Quote.id)).all()
    return {"writer": writer, "sells": SELLER in mine, "subject": subject, "quotes": conversation_quotes}


@bp.route("/conversations/<int:conversation_id>", methods=["GET", "POST"])
@login_required
def conversation_page(conversation_id):
    conversation = conversations.get_conversation(current_user, conversation_id)
    context = _conversation_context(conversation)
    errors, body, status = {}, "", 200
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            conversations.post(current_user, conversation, context["writer"], body,
                               request.files.get("attachment") or None)
        except DomainError as error:
            db.session.rollback()
            errors, message = _errors(error)
            flash(message, "danger")
            status = 422
            conversation = conversations.get_conversation(current_user, conversation_id)
        else:
            db.session.commit()
            return redirect(url_for("trade.conversation_page", conversation_id=conversation.id, _anchor="reply"))
    else:
        # Opening the conversation is reading it, as in any mail client.
        conversations.mark_read(current_user, conversation)
        db.session.commit()
    return render_template("trade/conversation.html", conversation=conversation,
                           messages=conversations.messages_of(conversation), errors=errors, body=body,
                           **_conversation_context(conversation)), status


@bp.route("/messages/<int:message_id>/attachment")
@login_required
def attachment_file(message_id):
    """A message's file, for the members of its conversation's two sides only, always as a download."""
    message, path = conversations.attachment_of(current_user, message_id)
    response = send_file(path, mimetype=message.attachment_type, as_attachment=True,
                         download_name=message.attachment_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/organizations/<int:organization_id>/blocks", methods=["POST"])
@login_required
def block_page(organization_id):
    organization = get_organization(organization_id)
    other = get_organization(request.form.get("blocked_organization_id", type=int) or 0)
    if request.form.get("unblock"):
        conversations.unblock(current_user, organization, other)
        flash(_("%(name)s can write to you again.", name=other.name), "success")
    else:
        conversations.block(current_user, organization, other)
        flash(_("%(name)s can no longer write to you or send you quotes.", name=other.name), "success")
    db.session.commit()
    return redirect(request.referrer or url_for("trade.inbox"))


# Requests for quotation ----------------------------------------------------------------------------------------------


@bp.route("/rfqs")
def rfq_search():
    """Public requests for quotation still taking quotes, found by the search engine."""
    schema = RfqSearchQuerySchema()
    try:
        params = schema.load(query_arguments(schema))
    except ValidationError as error:
        return render_template("trade/rfq_search.html", params=None, results=None, errors=localize(error.messages),
                               unavailable=False), 400
    try:
        results = search_service.search_rfqs(params, str(get_locale()))
    except SearchUnavailable:
        return render_template("trade/rfq_search.html", params=params, results=None, errors=None, unavailable=True), 503
    return render_template("trade/rfq_search.html", params=params, results=results, errors=None, unavailable=False)


def _rfq_payload(form, organization):
    quotes_due = form.get("quotes_due", "").strip()
    if quotes_due and len(quotes_due) == 16:  # a datetime-local box: the minute, in UTC as the form says
        quotes_due += ":00+00:00"
    payload = {
        "organization_id": organization.id if organization else 0, "title": form.get("title", ""),
        "description": form.get("description", ""), "cpv_code": form.get("cpv_code", "").strip().split(" ")[0],
        "quantity": form.get("quantity", "").strip(), "unit": form.get("unit", ""),
        "delivery_country": form.get("delivery_country", ""), "needed_by": form.get("needed_by", ""),
        "quotes_due": quotes_due, "visibility": form.get("visibility", "public"),
        "invited_organization_ids": [int(value) if value.isdigit() else value
                                     for value in form.get("invited_text", "").replace(",", " ").split()],
        "cooperatives_only": form.get("cooperatives_only") == "1",
    }
    return {key: value for key, value in payload.items() if value != ""}


@bp.route("/rfqs/new", methods=["GET", "POST"])
@login_required
def new_rfq():
    organizations = _trading_organizations(BUYER)
    if not organizations:
        raise Forbidden(_("Only admins and buyers of an organisation ask for quotes."))
    errors, form = {}, request.form
    if request.method == "POST":
        organization = _chosen(organizations)
        try:
            payload = RfqCreateSchema().load(_rfq_payload(request.form, organization))
            rfq = rfqs.create_rfq(current_user, organization, payload)
            if request.form.get("publish") == "1":
                told = rfqs.publish(current_user, rfq)
                flash(ngettext_told(told), "success")
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            errors, message = _errors(error)
            flash(message, "danger")
        else:
            db.session.commit()
            return redirect(url_for("trade.rfq_page", rfq_id=rfq.id))
    default_due = (utcnow() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    return render_template("trade/rfq_form.html", organizations=organizations, chosen=_chosen(organizations),
                           errors=errors, form=form, countries=countries(), default_due=default_due,
                           default_needed=(utcnow() + dt.timedelta(days=30)).date().isoformat()), 422 if errors else 200


def ngettext_told(told):
    return ngettext("Published: %(num)d supplier was told.", "Published: %(num)d suppliers were told.", told)


@bp.route("/rfqs/<int:rfq_id>")
def rfq_page(rfq_id):
    rfq = rfqs.visible_rfq(current_user, rfq_id)
    user = current_user if current_user.is_authenticated else None
    current = quotes.quotes_for_rfq(user, rfq) if user else []
    is_buyer = takes_part(user, rfq.organization_id, BUYER)
    suppliers = _trading_organizations(SELLER, excluding=rfq.organization_id) if user else []
    return render_template("trade/rfq.html", rfq=rfq, quotes=current, is_buyer=is_buyer, suppliers=suppliers,
                           records=track_records(q.seller_organization_id for q in current),
                           open=rfq.accepts_quotes_at(utcnow()))


@bp.route("/rfqs/<int:rfq_id>/<any(publish, cancel):action>", methods=["POST"])
@login_required
def rfq_action(rfq_id, action):
    rfq = rfqs.visible_rfq(current_user, rfq_id)
    if action == "publish":
        flash(ngettext_told(rfqs.publish(current_user, rfq)), "success")
    else:
        rfqs.cancel(current_user, rfq)
        flash(_("The request is cancelled."), "success")
    db.session.commit()
    return redirect(url_for("trade.rfq_page", rfq_id=rfq.id))


@bp.route("/organizations/<int:organization_id>/rfqs")
@login_required
def organization_rfqs(organization_id):
    organization = get_organization(organization_id)
    return render_template("trade/rfqs_mine.html", organization=organization,
                           rfqs=rfqs.rfqs_of(current_user, organization))


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
        organizations = _trading_organizations(SELLER, excluding=buyer.id)
        if conversation is not None:
            organizations = [o for o in organizations if o.id == conversation.seller_organization_id]
    if not organizations:
        raise Forbidden(_("Only admins and sellers of the selling organisation send quotes."))
    seller = _chosen(organizations)
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
            errors, message = _errors(error)
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
