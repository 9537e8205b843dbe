"""Receipt files of expenses: PDF, PNG or JPEG (the type is read from the content, not the name or the header sent), at
most 5 MB, stored under RECEIPTS_DIR (outside the static folder) by a random key, and served only by the app."""
import secrets
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationFailed

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _folder():
    folder = Path(current_app.config["RECEIPTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check(upload):
    """The receipt's bytes and its true type, or a field error on `receipt`; nothing is stored here."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationFailed(_("Attach the receipt."), {"receipt": [_("Attach a PDF, PNG or JPEG file.")]})
    data = upload.stream.read(MAX_BYTES + 1)
    upload.close()
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The receipt is too large."), {"receipt": [_("At most 5 MB.")]})
    if not data:
        raise ValidationFailed(_("The receipt is empty."), {"receipt": [_("The file is empty.")]})
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationFailed(_("The receipt must be a PDF, PNG or JPEG file."),
                               {"receipt": [_("Not a PDF, PNG or JPEG file (judged by its content).")]})
    return data, kind.mime


def store(data, mime):
    """Write the file; returns its key."""
    key = f"{secrets.token_hex(16)}.{ALLOWED[mime]}"
    (_folder() / key).write_bytes(data)
    return key


def path_of(key):
    path = (_folder() / key).resolve()
    if path.parent != _folder().resolve():  # keys are ours, but never trust a path
        raise ValueError("Not a receipt key.")
    return path


def discard(key):
    path_of(key).unlink(missing_ok=True)
