"""Uploaded files kept by the app: the type read from the content (never the name or the header sent), a size limit,
stored outside the static folder under a random key, served only by the views that check who may read them.

Each use (an expense's receipt, a message's attachment) is an `UploadKind`: its folder, its types, its limit and the
form field its errors name."""
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ValidationFailed

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT, ODS = "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"
ZIP = "application/zip"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", XLSX: "xlsx", DOCX: "docx", ODT: "odt", ODS: "ods", ZIP: "zip"}


@dataclass(frozen=True)
class UploadKind:
    folder_setting: str
    types: tuple
    max_megabytes: int
    field: str
    #: The types as a reader would list them ("PDF, PNG or JPEG"), translatable.
    names: str

    @property
    def max_bytes(self):
        return self.max_megabytes * 1024 * 1024

    def folder(self):
        folder = Path(current_app.config[self.folder_setting])
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def check(self, upload):
        """The file's bytes and its true type, or a field error on `field`; nothing is stored here."""
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationFailed(_("Attach a file."), {self.field: [_("Attach a %(types)s file.", types=self.names)]})
        data = upload.stream.read(self.max_bytes + 1)
        upload.close()
        if len(data) > self.max_bytes:
            raise ValidationFailed(_("The file is too large."),
                                   {self.field: [_("At most %(size)d MB.", size=self.max_megabytes)]})
        if not data:
            raise ValidationFailed(_("The file is empty."), {self.field: [_("The file is empty.")]})
        kind = filetype.guess(data)
        if kind is None or kind.mime not in self.types:
            raise ValidationFailed(_("The file must be one of %(types)s.", types=self.names),
                                   {self.field: [_("Not a %(types)s file (judged by its content).", types=self.names)]})
        return data, kind.mime

    def store(self, data, mime):
        """Write the file; returns its key."""
        key = f"{secrets.token_hex(16)}.{EXTENSIONS[mime]}"
        (self.folder() / key).write_bytes(data)
        return key

    def path_of(self, key):
        folder = self.folder().resolve()
        path = (folder / key).resolve()
        if path.parent != folder:  # keys are ours, but never trust a path
            raise ValueError("Not a stored file key.")
        return path

    def discard(self, key):
        self.path_of(key).unlink(missing_ok=True)


RECEIPTS = UploadKind("RECEIPTS_DIR", (PDF, PNG, JPEG), 5, "receipt", _l("PDF, PNG or JPEG"))
ATTACHMENTS = UploadKind("ATTACHMENTS_DIR", (PDF, PNG, JPEG, XLSX), 10, "attachment", _l("PDF, PNG, JPEG or XLSX"))
#: A tender's documents and the files of a bid: what procurement is written in (an archive for the rest).
TENDER_FILES = UploadKind("TENDER_FILES_DIR", (PDF, DOCX, XLSX, ODT, ODS, ZIP), 25, "file",
                          _l("PDF, DOCX, XLSX, ODT, ODS or ZIP"))
