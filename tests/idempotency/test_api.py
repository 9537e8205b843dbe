"""Idempotency-Key on the API's creating operations, against the real database: a request sent again gets the first
answer and creates nothing more, whether the first answer was lost after its commit or the first request died before
it; the same key with another request is refused; two requests with one key at the same moment create one listing."""
import datetime as dt
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from app.catalog import services as catalog_services
from app.catalog.models import Listing
from app.extensions import db
from app.idempotency import forget_expired
from app.idempotency.models import IdempotencyKey
from app.models_base import utcnow
from tests.catalog.test_api import VALID
from tests.conftest import Factory, at_once


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def seller(make, auth):
    admin = make.user()
    organization = make.organization(admin)
    return auth(make.token(admin)), {**VALID, "organization_id": organization.id}


def post(client, headers, payload, key):
    return client.post("/api/v1/listings", headers={**headers, "Idempotency-Key": key}, json=payload)


def test_the_same_request_again_gets_the_same_answer_and_creates_one_listing(app, client, seller):
    headers, payload = seller
    key = str(uuid.uuid4())
    first = post(client, headers, payload, key)
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers

    # The answer is lost (a dead app server, a timeout): the client, or nginx, sends the request again.
    again = post(client, headers, payload, key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert count(app, Listing) == 1 and count(app, IdempotencyKey) == 1

    # The same body written otherwise (keys in another order) is the same request.
    reordered = dict(reversed(list(payload.items())))
    assert post(client, headers, reordered, key).get_json() == first.get_json()
    # Without a key, or with another one, a request creates again.
    assert client.post("/api/v1/listings", headers=headers, json=payload).status_code == 201
    assert post(client, headers, payload, str(uuid.uuid4())).status_code == 201
    assert count(app, Listing) == 3


def test_the_same_key_with_another_request_is_refused_and_changes_nothing(app, client, seller):
    headers, payload = seller
    key = str(uuid.uuid4())
    first = post(client, headers, payload, key)
    assert first.status_code == 201

    other = post(client, headers, {**payload, "title": "Another coffee"}, key)
    assert other.status_code == 422
    error = other.get_json()["error"]
    assert error["code"] == "idempotency_key_reused" and list(error["fields"]) == ["Idempotency-Key"]
    elsewhere = client.post("/api/v1/tenders", headers={**headers, "Idempotency-Key": key}, json={"title": "x"})
    assert elsewhere.status_code == 422 and elsewhere.get_json()["error"]["code"] == "idempotency_key_reused"
    assert count(app, Listing) == 1
    with app.app_context():
        assert db.session.scalar(select(Listing.title)) == VALID["title"]


def test_keys_are_kept_per_user(app, client, seller, make, auth):
    headers, payload = seller
    key = str(uuid.uuid4())
    assert post(client, headers, payload, key).status_code == 201
    stranger = make.user()
    other_organization = make.organization(stranger)
    theirs = post(client, auth(make.token(stranger)), {**payload, "organization_id": other_organization.id}, key)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert count(app, Listing) == 2


def test_an_error_answer_is_not_kept_and_the_corrected_request_may_use_the_key(app, client, seller):
    headers, payload = seller
    key = str(uuid.uuid4())
    refused = post(client, headers, {**payload, "cpv_code": "not a code"}, key)
    assert refused.status_code == 422 and "cpv_code" in refused.get_json()["error"]["fields"]
    assert count(app, IdempotencyKey) == 0

    corrected = post(client, headers, payload, key)
    assert corrected.status_code == 201 and "Idempotent-Replayed" not in corrected.headers
    assert count(app, Listing) == 1


def test_a_request_that_dies_after_its_flush_leaves_no_key_and_its_retry_creates(app, client, seller, monkeypatch):
    headers, payload = seller
    key = str(uuid.uuid4())
    create_listing = catalog_services.create_listing

    def dies_after_flush(organization, fields):
        create_listing(organization, fields)
        db.session.flush()
        raise RuntimeError("the app server dies before the commit")

    monkeypatch.setattr(catalog_services, "create_listing", dies_after_flush)
    assert post(client, headers, payload, key).status_code == 500
    assert count(app, Listing) == 0 and count(app, IdempotencyKey) == 0

    monkeypatch.setattr(catalog_services, "create_listing", create_listing)
    retry = post(client, headers, payload, key)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert count(app, Listing) == 1


def test_a_request_that_dies_while_keeping_its_answer_leaves_nothing(app, client, seller, monkeypatch):
    from app.idempotency import keys

    headers, payload = seller
    key = str(uuid.uuid4())

    def dies(_claim, _response):
        raise RuntimeError("the app server dies after the handler, before the commit")

    monkeypatch.setattr(keys, "_keep", dies)
    assert post(client, headers, payload, key).status_code == 500
    monkeypatch.undo()
    # Nothing half-done: no listing, no key; the handler's own commit was held.
    assert count(app, Listing) == 0 and count(app, IdempotencyKey) == 0
    assert post(client, headers, payload, key).status_code == 201
    assert count(app, Listing) == 1


@pytest.mark.parametrize("key, message", [
    ("", "Give 1 to 255 characters."),
    ("k" * 256, "Give 1 to 255 characters."),
    ("clé-1", "Use printable ASCII characters only."),
    ("tab\there", "Use printable ASCII characters only."),
])
def test_a_malformed_key_is_a_field_error_on_the_header(app, client, seller, key, message):
    headers, payload = seller
    response = client.post("/api/v1/listings", headers={**headers, "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
                           json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"Idempotency-Key": [message]}
    assert count(app, Listing) == 0


def test_an_operation_without_keys_refuses_one(client, seller, make):
    headers, _payload = seller
    response = client.post("/api/v1/notifications/read", headers={**headers, "Idempotency-Key": "k-1"}, json={"ids": []})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"Idempotency-Key": ["This operation does not take an Idempotency-Key."]}


def test_a_donation_without_a_token_cannot_carry_a_key(client):
    response = client.post("/api/v1/campaigns/1/donations", headers={"Idempotency-Key": "k-1"},
                           json={"amount": {"amount": "10.00", "currency": "EUR"}, "email": "donor@example.org"})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["Idempotency-Key"]


def test_keys_older_than_a_day_are_forgotten_and_their_requests_create_again(app, client, seller):
    headers, payload = seller
    key = str(uuid.uuid4())
    assert post(client, headers, payload, key).status_code == 201
    with app.app_context():
        assert forget_expired(now=utcnow() + dt.timedelta(hours=23)) == 0
        db.session.execute(IdempotencyKey.__table__.update().values(created_at=utcnow() - dt.timedelta(hours=25)))
        db.session.commit()
    # Expired but not yet forgotten by the worker: the key is free again.
    again = post(client, headers, payload, key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    with app.app_context():
        assert forget_expired(now=utcnow() + dt.timedelta(hours=25)) == 1
        db.session.commit()
    assert count(app, IdempotencyKey) == 0 and count(app, Listing) == 2


def _committed_seller(app, server):
    make = Factory(app)
    admin = make.user()
    organization = make.organization(admin)
    headers = {"Authorization": f"Bearer {make.token(admin)}"}
    # The token's use is noted now (then once a minute): the requests of the test wait for nothing but their key.
    assert requests.get(f"{server}/api/v1/me", headers=headers, timeout=30).status_code == 200
    return headers, {**VALID, "organization_id": organization.id}


def _slow_listings(monkeypatch, seconds):
    """Each listing takes `seconds` to make: the requests surely overlap."""
    create_listing = catalog_services.create_listing

    def slowly(organization, fields):
        listing = create_listing(organization, fields)
        time.sleep(seconds)
        return listing

    monkeypatch.setattr(catalog_services, "create_listing", slowly)


def test_two_requests_with_one_key_at_once_create_one_listing(committed_app, live_server, monkeypatch):
    app = committed_app
    headers, payload = _committed_seller(app, live_server)
    _slow_listings(monkeypatch, 0.5)
    keys = [str(uuid.uuid4()) for _round in range(3)]

    for key in keys:
        def send(key=key):
            response = requests.post(f"{live_server}/api/v1/listings", json=payload, timeout=60,
                                     headers={**headers, "Idempotency-Key": key})
            return response.status_code, response.headers.get("Idempotent-Replayed"), response.json()

        answers = at_once([send, send])
        assert [status for status, _replayed, _body in answers] == [201, 201], answers
        assert sorted(str(replayed) for _status, replayed, _body in answers) == ["None", "true"]
        assert answers[0][2] == answers[1][2]

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Listing)) == len(keys)


