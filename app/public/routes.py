"""Home page and language switch."""
from flask import current_app, redirect, render_template, session, url_for
from sqlalchemy import select

from app.catalog.services import marketplace_counts, public_listings_query
from app.extensions import db
from app.navigation import safe_next
from app.public import bp


@bp.route("/")
def home():
    latest = db.session.scalars(public_listings_query().limit(8)).all()
    return render_template("public/home.html", latest=latest, counts=marketplace_counts())


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(safe_next(url_for("public.home")))


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
