"""Who is calling: session users for pages, bearer tokens for the API, recent sign-in, and the login rate limits."""
import time
from functools import wraps

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user

from app import openapi
from app.accounts import links, services, two_factor
from app.accounts.models import User
from app.errors import Forbidden, Unauthorized
from app.extensions import db, limiter, login_manager
from app.http import READ_METHODS, ApiBlueprint


@login_manager.user_loader
def load_user(session_id):
    """The user of a session or remember-me cookie, if its key is still the user's (log out everywhere and password
    changes give the user a new one)."""
    user_id, _sep, key = str(session_id).partition(":")
    if not user_id.isdigit() or not key:
        return None
    user = db.session.get(User, int(user_id))
    # A suspended user's sessions end with the suspension.
    return user if user is not None and user.session_key == key and not user.is_suspended else None


def sign_in(user, remember=False):
    """Start a fresh session for the user: nothing carried over from before but the chosen language (and, when the same
    person signs in again, the organisation they act for); the sign-in time is kept for the recent-login check of
    sensitive actions."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()  # current_user itself: the session is about to be emptied under it
    same_person = current_user.is_authenticated and current_user.id == user.id
    kept = {key: session[key] for key in ("locale", "organization_id") if key in session and (same_person or key == "locale")}
    session.clear()
    session.update(kept)
    session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without a request
    login_user(user, remember=remember)
    session["signed_in_at"] = int(time.time())
    links.note_sign_in(user, request.remote_addr)
    db.session.commit()


def has_recent_login():
    signed_in_at = session.get("signed_in_at")
    return signed_in_at is not None and time.time() - signed_in_at <= current_app.config["RECENT_LOGIN_SECONDS"]


def recent_login_required(view):
    """Pages of sensitive actions: a sign-in older than RECENT_LOGIN_SECONDS (or restored from the remember-me cookie)
    asks for the password again first, then comes back here (a form is shown again, not re-posted)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not has_recent_login():
            flash(_("Please confirm your password to continue."), "info")
            back = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or request.path)
            return redirect(url_for("accounts.confirm_password", next=back))
        return view(*args, **kwargs)

    return wrapper


def api_user():
    """The user named by the request's bearer token, or None; a bad token is refused, not ignored, and a `read` token
    may not write."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        if not header:
            g.api_user = None
        else:
            scheme, _space, secret = header.partition(" ")
            token = services.live_token(secret.strip()) if scheme.lower() == "bearer" else None
            if token is None:
                raise Unauthorized(_("The API token is not valid, has expired or was revoked."))
            if token.scope != "write" and request.method not in READ_METHODS:
                raise Forbidden(_("This token may only read; create a token with the 'write' scope."), code="insufficient_scope")
            services.refuse_suspended_user(token.user)
            refuse_until_two_factor(token.user)
            g.api_user = token.user
            g.api_token_used = services.note_token_use(token)
    return g.api_user


def require_api_user():
    """The calling user, or 401."""
    user = api_user()
    if user is None:
        raise Unauthorized(_("Send an API token as 'Authorization: Bearer …'."))
    return user


def allows_anonymous(view):
    """An API operation anybody may call: it reads no token (its OpenAPI `security` is empty)."""
    return openapi.document(view, openapi.ANONYMOUS)


def token_optional(view):
    """An API operation anybody may call, where a token shows more (a member's drafts): a bad token is still 401."""
    return openapi.document(view, openapi.ANONYMOUS_OR_TOKEN)


def authenticate_api_call():
    """Before an API view reads anything: the caller's token, required unless the operation says otherwise."""
    if not isinstance(current_app.blueprints.get(request.blueprint), ApiBlueprint):
        return
    view = current_app.view_functions.get(request.endpoint)
    security = getattr(view, "security", None)
    if security == openapi.ANONYMOUS or request.method == "OPTIONS":
        return
    if security == openapi.ANONYMOUS_OR_TOKEN:
        api_user()
    else:
        require_api_user()


def refuse_until_two_factor(user):
    """403 `two_factor_required` for an API caller whom the policy requires a second factor of, without one yet."""
    if two_factor.must_set_up(user, current_app.config["REQUIRE_2FA_FOR"]):
        raise Forbidden(_("Your role requires two-factor sign-in: switch it on at /account/two-factor first."),
                        code="two_factor_required")


def fresh_session():
    """Empty the session of everything but the chosen language (before a log-in, so nothing is carried over)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def current_membership():
    """The membership the signed-in user is acting through (chosen with the organisation switcher)."""
    if not current_user.is_authenticated or not current_user.memberships:
        return None
    chosen = session.get("organization_id")
    return current_user.membership_of(chosen) or current_user.memberships[0]


def init_app(app):
    @app.after_request
    def _keep_token_use(response):
        """A reading call commits nothing itself: keep when its token was last used (written once a minute)."""
        if g.pop("api_token_used", False) and request.method in READ_METHODS and response.status_code < 400:
            db.session.commit()
        return response


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


def _mail_limit():
    return current_app.config["MAIL_LINK_RATE_LIMIT"]


def rate_limited_mail(view):
    """Endpoints that mail a link (resend verification, forgot password): a budget per client address and per
    address asked for, so nobody can flood an inbox."""
    view = limiter.limit(_mail_limit, scope="mail-address", key_func=get_remote_address, methods=["POST"])(view)
    return limiter.limit(_mail_limit, scope="mail-account", key_func=_mail_account_key, methods=["POST"])(view)


def _mail_account_key():
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return _login_account_key()


#: The session key of the account whose log-in waits for its second step.
PENDING_LOGIN_EMAIL = "two_factor_email"


def _second_step_account_key():
    return "account:" + session.get(PENDING_LOGIN_EMAIL, "")


#: The second step of a log-in spends from the same budgets as the password: guessing codes costs like guessing passwords.
second_step_limits = (
    limiter.shared_limit(_login_limit, scope="login-address", key_func=get_remote_address, methods=["POST"]),
    limiter.shared_limit(_login_limit, scope="login-account", key_func=_second_step_account_key, methods=["POST"]),
)


def rate_limited_second_step(view):
    for limit in second_step_limits:
        view = limit(view)
    return view
