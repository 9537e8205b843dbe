"""Conversations between a buyer and a seller organisation, and their messages.

Who takes part is app.trade.policy's rule. Against spam: only members with a confirmed e-mail address of active
organisations write, an organisation starts at most TRADE_NEW_CONVERSATIONS_PER_HOUR conversations an hour, and an
organisation may block another (its messages are then refused without saying why). The same two organisations have
one conversation per subject (and one without): asking again adds to it.
"""
import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app.accounts.services import is_member, require_membership
from app.catalog.services import visible_listing
from app.database import upsert
from app.errors import Forbidden, NotFound, TooManyRequests, ValidationFailed
from app.extensions import db
from app.mail import link
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.orgs.services import get_organization
from app.schemas import WHITESPACE
from app.trade import notices, rfqs
from app.trade.models import Conversation, ConversationRead, Message, Order, OrganizationBlock, Quote
from app.trade.policy import BUYER, SELLER, SIDE_ROLES, act_for, naming, refuse_blocked, require_reader, sides_of
from app.uploads import ATTACHMENTS

PAGE_SIZE = 30


def get_conversation(user, conversation_id):
    """The conversation, for the members of its two sides who trade; 404 for anybody else, whatever the id."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(_("No such conversation."))
    return require_reader(user, conversation, _("No such conversation."))


def _parties(user, organization, subject):
    """(buyer id, seller id) of a conversation `organization` starts about `subject` ({"kind", "id"} or None)."""
    if subject is None:
        return None
    kind, subject_id = subject["kind"], subject["id"]
    if kind == "listing":
        listing = visible_listing(subject_id, user)
        return organization.id, listing.organization_id
    if kind == "rfq":
        rfq = rfqs.visible_rfq(user, subject_id)
        return rfq.organization_id, organization.id
    model, missing = {"quote": (Quote, _("No such quote.")), "order": (Order, _("No such order."))}[kind]
    thing = db.session.get(model, subject_id)
    if thing is None or not sides_of(user, thing.buyer_organization_id, thing.seller_organization_id):
        raise NotFound(missing)
    return thing.buyer_organization_id, thing.seller_organization_id


def _limit_new(organization):
    per_hour = current_app.config["TRADE_NEW_CONVERSATIONS_PER_HOUR"]
    since = utcnow() - dt.timedelta(hours=1)
    started = db.session.scalar(select(func.count(Conversation.id)).where(
        Conversation.started_by_organization_id == organization.id, Conversation.created_at > since))
    if started >= per_hour:
        raise TooManyRequests(_("Your organisation started %(count)d conversations in the last hour, its limit; "
                                "write in an existing one or try again later.", count=started))


def start(user, organization, other, subject, body, attachment=None):
    """(conversation, message): `organization` writes to `other`, about `subject` or not. Without a subject the one
    who writes is the buyer. The two organisations' conversation about the subject is reused if it exists."""
    with naming("subject.id"):
        buyer_id, seller_id = _parties(user, organization, subject) or (organization.id, other.id)
    if organization.id not in (buyer_id, seller_id) or buyer_id == seller_id:
        raise ValidationFailed(_("Your organisation is not a party to this."),
                               {"organization_id": [_("Not a party to the subject, or the same as the other party.")]})
    other_id = seller_id if organization.id == buyer_id else buyer_id
    if other.id != other_id:
        raise ValidationFailed(_("The other organisation is not the subject's other party."),
                               {"with_organization_id": [_("The subject's other party is organisation %(id)s.", id=other_id)]})
    act_for(user, organization, BUYER if organization.id == buyer_id else SELLER)
    if not other.is_active:
        raise NotFound(_("No such organisation."), {"with_organization_id": [_("No such organisation.")]})
    refuse_blocked(other.id, organization.id)
    kind, subject_id = (subject["kind"], subject["id"]) if subject else (None, None)
    conversation = db.session.scalar(select(Conversation).where(
        Conversation.buyer_organization_id == buyer_id, Conversation.seller_organization_id == seller_id,
        Conversation.subject_kind.is_(None) if kind is None else Conversation.subject_kind == kind,
        Conversation.subject_id.is_(None) if kind is None else Conversation.subject_id == subject_id))
    if conversation is None:
        _limit_new(organization)
        conversation = Conversation(buyer_organization_id=buyer_id, seller_organization_id=seller_id,
                                    started_by_organization_id=organization.id, subject_kind=kind, subject_id=subject_id)
        db.session.add(conversation)
        db.session.flush()
    return conversation, _write(user, conversation, organization, body, attachment)


