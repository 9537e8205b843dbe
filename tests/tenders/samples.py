"""Files as offices write them (built here, byte for byte: a PDF's header, the ZIP layouts of DOCX/XLSX/ODT/ODS), and
a folder of each test's own for the tender files."""
import datetime as dt
import hashlib
import io
import zipfile

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models_base import utcnow
from app.tenders.models import Tender


def pdf(text="Specification"):
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode() + b"\ntrailer << >>\n%%EOF\n"


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def office(kind):
    """A minimal file of `kind` (docx, xlsx, odt, ods, zip) that content sniffing recognises."""
    return {
        "docx": lambda: _zip([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")]),
        "xlsx": lambda: _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")]),
        "odt": lambda: _zip([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<o/>")]),
        "ods": lambda: _zip([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", "<o/>")]),
        "zip": lambda: _zip([("annex.txt", "Annex to the offer")]),
    }[kind]()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def tender_files_folder(app, tmp_path, monkeypatch):
    """Tender documents and bid files go to a folder of the test's own."""
    monkeypatch.setitem(app.config, "TENDER_FILES_DIR", str(tmp_path / "tender-files"))


BOUNDARY = "coopex-test-boundary"


def upload(client, url, headers, data, name="specification.pdf", **fields):
    """POST `data` as the multipart field `file`, with `fields`; the body is built here, in memory (the test client
    would spool a large one to a temporary file it never closes)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return client.post(url, headers=headers, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def set_times(app, tender, **moments):
    """Time passes: set the tender's deadline or clarification deadline to moments relative to now (timedeltas)."""
    now = utcnow()
    with app.app_context():
        db.session.execute(update(Tender).where(Tender.id == tender["id"])
                           .values(**{name: now + delta for name, delta in moments.items()}))
        db.session.commit()
    return now


def deadline_of(app, tender):
    with app.app_context():
        return db.session.get(Tender, tender["id"]).deadline


DAY = dt.timedelta(days=1)


def download(client, url, headers=None):
    """GET a file and close the answer (a file answer holds its file open until closed)."""
    response = client.get(url, headers=headers or {})
    response.get_data()
    response.close()
    return response
