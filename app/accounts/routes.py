"""Pages: sign up, log in and out, invitations, API tokens, organisation switcher, dashboard."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.accounts import bp, services
from app.accounts.auth import current_membership, rate_limited_login, rate_limited_signup, recent_login_required, sign_in
from app.accounts.forms import AcceptInvitationForm, LoginForm, SignupForm, TokenForm
from app.accounts.schemas import AcceptInvitationSchema, RegisterSchema
from app.accounts.two_factor_routes import begin_second_step
from app.catalog.services import organization_listings_query
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_errors, country_options, load_form
from app.http import no_store
from app.models_base import utcnow
from app.navigation import safe_next
from app.tenders import search_service as tender_search
from search import SearchUnavailable


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited_signup
def signup():
    form = SignupForm()
    form.organization_country.choices = country_options(blank=True)
    if request.method == "POST":
        payload = {
            "email": form.email.data or "",
            "password": form.password.data or "",
            "name": form.name.data or "",
            "organization": {
                "name": form.organization_name.data or "",
                "legal_form": form.organization_legal_form.data,
                "size": form.organization_size.data,
                "country": form.organization_country.data or "",
                "sector": form.organization_sector.data,
            },
        }
        data = load_form(RegisterSchema(), payload, form)
        if data is not None:
            try:
                services.sign_up(data["email"], data["password"], data["name"], data["organization"])
            except DomainError as error:
                db.session.rollback()
                form.form_errors += attach_errors(form, error.fields) or [error.message]
            else:
                db.session.commit()
                # The same answer for a new address and a registered one: the mail says which it was.
                return render_template("accounts/check_mail.html", email=data["email"])
    return render_template("accounts/signup.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/login", methods=["GET", "POST"])
@rate_limited_login
def login():
    form = LoginForm()
    if request.method == "POST":
        try:
            user = services.authenticate(form.email.data or "", form.password.data or "")
        except DomainError as error:  # a suspended account: said to whoever holds its password, and nothing more
            form.form_errors.append(error.message)
            return render_template("accounts/login.html", form=form), error.status
        if user is not None:
            db.session.commit()  # keeps the password hash if it was made again with the current method
            if user.two_factor_enabled:
                return begin_second_step(user, remember=form.remember.data, next_url=safe_next(url_for("accounts.dashboard")))
            sign_in(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(url_for("accounts.dashboard")))
        form.form_errors.append(_("Wrong e-mail address or password."))
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.pop("organization_id", None)
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.route("/switch-organization", methods=["POST"])
@login_required
def switch_organization():
    organization_id = request.form.get("organization_id", type=int)
    if organization_id is None or current_user.membership_of(organization_id) is None:
        abort(403)
    session["organization_id"] = organization_id
    return redirect(safe_next(url_for("accounts.dashboard")))


@bp.route("/dashboard")
@login_required
def dashboard():
    membership = current_membership()
    listings, tenders, tenders_unavailable, trade = [], [], False, None
    if membership is not None:
        from app.trade.dashboard import summary  # trade builds on accounts; the dashboard shows both

        trade = summary(current_user, membership.organization, utcnow())
        listings = db.session.scalars(
            organization_listings_query(membership.organization_id, ["draft", "active", "paused"]).limit(50)
        ).all()
    if listings:
        try:
            tenders = tender_search.open_tenders_for_supplier(membership.organization_id)
        except SearchUnavailable:
            tenders_unavailable = True  # the rest of the dashboard comes from the database: show it anyway
    return render_template("accounts/dashboard.html", membership=membership, listings=listings, tenders=tenders,
                           tenders_unavailable=tenders_unavailable, trade=trade)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@rate_limited_signup
def invitation(token):
    invitation = services.find_open_invitation(token)
    form = AcceptInvitationForm()
    existing = services.find_user_by_email(invitation.email)
    if request.method == "POST":
        try:
            if current_user.is_authenticated:
                user = current_user
            elif existing is None:
                data = load_form(AcceptInvitationSchema(), {"name": form.name.data or "", "password": form.password.data or ""}, form)
                if data is None:
                    return render_template("accounts/invitation.html", invitation=invitation, form=form, existing=existing), 422
                # The invitation's link reached this address: that confirms it.
                user = services.create_user(invitation.email, data["password"], data["name"], verified=True)
            else:
                flash(_("Log in as %(email)s to accept.", email=invitation.email), "warning")
                return redirect(url_for("accounts.login", next=request.path))
            organization = services.accept_invitation(invitation, user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors += attach_errors(form, error.fields) or [error.message]
            return render_template("accounts/invitation.html", invitation=invitation, form=form, existing=existing), error.status
        db.session.commit()
        sign_in(user)
        session["organization_id"] = organization.id
        flash(_("You joined %(name)s.", name=organization.name), "success")
        return redirect(url_for("orgs.profile", organization_id=organization.id))
    return render_template("accounts/invitation.html", invitation=invitation, form=form, existing=existing)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
@no_store
@recent_login_required
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        _token, secret = services.issue_token(current_user, form.name.data.strip() or "API token", scope=form.scope.data,
                                              expires_in_days=form.expires_in_days.data)
        db.session.commit()
    status = 422 if form.errors else 200
    return render_template("accounts/tokens.html", form=form, tokens=services.tokens_of(current_user), secret=secret), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    services.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Token revoked."), "info")
    return redirect(url_for("accounts.tokens"))
