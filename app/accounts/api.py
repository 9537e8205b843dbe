"""JSON API: registration, tokens, the caller."""
from flask import current_app
from flask_smorest import Blueprint

from app.accounts import services, two_factor
from app.accounts.auth import rate_limited_login, rate_limited_signup, require_api_user
from app.accounts.schemas import (
    CredentialsSchema,
    MeSchema,
    NewTokenSchema,
    RegisteredSchema,
    RegisterSchema,
    TokenSchema,
)
from app.extensions import db

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Accounts and API tokens")


@blp.route("/auth/register", methods=["POST"])
@rate_limited_signup
@blp.arguments(RegisterSchema)
@blp.response(201, RegisteredSchema)
def register(payload):
    """Sign up a person together with a new organisation, of which they become admin."""
    user, organization = services.register(
        payload["email"], payload["password"], payload["name"], payload["organization"]
    )
    db.session.commit()
    return {"user": user, "organization": organization}


@blp.route("/auth/tokens", methods=["POST"])
@rate_limited_login
@blp.arguments(CredentialsSchema)
@blp.response(201, NewTokenSchema)
def create_token(payload):
    """Exchange e-mail and password (and the current `otp` when two-factor sign-in is on) for a personal API token,
    shown once."""
    user = two_factor.authenticate_for_token(payload["email"], payload["password"], payload.get("otp"),
                                             required_for=current_app.config["REQUIRE_2FA_FOR"])
    token, secret = services.issue_token(user, payload.get("name", "API token"))
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
