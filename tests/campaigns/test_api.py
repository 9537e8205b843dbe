"""The campaigns API: lifecycle, and for every endpoint the wrong person, the wrong input and the wrong moment → 4xx with
field errors and nothing changed. Expenses with receipts: the type is read from the content, 5 MB at most."""
import datetime as dt
import io
import os

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.campaigns.models import Campaign, CampaignUpdate, Donation, Expense, LedgerEntry, MatchPledge
from app.extensions import db
from app.models_base import utcnow

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def snapshot(app):
    """Counts and figures of everything a refused request must not change."""
    with app.app_context():
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Campaign, Donation, MatchPledge, Expense, LedgerEntry, CampaignUpdate)}
        campaigns = [(c.id, c.status, c.title, c.goal_minor, c.deadline, c.raised_minor, c.matched_minor, c.refunded_minor)
                     for c in db.session.scalars(select(Campaign).order_by(Campaign.id))]
        return counts, campaigns, sorted(os.listdir(app.config["RECEIPTS_DIR"])) if os.path.isdir(app.config["RECEIPTS_DIR"]) else []


def test_a_campaign_from_draft_to_live_shows_its_story_safely(app, funding, client):
    draft = funding.create(story="## Why\n\n<script>alert('x')</script> **Fresh** fruit. [site](javascript:alert(1))")
    assert draft["status"] == "draft" and draft["sdgs"] == [2, 12]
    assert "<script>" not in draft["story_html"] and "&lt;script&gt;" in draft["story_html"]
    assert "<strong>Fresh</strong>" in draft["story_html"] and 'href="javascript' not in draft["story_html"]
    assert client.get(f"/api/v1/campaigns/{draft['id']}").status_code == 404  # drafts are the organisation's
    assert [line["spent"]["amount"] for line in draft["budget_lines"]] == ["0.00", "0.00", "0.00"]

    live = client.post(f"/api/v1/campaigns/{draft['id']}/publish", headers=funding.h["owner"]).get_json()
    assert live["status"] == "live" and live["published_at"]
    public = client.get(f"/api/v1/campaigns/{draft['id']}").get_json()
    assert (public["goal"], public["raised"], public["donors_count"]) == ({"amount": "12000.00", "currency": "EUR"},
                                                                          {"amount": "0.00", "currency": "EUR"}, 0)