def test_a_request_that_waits_too_long_for_its_key_is_told_to_retry(committed_app, live_server, monkeypatch):
    """On PostgreSQL the second request waits at the key's row, then is told to retry; SQLite's writers take turns
    (BEGIN IMMEDIATE, busy_timeout of 5 s), so there the second waits for the whole first one and gets its answer."""
    app = committed_app
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.2
    headers, payload = _committed_seller(app, live_server)
    _slow_listings(monkeypatch, 1.5)
    key = str(uuid.uuid4())

    def send():
        response = requests.post(f"{live_server}/api/v1/listings", json=payload, timeout=60,
                                 headers={**headers, "Idempotency-Key": key})
        return response.status_code, response.json()

    answers = at_once([send, send])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert [status for status, _body in answers] == [201, 201] and answers[0] == answers[1], answers
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Listing)) == 1
        return
    assert sorted(status for status, _body in answers) == [201, 409], answers
    (busy,) = [body["error"] for status, body in answers if status == 409]
    assert busy["code"] == "idempotency_key_in_use" and list(busy["fields"]) == ["Idempotency-Key"]
    (created,) = [body for status, body in answers if status == 201]
    assert send() == (201, created)  # the retry, once the first is done, gets its answer
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Listing)) == 1


def test_the_worker_forgets_the_expired_keys_only(app, client, seller):
    headers, payload = seller
    for _n in range(3):
        assert post(client, headers, payload, str(uuid.uuid4())).status_code == 201
    with app.app_context():
        oldest = db.session.scalar(select(func.min(IdempotencyKey.id)))
        db.session.execute(IdempotencyKey.__table__.update().where(IdempotencyKey.id == oldest)
                           .values(created_at=utcnow() - dt.timedelta(hours=24, minutes=1)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["api", "forget-keys"])
    assert result.exit_code == 0, result.output
    assert "1 expired idempotency key(s) forgotten" in result.output
    assert count(app, IdempotencyKey) == 2
