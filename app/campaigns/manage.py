"""Pages where an organisation's owners (admins and finance members) run campaigns: draft and edit, publish, post
updates, book expenses with receipts, record disbursements, refund donations, close; and their campaigns dashboard.

Every form is validated by the API's schema and every change goes through the same services as the API: the pages add
no rule of their own, only the acting organisation (the one chosen with the organisation switcher).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts.auth import current_membership, recent_login_required
from app.accounts.services import refuse_suspended_organization, require_membership
from app.campaigns import bp, ledger, pages_support, pools, services, story
from app.campaigns.forms import (
    EDITABLE_WHEN_LIVE,
    CampaignForm,
    DisbursementForm,
    ExpenseForm,
    UpdateForm,
)
from app.campaigns.models import DONATION_STATUSES, Donation
from app.campaigns.schemas import (
    MAX_BUDGET_LINES,
    CampaignFieldsSchema,
    CampaignUpdateSchema,
    DisbursementSchema,
    ExpenseFormSchema,
    UpdatePostSchema,
)
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.forms import attempt, load_form, local_moment, options, sdg_options, show_refusal, timezone_options
from app.labels import label
from app.models_base import utcnow
from app.money import currency_codes
from app.navigation import page_number, safe_next

DONATIONS_PAGE_SIZE = 50


def _owner_membership():
    membership = current_membership()
    if membership is None or not membership.allows(*services.OWNER_ROLES):
        raise Forbidden(_("Only admins and finance members of an organisation can run campaigns."))
    refuse_suspended_organization(membership.organization)
    return membership


def _owned_campaign(campaign_id):
    """The campaign, for its organisation's admins and finance members (others: 404 for a draft, else 403)."""
    campaign = services.visible_campaign(campaign_id, current_user)
    require_membership(current_user, campaign.organization, *services.OWNER_ROLES)
    return campaign


def _back_to(campaign):
    return redirect(url_for("campaigns.campaign_page", campaign_id=campaign.id))


# Drafting --------------------------------------------------------------------------------------------------------------


def _campaign_form(campaign=None):
    data = _form_data(campaign) if request.method == "GET" else None
    form = CampaignForm(data=data)
    form.currency.choices = currency_codes()
    form.timezone.choices = timezone_options()
    form.sdgs.choices = sdg_options()
    if request.method == "POST" and form.add_line.data and len(form.budget_lines) < MAX_BUDGET_LINES:
        form.budget_lines.append_entry()
    return form


def _form_data(campaign):
    if campaign is None:
        home = current_membership().organization.country
        return {"currency": (home.currency if home else None) or "EUR", "funding_model": "keep_it_all", "timezone": "UTC"}
    return {
        "title": campaign.title, "summary": campaign.summary, "story": campaign.story,
        "goal_amount": campaign.goal.as_decimal_string(), "currency": campaign.currency,
        "deadline": local_moment(campaign.deadline), "timezone": "UTC", "funding_model": campaign.funding_model,
        "sdgs": [str(goal.number) for goal in campaign.sdgs],
        "budget_lines": [{"line_id": str(line.id), "title": line.title, "amount": line.amount.as_decimal_string(),
                          "stretch": not line.required}
                         for line in campaign.budget_lines] or [{}],
    }


def _save_campaign(form, schema, payload, save):
    """Validate with the API's schema and save; returns the campaign, or None with the form's errors set."""
    try:
        data = schema.load(payload)
    except ValidationError as error:
        form.form_errors = list(form.form_errors) + form.show_errors(error.messages)
        return None
    try:
        campaign = save(data)
    except DomainError as error:
        db.session.rollback()
        form.form_errors = list(form.form_errors) + (form.show_errors(error.fields) or [error.message])
        return None
    db.session.commit()
    return campaign


