"""JSON API: campaigns, donations (no account needed), match pledges, refunds, expenses and the open ledger."""
from flask import current_app, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app.accounts.auth import api_user, require_api_user, token_optional
from app.accounts.services import require_membership
from app.campaigns import ledger, pools, services, story
from app.campaigns.models import Donation
from app.campaigns.schemas import (
    CampaignCreateSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    DisbursementSchema,
    DonationCreatedSchema,
    DonationCreateSchema,
    DonationSchema,
    ExpenseFormSchema,
    ExpenseSchema,
    LedgerSchema,
    MatchPledgeCreateSchema,
    MatchPledgePaymentSchema,
    MatchPledgeSchema,
    UpdatePostSchema,
)
from app.converters import MAX_ID
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db, limiter
from app.http import ApiBlueprint, refuse_nul
from app.money import Money
from app.orgs.services import get_organization

blp = ApiBlueprint("campaigns_api", __name__, url_prefix="/api/v1", description="Crowd-funding campaigns and their ledger")


def campaign_json(campaign):
    spent = ledger.spent_by_line(campaign)
    return {
        "id": campaign.id, "organization_id": campaign.organization_id, "organization_name": campaign.organization.name,
        "title": campaign.title, "summary": campaign.summary, "story": campaign.story,
        "story_html": story.render(campaign.story), "status": campaign.status, "goal": campaign.goal,
        "raised": campaign.raised, "matched": campaign.matched, "refunded": campaign.refunded, "pledged": campaign.pledged,
        "progress": services.progress(campaign), "donors_count": campaign.donors_count, "deadline": campaign.deadline,
        "funding_model": campaign.funding_model, "sdgs": [goal.number for goal in campaign.sdgs],
        "budget_lines": [{"id": line.id, "title": line.title, "amount": line.amount, "required": line.required,
                          "spent": spent.get(line.id, Money(0, campaign.currency))}
                         for line in campaign.budget_lines],
        "published_at": campaign.published_at,
    }


def _owned_campaign(campaign_id, *roles):
    """The campaign, for its organisation's members with one of `roles` (admins always)."""
    user = require_api_user()
    campaign = services.visible_campaign(campaign_id, user)
    require_membership(user, campaign.organization, *roles)
    return campaign, user


def _acting_organization(organization_id, roles, message):
    user = require_api_user()
    try:
        organization = get_organization(organization_id)
    except NotFound:
        raise Forbidden(message, {"organization_id": [_("Not one of your organisations.")]}) from None
    require_membership(user, organization, *roles)
    return organization


@blp.route("/campaigns", methods=["POST"])
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
def create_campaign(payload):
    """Draft a campaign for an organisation (its admins and finance members)."""
    organization = _acting_organization(payload.pop("organization_id"), services.OWNER_ROLES,
                                        _("You cannot run campaigns for this organisation."))
    campaign = services.create_campaign(organization, payload)
    db.session.commit()
    return campaign_json(campaign)


@blp.route("/campaigns/<int:campaign_id>", methods=["GET"])
@token_optional
@blp.response(200, CampaignSchema)
def get_campaign(campaign_id):
    """A campaign: live and settled ones for everybody, drafts for the organisation's members."""
    return campaign_json(services.visible_campaign(campaign_id, api_user()))


@blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update_campaign(changes, campaign_id):
    """Edit a draft; once live, only the title, summary, story and budget lines."""
    campaign, _user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    services.update_campaign(campaign, changes)
    db.session.commit()
    return campaign_json(campaign)


@blp.route("/campaigns/<int:campaign_id>/publish", methods=["POST"])
@blp.response(200, CampaignSchema)
def publish_campaign(campaign_id):
    """Go live: donations open; goal, currency, deadline, funding model and SDGs are fixed."""
    campaign, _user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    services.publish(campaign)
    db.session.commit()
    return campaign_json(campaign)