def side_of(conversation, organization):
    """BUYER or SELLER: the side `organization` is on; a field error if it is not a party."""
    if organization.id == conversation.buyer_organization_id:
        return BUYER
    if organization.id == conversation.seller_organization_id:
        return SELLER
    raise ValidationFailed(_("Your organisation is not a party to this conversation."),
                           {"organization_id": [_("Not a party to this conversation.")]})


def post(user, conversation, organization, body, attachment=None):
    """A message from `organization` (one of the two parties) in the conversation."""
    act_for(user, organization, side_of(conversation, organization))
    other = conversation.other_party(organization.id)
    refuse_blocked(other.id, organization.id)
    return _write(user, conversation, organization, body, attachment)


def post_event(user, conversation, organization, text):
    """A message the app writes for the user (a quote sent, an order placed) in the conversation."""
    return _write(user, conversation, organization, str(text), None)


def _write(user, conversation, organization, body, attachment):
    body = (body or "").strip(WHITESPACE)
    upload = ATTACHMENTS.check(attachment) if attachment is not None else None
    if not body and upload is None:
        raise ValidationFailed(_("Write a message or attach a file."), {"body": [_("Write a message or attach a file.")]})
    message = Message(conversation_id=conversation.id, sender_organization_id=organization.id, sender_user_id=user.id,
                      body=body)
    if upload is not None:
        data, mime = upload
        message.attachment_key = ATTACHMENTS.store(data, mime)
        message.attachment_name = (attachment.filename or "attachment")[-200:]
        message.attachment_type, message.attachment_bytes = mime, len(data)
    db.session.add(message)
    db.session.flush()
    conversation.last_message_id, conversation.last_message_at = message.id, message.created_at
    conversation.last_sender_organization_id = organization.id
    conversation.message_count = Conversation.message_count + 1
    _read_up_to(user, conversation, message.id)
    other = conversation.other_party(organization.id)
    side = BUYER if other.id == conversation.buyer_organization_id else SELLER
    notices.tell([other.id], side, "messages", Phrase("Coopex: a message from %(name)s", name=organization.name),
                 Phrase("%(name)s wrote: %(text)s", name=organization.name, text=_excerpt(body) or message.attachment_name),
                 link("trade.conversation_page", conversation_id=conversation.id))
    db.session.flush()
    return message


def _excerpt(text, length=300):
    return text if len(text) <= length else text[: length - 1] + "…"


def messages_of(conversation):
    return list(db.session.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)))


def _read_up_to(user, conversation, message_id):
    statement = upsert(ConversationRead).values(conversation_id=conversation.id, user_id=user.id, message_id=message_id)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["conversation_id", "user_id"],
        set_={"message_id": func.max(ConversationRead.message_id, statement.excluded.message_id)}
        if db.session.get_bind().dialect.name == "sqlite" else
        {"message_id": func.greatest(ConversationRead.message_id, statement.excluded.message_id)}))


def mark_read(user, conversation):
    """The user has read the conversation up to its last message."""
    if conversation.last_message_id is not None:
        _read_up_to(user, conversation, conversation.last_message_id)
        db.session.flush()


