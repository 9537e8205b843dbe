"""Pages: the inbox and conversations, requests for quotation (quotes and orders: app/trade/deal_routes.py).

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
from app.catalog.services import visible_listing
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.i18n import localize
from app.models_base import utcnow
from app.navigation import page_number, query_arguments
from app.orgs.services import get_organization
from app.reference.services import countries
from app.trade import bp, conversations, quotes, rfqs, search_service
from app.trade.models import Quote
from app.trade.policy import BUYER, SELLER, SIDE_ROLES, sides_of, takes_part
from app.trade.record import track_records
from app.trade.schemas import RfqCreateSchema, RfqSearchQuerySchema
from search import SearchUnavailable


def trading_organizations(side, excluding=None):
    """The organisations the user may act for on `side` (by role), other than `excluding`."""
    return [m.organization for m in current_user.memberships
            if m.allows(*SIDE_ROLES[side]) and m.organization_id != excluding and m.organization.is_active]


def chosen_organization(organizations):
    """The organisation the form names (one of `organizations`), else the acting one if it is among them, else the first."""
    wanted = request.values.get("organization_id", type=int)
    acting = current_membership()
    for candidate in (wanted, acting.organization_id if acting else None):
        for organization in organizations:
            if organization.id == candidate:
                return organization
    return organizations[0] if organizations else None


def refusal_messages(error):
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
    organizations = trading_organizations(side, excluding=other.id)
    if not organizations:
        raise Forbidden(_("Only admins, buyers and sellers of another organisation write to %(name)s.", name=other.name))
    errors, body = {}, ""
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            conversation, _message = conversations.start(current_user, chosen_organization(organizations), other, subject, body,
                                                         request.files.get("attachment") or None)
        except DomainError as error:
            db.session.rollback()
            errors, message = refusal_messages(error)
            flash(message, "danger")
        else:
            db.session.commit()
            flash(_("Your message was sent to %(name)s.", name=other.name), "success")
            return redirect(url_for("trade.conversation_page", conversation_id=conversation.id))
    return render_template("trade/new_conversation.html", other=other, listing=listing, rfq=rfq, kind=kind,
                           subject_id=subject_id, organizations=organizations, chosen=chosen_organization(organizations),
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
            errors, message = refusal_messages(error)
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
                           messages=conversations.messages_of(conversation), errors=errors, body=body, **context), status


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
    organizations = trading_organizations(BUYER)
    if not organizations:
        raise Forbidden(_("Only admins and buyers of an organisation ask for quotes."))
    errors, form = {}, request.form
    if request.method == "POST":
        organization = chosen_organization(organizations)
        try:
            payload = RfqCreateSchema().load(_rfq_payload(request.form, organization))
            rfq = rfqs.create_rfq(current_user, organization, payload)
            if request.form.get("publish") == "1":
                told = rfqs.publish(current_user, rfq)
                flash(published_message(told), "success")
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            errors, message = refusal_messages(error)
            flash(message, "danger")
        else:
            db.session.commit()
            return redirect(url_for("trade.rfq_page", rfq_id=rfq.id))
    default_due = (utcnow() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    return render_template("trade/rfq_form.html", organizations=organizations, chosen=chosen_organization(organizations),
                           errors=errors, form=form, countries=countries(), default_due=default_due,
                           default_needed=(utcnow() + dt.timedelta(days=30)).date().isoformat()), 422 if errors else 200


def published_message(told):
    return ngettext("Published: %(num)d supplier was told.", "Published: %(num)d suppliers were told.", told)


@bp.route("/rfqs/<int:rfq_id>")
def rfq_page(rfq_id):
    rfq = rfqs.visible_rfq(current_user, rfq_id)
    user = current_user if current_user.is_authenticated else None
    current = quotes.quotes_for_rfq(user, rfq) if user else []
    is_buyer = takes_part(user, rfq.organization_id, BUYER)
    suppliers = trading_organizations(SELLER, excluding=rfq.organization_id) if user else []
    return render_template("trade/rfq.html", rfq=rfq, quotes=current, is_buyer=is_buyer, suppliers=suppliers,
                           records=track_records(q.seller_organization_id for q in current),
                           open=rfq.accepts_quotes_at(utcnow()))


@bp.route("/rfqs/<int:rfq_id>/<any(publish, cancel):action>", methods=["POST"])
@login_required
def rfq_action(rfq_id, action):
    rfq = rfqs.visible_rfq(current_user, rfq_id)
    if action == "publish":
        flash(published_message(rfqs.publish(current_user, rfq)), "success")
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
