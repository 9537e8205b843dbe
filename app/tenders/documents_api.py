"""JSON API: a tender's documents, bids' files and clarification questions (on the tenders blueprint)."""
import io

from flask import request, send_file, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from app.accounts.auth import api_user, require_api_user, token_optional
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.http import refuse_nul, takes_body_up_to
from app.orgs.services import get_organization
from app.tenders import bid_files, documents, questions, services
from app.tenders.api import blp
from app.tenders.document_schemas import (
    AnswerSchema,
    BidFileFormSchema,
    BidFileSchema,
    DocumentFormSchema,
    DocumentSchema,
    DocumentVersionFormSchema,
    QuestionCreateSchema,
    QuestionSchema,
)
from app.uploads import TENDER_FILES

#: The largest file and its form around it.
MAX_BODY_BYTES = (TENDER_FILES.max_megabytes + 1) * 1024 * 1024
BINARY = {"type": "string", "format": "binary"}
#: A file is answered as its own type, one of those it was taken as.
FILE_ANSWER = {"responses": {"200": {"description": "The file, as a download",
                                     "content": {media_type: {"schema": BINARY} for media_type in TENDER_FILES.types}}}}


def document_json(document):
    return {"id": document.id, "number": document.number, "version": document.version, "title": document.title,
            "file_name": document.file_name, "media_type": document.media_type, "bytes": document.bytes,
            "sha256": document.sha256, "is_current": document.is_current, "created_at": document.created_at,
            "url": url_for("tenders_api.document_file", document_id=document.id)}


def bid_file_json(bid_file):
    return {"id": bid_file.id, "bid_id": bid_file.bid_id, "file_name": bid_file.file_name,
            "media_type": bid_file.media_type, "bytes": bid_file.bytes, "sha256": bid_file.sha256,
            "created_at": bid_file.created_at, "url": url_for("tenders_api.bid_file", file_id=bid_file.id)}


def _multipart(schema):
    """The form's fields (validated by `schema`) and its file `file` (None when absent; the service says so)."""
    data = dict(request.form.items())
    try:
        refuse_nul(data)
        fields_ = schema().load(data)
    except ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), error.messages) from None
    return fields_, request.files.get("file")


def _download(path, media_type, name):
    # Read whole (at most 25 MB): no open file outlives the request, whether or not the caller closes the answer.
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=media_type, as_attachment=True, download_name=name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Documents --------------------------------------------------------------------------------------------------------


@blp.route("/tenders/<int:tender_id>/documents", methods=["POST"])
@takes_body_up_to(MAX_BODY_BYTES)
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": DocumentFormSchema}}})
@blp.response(201, DocumentSchema)
def attach_document(tender_id):
    """Attach a document to a tender (the buyer's admins and buyers; a draft, or an open tender: bidders are told, and
    if fewer than 6 days remain the deadline moves to 6 days from now)."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    fields_, upload = _multipart(DocumentFormSchema)
    document = documents.attach(user, tender, fields_["title"], upload)
    db.session.commit()
    return document_json(document)


@blp.route("/tenders/<int:tender_id>/documents", methods=["GET"])
@token_optional
@blp.response(200, DocumentSchema(many=True))
def list_documents(tender_id):
    """A tender's documents, every version (a draft's: the buyer's members only)."""
    tender = services.visible_tender(tender_id, api_user())
    return [document_json(document) for document in documents.documents_of(tender)]


@blp.route("/tender-documents/<int:document_id>", methods=["GET"])
@token_optional
@blp.doc(**FILE_ANSWER)
def document_file(document_id):
    """A document's file (any version), for whoever may read its tender."""
    document, path = documents.visible_document(api_user(), document_id)
    return _download(path, document.media_type, document.file_name)


@blp.route("/tender-documents/<int:document_id>/versions", methods=["POST"])
@takes_body_up_to(MAX_BODY_BYTES)
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": DocumentVersionFormSchema}}})
@blp.response(201, DocumentSchema)
def replace_document(document_id):
    """Replace a document with a new version (the old one stays); after publication bidders are told, and the
    deadline keeps at least 6 days."""
    user = require_api_user()
    document, _path = documents.visible_document(user, document_id)
    fields_, upload = _multipart(DocumentVersionFormSchema)
    successor = documents.replace(user, document, upload, fields_.get("title"))
    db.session.commit()
    return document_json(successor)


# Bids' files ------------------------------------------------------------------------------------------------------


@blp.route("/bids/<int:bid_id>/files", methods=["POST"])
@takes_body_up_to(MAX_BODY_BYTES)
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": BidFileFormSchema}}})
@blp.response(201, BidFileSchema)
def attach_bid_file(bid_id):
    """Attach a file to a standing bid before the deadline (the bidder's admins and sellers); sealed like the bid."""
    user = require_api_user()
    bid = services.visible_bid(bid_id, user)
    _fields, upload = _multipart(BidFileFormSchema)
    bid_file = bid_files.attach(user, bid, upload)
    db.session.commit()
    return bid_file_json(bid_file)


@blp.route("/bids/<int:bid_id>/files", methods=["GET"])
@blp.response(200, BidFileSchema(many=True))
def list_bid_files(bid_id):
    """A bid's files: for its bidder's members; for the buyer's members once the deadline has passed."""
    bid = services.visible_bid(bid_id, require_api_user())
    return [bid_file_json(bid_file) for bid_file in bid_files.files_of(bid)]


@blp.route("/bid-files/<int:file_id>", methods=["GET"])
@blp.doc(**FILE_ANSWER)
def bid_file(file_id):
    """A bid's file, sealed like the bid."""
    bid_file_, path = bid_files.visible_file(require_api_user(), file_id)
    return _download(path, bid_file_.media_type, bid_file_.file_name)


# Questions --------------------------------------------------------------------------------------------------------


@blp.route("/tenders/<int:tender_id>/questions", methods=["POST"])
@blp.arguments(QuestionCreateSchema)
@blp.response(201, QuestionSchema)
def ask_question(payload, tender_id):
    """Ask a clarification question for a supplier organisation (its admins and sellers) during the enquiry period;
    it is published with its answer, never with who asked."""
    user = require_api_user()
    tender = services.visible_tender(tender_id, user)
    try:
        organization = get_organization(payload["organization_id"])
    except NotFound:
        raise Forbidden(_("You cannot ask for this organisation."),
                        {"organization_id": [_("Not one of your organisations.")]}) from None
    question = questions.ask(user, tender, organization, payload["question"])
    db.session.commit()
    return question


@blp.route("/tenders/<int:tender_id>/questions", methods=["GET"])
@token_optional
@blp.response(200, QuestionSchema(many=True))
def list_questions(tender_id):
    """A tender's answered questions with their answers (never who asked)."""
    return questions.published_questions(services.visible_tender(tender_id, api_user()))


@blp.route("/questions/<int:question_id>/answer", methods=["POST"])
@blp.arguments(AnswerSchema)
@blp.response(200, QuestionSchema)
def answer_question(payload, question_id):
    """Publish the answer to a question (the buyer's admins and buyers): everyone interested is told; after the
    clarification deadline, the bid deadline keeps at least 6 days."""
    user = require_api_user()
    question = questions.answer(user, questions.get_question(user, question_id), payload["answer"])
    db.session.commit()
    return question
