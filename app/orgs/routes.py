"""Pages: organisation profile, editing, members and invitations, verification."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts import services as accounts
from app.accounts.forms import InvitationForm
from app.catalog.services import public_listings_query
from app.errors import DomainError
from app.extensions import db
from app.forms import as_int, attach_errors, country_options, load_form, sdg_options
from app.i18n import localize
from app.navigation import page_number
from app.orgs import bp, services
from app.orgs.forms import OrganizationForm, VerificationDecisionForm
from app.orgs.schemas import InvitationCreateSchema, OrganizationUpdateSchema, VerificationDecisionSchema


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
    from app.tenders.contracts import supplier_record  # tenders build on organisations, not the other way round

    completed, rating = supplier_record(organization.id)
    return render_template(
        "orgs/profile.html", organization=organization, page=page, membership=membership,
        may_verify=may_verify, decision_form=VerificationDecisionForm() if may_verify else None,
        contracts_completed=completed, average_rating=rating, campaigns=summarise(showcased_campaigns(organization)),
    )


def _organization_form(organization=None):
    form = OrganizationForm(obj=organization)
    form.country.choices = country_options()
    form.sdgs.choices = sdg_options()
    if organization is not None and request.method == "GET":
        form.country.data = organization.country_code
        form.sdgs.data = [str(g.number) for g in organization.sdgs]
    return form


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id):
    organization = services.get_organization(organization_id)
    accounts.require_membership(current_user, organization, "admin")
    form = _organization_form(organization)
    if request.method == "POST":
        payload = {
            "name": form.name.data or "", "legal_form": form.legal_form.data, "size": form.size.data,
            "country": form.country.data or "", "city": form.city.data or "", "sector": form.sector.data,
            "website": form.website.data or None, "description": form.description.data or "",
            "sdgs": [as_int(n) for n in form.sdgs.data or []],
        }
        changes = load_form(OrganizationUpdateSchema(), payload, form)
        if changes is not None:
            try:
                services.update_organization(organization, changes)
            except DomainError as error:
                db.session.rollback()
                form.form_errors += attach_errors(form, error.fields) or [error.message]
            else:
                db.session.commit()
                flash(_("Profile saved."), "success")
                return redirect(url_for("orgs.profile", organization_id=organization.id))
        return render_template("orgs/edit.html", form=form, organization=organization), 422
    return render_template("orgs/edit.html", form=form, organization=organization)


@bp.route("/organizations/<int:organization_id>/members", methods=["GET", "POST"])
@login_required
def members(organization_id):
    organization = services.get_organization(organization_id)
    accounts.require_membership(current_user, organization, "admin")
    form = InvitationForm()
    status = 200
    if request.method == "POST":
        data = load_form(InvitationCreateSchema(), {"email": form.email.data or "", "role": form.role.data}, form)
        if data is not None:
            try:
                accounts.invite(
                    organization, current_user, data["email"], data["role"],
                    lambda secret: url_for("accounts.invitation", token=secret, _external=True),
                )
            except DomainError as error:
                db.session.rollback()
                form.form_errors += attach_errors(form, error.fields) or [error.message]
            else:
                db.session.commit()
                flash(_("Invitation sent to %(email)s.", email=data["email"]), "success")
                return redirect(url_for("orgs.members", organization_id=organization.id))
        status = 422
    return render_template("orgs/members.html", organization=organization, form=form), status


@bp.route("/organizations/<int:organization_id>/verification-request", methods=["POST"])
@login_required
def request_verification(organization_id):
    organization = services.get_organization(organization_id)
    accounts.require_membership(current_user, organization, "admin")
    services.request_verification(organization, current_user)
    db.session.commit()
    flash(_("Verification requested. A federation of your country or a platform admin will check it."), "success")
    return redirect(url_for("orgs.profile", organization_id=organization.id))


@bp.route("/organizations/<int:organization_id>/verification", methods=["POST"])
@login_required
def decide_verification(organization_id):
    organization = services.get_organization(organization_id)
    form = VerificationDecisionForm()
    try:
        decision = VerificationDecisionSchema().load({"decision": form.decision.data, "note": (form.note.data or "").strip()})
    except ValidationError as error:
        for messages in localize(error.messages).values():
            flash(" ".join(messages), "danger")
        return redirect(url_for("orgs.verifications"))
    services.decide_verification(organization, current_user, decision["decision"], decision["note"])
    db.session.commit()
    flash(_("Decision recorded for %(name)s.", name=organization.name), "success")
    return redirect(url_for("orgs.verifications"))


@bp.route("/verifications")
@login_required
def verifications():
    pending = services.pending_verifications_for(current_user)
    return render_template("orgs/verifications.html", pending=pending, form=VerificationDecisionForm())