def _render_form(form, campaign, organization, status=200):
    return render_template("campaigns/form.html", form=form, campaign=campaign, organization=organization,
                           story_html=story.render(campaign.story) if campaign else ""), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new_campaign():
    membership = _owner_membership()
    if request.method == "POST":
        # The organisation the form was shown for, even if the user switched organisation meanwhile.
        chosen = current_user.membership_of(request.form.get("organization_id", type=int))
        if chosen is None or not chosen.allows(*services.OWNER_ROLES):
            raise Forbidden(_("You cannot run campaigns for this organisation."))
        refuse_suspended_organization(chosen.organization)
        membership = chosen
        require_membership(current_user, membership.organization, *services.OWNER_ROLES)
    organization = membership.organization
    form = _campaign_form()
    if request.method == "POST" and not form.add_line.data:
        campaign = _save_campaign(form, CampaignFieldsSchema(), form.payload(),
                                  lambda data: services.create_campaign(organization, data))
        if campaign is not None:
            flash(_("Draft saved. Check it, then publish it."), "success")
            return _back_to(campaign)
        return _render_form(form, None, organization, 422)
    return _render_form(form, None, organization)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit_campaign(campaign_id):
    """A draft is edited whole; a live campaign keeps its terms (goal, deadline, funding model, SDGs)."""
    campaign = _owned_campaign(campaign_id)
    if campaign.status not in ("draft", "live"):
        flash(_("A %(status)s campaign cannot be changed.", status=label("campaign", campaign.status)), "warning")
        return _back_to(campaign)
    form = _campaign_form(campaign)
    if request.method == "POST" and not form.add_line.data:
        if campaign.status == "live":
            schema, payload = CampaignUpdateSchema(only=EDITABLE_WHEN_LIVE), form.payload(live_currency=campaign.currency)
        else:
            schema, payload = CampaignUpdateSchema(), form.payload()
        if _save_campaign(form, schema, payload, lambda data: services.update_campaign(campaign, data)) is not None:
            flash(_("Campaign saved."), "success")
            return _back_to(campaign)
        return _render_form(form, campaign, campaign.organization, 422)
    return _render_form(form, campaign, campaign.organization)


@bp.route("/campaigns/<int:campaign_id>/publish", methods=["POST"])
@login_required
def publish_campaign(campaign_id):
    campaign = _owned_campaign(campaign_id)
    attempt(lambda: services.publish(campaign), _("Live: donations are open until the deadline."))
    return _back_to(campaign)


@bp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@login_required
def close_campaign(campaign_id):
    campaign = _owned_campaign(campaign_id)
    attempt(lambda: services.close(campaign), _("Closed: the campaign takes no more money."))
    return _back_to(campaign)


@bp.route("/campaigns/<int:campaign_id>/updates/new", methods=["GET", "POST"])
@login_required
def new_update(campaign_id):
    campaign = _owned_campaign(campaign_id)
    if campaign.status == "draft":
        flash(_("Updates are posted once the campaign is live."), "warning")
        return _back_to(campaign)
    form = UpdateForm()
    if request.method == "POST":
        data = load_form(UpdatePostSchema(), {"title": form.title.data or "", "body": form.body.data or ""}, form)
        if data is not None:
            try:
                services.post_update(campaign, data["title"], data["body"])
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("Update posted."), "success")
                return _back_to(campaign)
        return render_template("campaigns/update_form.html", form=form, campaign=campaign), 422
    return render_template("campaigns/update_form.html", form=form, campaign=campaign)


# Money out -------------------------------------------------------------------------------------------------------------


