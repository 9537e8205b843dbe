"""Home page and language switch."""
from flask import current_app, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from app.catalog.services import count_public_listings, public_listings_query
from app.extensions import db
from app.orgs.models import Organization
from app.public import bp


@bp.route("/")
def home():
    latest = db.session.scalars(public_listings_query().limit(8)).all()
    counts = {
        "listings": count_public_listings(),
        "organizations": db.session.scalar(select(func.count(Organization.id)).where(Organization.is_active.is_(True))),
        "verified": db.session.scalar(
            select(func.count(Organization.id)).where(Organization.verification_status == "verified")
        ),
    }
    return render_template("public/home.html", latest=latest, counts=counts)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("public.home"))


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
