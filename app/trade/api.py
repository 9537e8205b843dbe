"""JSON API: conversations and requests for quotation (quotes, orders and trade figures: app/trade/deal_api.py).

Each handler parses, calls one service with the calling user (the service decides who may), commits, and dumps."""
from flask import request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from app.accounts.auth import allows_anonymous, api_user, require_api_user, token_optional
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.http import ApiBlueprint, refuse_nul
from app.indexing import engine_answers
from app.models_base import utcnow
from app.orgs.services import get_organization
from app.trade import conversations, quotes, rfqs, search_service
from app.trade.record import track_records
from app.trade.schemas import (
    BlockCreateSchema,
    BlockSchema,
    ConversationCreateSchema,
    ConversationPageSchema,
    ConversationSchema,
    InboxQuerySchema,
    MessageCreateSchema,
    MessageFormSchema,
    MessageSchema,
    RfqCreateSchema,
    RfqResultsSchema,
    RfqSchema,
    RfqSearchQuerySchema,
)

blp = ApiBlueprint("trade_api", __name__, url_prefix="/api/v1", description="Conversations, RFQs, quotes and orders")


def organization_named(organization_id, field):
    """The organisation of an id in the request; an unknown one is a field error."""
    try:
        return get_organization(organization_id)
    except NotFound:
        raise ValidationFailed(_("No such organisation."), {field: [_("No such organisation.")]}) from None


def quote_json(quote):
    currency = quote.currency
    return {
        "id": quote.id, "version": quote.version, "status": quote.status, "seller": quote.seller, "buyer": quote.buyer,
        "rfq_id": quote.rfq_id, "conversation_id": quote.conversation_id, "currency": currency, "total": quote.total,
        "incoterm": quote.incoterm, "delivery_place": quote.delivery_place, "lead_time_days": quote.lead_time_days,
        "valid_until": quote.valid_until, "note": quote.note, "created_at": quote.created_at,
        "lines": [line_json(line) for line in quote.lines],
    }


def line_json(line):
    return {"position": line.position, "listing_id": line.listing_id, "description": line.description,
            "quantity": line.quantity, "unit": line.unit, "unit_price": line.unit_price, "total": line.total}


# Conversations -------------------------------------------------------------------------------------------------------


def message_json(message):
    attachment = None
    if message.attachment_key:
        attachment = {"name": message.attachment_name, "type": message.attachment_type, "bytes": message.attachment_bytes,
                      "url": url_for("trade.attachment_file", message_id=message.id)}
    return {"id": message.id, "organization_id": message.sender_organization_id,
            "author": message.sender.name if message.sender else None, "body": message.body, "attachment": attachment,
            "created_at": message.created_at}


def conversation_json(conversation, unread=False, messages=None):
    subject = {"kind": conversation.subject_kind, "id": conversation.subject_id} if conversation.subject_kind else None
    data = {"id": conversation.id, "buyer": conversation.buyer, "seller": conversation.seller, "subject": subject,
            "message_count": conversation.message_count, "last_message_at": conversation.last_message_at,
            "unread": unread}
    if messages is not None:
        data["messages"] = [message_json(message) for message in messages]
    return data


@blp.route("/conversations", methods=["POST"])
@blp.arguments(ConversationCreateSchema)
@blp.response(201, ConversationSchema)
def start_conversation(payload):
    """Write to another organisation, about a listing, an RFQ, a quote or an order, or about nothing in particular. The
    two organisations' conversation on the subject is reused if there is one. Admins and buyers write on the buyer's
    side, admins and sellers on the seller's; new conversations are limited per organisation and hour (429)."""
    user = require_api_user()
    organization = organization_named(payload["organization_id"], "organization_id")
    other = organization_named(payload["with_organization_id"], "with_organization_id")
    conversation, _message = conversations.start(user, organization, other, payload["subject"], payload["body"])
    db.session.commit()
    return conversation_json(conversation, messages=conversations.messages_of(conversation))


@blp.route("/conversations", methods=["GET"])
@blp.arguments(InboxQuerySchema(), location="query")
@blp.response(200, ConversationPageSchema)
def list_conversations(query):
    """The caller's conversations (of one organisation, or unread only), the latest message first."""
    user = require_api_user()
    rows, total = conversations.inbox(user, query["organization_id"], unread=query["unread"], page=query["page"],
                                      per_page=query["per_page"])
    return {"items": [conversation_json(conversation, unread) for conversation, unread in rows], "total": total,
            "page": query["page"], "per_page": query["per_page"], "unread": conversations.unread_count(user)}


@blp.route("/conversations/<int:conversation_id>", methods=["GET"])
@blp.response(200, ConversationSchema)
def get_conversation(conversation_id):
    """A conversation with its messages (the members of its two sides who trade)."""
    user = require_api_user()
    conversation = conversations.get_conversation(user, conversation_id)
    return conversation_json(conversation, messages=conversations.messages_of(conversation))


@blp.route("/conversations/<int:conversation_id>/read", methods=["POST"])
@blp.response(200, ConversationSchema)
def mark_conversation_read(conversation_id):
    """The caller has read the conversation up to its last message."""
    user = require_api_user()
    conversation = conversations.get_conversation(user, conversation_id)
    conversations.mark_read(user, conversation)
    db.session.commit()
    return conversation_json(conversation, messages=conversations.messages_of(conversation))