@blp.route("/campaigns/<int:campaign_id>/close", methods=["POST"])
@blp.response(200, CampaignSchema)
def close_campaign(campaign_id):
    """Close a settled campaign."""
    campaign, _user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    services.close(campaign)
    db.session.commit()
    return campaign_json(campaign)


@blp.route("/campaigns/<int:campaign_id>/updates", methods=["POST"])
@blp.arguments(UpdatePostSchema)
@blp.response(201, UpdatePostSchema)
def post_update(payload, campaign_id):
    """News for donors and members (Markdown)."""
    campaign, _user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    update = services.post_update(campaign, payload["title"], payload["body"])
    db.session.commit()
    return update


@blp.route("/campaigns/<int:campaign_id>/donations", methods=["POST"])
@token_optional
@limiter.limit(lambda: current_app.config["DONATION_RATE_LIMIT"], methods=["POST"])
@blp.arguments(DonationCreateSchema)
@blp.response(201, DonationCreatedSchema)
def donate(payload, campaign_id):
    """Give to a live campaign, with or without an account: answers the Stripe Checkout page to send the donor to. The
    donation is `pending` (or, for all-or-nothing, becomes `pledged` once the card is saved) until Stripe's webhook."""
    user = api_user()
    campaign = services.visible_campaign(campaign_id, user)
    donation, checkout_url, receipt_url = services.start_donation(campaign, payload, user)
    db.session.commit()
    return {"id": donation.id, "status": donation.status, "amount": donation.amount, "checkout_url": checkout_url,
            "receipt_url": receipt_url}


class DonationListQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


@blp.route("/campaigns/<int:campaign_id>/donations", methods=["GET"])
@token_optional
@blp.arguments(DonationListQuerySchema, location="query")
@blp.response(200, DonationSchema(many=True))
def list_donations(query, campaign_id):
    """The latest paid donations, as the public sees them (anonymous donors as "Anonymous")."""
    campaign = services.visible_campaign(campaign_id, api_user())
    return services.public_donations(campaign, query["limit"])


@blp.route("/donations/<int:donation_id>/refund", methods=["POST"])
@blp.response(200, DonationSchema)
def refund(donation_id):
    """Refund a paid donation in full (the campaign organisation's finance members, or a platform admin); it becomes
    `refunded` when Stripe's webhook confirms."""
    user = require_api_user()
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        raise NotFound(_("No such donation."))
    if not user.is_platform_admin:
        if not services.is_member(user, donation.campaign.organization_id):
            raise NotFound(_("No such donation."))
        require_membership(user, donation.campaign.organization, *services.OWNER_ROLES)
    services.request_refund(donation, actor=user, ip=request.remote_addr)
    db.session.commit()
    return donation


@blp.route("/campaigns/<int:campaign_id>/match-pledges", methods=["POST"])
@blp.arguments(MatchPledgeCreateSchema)
@blp.response(201, MatchPledgeSchema)
def pledge_match(payload, campaign_id):
    """A verified organisation (its admins and finance members) offers to match donations: factor, cap per donation, cap
    in all. It is `offered` until the campaign's owners accept it, then `accepted` until the pledger pays its cap in all
    into the match pool (`POST /match-pledges/{id}/checkout`); it matches only once `active` (paid)."""
    campaign = services.visible_campaign(campaign_id, api_user())
    organization = _acting_organization(payload["organization_id"], pools.OWNER_ROLES,
                                        _("You cannot pledge for this organisation."))
    pledge = pools.pledge_match(campaign, organization, payload["factor"], payload["cap_per_donation"], payload["cap_total"],
                                actor=require_api_user(), ip=request.remote_addr)
    db.session.commit()
    return pledge


@blp.route("/match-pledges/<int:pledge_id>/accept", methods=["POST"])
@blp.response(200, MatchPledgeSchema)
def accept_pledge(pledge_id):
    """The campaign's owners (its organisation's admins and finance members) accept an offered pledge."""
    user = require_api_user()
    pledge = pools.accept(pools.get_pledge(pledge_id, user), user, ip=request.remote_addr)
    db.session.commit()
    return pledge


