"""Pages: saving a search from a search page, one's saved searches, and each one's Atom feed."""
import hmac

from feedgen.feed import FeedGenerator
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from app.alerts import bp, services
from app.alerts.matching import document_link
from app.alerts.models import FREQUENCIES, SEARCH_KINDS, AlertMatch, SavedSearch
from app.alerts.queries import parameters_from_query_string
from app.alerts.schemas import SavedSearchCreateSchema, SavedSearchUpdateSchema
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.i18n import localize

#: The search page of each kind: where a saved search leads back to.
SEARCH_PAGES = {"listings": "catalog.search", "tenders": "tenders.search", "rfqs": "trade.rfq_search",
                "campaigns": "campaigns.search"}
FEED_SIZE = 50


def search_url(saved):
    """The search page showing a saved search's results now."""
    return url_for(SEARCH_PAGES[saved.kind], **saved.query)


@bp.route("/saved-searches")
@login_required
def saved_searches_page():
    return render_template("alerts/saved_searches.html", searches=services.saved_searches_of(current_user),
                           frequencies=FREQUENCIES, search_url=search_url)


def _texts(messages):
    """Every message of nested field errors, in order."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _texts(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _texts(value)]
    return [str(messages)]


def _loaded(schema, payload):
    """The form's values checked by the API's own schema; refused ones are a field error like the API's."""
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise ValidationFailed(_("This search cannot be saved."), error.messages) from None


def _form_text(name, default=""):
    return (request.form.get(name) or default).strip()


@bp.route("/saved-searches", methods=["POST"])
@login_required
def save_from_page():
    """Save the search a search page shows (its address's parameters), with a name and a frequency."""
    kind = request.form.get("kind")
    if kind not in SEARCH_KINDS:
        abort(404)
    try:
        chosen = _loaded(SavedSearchCreateSchema(), {
            "kind": kind, "name": _form_text("name")[:120] or _("My search"),
            "frequency": request.form.get("frequency", "immediately"),
            "query": parameters_from_query_string(kind, request.form.get("query", ""))})
        services.save_search(current_user, kind, chosen["name"], chosen["query"], chosen["frequency"])
    except DomainError as error:
        db.session.rollback()
        flash(" ".join([error.message, *_texts(localize(error.fields or {}))]), "danger")
        return redirect(request.referrer or url_for("alerts.saved_searches_page"))
    db.session.commit()
    flash(_("Search saved. New results will reach you as you chose."), "success")
    return redirect(url_for("alerts.saved_searches_page"))


@bp.route("/saved-searches/<int:saved_search_id>", methods=["POST"])
@login_required
def change_saved_search(saved_search_id):
    """Change a saved search's frequency (or name), or delete it."""
    saved = services.get_saved_search(current_user, saved_search_id)
    try:
        if request.form.get("delete"):
            services.delete_search(current_user, saved)
            message = _("Saved search deleted.")
        else:
            changes = {"frequency": request.form.get("frequency", saved.frequency)}
            if _form_text("name"):
                changes["name"] = _form_text("name")[:120]
            try:
                changes = SavedSearchUpdateSchema().load(changes)
            except ValidationError:
                abort(422)
            services.update_search(current_user, saved, changes)
            message = _("Saved search updated.")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("alerts.saved_searches_page"))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("alerts.saved_searches_page"))


@bp.route("/saved-searches/<int:saved_search_id>/feed.atom")
def feed(saved_search_id):
    """The documents that matched the saved search, newest first, as an Atom feed (the address's token is the key)."""
    saved = db.session.get(SavedSearch, saved_search_id)
    token = request.args.get("token", "")
    if saved is None or not hmac.compare_digest(saved.feed_token.encode(), token.encode()):
        abort(404)
    matches = db.session.scalars(select(AlertMatch).where(AlertMatch.saved_search_id == saved.id)
                                 .order_by(AlertMatch.created_at.desc(), AlertMatch.id.desc()).limit(FEED_SIZE)).all()
    generator = FeedGenerator()
    generator.id(request.url_root.rstrip("/") + url_for("alerts.feed", saved_search_id=saved.id))
    generator.title(f"Coopex: {saved.name}")
    generator.link(href=request.url_root.rstrip("/") + search_url(saved), rel="alternate")
    generator.updated(matches[0].created_at if matches else saved.created_at)
    for match in reversed(matches):
        entry = generator.add_entry()
        address = document_link(saved.kind, match.doc_id)
        entry.id(address)
        entry.title(match.title)
        entry.link(href=address)
        entry.updated(match.created_at)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")
