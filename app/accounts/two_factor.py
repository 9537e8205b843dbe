"""Two-factor sign-in: TOTP codes from an authenticator app, single-use recovery codes, and who must use them."""
import hashlib
import hmac
import secrets
import time

import pyotp
from flask_babel import gettext as _
from sqlalchemy import delete
from werkzeug.security import check_password_hash

from app.accounts import services
from app.accounts.models import RecoveryCode
from app.audit.services import record
from app.errors import Conflict, Forbidden, Unauthorized
from app.extensions import db
from app.models_base import utcnow

ISSUER = "Coopex"
STEP_SECONDS = 30
#: Codes of the step before and after the current one are accepted too: phones' clocks drift.
WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: No 0/o, 1/l/i: the codes are copied by hand. 16 of these 31 characters carry 79 bits, enough for a plain SHA-256.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 16
POLICY_WORDS = ("admin", "finance")


def parse_required_for(setting):
    """REQUIRE_2FA_FOR ("admin,finance", or a list) → the set of its known words."""
    words = setting.split(",") if isinstance(setting, str) else (setting or ())
    return frozenset(word.strip().lower() for word in words if word.strip().lower() in POLICY_WORDS)


def two_factor_required(user, required_for):
    """True if the policy makes the user sign in with a second factor: platform admins for "admin", members with the
    finance role (in any organisation) for "finance"."""
    required_for = parse_required_for(required_for)
    if "admin" in required_for and user.is_platform_admin:
        return True
    return "finance" in required_for and any(m.role == "finance" for m in user.memberships)


def must_set_up(user, required_for):
    """True if the policy requires a second factor of this user and it is not switched on yet."""
    return not user.two_factor_enabled and two_factor_required(user, required_for)


def time_step(at):
    return int(at // STEP_SECONDS)


def matching_step(secret, code, at, last_step=None):
    """The time step whose TOTP code is `code`, within WINDOW of `at`, and later than `last_step`; else None."""
    code = normalise_code(code)
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = time_step(at)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def normalise_code(code):
    """What the person typed, without spaces or dashes, in lower case."""
    return "".join(str(code or "").split()).replace("-", "").lower()


def _digest(code):
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def provisioning_uri(user):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)


def start_setup(user):
    """Give the user a new TOTP secret to scan, unless one is waiting for confirmation; two-factor stays off."""
    if user.two_factor_enabled:
        raise Conflict(_("Two-factor sign-in is already on."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def enable(user, code, at=None):
    """Switch two-factor sign-in on once a code from the scanned secret is right; returns new recovery codes."""
    if user.two_factor_enabled:
        raise Conflict(_("Two-factor sign-in is already on."))
    if user.totp_secret is None:
        raise Conflict(_("Start the set-up again: there is no secret to confirm."))
    step = matching_step(user.totp_secret, code, time.time() if at is None else at)
    if step is None:
        raise Unauthorized(_("The code is not right."),
                           {"code": [_("Enter the 6-digit code your app shows now.")]})
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    record("account.two_factor_enabled", actor=user, subject=f"user:{user.id}")
    return _new_recovery_codes(user)


def _new_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _index in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _char in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw)))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    return codes


def remaining_recovery_codes(user):
    return sum(1 for code in user.recovery_codes if code.used_at is None)


def _use_totp(user, code, at):
    step = matching_step(user.totp_secret, code, at, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _use_recovery_code(user, code):
    digest = _digest(code)
    for recovery in user.recovery_codes:
        if recovery.used_at is None and hmac.compare_digest(recovery.code_hash, digest):
            recovery.used_at = utcnow()
            return True
    return False


def verify_second_factor(user, code, at=None, *, field="code", allow_recovery=True):
    """Accept a current TOTP code (once) or an unused recovery code of the user; else Unauthorized on `field`."""
    at = time.time() if at is None else at
    if not user.two_factor_enabled:
        raise Conflict(_("Two-factor sign-in is off."))
    if not normalise_code(code):
        raise Unauthorized(_("The code is missing."), {field: [_("Enter the code from your authenticator app.")]})
    if _use_totp(user, code, at) or (allow_recovery and _use_recovery_code(user, code)):
        db.session.flush()
        return user
    raise Unauthorized(_("The code is not right."),
                       {field: [_("This code is wrong, expired or already used.")]})


def regenerate_recovery_codes(user, code, at=None):
    """New recovery codes in place of the old ones, once the user proves the second factor; returns them."""
    verify_second_factor(user, code, at)
    return _new_recovery_codes(user)


def disable(user, password, code, at=None, *, required_for=()):
    """Switch two-factor sign-in off: needs the password and a code, and is refused to those the policy requires it of."""
    if two_factor_required(user, required_for):
        raise Forbidden(_("Your role requires two-factor sign-in; it cannot be switched off."))
    if not check_password_hash(user.password_hash, password or ""):
        raise Unauthorized(_("The password is not right."), {"password": [_("Wrong password.")]})
    verify_second_factor(user, code, at)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("account.two_factor_disabled", actor=user, subject=f"user:{user.id}")
    db.session.expire(user, ["recovery_codes"])
    return user


def authenticate_for_token(email, password, otp, at=None, *, required_for=()):
    """The user who may receive a new API token: right password, and the current TOTP code when two-factor is on.

    Those the policy requires a second factor of get no token before they switch it on."""
    user = services.authenticate(email, password)
    if user is None:
        raise Unauthorized(_("Wrong e-mail address or password."))
    if must_set_up(user, required_for):
        raise Forbidden(_("Your role requires two-factor sign-in: switch it on at /account/two-factor first."),
                        code="two_factor_required")
    if user.two_factor_enabled:
        verify_second_factor(user, otp, at, field="otp", allow_recovery=False)
    return user
