"""Pages: notification settings, and one-click unsubscribe from a mail's link (no login)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField

from app.extensions import csrf, db
from app.forms import load_form, options
from app.mail import unsubscribe as unsubscribing
from app.notices import bp, preferences
from app.notices.kinds import KIND_LABELS, MODE_LABELS
from app.notices.models import KINDS
from app.notices.schemas import PreferencesUpdateSchema


class PreferencesForm(FlaskForm):
    """One choice per kind of notice."""


for _kind in KINDS:
    setattr(PreferencesForm, _kind, SelectField(KIND_LABELS[_kind], choices=options(list(MODE_LABELS.items()))))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences_page():
    """How each kind of notice reaches the user by mail."""
    form = PreferencesForm(data=preferences.preferences_of(current_user))
    if form.is_submitted():
        if form.validate() and (chosen := load_form(PreferencesUpdateSchema(), {k: form[k].data for k in KINDS}, form)):
            preferences.set_preferences(current_user, current_user, chosen)
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notices.preferences_page"))
        return render_template("notices/preferences.html", form=form), 422
    return render_template("notices/preferences.html", form=form)


def _scope_of(token):
    found = unsubscribing.read(token)
    if found is None:
        abort(404)
    return found


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe_page(token):
    """What the link stops, and the button that stops it (a GET changes nothing: mail scanners open links)."""
    scope, ref, detail = _scope_of(token)
    what = scope.describe(ref, detail)
    if what is None:
        abort(404)
    return render_template("notices/unsubscribe.html", token=token, what=what)


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # RFC 8058: the mail provider posts "List-Unsubscribe=One-Click" with no session and no form token
def unsubscribe(token):
    """Stop the mail the link was made for; answers the same page whether anything was left to stop."""
    scope, ref, detail = _scope_of(token)
    done = scope.stop(ref, detail)
    if done is None:
        abort(404)
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return {"status": "unsubscribed"}
    return render_template("notices/unsubscribe.html", token=token, done=done)
