"""JSON API for donors and followers, no account needed (on the campaigns API blueprint): follow a campaign, ask for a
yearly statement of gifts. Both mail a link and answer 202 whatever the address: nobody learns whether it follows or
gave."""
from app.accounts.auth import allows_anonymous, api_user, rate_limited_mail, token_optional
from app.campaigns import followers, services, statements
from app.campaigns.api import blp
from app.campaigns.schemas import FollowSchema, StatementRequestSchema
from app.extensions import db
from app.i18n import current_language


@blp.route("/campaigns/<int:campaign_id>/followers", methods=["POST"])
@token_optional
@rate_limited_mail
@blp.arguments(FollowSchema)
@blp.response(202)
def follow(payload, campaign_id):
    """Follow a campaign's updates by mail, without giving. A confirmation link is mailed; following starts once it is
    opened and confirmed (with a token, the account's own verified address follows at once). Every update mail has a
    one-click unsubscribe."""
    user = api_user()
    campaign = services.visible_campaign(campaign_id, user)
    followers.follow(campaign, payload["email"], current_language(), proven_email=followers.proven_address(user))
    db.session.commit()


@blp.route("/donations/statements", methods=["POST"])
@allows_anonymous
@rate_limited_mail
@blp.arguments(StatementRequestSchema)
@blp.response(202)
def ask_for_statement(payload):
    """Ask for the statement of a year's gifts from an address: a link to it (a page and its PDF, valid 7 days) is
    mailed to that address if it ever gave."""
    statements.request_statement(payload["email"], payload["year"], current_language())
    db.session.commit()
