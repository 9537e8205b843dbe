"""Pages of two-factor sign-in: the second step of a log-in, setting it up, recovery codes, switching it off; and the
check that keeps those the policy requires it of on the set-up page until it is on."""
import time

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.accounts import bp, two_factor
from app.accounts.auth import PENDING_LOGIN_EMAIL, fresh_session, rate_limited_second_step, sign_in
from app.accounts.forms import DisableTwoFactorForm, SecondStepForm, TwoFactorCodeForm
from app.accounts.models import User
from app.accounts.schemas import TwoFactorCodeSchema, TwoFactorDisableSchema
from app.errors import DomainError, Forbidden
from app.extensions import db
from app.forms import load_form, show_refusal

PENDING_USER_ID = "two_factor_user_id"
PENDING_EXPIRES = "two_factor_expires"
PENDING_REMEMBER = "two_factor_remember"
PENDING_NEXT = "two_factor_next"

#: What a person the policy holds on the set-up page may still reach.
OPEN_DURING_SETUP = {"accounts.two_factor", "accounts.logout", "public.set_language", "static", "bootstrap.static"}


def begin_second_step(user, remember, next_url):
    """After the right password: remember who is logging in, for a short while, and ask for the code."""
    fresh_session()
    session[PENDING_USER_ID] = user.id
    session[PENDING_LOGIN_EMAIL] = user.email
    session[PENDING_EXPIRES] = time.time() + current_app.config["TWO_FACTOR_LOGIN_TTL"]
    session[PENDING_REMEMBER] = bool(remember)
    session[PENDING_NEXT] = next_url
    return redirect(url_for("accounts.second_step"))


def _pending_user():
    user_id, expires = session.get(PENDING_USER_ID), session.get(PENDING_EXPIRES)
    if user_id is None or expires is None or expires < time.time():
        return None
    return db.session.get(User, user_id)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@rate_limited_second_step
def second_step():
    user = _pending_user()
    if user is None or not user.two_factor_enabled:
        fresh_session()
        flash(_("Log in again: the code was not given in time."), "warning")
        return redirect(url_for("accounts.login"))
    form = SecondStepForm()
    if request.method == "POST":
        data = load_form(TwoFactorCodeSchema(), {"code": form.code.data or ""}, form)
        if data is not None:
            try:
                two_factor.verify_second_factor(user, data["code"])
            except DomainError as error:
                show_refusal(form, error)
                return render_template("accounts/login_two_factor.html", form=form), error.status
            db.session.commit()
            next_url, remember = session.get(PENDING_NEXT), session.get(PENDING_REMEMBER, False)
            sign_in(user, remember=remember)
            flash(_("You are signed in."), "success")
            if two_factor.remaining_recovery_codes(user) <= 2:
                flash(ngettext("Only %(num)d recovery code is left: make new ones on the two-factor page.",
                               "Only %(num)d recovery codes are left: make new ones on the two-factor page.",
                               two_factor.remaining_recovery_codes(user)), "warning")
            return redirect(next_url or url_for("accounts.dashboard"))
        return render_template("accounts/login_two_factor.html", form=form), 422
    return render_template("accounts/login_two_factor.html", form=form)


def _qr_code(user):
    """The provisioning address as an SVG data URI (no image library needed)."""
    return segno.make(two_factor.provisioning_uri(user), error="m").svg_data_uri(scale=4, border=2)


def _setup_page(form, status=200, recovery_codes=None):
    user = current_user
    context = {"form": form, "recovery_codes": recovery_codes,
               "required": two_factor.two_factor_required(user, current_app.config["REQUIRE_2FA_FOR"])}
    if user.two_factor_enabled:
        context["remaining"] = two_factor.remaining_recovery_codes(user)
    else:
        context["secret"] = user.totp_secret
        context["qr_code"] = _qr_code(user)
    return render_template("accounts/two_factor.html", **context), status


@bp.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_page():
    form = TwoFactorCodeForm()
    if request.method == "GET":
        if not current_user.two_factor_enabled:
            two_factor.start_setup(current_user)
            db.session.commit()
        return _setup_page(form)
    data = load_form(TwoFactorCodeSchema(), {"code": form.code.data or ""}, form)
    if data is None:
        return _setup_page(form, 422)
    try:
        codes = two_factor.enable(current_user, data["code"])
    except DomainError as error:
        show_refusal(form, error)
        return _setup_page(form, error.status)
    db.session.commit()
    flash(_("Two-factor sign-in is on."), "success")
    return _setup_page(TwoFactorCodeForm(formdata=None), recovery_codes=codes)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def regenerate_recovery_codes():
    form = TwoFactorCodeForm()
    data = load_form(TwoFactorCodeSchema(), {"code": form.code.data or ""}, form)
    if data is None:
        return _setup_page(form, 422)
    try:
        codes = two_factor.regenerate_recovery_codes(current_user, data["code"])
    except DomainError as error:
        show_refusal(form, error)
        return _setup_page(form, error.status)
    db.session.commit()
    flash(_("New recovery codes: the old ones no longer work."), "success")
    return _setup_page(TwoFactorCodeForm(formdata=None), recovery_codes=codes)


@bp.route("/account/two-factor/disable", methods=["GET", "POST"])
@login_required
def disable_two_factor():
    if not current_user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor"))
    form = DisableTwoFactorForm()
    if request.method == "POST":
        data = load_form(TwoFactorDisableSchema(), {"password": form.password.data or "", "code": form.code.data or ""}, form)
        if data is not None:
            try:
                two_factor.disable(current_user, data["password"], data["code"],
                                          required_for=current_app.config["REQUIRE_2FA_FOR"])
            except DomainError as error:
                show_refusal(form, error)
                return render_template("accounts/two_factor_disable.html", form=form), error.status
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("accounts.two_factor"))
        return render_template("accounts/two_factor_disable.html", form=form), 422
    return render_template("accounts/two_factor_disable.html", form=form)


@bp.before_app_request
def hold_until_two_factor():
    """Those the policy requires a second factor of, signed in without one, may only set it up (pages) or get 403
    `two_factor_required` (the API through the session cookie; bearer tokens are checked where they are read)."""
    if not request.cookies or not two_factor.parse_required_for(current_app.config["REQUIRE_2FA_FOR"]):
        return None  # without cookies, no one is signed in (a webhook, a bearer token's call): nothing to hold up
    endpoint = request.endpoint or ""
    if endpoint in OPEN_DURING_SETUP or endpoint.endswith(".static"):
        return None
    api = request.path.startswith("/api/")
    if api and request.headers.get("Authorization"):
        return None
    if not current_user.is_authenticated or not two_factor.must_set_up(
            current_user, current_app.config["REQUIRE_2FA_FOR"]):
        return None
    if api:
        raise Forbidden(_("Your role requires two-factor sign-in: switch it on at /account/two-factor first."),
                        code="two_factor_required")
    flash(_("Your role requires two-factor sign-in: set it up to go on."), "warning")
    return redirect(url_for("accounts.two_factor"))