def test_once_live_the_terms_are_fixed_but_the_story_may_change(app, funding, client):
    campaign = funding.live()
    url, headers = f"/api/v1/campaigns/{campaign['id']}", funding.h["owner"]
    before = snapshot(app)
    for change in ({"goal": {"amount": "9000.00", "currency": "EUR"}}, {"deadline": (utcnow() + dt.timedelta(days=60)).isoformat()},
                   {"funding_model": "all_or_nothing"}, {"sdgs": [1]}):
        response = client.patch(url, headers=headers, json=change)
        assert response.status_code == 409 and set(response.get_json()["error"]["fields"]) == set(change)
    assert snapshot(app) == before
    response = client.patch(url, headers=headers, json={"story": "We found a cheaper supplier."})
    assert response.status_code == 200 and "cheaper" in response.get_json()["story_html"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "  "}, "title"),
    ({"goal": {"amount": "-5", "currency": "EUR"}}, "goal"),
    ({"goal": {"amount": "10.005", "currency": "EUR"}}, "goal"),
    ({"goal": {"amount": "10.5", "currency": "JPY"}}, "goal"),
    ({"goal": {"amount": "100", "currency": "EURO"}}, "goal"),
    ({"deadline": "2027-01-01T00:00:00"}, "deadline"),
    ({"deadline": "2020-01-01T00:00:00+00:00"}, "deadline"),
    ({"deadline": (utcnow() + dt.timedelta(days=400)).isoformat()}, "deadline"),
    ({"funding_model": "all_or_some"}, "funding_model"),
    ({"sdgs": [18]}, "sdgs"),
    ({"budget_lines": [{"title": "Panels", "amount": {"amount": "10.00", "currency": "GBP"}}]}, "budget_lines"),
    ({"budget_lines": [{"title": "P", "amount": {"amount": "10.00", "currency": "EUR"}}]}, "budget_lines"),
    ({"story": "x" * 50_001}, "story"),
    ({"organization_id": "1"}, "organization_id"),
])
def test_bad_campaigns_are_refused_with_field_errors(app, funding, client, change, field):
    from tests.campaigns.conftest import campaign_payload

    before = snapshot(app)
    response = client.post("/api/v1/campaigns", headers=funding.h["owner"], json={**campaign_payload(funding.owner.id), **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert snapshot(app) == before


def _endpoints(campaign_id, donation_id):
    return [
        ("post", "/api/v1/campaigns", {"organization_id": None}),
        ("patch", f"/api/v1/campaigns/{campaign_id}", {"title": "Taken over"}),
        ("post", f"/api/v1/campaigns/{campaign_id}/publish", None),
        ("post", f"/api/v1/campaigns/{campaign_id}/close", None),
        ("post", f"/api/v1/campaigns/{campaign_id}/updates", {"title": "Hello", "body": "News"}),
        ("post", f"/api/v1/donations/{donation_id}/refund", None),
        ("post", f"/api/v1/campaigns/{campaign_id}/disbursements", {"amount": {"amount": "1.00", "currency": "EUR"},
                                                                    "description": "To our account"}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "other_organisation_admin", "seller_member", "buyer_member"])
def test_owner_endpoints_are_refused_to_anyone_but_admins_and_finance(app, funding, client, stripe_events, make, auth, who):
    campaign = funding.live()
    donation = funding.donate(campaign, "20.00")
    stripe_events.send(stripe_events.checkout_completed(donation))
    headers = make.headers_of(who, funding.owner, auth)
    before = snapshot(app)
    for method, path, body in _endpoints(campaign["id"], donation["id"]):
        if path == "/api/v1/campaigns":
            body = {"organization_id": funding.owner.id, "title": "x"}
        response = getattr(client, method)(path, headers=headers, json=body)
        assert response.status_code in (401, 403, 404, 405, 422), (who, path, response.status_code)
        if who == "anonymous":
            assert response.status_code in (401, 404, 405, 422), path
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/expenses", headers=headers,
                           data={"amount": "1.00", "category": "works", "description": "Tiles", "spent_on": "2026-11-20",
                                 "receipt": (io.BytesIO(PNG), "receipt.png")}, content_type="multipart/form-data")
    assert response.status_code in (401, 403, 404)
    assert snapshot(app) == before


def test_a_finance_member_of_another_organisation_cannot_refund_or_read_a_draft(app, funding, client, make, auth):
    draft = funding.create()
    outsider = make.user()
    make.organization(outsider, role="finance")
    headers = auth(make.token(outsider))
    assert client.get(f"/api/v1/campaigns/{draft['id']}", headers=headers).status_code == 404
    assert client.patch(f"/api/v1/campaigns/{draft['id']}", headers=headers, json={"title": "Mine now"}).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": {"amount": "abc", "currency": "EUR"}, "email": "d@example.org"}, "amount"),
    ({"amount": {"amount": "10.001", "currency": "EUR"}, "email": "d@example.org"}, "amount"),
    ({"amount": {"amount": "10.00", "currency": "GBP"}, "email": "d@example.org"}, "amount"),
    ({"amount": {"amount": "0", "currency": "EUR"}, "email": "d@example.org"}, "amount"),
    ({"amount": {"amount": "10.00", "currency": "EUR"}, "email": "not-an-address"}, "email"),
    ({"amount": {"amount": "10.00", "currency": "EUR"}}, "email"),
    ({"amount": {"amount": "10.00", "currency": "EUR"}, "email": "d@example.org", "anonymous": "perhaps"}, "anonymous"),
    ({"amount": {"amount": "10.00", "currency": "EUR"}, "email": "d@example.org", "message": "x" * 1001}, "message"),
    ({"amount": {"amount": "10.00", "currency": "EUR"}, "email": "d@example.org", "tip": "5"}, "tip"),
])
def test_bad_donations_are_refused_with_field_errors_and_nothing_kept(app, funding, client, body, field):
    campaign = funding.live()
    before = snapshot(app)
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/donations", json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    assert snapshot(app) == before


