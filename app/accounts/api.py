"""JSON API: registration, tokens, the caller."""
from flask import current_app

from app.accounts import links, services, two_factor
from app.accounts.auth import (
    allows_anonymous,
    rate_limited_login,
    rate_limited_mail,
    rate_limited_signup,
    require_api_user,
)
from app.accounts.schemas import (
    CredentialsSchema,
    LinkTokenSchema,
    MeSchema,
    NewTokenSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RegisteredSchema,
    RegisterSchema,
    TokenSchema,
)
from app.extensions import db
from app.http import ApiBlueprint, no_store

blp = ApiBlueprint("accounts_api", __name__, url_prefix="/api/v1", description="Accounts and API tokens")


@blp.route("/auth/register", methods=["POST"])
@allows_anonymous
@rate_limited_signup
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
def register(payload):
    """Sign up a person together with a new organisation, of which they become admin; a link to confirm the e-mail
    address is mailed (publishing waits for it)."""
    user, organization = services.register(
        payload["email"], payload["password"], payload["name"], payload["organization"]
    )
    db.session.commit()
    return {"user": user, "organization": organization}


@blp.route("/auth/tokens", methods=["POST"])
@allows_anonymous
@no_store
@rate_limited_login
@blp.arguments(CredentialsSchema)
@blp.response(201, NewTokenSchema)
def create_token(payload):
    """Exchange e-mail and password (and the current `otp` when two-factor sign-in is on) for a personal API token
    (scope `write` unless `read` is asked for, 90 days unless `expires_in_days` says otherwise, at most 365), shown
    once."""
    user = two_factor.authenticate_for_token(payload["email"], payload["password"], payload.get("otp"),
                                             required_for=current_app.config["REQUIRE_2FA_FOR"])
    token, secret = services.issue_token(user, payload.get("name", "API token"), scope=payload["scope"],
                                         expires_in_days=payload["expires_in_days"])
    db.session.commit()
    token.secret = secret
    return token


@blp.route("/auth/tokens", methods=["GET"])
@blp.response(200, TokenSchema(many=True))
def list_tokens():
    """The caller's tokens, without their secrets."""
    return services.tokens_of(require_api_user())


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of the caller's tokens."""
    services.revoke_token(require_api_user(), token_id)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
def me():
    """The caller and its memberships."""
    return require_api_user()


@blp.route("/auth/email-verification", methods=["POST"])
@allows_anonymous
@rate_limited_login
@blp.arguments(LinkTokenSchema)
@blp.response(204)
def verify_email(payload):
    """Confirm an e-mail address with the token of the mailed link."""
    links.verify_email(payload["token"])
    db.session.commit()


@blp.route("/auth/email-verification/resend", methods=["POST"])
@rate_limited_mail
@blp.response(202)
def resend_verification():
    """Mail the caller a new confirmation link (earlier links stop working)."""
    user = require_api_user()
    if user.email_verified_at is None:
        links.send_verification(user)
        db.session.commit()


@blp.route("/auth/password-reset", methods=["POST"])
@allows_anonymous
@rate_limited_mail
@rate_limited_login
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202)
def request_password_reset(payload):
    """Mail a one-hour reset link if an account has this address; the answer is the same either way."""
    links.request_password_reset(payload["email"])
    db.session.commit()


@blp.route("/auth/password-reset/confirm", methods=["POST"])
@allows_anonymous
@rate_limited_login
@blp.arguments(PasswordResetSchema)
@blp.response(204)
def reset_password(payload):
    """Choose a new password with the mailed token: every session and remember-me cookie of the account ends (API
    tokens stay)."""
    links.reset_password(payload["token"], payload["password"])
    db.session.commit()


@blp.route("/auth/password", methods=["POST"])
@rate_limited_login
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(payload):
    """Change the caller's password, giving the current one; the account's browser sessions end (tokens stay)."""
    links.change_password(require_api_user(), payload["current_password"], payload["password"])
    db.session.commit()