def _message_form():
    """The message's fields from a JSON body or a multipart form, and its file (or None)."""
    multipart = request.mimetype == "multipart/form-data"
    data = dict(request.form.items()) if multipart else request.get_json(silent=True)
    try:
        if not isinstance(data, dict):
            raise ValidationError({"json": [_("Send a JSON object or a multipart form.")]})
        refuse_nul(data)
        fields_ = (MessageFormSchema if multipart else MessageCreateSchema)().load(data)
    except ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), error.messages) from None
    return fields_, request.files.get("attachment") if multipart else None


@blp.route("/conversations/<int:conversation_id>/messages", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": MessageCreateSchema},
    "multipart/form-data": {"schema": MessageFormSchema}}})
@blp.response(201, MessageSchema)
def post_message(conversation_id):
    """A message from one of the two parties (JSON, or multipart/form-data with the file `attachment`)."""
    user = require_api_user()
    conversation = conversations.get_conversation(user, conversation_id)
    fields_, attachment = _message_form()
    organization = organization_named(fields_["organization_id"], "organization_id")
    message = conversations.post(user, conversation, organization, fields_["body"], attachment)
    db.session.commit()
    return message_json(message)


@blp.route("/organizations/<int:organization_id>/blocks", methods=["GET"])
@blp.response(200, BlockSchema(many=True))
def list_blocks(organization_id):
    """The organisations this one blocks (its members)."""
    return conversations.blocked_by(require_api_user(), get_organization(organization_id))


@blp.route("/organizations/<int:organization_id>/blocks", methods=["POST"])
@blp.arguments(BlockCreateSchema)
@blp.response(201, BlockSchema)
def block_organization(payload, organization_id):
    """The organisation (its admins) refuses messages and quotes from another from now on; the other is not told."""
    user = require_api_user()
    other = organization_named(payload["blocked_organization_id"], "blocked_organization_id")
    block = conversations.block(user, get_organization(organization_id), other)
    db.session.commit()
    return block


@blp.route("/organizations/<int:organization_id>/blocks/<int:blocked_id>", methods=["DELETE"])
@blp.response(204)
def unblock_organization(organization_id, blocked_id):
    """Take messages and quotes from the organisation again (the organisation's admins)."""
    conversations.unblock(require_api_user(), get_organization(organization_id), get_organization(blocked_id))
    db.session.commit()


# Requests for quotation ----------------------------------------------------------------------------------------------


def rfq_json(rfq, user):
    current = quotes.quotes_for_rfq(user, rfq) if user is not None else []
    records = track_records(quote.seller_organization_id for quote in current)
    return {
        "id": rfq.id, "organization": rfq.organization, "title": rfq.title, "description": rfq.description,
        "cpv_code": rfq.cpv.code, "cpv_label": rfq.cpv.label_en,
        "quantity": rfq.quantity, "unit": rfq.unit, "delivery_country_code": rfq.delivery_country_code,
        "needed_by": rfq.needed_by, "quotes_due": rfq.quotes_due, "visibility": rfq.visibility,
        "invited_organization_ids": [organization.id for organization in rfq.invited],
        "cooperatives_only": rfq.cooperatives_only, "status": rfq.status, "open": rfq.accepts_quotes_at(utcnow()),
        "published_at": rfq.published_at, "suppliers_notified": rfq.suppliers_notified,
        "quotes": [{**quote_json(quote), "seller_record": {
            "completed": records[quote.seller_organization_id]["completed"],
            "rating": records[quote.seller_organization_id]["rating"]}} for quote in current],
    }


@blp.route("/rfqs", methods=["POST"])
@blp.arguments(RfqCreateSchema)
@blp.response(201, RfqSchema)
def create_rfq(payload):
    """Draft a request for quotation for an organisation (its admins and buyers)."""
    user = require_api_user()
    rfq = rfqs.create_rfq(user, organization_named(payload["organization_id"], "organization_id"), payload)
    db.session.commit()
    return rfq_json(rfq, user)


@blp.route("/rfqs/<int:rfq_id>", methods=["GET"])
@token_optional
@blp.response(200, RfqSchema)
def get_rfq(rfq_id):
    """A request: public ones for everybody, invited ones for the buyer and the invited, drafts for the buyer. The
    buyer's members see every current quote, a supplier its own."""
    user = api_user()
    return rfq_json(rfqs.visible_rfq(user, rfq_id), user)


@blp.route("/rfqs/<int:rfq_id>/publish", methods=["POST"])
@blp.response(200, RfqSchema)
def publish_rfq(rfq_id):
    """Publish a draft: it takes quotes until its deadline, and the suppliers who could answer are told."""
    user = require_api_user()
    rfq = rfqs.visible_rfq(user, rfq_id)
    rfqs.publish(user, rfq)
    db.session.commit()
    return rfq_json(rfq, user)


@blp.route("/rfqs/<int:rfq_id>/cancel", methods=["POST"])
@blp.response(200, RfqSchema)
def cancel_rfq(rfq_id):
    """Withdraw a request (the buyer's admins and buyers); the suppliers with open quotes are told."""
    user = require_api_user()
    rfq = rfqs.visible_rfq(user, rfq_id)
    rfqs.cancel(user, rfq)
    db.session.commit()
    return rfq_json(rfq, user)


@blp.route("/search/rfqs", methods=["GET"])
@allows_anonymous
@blp.arguments(RfqSearchQuerySchema(), location="query")
@blp.response(200, RfqResultsSchema)
@blp.alt_response(503, description="The search engine cannot be reached")
def search_rfqs(params):
    """Full-text search of the public requests still taking quotes, by CPV code (with everything beneath it), delivery
    country and ICA region."""
    with engine_answers():
        return search_service.search_rfqs(params)
