"""Quotes: a seller's priced answer to a request for quotation or to a conversation, revised as new versions, withdrawn
by the seller or declined by the buyer; accepting one places an order.

A line's total is its quantity times its unit price rounded half up to the currency's minor unit, and the quote's total
the sum of its lines: integers all the way (app.trade.pricing)."""
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog.models import Listing
from app.database import lock
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.labels import label
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.trade import conversations, notices, orders, rfqs
from app.trade.models import QUANTITY_SCALE, Quote, QuoteLine
from app.trade.policy import BUYER, SELLER, SIDE_ROLES, act_for, naming, refuse_blocked, require_reader, require_side, takes_part
from app.trade.pricing import largest_minor, line_total_minor

#: How far ahead a quote may stay valid.
LONGEST_VALIDITY = dt.timedelta(days=366)


def quote_for(user, quote_id):
    """A quote for the members of its two sides who trade (404 for anybody else, whatever the id)."""
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(_("No such quote."))
    return require_reader(user, quote, _("No such quote."))


def versions_of(quote):
    """Every version of the quote, the first first."""
    return list(db.session.scalars(select(Quote).where(
        (Quote.id == quote.thread_id) | (Quote.first_version_id == quote.thread_id)).order_by(Quote.version)))


def _lines(seller, currency, lines):
    """QuoteLines from the request's lines, priced; field errors name the line."""
    built, errors = [], {}
    listing_ids = {line["listing_id"] for line in lines if line.get("listing_id") is not None}
    own = set(db.session.scalars(select(Listing.id).where(Listing.id.in_(listing_ids),
                                                          Listing.organization_id == seller.id))) if listing_ids else set()
    for position, line in enumerate(lines):
        price = line["unit_price"]
        if price.currency != currency:
            errors[position] = {"unit_price": [_("In the quote's currency, %(currency)s.", currency=currency)]}
            continue
        if line.get("listing_id") is not None and line["listing_id"] not in own:
            errors[position] = {"listing_id": [_("Not one of your listings.")]}
            continue
        quantity_milli = int(line["quantity"] * QUANTITY_SCALE)
        total = line_total_minor(quantity_milli, price.minor)
        if total > largest_minor(currency):
            errors[position] = {"quantity": [_("The line's total is too large.")]}
            continue
        built.append(QuoteLine(position=position + 1, listing_id=line.get("listing_id"), description=line["description"],
                               quantity_milli=quantity_milli, unit=line["unit"], unit_price_minor=price.minor,
                               total_minor=total))
    if errors:
        raise ValidationFailed(_("Some lines are not right."), {"lines": errors})
    total = sum(line.total_minor for line in built)
    if total > largest_minor(currency):
        raise ValidationFailed(_("The quote's total is too large."), {"lines": [_("The quote's total is too large.")]})
    if total == 0:  # every line rounds to less than the currency's minor unit: an order must be worth something
        raise ValidationFailed(_("The quote's total is nothing."),
                               {"lines": [_("The lines add up to less than the smallest amount of %(currency)s.",
                                            currency=currency)]})
    return built


def _terms(quote, fields, today):
    if fields["valid_until"] < today:
        raise ValidationFailed(_("The quote would already have expired."), {"valid_until": [_("Not before today.")]})
    if fields["valid_until"] > today + LONGEST_VALIDITY:
        raise ValidationFailed(_("The quote is valid too long."), {"valid_until": [_("At most a year ahead.")]})
    quote.currency = fields["currency"]
    quote.lines = _lines(quote.seller, quote.currency, fields["lines"])
    quote.total_minor = sum(line.total_minor for line in quote.lines)
    for name in ("incoterm", "delivery_place", "lead_time_days", "valid_until"):
        setattr(quote, name, fields[name])
    quote.note = fields.get("note", "")


def _context(actor, seller, buyer, fields, now):
    """(request for quotation, conversation) the quote answers, each checked against the two parties."""
    rfq_id, conversation_id = fields.get("rfq_id"), fields.get("conversation_id")
    if rfq_id is None and conversation_id is None:
        raise ValidationFailed(_("A quote answers a request for quotation or a conversation."),
                               {"rfq_id": [_("Give the request for quotation or the conversation the quote answers.")]})
    rfq = conversation = None
    if rfq_id is not None:
        with naming("rfq_id"):
            rfq = rfqs.visible_rfq(actor, rfq_id)
        if rfq.organization_id != buyer.id:
            raise ValidationFailed(_("The buyer is not the one who asked."),
                                   {"buyer_organization_id": [_("Not the buyer of this request.")]})
        rfqs.require_open_to(rfq, seller, now)
    if conversation_id is not None:
        with naming("conversation_id"):
            conversation = conversations.get_conversation(actor, conversation_id)
        if conversation.party_ids() != (buyer.id, seller.id):
            raise ValidationFailed(_("This conversation is not between this buyer and your organisation."),
                                   {"conversation_id": [_("Not a conversation in which you sell to this buyer.")]})
    return rfq, conversation


def _announce(actor, quote, conversation, message):
    if conversation is not None:
        conversations.post_event(actor, conversation, quote.seller, message)
    notices.tell([quote.buyer_organization_id], BUYER, "trade", Phrase("Coopex: a quote from %(seller)s", seller=quote.seller.name),
                 message, link("trade.quote_page", quote_id=quote.id))


