"""Pages of a person's own account: confirm the address, forgotten and changed passwords, sessions, recent sign-in."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.accounts import bp, links, services
from app.accounts.auth import rate_limited_login, rate_limited_mail, sign_in
from app.accounts.forms import ConfirmPasswordForm, EmailForm, NewPasswordForm, PasswordChangeForm
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_errors
from app.navigation import safe_next


def _refused(form, error):
    db.session.rollback()
    form.form_errors = list(form.form_errors) + (attach_errors(form, error.fields) or [error.message])


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
@rate_limited_login
def verify_email(token):
    """GET shows a button and POST confirms: mail scanners that open links must not spend the single-use link."""
    if request.method == "POST":
        try:
            user = links.verify_email(token)
        except DomainError as error:
            db.session.rollback()
            return render_template("accounts/link_invalid.html", message=error.message), error.status
        db.session.commit()
        if not current_user.is_authenticated or current_user.id != user.id:
            sign_in(user)
        flash(_("Your e-mail address is confirmed. Welcome to Coopex, %(name)s.", name=user.name), "success")
        if len(user.memberships) == 1:  # a new sign-up lands on the organisation it just registered
            return redirect(url_for("orgs.profile", organization_id=user.memberships[0].organization_id))
        return redirect(url_for("accounts.dashboard"))
    return render_template("accounts/verify_email.html", token=token)


@bp.route("/account/verification/resend", methods=["POST"])
@login_required
@rate_limited_mail
def resend_verification():
    if current_user.email_verified_at is None:
        links.send_verification(current_user)
        db.session.commit()
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next(url_for("accounts.dashboard")))


@bp.route("/forgot-password", methods=["GET", "POST"])
@rate_limited_mail
@rate_limited_login
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        links.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@rate_limited_login
def reset_password(token):
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = links.reset_password(token, form.password.data or "")
        except DomainError as error:
            _refused(form, error)
            if error.status == 404:
                return render_template("accounts/link_invalid.html", message=error.message), 404
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is changed and every session of %(email)s has ended. Sign in with the new password.",
                    email=user.email), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render_template("accounts/account.html", form=PasswordChangeForm())


@bp.route("/account/password", methods=["POST"])
@login_required
@rate_limited_login
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            links.change_password(current_user, form.current_password.data or "", form.password.data or "")
        except DomainError as error:
            _refused(form, error)
        else:
            db.session.commit()
            sign_in(current_user)  # this session goes on under the new key; every other one has ended
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form), 422


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def log_out_everywhere():
    links.log_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/confirm-password", methods=["GET", "POST"])
@login_required
@rate_limited_login
def confirm_password():
    """Sensitive actions ask for the password when the last sign-in is not recent."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.password_matches(current_user, form.password.data):
            sign_in(current_user)
            return redirect(safe_next(url_for("accounts.dashboard")))
        form.password.errors = [_("This is not your password.")]
    return render_template("accounts/confirm_password.html", form=form), 401 if form.errors else 200
