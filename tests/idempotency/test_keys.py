"""The pure parts of Idempotency-Key: which keys are taken, what makes two requests the same, which operations take a
key."""
import io

import pytest

from app import openapi
from app.errors import ValidationFailed
from app.idempotency.keys import HEADER, applies_to, check_key, fingerprint


@pytest.mark.parametrize("key", ["a", "4f9c1c1e-8a0e-4b1e-9d57-0f3c2d6a7b11", "~" * 255, "order 42 / try #1", " !~"])
def test_one_to_255_printable_ascii_characters_are_a_key(key):
    check_key(key)


@pytest.mark.parametrize("key", ["", "k" * 256, "caf\u00e9", "line\nbreak", "tab\t", "nul\x00", "del\x7f"])
def test_anything_else_is_a_field_error_on_the_header(app, key):
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        check_key(key)
    assert list(refused.value.fields) == [HEADER]


@pytest.fixture
def sent(app):
    """Requests as the app reads them (uploads in memory), in a request context each."""
    contexts = []

    def build(path="/api/v1/listings", method="POST", **kwargs):
        context = app.test_request_context(path, method=method, **kwargs)
        context.push()
        contexts.append(context)
        return context.request

    yield build
    for context in reversed(contexts):
        context.pop()


def test_json_bodies_are_compared_as_data(sent):
    assert fingerprint(sent(data='{"a": 1, "b": [1, 2]}', content_type="application/json")) == \
        fingerprint(sent(data='{"b":[1,2],"a":1}', content_type="application/json"))
    assert fingerprint(sent(data='{"a": 1}', content_type="application/json")) != \
        fingerprint(sent(data='{"a": 2}', content_type="application/json"))


def test_method_path_and_query_count(sent):
    body = {"data": "{}", "content_type": "application/json"}
    prints = {fingerprint(sent(**body)), fingerprint(sent(path="/api/v1/tenders", **body)),
              fingerprint(sent(path="/api/v1/listings?x=1", **body)), fingerprint(sent(method="PUT", **body))}
    assert len(prints) == 4


def test_a_form_is_compared_by_its_fields_and_files_whatever_its_boundary(sent):
    def form(content):
        return sent(data={"body": "Here is the sheet", "attachment": (io.BytesIO(content), "sheet.pdf")},
                       content_type="multipart/form-data")

    first, second = form(b"%PDF-1.4 one"), form(b"%PDF-1.4 one")
    assert first.content_type != second.content_type or True  # werkzeug may draw the same boundary: either way
    assert fingerprint(first) == fingerprint(second)
    assert fingerprint(form(b"%PDF-1.4 one")) != fingerprint(form(b"%PDF-1.4 two"))
    uploaded = form(b"%PDF-1.4 one")
    fingerprint(uploaded)
    assert uploaded.files["attachment"].read() == b"%PDF-1.4 one"  # the handler still reads the whole file


def _view(status, security=None):
    def view():
        return None

    view._apidoc = {"success_status_codes": [status]}
    if security is not None:
        view.security = security
    return view


def test_posts_that_create_for_a_token_take_a_key():
    assert applies_to(_view(201), ["POST"])
    assert applies_to(_view(201, openapi.ANONYMOUS_OR_TOKEN), ["POST"])
    assert not applies_to(_view(201, openapi.ANONYMOUS), ["POST"])  # sign-up, new tokens: nobody to keep keys for
    assert not applies_to(_view(200), ["POST"])
    assert not applies_to(_view(201), ["PATCH"])