def test_donations_are_taken_only_by_live_campaigns_before_their_deadline(app, funding, client):
    body = {"amount": {"amount": "10.00", "currency": "EUR"}, "email": "d@example.org"}
    draft = funding.create()
    assert client.post(f"/api/v1/campaigns/{draft['id']}/donations", json=body).status_code == 404
    ended = funding.live()
    funding.pass_deadline(ended)
    before = snapshot(app)
    assert client.post(f"/api/v1/campaigns/{ended['id']}/donations", json=body).status_code == 409
    assert snapshot(app) == before


def test_anonymous_donors_show_as_anonymous_in_public(app, funding, client, stripe_events):
    campaign = funding.live()
    for name, anonymous in (("Dana Giver", True), ("Eli Giver", False)):
        donation = funding.donate(campaign, "15.00", name=name, anonymous=anonymous, message="Good luck")
        stripe_events.send(stripe_events.checkout_completed(donation))
    listed = client.get(f"/api/v1/campaigns/{campaign['id']}/donations").get_json()
    assert sorted((d["name"], d["message"]) for d in listed) == [("Anonymous", ""), ("Eli Giver", "Good luck")]
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    ledger_page = client.get(f"/campaigns/{campaign['id']}/ledger").get_data(as_text=True)
    csv_text = client.get(f"/campaigns/{campaign['id']}/ledger.csv").get_data(as_text=True)
    for public in (page, ledger_page, csv_text, str(client.get(f"/api/v1/campaigns/{campaign['id']}/ledger").get_json())):
        assert "Dana" not in public
    assert "Anonymous" in ledger_page and "Eli Giver" in ledger_page


@pytest.mark.parametrize(("body", "field"), [
    ({"factor": "0"}, "factor"), ({"factor": "11"}, "factor"), ({"factor": "1.005"}, "factor"),
    ({"cap_per_donation": {"amount": "10.00", "currency": "GBP"}}, "cap_per_donation"),
    ({"cap_per_donation": {"amount": "2000.00", "currency": "EUR"}}, "cap_per_donation"),
    ({"cap_total": {"amount": "-1", "currency": "EUR"}}, "cap_total"),
])
def test_bad_match_pledges_are_refused(app, funding, client, body, field):
    campaign = funding.live()
    payload = {"organization_id": funding.bank.id, "factor": "1", "cap_per_donation": {"amount": "50.00", "currency": "EUR"},
               "cap_total": {"amount": "1000.00", "currency": "EUR"}, **body}
    before = snapshot(app)
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/match-pledges", headers=funding.h["bank"], json=payload)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"], response.get_json()
    assert snapshot(app) == before


def test_a_pledge_is_made_only_for_ones_own_organisation_and_not_to_oneself(app, funding, client):
    campaign = funding.live()
    payload = {"factor": "1", "cap_per_donation": {"amount": "50.00", "currency": "EUR"},
               "cap_total": {"amount": "1000.00", "currency": "EUR"}}
    assert client.post(f"/api/v1/campaigns/{campaign['id']}/match-pledges", headers=funding.h["owner"],
                       json={**payload, "organization_id": funding.bank.id}).status_code == 403
    assert client.post(f"/api/v1/campaigns/{campaign['id']}/match-pledges", headers=funding.h["owner"],
                       json={**payload, "organization_id": funding.owner.id}).status_code == 403


# Expenses, receipts, disbursements -------------------------------------------------------------------------------------


