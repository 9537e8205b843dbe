"""Pages: the buyer's documents and questions page, the forms suppliers ask and attach bid files with, and the
downloads. Every form is checked by the API's schema and every change goes through the same services as the API."""
from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.errors import NotFound
from app.forms import attempt
from app.http import refuse_nul, takes_body_up_to
from app.i18n import localize
from app.orgs.services import get_organization
from app.tenders import bid_files, bp, deadlines, documents, policy, questions, services
from app.tenders.document_schemas import AnswerSchema, DocumentFormSchema, DocumentVersionFormSchema, QuestionCreateSchema
from app.tenders.documents_api import MAX_BODY_BYTES


def _back_to(tender, anchor=None):
    return redirect(url_for("tenders.tender_page", tender_id=tender.id, _anchor=anchor))


def _to_manage(tender):
    return redirect(url_for("tenders.manage_documents", tender_id=tender.id))


def _form(schema, values):
    """The form's values checked by `schema`, or None with every field message flashed."""
    try:
        refuse_nul(values)
        return schema.load(values)
    except ValidationError as error:
        for field, messages in localize(error.messages).items():
            flash(f"{field}: {' '.join(map(str, messages))}", "danger")
        return None


def _download(path, media_type, name):
    response = send_file(path, mimetype=media_type, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/tenders/<int:tender_id>/documents", methods=["GET"])
@login_required
def manage_documents(tender_id):
    """The buyer's page: attach and replace documents, answer questions."""
    tender = services.visible_tender(tender_id, current_user)
    if not policy.may_manage(current_user, tender):
        raise NotFound(_("No such tender."))
    return render_template("tenders/documents.html", tender=tender, state=tender.state(),
                           documents=documents.documents_of(tender), waiting=questions.waiting_questions(tender),
                           answered=questions.published_questions(tender), min_days=deadlines.MIN_DAYS_LEFT)


@bp.route("/tenders/<int:tender_id>/documents", methods=["POST"])
@login_required
@takes_body_up_to(MAX_BODY_BYTES)
def attach_document(tender_id):
    tender = services.visible_tender(tender_id, current_user)
    data = _form(DocumentFormSchema(), {"title": request.form.get("title", "")})
    if data is not None:
        attempt(lambda: documents.attach(current_user, tender, data["title"], request.files.get("file")),
                _("Document attached."))
    return _to_manage(tender)


@bp.route("/tender-documents/<int:document_id>/replace", methods=["POST"])
@login_required
@takes_body_up_to(MAX_BODY_BYTES)
def replace_document(document_id):
    document, _path = documents.visible_document(current_user, document_id)
    data = _form(DocumentVersionFormSchema(), {"title": request.form["title"]} if request.form.get("title") else {})
    if data is not None:
        attempt(lambda: documents.replace(current_user, document, request.files.get("file"), data.get("title")),
                _("New version attached; the old one is kept."))
    return _to_manage(document.tender)


@bp.route("/tender-documents/<int:document_id>/file")
def document_file(document_id):
    """A document's file (any version), for whoever may read its tender."""
    document, path = documents.visible_document(current_user, document_id)
    return _download(path, document.media_type, document.file_name)


@bp.route("/tenders/<int:tender_id>/questions", methods=["POST"])
@login_required
def ask_question(tender_id):
    tender = services.visible_tender(tender_id, current_user)
    data = _form(QuestionCreateSchema(), {"organization_id": request.form.get("organization_id", type=int),
                                          "question": request.form.get("question", "")})
    if data is not None:
        attempt(lambda: questions.ask(current_user, tender, get_organization(data["organization_id"]), data["question"]),
                _("Question sent. Its answer will be published for every supplier, without your name."))
    return _back_to(tender, "questions")


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@login_required
def answer_question(question_id):
    question = questions.get_question(current_user, question_id)
    data = _form(AnswerSchema(), {"answer": request.form.get("answer", "")})
    if data is not None:
        attempt(lambda: questions.answer(current_user, question, data["answer"]),
                _("Answer published; bidders and the asker are told."))
    return _to_manage(question.tender)


@bp.route("/bids/<int:bid_id>/files", methods=["POST"])
@login_required
@takes_body_up_to(MAX_BODY_BYTES)
def attach_bid_file(bid_id):
    bid = services.visible_bid(bid_id, current_user)
    attempt(lambda: bid_files.attach(current_user, bid, request.files.get("file")), _("File attached to your bid (sealed)."))
    return _back_to(bid.tender, f"lot-{bid.lot.number}")


@bp.route("/bid-files/<int:file_id>")
@login_required
def bid_file(file_id):
    """A bid's file, sealed like the bid."""
    bid_file_, path = bid_files.visible_file(current_user, file_id)
    return _download(path, bid_file_.media_type, bid_file_.file_name)


def tender_page_context(tender, user, acting, own_bids):
    """What the tender page shows of documents and questions: current documents, published answers, whether the acting
    organisation may ask, and the files of the user's own bids."""
    may_ask = (acting is not None and acting.organization_id != tender.organization_id
               and acting.allows(*services.SUPPLIER_ROLES))
    return {
        "documents": documents.current_documents(tender), "questions": questions.published_questions(tender),
        "enquiry_open": questions.enquiry_open(tender), "min_days": deadlines.MIN_DAYS_LEFT,
        "asking_for": acting.organization if may_ask else None,
        "own_bid_files": {bid.id: bid_files.files_of(bid) for bid in own_bids.values()},
    }
