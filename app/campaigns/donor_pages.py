"""Pages for donors and followers, reached without an account: confirming to follow a campaign (the mailed link), and
the yearly statement of gifts (asked for here, read through the mailed link, as a page and a PDF)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.auth import rate_limited_mail
from app.campaigns import bp, followers, statements
from app.campaigns.forms import StatementForm
from app.campaigns.schemas import StatementRequestSchema
from app.errors import DomainError
from app.extensions import db
from app.forms import as_int, load_form
from app.http import no_store
from app.i18n import current_language
from app.models_base import utcnow
from app.pdf import pdf_response


@bp.route("/campaigns/follow/<token>", methods=["GET", "POST"])
def confirm_follow(token):
    """GET shows a button and POST confirms: mail scanners that open links must not make anyone follow."""
    if request.method == "POST":
        try:
            follower = followers.confirm(token)
        except DomainError as error:
            db.session.rollback()
            return render_template("campaigns/follow_link_invalid.html", message=error.message), error.status
        db.session.commit()
        flash(_("You follow “%(campaign)s”: its updates come to %(email)s. Every mail has a link to stop them.",
                campaign=follower.campaign.title, email=follower.email), "success")
        return redirect(url_for("campaigns.campaign_page", campaign_id=follower.campaign_id), 303)
    return render_template("campaigns/follow_confirm.html", token=token)


@bp.route("/donations/statement", methods=["GET", "POST"])
@rate_limited_mail
def ask_for_statement():
    """Ask for a year's statement of gifts: the link goes to the address given, and the answer is always "check your
    mail"."""
    form = StatementForm()
    if request.method == "GET":
        form.email.data = current_user.email if current_user.is_authenticated else ""
        form.year.data = str(utcnow().year - 1)
        return render_template("campaigns/statement_request.html", form=form)
    data = load_form(StatementRequestSchema(), {"email": (form.email.data or "").strip(),
                                                "year": as_int(form.year.data)}, form)
    if data is None:
        return render_template("campaigns/statement_request.html", form=form), 422
    statements.request_statement(data["email"], data["year"], current_language())
    db.session.commit()
    return render_template("campaigns/statement_request.html", form=form, asked=data,
                           days=statements.STATEMENT_LINK_DAYS)


@bp.route("/donations/statement/<token>")
@no_store
def statement(token):
    """The statement a mailed link opens: the year's gifts from the address, refunded ones marked, totals per
    currency."""
    email, year = statements.read_token(token)
    return render_template("campaigns/statement.html", statement=statements.statement(email, year), token=token,
                           days=statements.STATEMENT_LINK_DAYS)


@bp.route("/donations/statement/<token>.pdf")
@no_store
def statement_pdf(token):
    email, year = statements.read_token(token)
    document = statements.pdf(statements.statement(email, year), current_language())
    return pdf_response(document, f"coopex-statement-{year}.pdf")
