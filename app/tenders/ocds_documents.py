"""The OCDS part of a tender's documents and questions: `tender.documents` (the latest version of each, with its
SHA-256), `tender.enquiryPeriod`, `tender.hasEnquiries` and `tender.enquiries` (the enquiries extension's shape,
answered questions only, never an author).

OCDS 1.1 has no field for a file's digest: each document carries `hash` as "sha256:<hex>", the algorithm-prefixed form
open procurement systems publish (Prozorro's "md5:<hex>"), so a reader can check the file it downloads."""
import datetime as dt

from flask import url_for
from sqlalchemy import func, select

from app.extensions import db
from app.tenders.document_models import Question
from app.tenders.documents import documents_of
from app.tenders.questions import published_questions


def _time(moment):
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _documents(tender):
    first_published = {}
    current = []
    for document in documents_of(tender):  # by number, newest version first
        first_published[document.number] = document.created_at
        if document.is_current:
            current.append(document)
    published = tender.published_at
    return [{
        "id": f"document-{document.number}", "documentType": "biddingDocuments", "title": document.title,
        "url": url_for("tenders_api.document_file", document_id=document.id, _external=True),
        "format": document.media_type, "hash": f"sha256:{document.sha256}",
        "datePublished": _time(max(first_published[document.number], published)),
        "dateModified": _time(max(document.created_at, published)),
    } for document in current]


def tender_fields(tender):
    """The fields a published tender's OCDS `tender` object gains from its documents and questions."""
    fields = {}
    documents = _documents(tender)
    if documents:
        fields["documents"] = documents
    if tender.clarification_deadline is not None:
        fields["enquiryPeriod"] = {"startDate": _time(tender.published_at), "endDate": _time(tender.clarification_deadline)}
        asked = db.session.scalar(select(func.count(Question.id)).where(Question.tender_id == tender.id))
        fields["hasEnquiries"] = bool(asked)
        fields["enquiries"] = [{
            "id": f"enquiry-{question.id}", "date": _time(question.asked_at), "description": question.question,
            "answer": question.answer, "dateAnswered": _time(question.answered_at),
        } for question in published_questions(tender)]
    return fields
