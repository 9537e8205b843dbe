"""Request size limits: no body over 6 MB anywhere, none over 256 KB on Stripe's webhook; a larger one is a 413 (the JSON
problem, or the error page) and stores nothing. Receipts are checked in memory, never spooled to disk first."""
import io
import json

import pytest
import werkzeug.formparser
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.payments.models import StripeEvent
from tests.campaigns.conftest import signature
from tests.campaigns.test_api import _expense, _funded, snapshot
from tests.campaigns.test_pages import PNG
from tests.conftest import csrf_token, login

SEVEN_MB = 7 * 1024 * 1024


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"]["code"] == "too_large" and body["error"]["message"], body
    return body


def test_an_oversize_json_body_to_the_api_is_a_413_problem_and_stores_nothing(app, client, funding):
    campaign = funding.live()
    before = snapshot(app)
    body = {"amount": {"amount": "50.00", "currency": "EUR"}, "email": "dana@example.org", "message": "x" * SEVEN_MB}
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/donations", data=json.dumps(body),
                           content_type="application/json")
    _problem(response, 413)
    assert snapshot(app) == before


def test_an_oversize_webhook_is_a_413_problem_and_no_event_is_stored(app, client, funding, stripe_events):
    donation = funding.donate(funding.live())
    event = stripe_events.checkout_completed(donation)
    event["data"]["object"]["padding"] = "x" * (256 * 1024)
    payload = json.dumps(event).encode()
    response = client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": signature(payload, app.config["STRIPE_WEBHOOK_SECRET"])})
    _problem(response, 413)
    with app.app_context():
        assert db.session.get(StripeEvent, event["id"]) is None
    assert funding.donation(donation["id"]) == "pending"


def test_a_webhook_just_under_the_limit_is_read(app, client, funding, stripe_events):
    donation = funding.donate(funding.live())
    event = stripe_events.checkout_completed(donation)
    event["data"]["object"]["padding"] = "x" * (250 * 1024)
    assert stripe_events.deliver(event) == "succeeded"


def test_an_oversize_receipt_through_the_api_is_a_413_and_nothing_is_stored(app, client, funding, stripe_events):
    campaign = _funded(funding, stripe_events)
    before = snapshot(app)
    _problem(_expense(client, funding, campaign, file=(PNG + b"\0" * SEVEN_MB, "huge.png")), 413)
    assert snapshot(app) == before


def test_an_oversize_receipt_on_the_page_is_the_413_error_page_and_nothing_is_stored(app, client, funding, stripe_events):
    campaign = _funded(funding, stripe_events)
    login(client, funding.owner_user)
    before = snapshot(app)
    url = f"/campaigns/{campaign['id']}/expenses/new"
    huge = FileStorage(io.BytesIO(PNG + b"\0" * SEVEN_MB), filename="huge.png")
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, url), "amount": "10.00", "category": "works",
                                       "description": "Door seals", "spent_on": "2026-11-20", "receipt": huge})
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "413" in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.fixture
def no_temporary_files(monkeypatch):
    """werkzeug's form parser may not spool an upload to a temporary file on disk."""
    def refuse(*args, **kwargs):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    monkeypatch.setattr(werkzeug.formparser, "TemporaryFile", refuse, raising=False)


def test_a_receipt_over_5_mb_is_refused_at_its_field_without_touching_the_disk(app, client, funding, stripe_events,
                                                                               no_temporary_files):
    campaign = _funded(funding, stripe_events)
    before = snapshot(app)
    response = _expense(client, funding, campaign, file=(PNG + b"\0" * (5 * 1024 * 1024 + 512 * 1024), "big.png"))
    assert response.status_code == 422 and "receipt" in response.get_json()["error"]["fields"]
    assert snapshot(app) == before
    # A receipt within the limit is checked in memory and stored once, as a file of the receipts folder.
    assert _expense(client, funding, campaign, file=(PNG + b"\0" * (1024 * 1024), "door.png")).status_code == 201
