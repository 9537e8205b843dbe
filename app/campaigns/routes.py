"""Pages: the list of live campaigns, a campaign (progress, budget, updates, donate and follow forms, and its owners'
actions), the donor's receipt, the public ledger and its CSV, and expense receipts (served only through the app)."""
from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.accounts.auth import current_membership, rate_limited_mail
from app.accounts.services import normalise_email
from app.campaigns import bp, followers, ledger, pages_support, payment_events, pools, receipts, services, story
from app.campaigns.models import Expense, donor_name
from app.campaigns.schemas import DonationCreateSchema, FollowSchema, MatchPledgeCreateSchema
from app.csv_export import csv_response
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db, limiter
from app.i18n import current_language, localize
from app.navigation import page_number

BROWSE_PAGE_SIZE = 12


@bp.app_template_filter("donor")
def donor(donation):
    """`{{ donation|donor }}`: the donor as pages show them, in the reader's language (the API and the ledger's
    descriptions keep the English words)."""
    return donor_name(donation.name, donation.anonymous, anonymous_as=_("Anonymous"), nameless_as=_("A donor"))


@bp.route("/campaigns")
def browse():
    """Live campaigns, the latest to go live first."""
    page = db.paginate(pages_support.public_campaigns_query(), page=page_number(), per_page=BROWSE_PAGE_SIZE,
                       error_out=False)
    return render_template("campaigns/browse.html", page=page, summaries=pages_support.summarise(page.items))


