"""Pages: the notifications, their settings, and one-click unsubscribe from a mail's link (no login)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from app.extensions import csrf, db
from app.forms import as_int, load_form, options
from app.mail import unsubscribe as unsubscribing
from app.navigation import page_number
from app.notices import bp, preferences
from app.notices import inbox as notifications
from app.notices.kinds import KIND_LABELS, MODE_LABELS
from app.notices.models import KINDS
from app.notices.schemas import NotificationReadSchema, PreferencesUpdateSchema


class NotificationReadForm(FlaskForm):
    """The buttons of the notifications page: each notice's carries its id (`ids`), "Mark all as read" carries `all`."""

    ids = HiddenField()
    all = HiddenField()

    def payload(self):
        """What the API's NotificationReadSchema reads: the one notice whose button was pressed, or all."""
        if self.ids.data:
            return {"ids": [as_int(self.ids.data)]}
        return {"all": True} if self.all.data == "1" else {}


class PreferencesForm(FlaskForm):
    """One choice per kind of notice."""


for _kind in KINDS:
    setattr(PreferencesForm, _kind, SelectField(KIND_LABELS[_kind], choices=options(list(MODE_LABELS.items()))))


@bp.route("/notifications")
@login_required
def notifications_page():
    """The notices of the user's organisations; they stay unread until marked read."""
    page = db.paginate(notifications.for_user(current_user), page=page_number(), per_page=30, error_out=False)
    return render_template("notices/notifications.html", page=page, unread=notifications.unread_count_for(current_user))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_notifications_read():
    """Mark one notification (`ids`) or all of them (`all`) read, then back to the page it was done from."""
    form = NotificationReadForm()
    payload = load_form(NotificationReadSchema(), form.payload(), form)
    if payload is None:
        flash(" ".join(form.form_errors) or _("Choose what to mark read."), "danger")
    else:
        notifications.mark_read(current_user, payload.get("ids", ()), everything=payload.get("all", False))
        db.session.commit()
        flash(_("Marked read."), "success")
    return redirect(url_for("notices.notifications_page", page=request.form.get("page", 1, type=int)))


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