def attachment_of(user, message_id):
    """(message, path) of a message's file, for the members of its conversation's two sides only."""
    message = db.session.get(Message, message_id)
    if message is None or message.attachment_key is None:
        raise NotFound(_("No such file."))
    get_conversation(user, message.conversation_id)
    return message, ATTACHMENTS.path_of(message.attachment_key)


def _taking_part(user, organization_id=None):
    """SQL: the conversations the user takes part in (of `organization_id` only, if given), and the organisations the
    user is on each side for."""
    memberships = [m for m in user.memberships if organization_id is None or m.organization_id == organization_id]
    buying = [m.organization_id for m in memberships if m.allows(*SIDE_ROLES[BUYER])]
    selling = [m.organization_id for m in memberships if m.allows(*SIDE_ROLES[SELLER])]
    return or_(Conversation.buyer_organization_id.in_(buying), Conversation.seller_organization_id.in_(selling)), \
        buying + selling


def _unread(mine):
    """SQL: the conversation's last message came from the other side after what the user has read."""
    return and_(Conversation.last_sender_organization_id.not_in(mine),
                Conversation.last_message_id > func.coalesce(ConversationRead.message_id, 0))


def inbox(user, organization_id=None, *, unread=False, page=1, per_page=PAGE_SIZE):
    """(rows, total) of the user's conversations, the latest message first: each row (conversation, unread)."""
    if organization_id is not None and not is_member(user, get_organization(organization_id).id):
        raise Forbidden(_("Only members read their organisation's conversations."))
    taking_part, mine = _taking_part(user, organization_id)
    joined = and_(ConversationRead.conversation_id == Conversation.id, ConversationRead.user_id == user.id)
    matching = select(Conversation.id).where(taking_part)
    if unread:
        matching = matching.outerjoin(ConversationRead, joined).where(_unread(mine))
    # The page is picked from the conversations' own narrow rows, counting them all on the way; only its conversations
    # are then joined to the read marks and to their two organisations (eager loads). Joined before the LIMIT, all of
    # them would be, then sorted.
    chosen = (matching.add_columns(Conversation.last_message_at, func.count().over().label("total"))
              .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
              .limit(per_page).offset((page - 1) * per_page).subquery())
    rows = db.session.execute(select(Conversation, _unread(mine), chosen.c.total)
                              .join(chosen, chosen.c.id == Conversation.id).outerjoin(ConversationRead, joined)
                              .order_by(chosen.c.last_message_at.desc(), chosen.c.id.desc())).all()
    # A page past the end has no row to carry the count.
    total = rows[0].total if rows else db.session.scalar(select(func.count()).select_from(matching.subquery()))
    return [(conversation, bool(is_unread)) for conversation, is_unread, _total in rows], total


def unread_count(user):
    """How many of the user's conversations have a message from the other side the user has not read."""
    taking_part, mine = _taking_part(user)
    if not mine:
        return 0
    joined = and_(ConversationRead.conversation_id == Conversation.id, ConversationRead.user_id == user.id)
    return db.session.scalar(select(func.count(Conversation.id)).outerjoin(ConversationRead, joined)
                             .where(taking_part, _unread(mine)))


def block(user, organization, other):
    """`organization` refuses messages and quotes from `other` from now on (its admins decide)."""
    require_membership(user, organization, "admin")
    if other.id == organization.id:
        raise ValidationFailed(_("An organisation does not block itself."), {"organization_id": [_("Not your own.")]})
    db.session.execute(upsert(OrganizationBlock).values(
        blocker_id=organization.id, blocked_id=other.id, created_by_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing())
    db.session.flush()
    return db.session.get(OrganizationBlock, (organization.id, other.id))


def unblock(user, organization, other):
    require_membership(user, organization, "admin")
    db.session.query(OrganizationBlock).filter_by(blocker_id=organization.id, blocked_id=other.id).delete()
    db.session.flush()


def blocked_by(user, organization):
    require_membership(user, organization)
    return list(db.session.scalars(select(OrganizationBlock).where(OrganizationBlock.blocker_id == organization.id)))
