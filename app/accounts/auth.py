"""Who is calling: session users for pages, bearer tokens for the API, and the login rate limits."""
from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.accounts import services
from app.accounts.models import User
from app.errors import Unauthorized
from app.extensions import db, limiter, login_manager


@login_manager.user_loader
def load_user(user_id):
    """The session's user; None for a suspended one, which ends every session they had."""
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and not user.is_suspended else None


def api_user():
    """The user named by the request's bearer token, or None; a bad token is refused, not ignored."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.api_user = None
        else:
            scheme, _space, secret = header.partition(" ")
            user = services.user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise Unauthorized(_("The API token is not valid or was revoked."))
            services.refuse_suspended_user(user)
            g.api_user = user
    return g.api_user


def require_api_user():
    """The calling user, or 401."""
    user = api_user()
    if user is None:
        raise Unauthorized(_("Send an API token as 'Authorization: Bearer …'."))
    return user


def current_membership():
    """The membership the signed-in user is acting through (chosen with the organisation switcher)."""
    if not current_user.is_authenticated or not current_user.memberships:
        return None
    chosen = session.get("organization_id")
    return current_user.membership_of(chosen) or current_user.memberships[0]


def _login_account_key():
    email = request.form.get("email")
    if email is None:
        payload = request.get_json(silent=True)
        email = payload.get("email") if isinstance(payload, dict) else ""
    return "account:" + services.normalise_email(str(email or ""))


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


#: Apply both to every endpoint that checks a password: per client address and per account.
login_limits = (
    limiter.shared_limit(_login_limit, scope="login-address", key_func=get_remote_address, methods=["POST"]),
    limiter.shared_limit(_login_limit, scope="login-account", key_func=_login_account_key, methods=["POST"]),
)


def _signup_limit():
    return current_app.config["SIGNUP_RATE_LIMIT"]


def rate_limited_signup(view):
    """Account creation (sign-up, invitation acceptance, API registration): a budget per client address."""
    return limiter.limit(_signup_limit, key_func=get_remote_address, methods=["POST"])(view)


def rate_limited_login(view):
    for limit in login_limits:
        view = limit(view)
    return view
