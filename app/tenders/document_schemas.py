"""Shapes of a tender's documents, bids' files and clarification questions in the API."""
from marshmallow import Schema, fields, validate

from app.converters import MAX_ID
from app.schemas import Trimmed, WholeNumber

TITLE_LENGTH = (3, 200)
QUESTION_LENGTH = (10, 5_000)
ANSWER_LENGTH = (2, 10_000)
FILE_PROPERTY = {"type": "string", "format": "binary",
                 "description": "PDF, DOCX, XLSX, ODT, ODS or ZIP (judged by its content), at most 25 MB"}


class DocumentFormSchema(Schema):
    """A new document as multipart/form-data: its title and its file."""

    class Meta:
        openapi = {"properties": {"file": FILE_PROPERTY}, "required": ["file"]}

    title = Trimmed(required=True, validate=validate.Length(*TITLE_LENGTH))


class DocumentVersionFormSchema(Schema):
    """A new version of a document as multipart/form-data: its file, and a new title if it changes."""

    class Meta:
        openapi = {"properties": {"file": FILE_PROPERTY}, "required": ["file"]}

    title = Trimmed(validate=validate.Length(*TITLE_LENGTH))


class BidFileFormSchema(Schema):
    """A bid's file as multipart/form-data."""

    class Meta:
        openapi = {"properties": {"file": FILE_PROPERTY}, "required": ["file"]}


class DocumentSchema(Schema):
    id = fields.Integer()
    number = fields.Integer(metadata={"description": "The document's place in the tender, the same for all its versions"})
    version = fields.Integer()
    title = fields.String()
    file_name = fields.String()
    media_type = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String(metadata={"description": "SHA-256 of the file, 64 hexadecimal digits"})
    current = fields.Boolean(attribute="is_current", metadata={"description": "False once a newer version replaced it"})
    url = fields.String(metadata={"description": "Where the file is downloaded"})
    created_at = fields.DateTime()


class BidFileSchema(Schema):
    id = fields.Integer()
    bid_id = fields.Integer()
    file_name = fields.String()
    media_type = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String()
    url = fields.String()
    created_at = fields.DateTime()


class QuestionCreateSchema(Schema):
    organization_id = WholeNumber(required=True, validate=validate.Range(1, MAX_ID),
                                  metadata={"description": "Your organisation (a supplier; never published)"})
    question = Trimmed(required=True, validate=validate.Length(*QUESTION_LENGTH))


class AnswerSchema(Schema):
    answer = Trimmed(required=True, validate=validate.Length(*ANSWER_LENGTH))


class QuestionSchema(Schema):
    """A question and its answer, as everybody reads them: without who asked."""

    id = fields.Integer()
    tender_id = fields.Integer()
    question = fields.String()
    answer = fields.String(allow_none=True)
    asked_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