@bp.route("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id):
    return _campaign_page(services.visible_campaign(campaign_id, current_user))


def _campaign_page(campaign, errors=None, given=None, status=200, pledge_errors=None, pledge_given=None,
                   follow_errors=None, follow_given=None):
    membership = current_user.membership_of(campaign.organization_id) if current_user.is_authenticated else None
    acting = current_membership()
    outsider = acting is not None and acting.organization_id != campaign.organization_id
    # The acting organisation's own pledges to this campaign (another organisation's), with Pay once accepted.
    own_pledges = pools.pledges_of(acting.organization_id, campaign) if outsider else []
    # Who is offered the "match donations" form; the service decides again when it is sent.
    may_offer = (outsider and campaign.status == "live" and acting.allows(*pools.OWNER_ROLES)
                 and acting.organization.verified)
    return render_template("campaigns/show.html", campaign=campaign, story_html=story.render(campaign.story),
                           can_manage=membership is not None and membership.allows(*services.OWNER_ROLES),
                           progress=services.progress(campaign), days_left=services.days_left(campaign),
                           spent=ledger.spent_by_line(campaign), pledges=pools.shown_pledges(campaign),
                           own_pledges=own_pledges, may_offer=may_offer, acting=acting,
                           pledge_errors=pledge_errors or {}, pledge_given=pledge_given or {},
                           follow_errors=follow_errors or {},
                           follow_given=follow_given or {"email": current_user.email if current_user.is_authenticated else ""},
                           donations=services.public_donations(campaign, 10), render=story.render,
                           errors=errors or {}, given=given or {}), status


@bp.route("/campaigns/<int:campaign_id>/match-pledges", methods=["POST"])
@login_required
def offer_match(campaign_id):
    """A verified organisation offers to match the campaign's donations (its admins and finance members); the
    campaign's owners then accept or decline it."""
    campaign = services.visible_campaign(campaign_id, current_user)
    acting = current_membership()
    if acting is None:
        raise Forbidden(_("Act for an organisation to offer match funding."))
    given = {name: request.form.get(name, "").strip() for name in ("factor", "cap_per_donation", "cap_total")}
    payload = {"organization_id": acting.organization_id, "factor": given["factor"],
               "cap_per_donation": {"amount": given["cap_per_donation"], "currency": campaign.currency},
               "cap_total": {"amount": given["cap_total"], "currency": campaign.currency}}
    try:
        data = MatchPledgeCreateSchema().load(payload)
        pools.pledge_match(campaign, acting.organization, data["factor"], data["cap_per_donation"],
                           data["cap_total"], actor=current_user, ip=request.remote_addr)
    except ValidationError as error:
        db.session.rollback()
        return _campaign_page(campaign, pledge_errors=localize(error.messages), pledge_given=given, status=422)
    except DomainError as error:
        db.session.rollback()
        problems = {**error.fields, "form": [error.message]}
        return _campaign_page(campaign, pledge_errors=problems, pledge_given=given, status=error.status)
    db.session.commit()
    flash(_("Your offer is sent: the campaign’s owners accept or decline it."), "success")
    return redirect(url_for("campaigns.campaign_page", campaign_id=campaign.id, _anchor="our-pledges"), 303)


@bp.route("/campaigns/<int:campaign_id>/donate", methods=["POST"])
@limiter.limit(lambda: current_app.config["DONATION_RATE_LIMIT"], methods=["POST"])
def donate_form(campaign_id):
    """The donate form: checked like the API's, then off to Stripe's Checkout page."""
    campaign = services.visible_campaign(campaign_id, current_user)
    given = {name: request.form.get(name, "") for name in ("amount", "email", "name", "message")}
    payload = {"amount": {"amount": given["amount"].strip(), "currency": campaign.currency}, "email": given["email"].strip(),
               "name": given["name"], "message": given["message"], "anonymous": request.form.get("anonymous") == "1"}
    try:
        data = DonationCreateSchema().load(payload)
        donation, checkout_url, _receipt = services.start_donation(campaign, data, current_user)
    except ValidationError as error:
        return _campaign_page(campaign, _flatten(error.messages), given, 422)
    except DomainError as error:
        db.session.rollback()
        return _campaign_page(campaign, _flatten(error.fields) or {"amount": [error.message]}, given, error.status)
    db.session.commit()
    return redirect(checkout_url, 303)


@bp.route("/campaigns/<int:campaign_id>/follow", methods=["POST"])
@rate_limited_mail
def follow_form(campaign_id):
    """The "Follow this campaign" form, checked like the API's: a confirmation link is mailed (a signed-in user's own
    verified address follows at once). The same answer whether the address already followed or not."""
    campaign = services.visible_campaign(campaign_id, current_user)
    given = {"email": request.form.get("email", "").strip()}
    proven = followers.proven_address(current_user)
    try:
        data = FollowSchema().load(given)
        followers.follow(campaign, data["email"], current_language(), proven_email=proven)
    except ValidationError as error:
        return _campaign_page(campaign, follow_errors=_flatten(error.messages), follow_given=given, status=422)
    except DomainError as error:
        db.session.rollback()
        return _campaign_page(campaign, follow_errors={"email": [error.message]}, follow_given=given,
                              status=error.status)
    db.session.commit()
    if proven is not None and proven == normalise_email(data["email"]):
        flash(_("You follow this campaign: its updates come to %(email)s.", email=proven), "success")
    else:
        flash(_("Check your mail: following starts once you confirm with the link we sent to %(email)s.",
                email=data["email"]), "info")
    return redirect(url_for("campaigns.campaign_page", campaign_id=campaign.id, _anchor="follow"), 303)


def _flatten(messages):
    """{"amount": {"amount": [...]}} → {"amount": [...]}: the form has one field per first-level name."""
    flat = {}
    for name, value in localize(messages or {}).items():
        if isinstance(value, dict):
            value = [text for texts in value.values() for text in (texts if isinstance(texts, list) else [texts])]
        flat[name] = value if isinstance(value, list) else [value]
    return flat


@bp.route("/donations/<int:donation_id>/receipt")
def receipt(donation_id):
    """The donor's receipt, reached by the private link in the mail and after Stripe's Checkout (no account needed)."""
    donation = services.donation_for_receipt(donation_id, request.args.get("token"))
    return render_template("campaigns/receipt.html", donation=donation, campaign=donation.campaign,
                           processing=payment_events.processing(donation))


@bp.route("/campaigns/<int:campaign_id>/ledger")
def ledger_page(campaign_id):
    campaign = services.visible_campaign(campaign_id, current_user)
    after = request.args.get("after", 0, type=int)
    totals, balance = ledger.totals(campaign)
    return render_template("campaigns/ledger.html", campaign=campaign, entries=ledger.entries(campaign, max(after, 0)),
                           totals=totals, balance=balance, pools=ledger.pool_totals(campaign), spent=ledger.spent_by_line(campaign),
                           expenses={e.id: e for e in db.session.scalars(db.select(Expense).where(Expense.campaign_id == campaign.id))})


@bp.route("/campaigns/<int:campaign_id>/ledger.csv")
def ledger_csv(campaign_id):
    campaign = services.visible_campaign(campaign_id, current_user)
    return csv_response(ledger.csv_rows(campaign), f"coopex-campaign-{campaign.id}-ledger.csv")


@bp.route("/campaigns/<int:campaign_id>/expenses/<int:expense_id>/receipt")
def receipt_file(campaign_id, expense_id):
    """An expense's receipt, to whoever may see the campaign: as stored, with the type read from its content."""
    campaign = services.visible_campaign(campaign_id, current_user)
    expense = db.session.get(Expense, expense_id)
    if expense is None or expense.campaign_id != campaign.id:
        raise NotFound(_("No such receipt."))
    response = send_file(receipts.path_of(expense.receipt_key), mimetype=expense.receipt_type,
                         download_name=f"receipt-{expense.id}.{expense.receipt_key.rsplit('.', 1)[1]}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                                   "frame-ancestors 'none'")
    return response