def _to_ledger(campaign):
    return redirect(url_for("campaigns.ledger_page", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/expenses/new", methods=["GET", "POST"])
@login_required
def new_expense(campaign_id):
    """An expense with its receipt: nothing is stored (neither the entry nor the file) unless all of it is right."""
    campaign = _owned_campaign(campaign_id)
    form = ExpenseForm()
    form.budget_line_id.choices = options([("", _("— not against a budget line —"))]
                                          + [(str(line.id), line.title) for line in campaign.budget_lines])
    if request.method == "GET":
        form.spent_on.data = utcnow().date().isoformat()
    else:
        fields = load_form(ExpenseFormSchema(), form.payload(), form)
        if fields is not None:
            try:
                ledger.add_expense(campaign, fields, request.files.get("receipt"), current_user)
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("Expense booked; its receipt is public in the ledger."), "success")
                return _to_ledger(campaign)
        return _render_money_form("campaigns/expense_form.html", form, campaign, 422)
    return _render_money_form("campaigns/expense_form.html", form, campaign)


@bp.route("/campaigns/<int:campaign_id>/disbursements/new", methods=["GET", "POST"])
@login_required
@recent_login_required
def new_disbursement(campaign_id):
    """Money paid out of the campaign to the organisation's own account (never more than the balance)."""
    campaign = _owned_campaign(campaign_id)
    form = DisbursementForm()
    if request.method == "POST":
        data = load_form(DisbursementSchema(), form.payload(campaign.currency), form)
        if data is not None:
            try:
                ledger.disburse(campaign, data["amount"], data["description"], actor=current_user,
                                ip=request.remote_addr)
            except DomainError as error:
                show_refusal(form, error)
            else:
                db.session.commit()
                flash(_("Disbursement recorded in the ledger."), "success")
                return _to_ledger(campaign)
        return _render_money_form("campaigns/disbursement_form.html", form, campaign, 422)
    return _render_money_form("campaigns/disbursement_form.html", form, campaign)


def _render_money_form(template, form, campaign, status=200):
    _totals, balance = ledger.totals(campaign)
    return render_template(template, form=form, campaign=campaign, balance=balance), status


# Donations -------------------------------------------------------------------------------------------------------------


@bp.route("/campaigns/<int:campaign_id>/donations")
@login_required
def campaign_donations(campaign_id):
    """Every donation of a campaign, with the donors' e-mail addresses (owners only), a page at a time."""
    campaign = _owned_campaign(campaign_id)
    status = request.args.get("status")
    status = status if status in DONATION_STATUSES else None
    page = db.paginate(pages_support.donations_query(campaign, status), page=page_number(), per_page=DONATIONS_PAGE_SIZE,
                       error_out=False)
    return render_template("campaigns/donations.html", campaign=campaign, page=page, status=status,
                           statuses=DONATION_STATUSES, counts=pages_support.donation_counts([campaign.id])[campaign.id])


@bp.route("/donations/<int:donation_id>/refund", methods=["POST"])
@login_required
@recent_login_required
def refund_donation(donation_id):
    """Refund a paid donation in full (the campaign's admins and finance members, or a platform admin)."""
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        raise NotFound(_("No such donation."))
    if not current_user.is_platform_admin:
        if not services.is_member(current_user, donation.campaign.organization_id):
            raise NotFound(_("No such donation."))
        require_membership(current_user, donation.campaign.organization, *services.OWNER_ROLES)
    attempt(lambda: services.request_refund(donation, actor=current_user, ip=request.remote_addr),
             _("Refund asked of Stripe: the donation shows as refunded once Stripe confirms it."))
    return redirect(safe_next(url_for("campaigns.campaign_donations", campaign_id=donation.campaign_id)))


# Match pledges ---------------------------------------------------------------------------------------------------------


@bp.route("/match-pledges/<int:pledge_id>/accept", methods=["POST"])
@login_required
@recent_login_required
def accept_pledge(pledge_id):
    """The campaign's owners accept an offered match pledge: its pledger may now pay the pool."""
    pledge = pools.get_pledge(pledge_id, current_user)
    attempt(lambda: pools.accept(pledge, current_user, ip=request.remote_addr),
            _("Match pledge accepted: it matches donations once %(name)s has paid it into the match pool.",
              name=pledge.organization.name))
    return redirect(url_for("campaigns.my_campaigns"))


@bp.route("/match-pledges/<int:pledge_id>/decline", methods=["POST"])
@login_required
@recent_login_required
def decline_pledge(pledge_id):
    """The campaign's owners decline a match pledge not paid yet."""
    pledge = pools.get_pledge(pledge_id, current_user)
    attempt(lambda: pools.decline(pledge, current_user, ip=request.remote_addr), _("Match pledge declined."))
    return redirect(url_for("campaigns.my_campaigns"))


@bp.route("/match-pledges/<int:pledge_id>/pay", methods=["POST"])
@login_required
def pay_pledge(pledge_id):
    """The pledger pays an accepted pledge into the match pool: off to Stripe's Checkout page."""
    pledge = pools.get_pledge(pledge_id, current_user)
    try:
        checkout_url = pools.start_payment(pledge, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _back_to(pledge.campaign)
    db.session.commit()
    return redirect(checkout_url, 303)


# What is mine ----------------------------------------------------------------------------------------------------------


@bp.route("/my/campaigns")
@login_required
def my_campaigns():
    """The acting organisation's campaigns (drafts too); for its owners, each campaign's latest donations."""
    membership = current_membership()
    if membership is None:
        return redirect(url_for("accounts.dashboard"))
    campaigns = pages_support.organization_campaigns(membership.organization_id)
    is_owner = membership.allows(*services.OWNER_ROLES)
    return render_template(
        "campaigns/mine.html", organization=membership.organization, is_owner=is_owner,
        summaries=pages_support.summarise(campaigns),
        counts=pages_support.donation_counts([campaign.id for campaign in campaigns]) if is_owner else {},
        donations={campaign.id: pages_support.latest_donations(campaign) for campaign in campaigns} if is_owner else {},
        waiting=pools.waiting_pledges([campaign.id for campaign in campaigns]) if is_owner else {},
    )
