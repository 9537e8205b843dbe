"""Pages: organisation profile, editing, members and invitations, verification."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts import members
from app.accounts.auth import recent_login_required
from app.accounts.forms import InvitationForm
from app.catalog.services import public_listings_query
from app.errors import DomainError
from app.extensions import db
from app.forms import as_int, attach_errors, country_options, load_form, sdg_options
from app.i18n import localize
from app.labels import label
from app.navigation import page_number
from app.orgs import bp, services
from app.orgs.forms import MemberRoleForm, OrganizationForm, VerificationDecisionForm
from app.orgs.schemas import (
    InvitationCreateSchema,
    MemberRoleUpdateSchema,
    OrganizationUpdateSchema,
    VerificationDecisionSchema,
)


@bp.route("/organizations/<int:organization_id>")
def profile(organization_id):
    organization = services.get_organization(organization_id)
    page = db.paginate(
        public_listings_query(organization_id=organization.id),
        page=page_number(), per_page=20, error_out=False,
    )
    membership = current_user.membership_of(organization.id) if current_user.is_authenticated else None
    may_verify = services.may_verify(current_user, organization)
    from app.campaigns.pages_support import showcased_campaigns, summarise  # campaigns build on organisations too
    from app.trade.record import track_record  # trade and tenders build on organisations, not the other way round

    record = track_record(organization.id)
    return render_template(
        "orgs/profile.html", organization=organization, page=page, membership=membership,
        may_verify=may_verify, decision_form=VerificationDecisionForm() if may_verify else None,
        record=record, campaigns=summarise(showcased_campaigns(organization)),
    )


def _organization_form(organization=None):
    form = OrganizationForm(obj=organization)
    form.country.choices = country_options()
    form.sdgs.choices = sdg_options()
    if organization is not None and request.method == "GET":
        form.country.data = organization.country_code
        form.sdgs.data = [str(g.number) for g in organization.sdgs]
        form.federation_scope.data = organization.federation_scope or ""
    return form


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id):
    organization = services.get_organization(organization_id)
    services.may_edit(current_user, organization)
    form = _organization_form(organization)
    if request.method == "POST":
        payload = {
            "name": form.name.data or "", "legal_form": form.legal_form.data, "size": form.size.data,
            "country": form.country.data or "", "city": form.city.data or "", "sector": form.sector.data,
            "website": form.website.data or None, "description": form.description.data or "",
            "sdgs": [as_int(n) for n in form.sdgs.data or []],
            "federation_scope": form.federation_scope.data or None, "report_public": bool(form.report_public.data),
        }
        changes = load_form(OrganizationUpdateSchema(), payload, form)
        if changes is not None:
            try:
                services.update_organization(current_user, organization, changes, ip=request.remote_addr)
            except DomainError as error:
                db.session.rollback()
                form.form_errors += attach_errors(form, error.fields) or [error.message]
            else:
                db.session.commit()
                flash(_("Profile saved."), "success")
                return redirect(url_for("orgs.profile", organization_id=organization.id))
        return render_template("orgs/edit.html", form=form, organization=organization), 422
    return render_template("orgs/edit.html", form=form, organization=organization)


def _members_page(organization, form=None, status=200, problems=()):
    """The members page: everyone's role, and for admins the controls, the pending invitations and the invitation form."""
    people = members.members_of(current_user, organization)
    is_admin = current_user.membership_of(organization.id).role == "admin"
    return render_template(
        "orgs/members.html", organization=organization, people=people, is_admin=is_admin, problems=problems,
        invitations=members.pending_invitations(current_user, organization) if is_admin else [],
        form=form or InvitationForm(), role_form=MemberRoleForm(),
    ), status


def _refused(organization, error):
    db.session.rollback()
    return _members_page(organization, status=error.status, problems=[error.message])


def _back_to_members(organization):
    return redirect(url_for("orgs.members", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/members", methods=["GET", "POST"], endpoint="members")
@login_required
def members_page(organization_id):
    organization = services.get_organization(organization_id)
    form = InvitationForm()
    if request.method == "GET":
        return _members_page(organization, form)
    data = load_form(InvitationCreateSchema(), {"email": form.email.data or "", "role": form.role.data}, form)
    if data is not None:
        try:
            members.send_invitation(
                current_user, organization, data["email"], data["role"],
                lambda secret: url_for("accounts.invitation", token=secret, _external=True), ip=request.remote_addr,
            )
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            form.form_errors += attach_errors(form, error.fields) or [error.message]
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=data["email"]), "success")
            return _back_to_members(organization)
    return _members_page(organization, form, 422)


@bp.route("/organizations/<int:organization_id>/members/<int:user_id>/role", methods=["POST"])
@login_required
@recent_login_required
def change_member_role(organization_id, user_id):
    organization = services.get_organization(organization_id)
    try:
        data = MemberRoleUpdateSchema().load({"role": MemberRoleForm().role.data or ""})
    except ValidationError as error:
        problems = [message for messages in localize(error.messages).values() for message in messages]
        return _members_page(organization, status=422, problems=problems)
    try:
        membership = members.change_role(current_user, organization, user_id, data["role"], ip=request.remote_addr)
    except DomainError as error:
        return _refused(organization, error)
    db.session.commit()
    flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=label("role", membership.role)), "success")
    return _back_to_members(organization)


@bp.route("/organizations/<int:organization_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
@recent_login_required
def remove_member(organization_id, user_id):
    """Remove a member (admins), or leave the organisation (one's own row)."""
    organization = services.get_organization(organization_id)
    try:
        members.remove_member(current_user, organization, user_id, ip=request.remote_addr)
    except DomainError as error:
        return _refused(organization, error)
    db.session.commit()
    if user_id == current_user.id:
        if session.get("organization_id") == organization.id:
            session.pop("organization_id")
        flash(_("You left %(name)s.", name=organization.name), "info")
        return redirect(url_for("accounts.dashboard"))
    flash(_("Member removed."), "info")
    return _back_to_members(organization)


@bp.route("/organizations/<int:organization_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(organization_id, invitation_id):
    organization = services.get_organization(organization_id)
    try:
        invitation = members.revoke_invitation(current_user, organization, invitation_id, ip=request.remote_addr)
    except DomainError as error:
        return _refused(organization, error)
    db.session.commit()
    flash(_("Invitation to %(email)s revoked.", email=invitation.email), "info")
    return _back_to_members(organization)


@bp.route("/organizations/<int:organization_id>/verification-request", methods=["POST"])
@login_required
def request_verification(organization_id):
    organization = services.get_organization(organization_id)
    services.request_verification(organization, current_user)
    db.session.commit()
    flash(_("Verification requested. A federation of your country or a platform admin will check it."), "success")
    return redirect(url_for("orgs.profile", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/verification", methods=["POST"])
@login_required
@recent_login_required
def decide_verification(organization_id):
    organization = services.get_organization(organization_id)
    form = VerificationDecisionForm()
    try:
        decision = VerificationDecisionSchema().load({"decision": form.decision.data, "note": (form.note.data or "").strip()})
    except ValidationError as error:
        for messages in localize(error.messages).values():
            flash(" ".join(messages), "danger")
        return redirect(url_for("orgs.verifications"))
    services.decide_verification(organization, current_user, decision["decision"], decision["note"],
                                 ip=request.remote_addr)
    db.session.commit()
    flash(_("Decision recorded for %(name)s.", name=organization.name), "success")
    return redirect(url_for("orgs.verifications"))


@bp.route("/verifications")
@login_required
def verifications():
    pending = services.pending_verifications_for(current_user)
    return render_template("orgs/verifications.html", pending=pending, form=VerificationDecisionForm())