@blp.route("/match-pledges/<int:pledge_id>/decline", methods=["POST"])
@blp.response(200, MatchPledgeSchema)
def decline_pledge(pledge_id):
    """The campaign's owners decline a pledge that is offered or accepted and not paid: it never matches."""
    user = require_api_user()
    pledge = pools.decline(pools.get_pledge(pledge_id, user), user, ip=request.remote_addr)
    db.session.commit()
    return pledge


@blp.route("/match-pledges/<int:pledge_id>/checkout", methods=["POST"])
@blp.response(201, MatchPledgePaymentSchema)
def pay_pledge(pledge_id):
    """The pledger (its admins and finance members) pays an accepted pledge's cap in all into the match pool: answers
    the Stripe Checkout page to pay at. The pledge becomes `active` when Stripe's webhook says it was paid."""
    user = require_api_user()
    pledge = pools.get_pledge(pledge_id, user)
    checkout_url = pools.start_payment(pledge, user)
    db.session.commit()
    return {"id": pledge.id, "status": pledge.status, "amount": pledge.cap_total, "checkout_url": checkout_url}


@blp.route("/campaigns/<int:campaign_id>/expenses", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": ExpenseFormSchema}}})
@blp.response(201, ExpenseSchema)
def add_expense(campaign_id):
    """An expense with its receipt (multipart/form-data: amount, category, description, budget_line_id, spent_on, and the
    file `receipt`: PDF, PNG or JPEG, at most 5 MB). The campaign organisation's admins and finance members."""
    campaign, user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    try:
        form = {key: value for key, value in request.form.items() if value != ""}
        refuse_nul(form)
        fields_ = ExpenseFormSchema().load(form)
    except ValidationError as error:
        raise ValidationFailed(_("Some fields are not valid."), error.messages) from None
    expense = ledger.add_expense(campaign, fields_, request.files.get("receipt"), user)
    db.session.commit()
    return expense_json(expense)


def expense_json(expense):
    return {"id": expense.id, "campaign_id": expense.campaign_id, "budget_line_id": expense.budget_line_id,
            "category": expense.category, "description": expense.description, "amount": expense.amount,
            "spent_on": expense.spent_on,
            "receipt_url": url_for("campaigns.receipt_file", campaign_id=expense.campaign_id, expense_id=expense.id)}


@blp.route("/campaigns/<int:campaign_id>/disbursements", methods=["POST"])
@blp.arguments(DisbursementSchema)
@blp.response(201, LedgerSchema)
def disburse(payload, campaign_id):
    """Money paid out of the campaign to the organisation (its admins and finance members); never more than the balance."""
    campaign, user = _owned_campaign(campaign_id, *services.OWNER_ROLES)
    ledger.disburse(campaign, payload["amount"], payload["description"], actor=user, ip=request.remote_addr)
    db.session.commit()
    return ledger_json(campaign, 0, 0)


class LedgerQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID))
    limit = fields.Integer(load_default=ledger.LEDGER_PAGE, validate=validate.Range(1, 1000))


@blp.route("/campaigns/<int:campaign_id>/ledger", methods=["GET"])
@token_optional
@blp.arguments(LedgerQuerySchema, location="query")
@blp.response(200, LedgerSchema)
def get_ledger(query, campaign_id):
    """Every movement of the campaign's money (in the order written; `after` an entry id for the next page), the totals
    per kind and the balance (money in − money out)."""
    campaign = services.visible_campaign(campaign_id, api_user())
    return ledger_json(campaign, query["after"], query["limit"])


def ledger_json(campaign, after, limit):
    page = ledger.entries(campaign, after, limit) if limit else []
    totals, balance = ledger.totals(campaign)
    return {"entries": [{"id": e.id, "kind": e.kind, "amount": e.amount, "description": e.description,
                         "budget_line_id": e.budget_line_id, "created_at": e.created_at} for e in page],
            "totals": totals, "balance": balance, "pools": ledger.pool_totals(campaign),
            "next_cursor": page[-1].id if limit and len(page) == limit else None}

