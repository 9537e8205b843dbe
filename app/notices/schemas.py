"""Shapes of the notification settings."""
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.notices.models import KINDS, MAIL_MODES

_MODE = "How this kind reaches you by mail: immediately, in a daily digest, or off (in the app it always does)."

PreferencesSchema = Schema.from_dict(
    {kind: fields.String(metadata={"description": _MODE, "enum": list(MAIL_MODES)}) for kind in KINDS},
    name="PreferencesSchema")


class PreferencesUpdateSchema(Schema.from_dict(
        {kind: fields.String(validate=validate.OneOf(MAIL_MODES), metadata={"description": _MODE}) for kind in KINDS})):
    """The kinds to change (at least one); those left out keep their setting."""

    class Meta:
        openapi = {"minProperties": 1}

    @validates_schema
    def _names_one(self, data, **_kwargs):
        if not data:
            raise ValidationError([_l("Choose how at least one kind of notice reaches you.")])