def _funded(funding, stripe_events, amount="500.00"):
    campaign = funding.live()
    stripe_events.send(stripe_events.checkout_completed(funding.donate(campaign, amount)))
    return campaign


def _expense(client, funding, campaign, file=(PNG, "receipt.png"), **fields):
    data = {"amount": "120.00", "category": "works", "description": "Cold room door seals", "spent_on": "2026-11-20",
            "budget_line_id": str(campaign["budget_lines"][0]["id"]), **fields}
    if file is not None:
        data["receipt"] = FileStorage(io.BytesIO(file[0]), filename=file[1])
    # Encoded in memory (the test client would spool a big body to a temporary file it never closes).
    boundary, body = encode_multipart(data)
    return client.post(f"/api/v1/campaigns/{campaign['id']}/expenses", headers=funding.h["owner"], data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("file", [(PNG, "door.png"), (PDF, "invoice.pdf"), (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "photo.jpg")])
def test_an_expense_with_its_receipt_enters_the_ledger_against_its_budget_line(app, funding, client, stripe_events, file):
    campaign = _funded(funding, stripe_events)
    response = _expense(client, funding, campaign, file=file)
    assert response.status_code == 201, response.get_json()
    expense = response.get_json()
    with client.get(expense["receipt_url"]) as receipt:
        assert receipt.status_code == 200 and receipt.data == file[0]
        assert receipt.headers["X-Content-Type-Options"] == "nosniff"
    body = funding.campaign(campaign["id"])
    assert body["budget_lines"][0]["spent"] == {"amount": "120.00", "currency": "EUR"}
    ledger = funding.ledger(campaign["id"])
    assert ledger["balance"]["amount"] == "380.00" and ledger["totals"]["expense"]["amount"] == "-120.00"


@pytest.mark.parametrize(("file", "fields", "field"), [
    ((b"just some text, not a PDF", "invoice.pdf"), {}, "receipt"),
    ((b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"), {}, "receipt"),
    ((b"GIF89a" + b"\x00" * 32, "anim.gif"), {}, "receipt"),
    ((PNG + b"\x00" * (5 * 1024 * 1024), "huge.png"), {}, "receipt"),
    ((b"", "empty.pdf"), {}, "receipt"),
    (None, {}, "receipt"),
    ((PNG, "receipt.png"), {"amount": "abc"}, "amount"),
    ((PNG, "receipt.png"), {"amount": "600.00"}, "amount"),
    ((PNG, "receipt.png"), {"category": "bribes"}, "category"),
    ((PNG, "receipt.png"), {"spent_on": "yesterday"}, "spent_on"),
    ((PNG, "receipt.png"), {"budget_line_id": "999999"}, "budget_line_id"),
    ((PNG, "receipt.png"), {"description": ""}, "description"),
])
def test_a_bad_expense_or_receipt_is_refused_and_nothing_is_stored(app, funding, client, stripe_events, file, fields, field):
    campaign = _funded(funding, stripe_events)
    before = snapshot(app)
    response = _expense(client, funding, campaign, file=file, **fields)
    assert response.status_code in (409, 413, 422), response.status_code
    if response.status_code != 413:
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert snapshot(app) == before


def test_disbursements_never_take_more_than_the_balance(app, funding, client, stripe_events):
    campaign = _funded(funding, stripe_events, "100.00")
    url, headers = f"/api/v1/campaigns/{campaign['id']}/disbursements", funding.h["owner"]
    too_much = client.post(url, headers=headers, json={"amount": {"amount": "100.01", "currency": "EUR"}, "description": "All of it"})
    assert too_much.status_code == 409 and "amount" in too_much.get_json()["error"]["fields"]
    done = client.post(url, headers=headers, json={"amount": {"amount": "100.00", "currency": "EUR"}, "description": "To our account"})
    assert done.status_code == 201 and done.get_json()["balance"]["amount"] == "0.00"
