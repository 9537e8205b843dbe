"""HTML forms of organisations."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField

from app.accounts.models import ROLES
from app.forms import options
from app.labels import choices
from app.orgs.models import FEDERATION_SCOPES, LEGAL_FORMS, SECTORS, SIZES

LEGAL_FORM_LABELS = {
    "cooperative": _l("Cooperative"),
    "cooperative_federation": _l("Cooperative federation"),
    "cooperative_bank": _l("Cooperative bank"),
    "mutual": _l("Mutual"),
    "sme": _l("SME (not a cooperative)"),
    "large_enterprise": _l("Large enterprise"),
    "ngo": _l("NGO"),
    "public_body": _l("Public body"),
}
SECTOR_LABELS = {
    "agriculture": _l("Agriculture"),
    "banking": _l("Banking"),
    "consumer": _l("Consumer / retail"),
    "fisheries": _l("Fisheries"),
    "health": _l("Health"),
    "housing": _l("Housing"),
    "industry_services": _l("Industry and services"),
    "insurance": _l("Insurance"),
    "other": _l("Other"),
}
SIZE_LABELS = {"micro": _l("Micro"), "small": _l("Small"), "medium": _l("Medium"), "large": _l("Large")}
FEDERATION_SCOPE_LABELS = {"territorial": _l("Territorial: the co-operatives of a country or a region"),
                           "sectoral": _l("Sectoral: the co-operatives of its sector")}

legal_form_choices = options([(value, LEGAL_FORM_LABELS[value]) for value in LEGAL_FORMS])
sector_choices = options([(value, SECTOR_LABELS[value]) for value in SECTORS])
size_choices = options([(value, SIZE_LABELS[value]) for value in SIZES])
federation_scope_choices = options([("", _l("— (not a federation)"))]
                                   + [(value, FEDERATION_SCOPE_LABELS[value]) for value in FEDERATION_SCOPES])


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"))
    legal_form = SelectField(_l("Legal form"), choices=legal_form_choices)
    size = SelectField(_l("Size"), choices=size_choices)
    country = SelectField(_l("Country"))
    city = StringField(_l("City"))
    sector = SelectField(_l("Sector"), choices=sector_choices)
    website = StringField(_l("Website"))
    description = TextAreaField(_l("Description"), render_kw={"rows": 5})
    sdgs = SelectMultipleField(_l("SDGs you commit to"), coerce=str)
    federation_scope = SelectField(_l("Scope of the federation"), choices=federation_scope_choices)
    report_public = BooleanField(_l("Make our report public: anyone may read our trade, contracts and campaign money "
                                    "by month and by SDG (our members always may)"))


class VerificationDecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=options([("verified", _l("Verify")), ("rejected", _l("Reject"))]))
    note = TextAreaField(_l("Note (shown on the public profile)"), render_kw={"rows": 3})


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=options(choices("role", ROLES)))
