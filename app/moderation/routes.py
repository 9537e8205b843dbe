"""Pages: the moderation desk (/admin/moderation) and the suspend / reinstate forms it and organisation profiles post."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.extensions import db
from app.i18n import localize
from app.moderation import bp, services
from app.moderation.schemas import ModerationQuerySchema, SuspensionCreateSchema
from app.navigation import safe_next
from app.orgs.services import get_organization


def _desk(query="", failed=None, reason="", status=200):
    """The moderation page; `failed` is the (kind, id) whose suspension form is shown again with its errors."""
    try:
        query = ModerationQuerySchema().load({"q": query})["q"]
    except ValidationError:
        query = ""
    found_organizations, found_users = services.find_targets(current_user, query)
    suspended_organizations, suspended_users = services.suspended(current_user)
    return render_template(
        "moderation/desk.html", query=query, found_organizations=found_organizations, found_users=found_users,
        suspended_organizations=suspended_organizations, suspended_users=suspended_users,
        failed=failed, reason=reason,
    ), status


@bp.route("/admin/moderation")
@login_required
def desk():
    return _desk(request.args.get("q", ""))


def _reason_or_errors(kind, target_id):
    """(The reason posted with a suspension form, None), or (None, the desk again with the form's errors: 422; 403 for
    non-admins, whose desk is refused)."""
    try:
        return SuspensionCreateSchema().load({"reason": request.form.get("reason", "")})["reason"], None
    except ValidationError as error:
        errors = localize(error.messages).get("reason", [])
        return None, _desk(request.form.get("q", ""), failed=(kind, target_id, errors),
                           reason=request.form.get("reason", ""), status=422)


def _back():
    return redirect(safe_next(url_for("moderation.desk", q=request.form.get("q") or None)))


@bp.route("/admin/moderation/organizations/<int:organization_id>/suspend", methods=["POST"])
@login_required
def suspend_organization(organization_id):
    organization = get_organization(organization_id)
    reason, page = _reason_or_errors("organization", organization.id)
    if page:
        return page
    services.suspend_organization(current_user, organization, reason, ip=request.remote_addr)
    db.session.commit()
    flash(_("%(name)s is suspended.", name=organization.name), "success")
    return _back()


@bp.route("/admin/moderation/organizations/<int:organization_id>/reinstate", methods=["POST"])
@login_required
def reinstate_organization(organization_id):
    organization = services.reinstate_organization(current_user, get_organization(organization_id), ip=request.remote_addr)
    db.session.commit()
    flash(_("%(name)s is reinstated.", name=organization.name), "success")
    return _back()


@bp.route("/admin/moderation/users/<int:user_id>/suspend", methods=["POST"])
@login_required
def suspend_user(user_id):
    user = services.get_user(current_user, user_id)
    reason, page = _reason_or_errors("user", user.id)
    if page:
        return page
    services.suspend_user(current_user, user, reason, ip=request.remote_addr)
    db.session.commit()
    flash(_("%(email)s is suspended.", email=user.email), "success")
    return _back()


@bp.route("/admin/moderation/users/<int:user_id>/reinstate", methods=["POST"])
@login_required
def reinstate_user(user_id):
    user = services.reinstate_user(current_user, services.get_user(current_user, user_id), ip=request.remote_addr)
    db.session.commit()
    flash(_("%(email)s is reinstated.", email=user.email), "success")
    return _back()
