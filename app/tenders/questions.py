"""Clarification questions (EU Directive 2014/24 art. 47, Prozorro's enquiry period): from publication until the
tender's clarification deadline any supplier may ask; the buyer answers in public. Who asked is kept for the record and
never shown: not on the page, in the API, in OCDS or in a mail.

An answer published after the clarification deadline leaves bidders at least six days (app.tenders.deadlines)."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.notices.telling import tell
from app.orgs.models import Organization
from app.tenders import deadlines
from app.tenders.document_models import Question
from app.tenders.models import Bid
from app.tenders.policy import require_buyer, require_supplier
from app.tenders.services import BUYER_ROLES, visible_tender

SUBJECT = "Coopex: news of a tender"


def enquiry_open(tender, now=None):
    """True while the tender takes questions: published, and before its clarification deadline."""
    now = now or utcnow()
    return (tender.status == "published" and tender.clarification_deadline is not None
            and now < tender.clarification_deadline and not tender.is_past_deadline(now))


def interested(tender):
    """SQL: the organisations told of a tender's changes: those with a standing bid and those that asked a question."""
    bidders = select(Bid.organization_id).where(Bid.tender_id == tender.id, Bid.status == "submitted")
    askers = select(Question.organization_id).where(Question.tender_id == tender.id)
    return select(Organization.id).where(or_(Organization.id.in_(bidders), Organization.id.in_(askers)))


def tell_interested(tender, message):
    """A notice (a Phrase) to every interested organisation (notice and mail, as each member chose)."""
    tell(interested(tender), "tenders", Phrase(SUBJECT), message, url_for("tenders.tender_page", tender_id=tender.id))


def ask(actor, tender, organization, text):
    """A question from `organization` (its admins and sellers) during the enquiry period; the buyer is told, not who."""
    require_supplier(actor, tender, organization)
    if tender.clarification_deadline is None:
        raise Conflict(_("This tender has no enquiry period: it takes no questions."))
    if not enquiry_open(tender):
        raise Conflict(_("The enquiry period is over (or has not begun): questions are no longer taken."))
    question = Question(tender_id=tender.id, organization_id=organization.id, asked_by_id=actor.id, question=text)
    db.session.add(question)
    db.session.flush()
    tell([tender.organization_id], "tenders", Phrase(SUBJECT),
         Phrase("A supplier asked a question about “%(title)s”.", title=tender.title),
         url_for("tenders.manage_documents", tender_id=tender.id), roles=BUYER_ROLES)
    return question


def get_question(user, question_id):
    """A question of a tender the user may read; else NotFound."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound(_("No such question."))
    try:
        visible_tender(question.tender_id, user)
    except NotFound:
        raise NotFound(_("No such question.")) from None
    return question


def answer(actor, question, text):
    """The buyer's public answer; everyone interested is told, and a late answer keeps six days to the deadline."""
    tender = question.tender
    require_buyer(actor, tender)
    if question.answered_at is not None:
        raise Conflict(_("This question is already answered."))
    if tender.status != "published" or tender.is_past_deadline():
        raise Conflict(_("Questions are answered while the tender is open."))
    now = utcnow()
    question.answer, question.answered_by_id, question.answered_at = text, actor.id, now
    db.session.flush()
    tell_interested(tender, Phrase("A question about “%(title)s” was answered. Question: %(question)s Answer: %(answer)s",
                                   title=tender.title, question=question.question, answer=text))
    if now >= tender.clarification_deadline:
        deadlines.keep_time_to_answer(tender, lambda extension: tell_interested(tender, extension), now)
    db.session.flush()
    return question


def published_questions(tender):
    """The answered questions, in the order they were answered (what everybody reads; never who asked)."""
    return list(db.session.scalars(select(Question).where(Question.tender_id == tender.id, Question.answered_at.is_not(None))
                                   .order_by(Question.answered_at, Question.id)))


def waiting_questions(tender):
    """The questions still to answer, oldest first (for the buyer)."""
    return list(db.session.scalars(select(Question).where(Question.tender_id == tender.id, Question.answered_at.is_(None))
                                   .order_by(Question.asked_at, Question.id)))