def send_quote(actor, seller, buyer, fields):
    """A new quote from `seller` to `buyer`, written by one of the seller's admins or sellers."""
    act_for(actor, seller, SELLER)
    if not buyer.is_active or buyer.id == seller.id:
        raise ValidationFailed(_("No such buyer."), {"buyer_organization_id": [_("Not an organisation you can quote.")]})
    refuse_blocked(buyer.id, seller.id)
    now = utcnow()
    rfq, conversation = _context(actor, seller, buyer, fields, now)
    quote = Quote(seller=seller, buyer=buyer, rfq=rfq, conversation_id=conversation.id if conversation else None,
                  version=1, status="sent", created_by_id=actor.id)
    _terms(quote, fields, now.date())
    db.session.add(quote)
    db.session.flush()
    _announce(actor, quote, conversation, Phrase("%(seller)s sent quote #%(id)s for %(total)s.", seller=seller.name,
                                            id=quote.id, total=money_text(quote.total)))
    return quote


def _require_open(quote, today):
    if quote.status != "sent":
        raise Conflict(_("This quote is %(status)s.", status=label("quote", quote.status)), code=f"quote_{quote.status}")
    if quote.valid_until < today:
        raise Conflict(_("This quote expired on %(day)s.", day=quote.valid_until.isoformat()), code="quote_expired")


def revise(actor, quote, fields):
    """A new version of an open quote from its seller; the old one is superseded (and stays readable)."""
    require_side(actor, quote, SELLER)
    refuse_blocked(quote.buyer_organization_id, quote.seller_organization_id)
    lock(quote)
    now = utcnow()
    _require_open(quote, now.date())
    if fields.get("organization_id", quote.seller_organization_id) != quote.seller_organization_id or \
            fields.get("buyer_organization_id", quote.buyer_organization_id) != quote.buyer_organization_id:
        raise ValidationFailed(_("A revision keeps the quote's seller and buyer."),
                               {"buyer_organization_id": [_("The same as the quote's.")]})
    if quote.rfq is not None:
        rfqs.require_open_to(quote.rfq, quote.seller, now)
    revision = Quote(seller=quote.seller, buyer=quote.buyer, rfq=quote.rfq, conversation_id=quote.conversation_id,
                     first_version_id=quote.thread_id, version=quote.version + 1, status="sent", created_by_id=actor.id)
    _terms(revision, fields, now.date())
    quote.status, quote.decided_at = "superseded", now
    db.session.add(revision)
    db.session.flush()
    conversation = conversations.get_conversation(actor, quote.conversation_id) if quote.conversation_id else None
    _announce(actor, revision, conversation, Phrase("%(seller)s revised quote #%(old)s: version %(version)s, %(total)s.",
                                               seller=quote.seller.name, old=quote.thread_id, version=revision.version,
                                               total=money_text(revision.total)))
    return revision


def _close(actor, quote, side, status, subject, message):
    """`side` closes an open quote as `status` (withdrawn, declined); the other side is told."""
    require_side(actor, quote, side)
    lock(quote)
    if quote.status != "sent":
        raise Conflict(_("This quote is %(status)s.", status=label("quote", quote.status)), code=f"quote_{quote.status}")
    quote.status, quote.decided_at = status, utcnow()
    other = BUYER if side == SELLER else SELLER
    notices.tell([quote.buyer_organization_id if other == BUYER else quote.seller_organization_id], other, "trade", subject,
                 message, link("trade.quote_page", quote_id=quote.id))
    db.session.flush()
    return quote


def withdraw(actor, quote):
    """The seller takes back an open quote."""
    return _close(actor, quote, SELLER, "withdrawn", Phrase("Coopex: a quote was withdrawn"),
                  Phrase("%(seller)s withdrew quote #%(id)s.", seller=quote.seller.name, id=quote.thread_id))


def decline(actor, quote):
    """The buyer says no to an open quote."""
    return _close(actor, quote, BUYER, "declined", Phrase("Coopex: a quote was declined"),
                  Phrase("%(buyer)s declined quote #%(id)s.", buyer=quote.buyer.name, id=quote.thread_id))


def accept(actor, quote):
    """The buyer accepts an open, unexpired quote: an order is placed with its lines and terms. Two members accepting
    at once place one order: the second finds the quote accepted (409)."""
    require_side(actor, quote, BUYER)
    lock(quote)
    now = utcnow()
    _require_open(quote, now.date())
    if quote.rfq is not None and quote.rfq.status == "cancelled":
        raise Conflict(_("The request for quotation was cancelled."), code="rfq_cancelled")
    quote.status, quote.decided_at = "accepted", now
    return orders.place(actor, quote)


def quotes_for_rfq(user, rfq):
    """The current quotes on a request: all of them for the buyer's members who buy, its own for a supplier's members
    who sell (the readers quote_for allows); cheapest first within a currency, and at an equal price a verified
    co-operative first (the search's preference)."""
    statement = select(Quote).where(Quote.rfq_id == rfq.id, Quote.status != "superseded")
    if not takes_part(user, rfq.organization_id, BUYER):
        selling = [m.organization_id for m in user.memberships if m.allows(*SIDE_ROLES[SELLER])] \
            if user and user.is_authenticated else []
        statement = statement.where(Quote.seller_organization_id.in_(selling))
    found = list(db.session.scalars(statement))
    return sorted(found, key=lambda quote: (
        quote.status != "sent", quote.currency, quote.total_minor,
        not (quote.seller.is_cooperative and quote.seller.verified), quote.created_at, quote.id))


def money_text(money):
    """'1234.50 EUR': money in a notice or a mail."""
    return f"{money.as_decimal_string()} {money.currency}"
