"""Home page, language switch, and the transparency dashboard (contracts from tenders, trade from orders, SDGs from
reports)."""
from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.catalog.services import marketplace_counts, public_listings_query
from app.errors import NotFound
from app.extensions import db
from app.money import is_currency
from app.navigation import safe_next
from app.orgs.forms import SECTOR_LABELS
from app.public import bp
from app.reports.services import transparency_by_sdg, transparency_currencies
from app.tenders import transparency as contract_figures
from app.tenders.labels import POLICY_LABELS
from app.trade import totals as trade_figures


@bp.route("/")
def home():
    latest = db.session.scalars(public_listings_query().limit(8)).all()
    return render_template("public/home.html", latest=latest, counts=marketplace_counts())


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:  # their mail follows the language they read Coopex in
            current_user.language = code
            db.session.commit()
    return redirect(safe_next(url_for("public.home")))


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.route("/transparency")
def transparency():
    """Public: where contract value and trade go, the shares of verified co-operatives, and contract value, trade value and
    campaign money per SDG, as charts and tables."""
    asked = request.args.get("currency")
    if asked is not None and not is_currency(asked):
        raise NotFound(_("No such currency."), {"currency": [_("Not an ISO 4217 currency code.")]})
    available = transparency_currencies()
    currency = contract_figures.chosen_currency(asked, available)
    return render_template("public/transparency.html", data=contract_figures.dashboard(currency),
                           trade=trade_figures.dashboard(currency), currencies=available,
                           sdgs=transparency_by_sdg(currency, str(get_locale() or "en")),
                           sector_labels={key: str(label) for key, label in SECTOR_LABELS.items()},
                           policy_labels={key: str(label) for key, label in POLICY_LABELS.items()})
