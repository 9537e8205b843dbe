"""A tender's documents: files the buyer attaches (PDF, DOCX, XLSX, ODT, ODS, ZIP, at most 25 MB, typed by content),
each version kept with its SHA-256. A draft's documents are the buyer's; a published tender's are everybody's.

A document added or replaced after publication is a change of the tender: bidders and the suppliers who asked questions
are told, and when fewer than six days are left the deadline moves (app.tenders.deadlines)."""
import hashlib

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.labels import label
from app.models_base import utcnow
from app.notices.phrases import Phrase
from app.tenders import deadlines, questions
from app.tenders.document_models import TenderDocument
from app.tenders.policy import require_buyer
from app.tenders.services import visible_tender
from app.uploads import TENDER_FILES


def stored_file(upload):
    """The fields of a checked upload, written to disk: name, type, size, SHA-256 and storage key."""
    data, mime = TENDER_FILES.check(upload)
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][-200:] or f"file.{mime.rsplit('/', 1)[-1]}"
    return {"file_name": name, "media_type": mime, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "storage_key": TENDER_FILES.store(data, mime)}


def documents_of(tender):
    """The tender's documents, every version, by number and newest version first."""
    return list(db.session.scalars(select(TenderDocument).where(TenderDocument.tender_id == tender.id)
                                   .order_by(TenderDocument.number, TenderDocument.version.desc())))


def current_documents(tender):
    """The latest version of each of the tender's documents."""
    return [document for document in documents_of(tender) if document.is_current]


def visible_document(user, document_id):
    """(document, path) for whoever may read its tender (a draft's: the buyer's members only); else NotFound."""
    document = db.session.get(TenderDocument, document_id)
    if document is None:
        raise NotFound(_("No such document."))
    try:
        visible_tender(document.tender_id, user)
    except NotFound:
        raise NotFound(_("No such document.")) from None
    return document, TENDER_FILES.path_of(document.storage_key)


def _require_changeable(tender):
    if tender.status == "draft" or tender.state() == "open":
        return
    raise Conflict(_("The documents of a %(state)s tender cannot change.", state=label("tender", tender.state())))


def attach(actor, tender, title, upload):
    """A new document of the tender (the buyer's admins and buyers), while it is a draft or open."""
    require_buyer(actor, tender)
    _require_changeable(tender)
    stored = stored_file(upload)
    number = (db.session.scalar(select(func.max(TenderDocument.number)).where(TenderDocument.tender_id == tender.id))
              or 0) + 1
    document = TenderDocument(tender_id=tender.id, number=number, version=1, title=title, uploaded_by_id=actor.id,
                              **stored)
    db.session.add(document)
    db.session.flush()
    _changed(tender, Phrase("A document was added to “%(title)s”: %(document)s.", title=tender.title, document=title))
    return document


def replace(actor, document, upload, title=None):
    """A new version of a current document; the old one stays, marked superseded."""
    tender = document.tender
    require_buyer(actor, tender)
    _require_changeable(tender)
    if not document.is_current:
        raise Conflict(_("Only the latest version of a document can be replaced."),
                       {"document_id": [_("Version %(version)s is superseded.", version=document.version)]})
    stored = stored_file(upload)
    now = utcnow()
    document.superseded_at = now
    successor = TenderDocument(tender_id=tender.id, number=document.number, version=document.version + 1,
                               title=title or document.title, uploaded_by_id=actor.id, created_at=now, **stored)
    db.session.add(successor)
    db.session.flush()
    _changed(tender, Phrase("A document of “%(title)s” was replaced: %(document)s, version %(version)s.",
                            title=tender.title, document=successor.title, version=successor.version))
    return successor


def _changed(tender, message):
    """After publication, tell those interested, and keep six days to answer."""
    if tender.status != "published":
        return
    questions.tell_interested(tender, message)
    deadlines.keep_time_to_answer(tender, lambda extension: questions.tell_interested(tender, extension))
    db.session.flush()


def document_url(document):
    return url_for("tenders.document_file", document_id=document.id)
