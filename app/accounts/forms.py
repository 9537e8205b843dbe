"""HTML forms of accounts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from app.accounts.models import ROLES
from app.forms import options
from app.labels import choices
from app.orgs.forms import legal_form_choices, sector_choices, size_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"))
    password = PasswordField(_l("Password"))
    remember = BooleanField(_l("Keep me signed in"))


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"))
    email = EmailField(_l("E-mail address"))
    password = PasswordField(_l("Password"), description=_l("At least 12 characters; not a common password."))
    organization_name = StringField(_l("Organisation name"))
    organization_legal_form = SelectField(_l("Legal form"), choices=legal_form_choices)
    organization_size = SelectField(_l("Size"), choices=size_choices)
    organization_country = SelectField(_l("Country"))
    organization_sector = SelectField(_l("Sector"), choices=sector_choices)


class InvitationForm(FlaskForm):
    email = EmailField(_l("E-mail address"))
    role = SelectField(_l("Role"), choices=options(choices("role", ROLES)))


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"))
    password = PasswordField(_l("Choose a password"), description=_l("At least 12 characters; not a common password."))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), default="API token", validators=[Length(max=80)])
    scope = SelectField(_l("Scope"), default="write",
                        choices=options([("write", _l("Read and write")), ("read", _l("Read only"))]))
    expires_in_days = IntegerField(_l("Expires after (days)"), default=90,
                                   validators=[InputRequired(), NumberRange(1, 365)])


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), description=_l("At least 12 characters; hard to guess."))


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"))


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"))


class TwoFactorCodeForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("The 6-digit code your authenticator app shows now."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class SecondStepForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("The 6-digit code of your authenticator app, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "autofocus": True})


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Password"))
    code = StringField(_l("Code"), description=_l("A code of your authenticator app, or a recovery code."),
                       render_kw={"autocomplete": "one-time-code"})
