"""Sealed bids, authorisation on every tender endpoint, and bad input: refused with 4xx, nothing changed."""
import datetime as dt

import pytest

from app.models_base import utcnow
from tests.tenders.conftest import snapshot, tender_payload

SECRET = "Our secret recipe: night runs with electric reefers."


# Sealed bids -------------------------------------------------------------------------------------


def test_before_the_deadline_nobody_but_the_bidder_reads_a_bid(market, client, make, auth):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "12345.00", proposal=SECRET)
    seller_of_another = auth(make.token(make.member(market.sme, role="seller")))
    buyer_role_member = auth(make.token(make.member(market.buyer, role="buyer")))
    for headers in (market.h["buyer"], buyer_role_member, market.h["sme"], seller_of_another, {}):
        assert client.get(f"/api/v1/bids/{bid['id']}", headers=headers).status_code == (404 if headers else 401)
        for url in (f"/api/v1/tenders/{tender['id']}", f"/tenders/{tender['id']}"):
            body = client.get(url, headers=headers).get_data(as_text=True)
            assert SECRET not in body and "12,345.00" not in body and "12345.00" not in body
        assert market.client.get(f"/api/v1/tenders/{tender['id']}/evaluation", headers=headers).status_code in (401, 403, 409)
    assert client.get(f"/api/v1/bids/{bid['id']}", headers=market.h["coop"]).get_json()["proposal"] == SECRET
    # The buyer knows how many bids there are, nothing more; the public not even that.
    as_buyer = client.get(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"]).get_json()
    assert [lot["bid_count"] for lot in as_buyer["lots"]] == [1, 0]
    assert [lot["bid_count"] for lot in client.get(f"/api/v1/tenders/{tender['id']}").get_json()["lots"]] == [None, None]
    assert market.evaluation(tender).status_code == 409


def test_after_the_deadline_the_buyer_reads_bids_and_other_bidders_still_do_not(market, client):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "12345.00", proposal=SECRET)
    market.bid(tender, 0, "sme", "13000.00")
    market.pass_deadline(tender)
    assert client.get(f"/api/v1/bids/{bid['id']}", headers=market.h["buyer"]).get_json()["proposal"] == SECRET
    assert client.get(f"/api/v1/bids/{bid['id']}", headers=market.h["sme"]).status_code == 404
    assert client.get(f"/api/v1/bids/{bid['id']}").status_code == 401
    assert market.evaluation(tender, who="sme").status_code == 403


# Authorisation ------------------------------------------------------------------------------------

WHO = ["other_organisation_admin", "seller_member", "finance_member", "anonymous"]


@pytest.mark.parametrize("who", WHO)
def test_only_admins_and_buyers_of_the_organisation_create_tenders(app, market, client, make, auth, who):
    headers = make.headers_of(who, market.buyer, auth)
    before = snapshot(app)
    response = client.post("/api/v1/tenders", headers=headers, json=tender_payload(market.buyer.id))
    assert response.status_code == (401 if who == "anonymous" else 403), response.get_json()
    assert snapshot(app) == before


BUYER_WRITES = [
    ("patch", "/api/v1/tenders/{tender}", lambda t: {"title": "Hijacked subject"}),
    ("post", "/api/v1/tenders/{tender}/publish", lambda t: None),
    ("post", "/api/v1/tenders/{tender}/cancel", lambda t: {"reason": "Somebody else's decision."}),
]


@pytest.mark.parametrize("method, path, body", BUYER_WRITES)
@pytest.mark.parametrize("published", [False, True])
@pytest.mark.parametrize("who", WHO)
def test_tender_writes_are_refused_to_those_without_the_right(app, market, client, make, auth, method, path, body, published, who):
    tender = market.published() if published else market.create()
    headers = make.headers_of(who, market.buyer, auth)
    before = snapshot(app)
    response = getattr(client, method)(path.format(tender=tender["id"]), headers=headers, json=body(tender))
    expected = {"anonymous": (401,), "other_organisation_admin": (403, 404)}.get(who, (403,))
    assert response.status_code in expected, response.get_json()
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["buyer_member", "finance_member", "other_organisation_admin", "anonymous"])
def test_only_admins_and_sellers_of_the_bidding_organisation_bid(app, market, client, make, auth, who):
    tender = market.published()
    headers = make.headers_of(who, market.coop, auth)
    before = snapshot(app)
    response = client.post(f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=headers,
                           json={"organization_id": market.coop.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1})
    assert response.status_code == (401 if who == "anonymous" else 403), response.get_json()
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["buyer_member", "finance_member", "other_organisation_admin", "anonymous"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_bid_changes_are_refused_to_anyone_but_the_bidders_admins_and_sellers(app, market, client, make, auth, who, method):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "1000.00")
    headers = make.headers_of(who, market.coop, auth)
    before = snapshot(app)
    response = getattr(client, method)(f"/api/v1/bids/{bid['id']}", headers=headers,
                                       json={"price": {"amount": "1.00", "currency": "EUR"}, "delivery_days": 1})
    assert response.status_code in ((401,) if who == "anonymous" else (403, 404)), response.get_json()
    assert snapshot(app) == before


def test_the_buyer_cannot_bid_on_its_own_tender(app, market, client):
    tender = market.published()
    before = snapshot(app)
    response = client.post(f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=market.h["buyer"],
                           json={"organization_id": market.buyer.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1})
    assert response.status_code == 403
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["seller_member", "finance_member", "other_organisation_admin"])
def test_awards_and_quality_marks_are_the_buyers(app, market, client, make, auth, who):
    tender = market.published(preference={"policy": "weighted", "weights": {"price": 50, "quality": 50, "cooperative": 0}})
    bid = market.bid(tender, 0, "coop", "1000.00")
    market.pass_deadline(tender)
    headers = make.headers_of(who, market.buyer, auth)
    before = snapshot(app)
    assert client.put(f"/api/v1/bids/{bid['id']}/quality", headers=headers, json={"score": 80}).status_code in (403, 404)
    award = client.post(f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/award", headers=headers,
                        json={"bid_id": bid["id"]})
    assert award.status_code in (403, 404)
    assert snapshot(app) == before


# Bad input ----------------------------------------------------------------------------------------


def _in(days):
    return (utcnow() + dt.timedelta(days=days)).isoformat()


BAD_TENDERS = [
    ({"currency": "eur"}, "currency"),
    ({"currency": "XYZ"}, "currency"),
    ({"deadline": (utcnow() - dt.timedelta(hours=1)).isoformat()}, "deadline"),
    ({"deadline": "2027-03-01T12:00:00"}, "deadline"),  # no time zone
    ({"deadline": _in(3 * 365)}, "deadline"),
    ({"budget": {"amount": "100.00", "currency": "USD"}}, "budget"),
    ({"budget": {"amount": "-5", "currency": "EUR"}}, "budget"),
    ({"lots": []}, "lots"),
    ({"lots": [{"title": ""}]}, "lots"),
    ({"cpv_code": "99999999"}, "cpv_code"),
    ({"preference": {"policy": "price_margin", "margin_percent": "31"}}, "preference"),
    ({"preference": {"policy": "price_margin", "margin_percent": "-1"}}, "preference"),
    ({"preference": {"policy": "price_margin"}}, "preference"),
    ({"preference": {"policy": "weighted", "weights": {"price": 50, "quality": 30, "cooperative": 10}}}, "preference"),
    ({"preference": {"policy": "weighted"}}, "preference"),
    ({"preference": {"policy": "lottery"}}, "preference"),
    ({"title": "x" * 201}, "title"),
]


@pytest.mark.parametrize("change, field", BAD_TENDERS)
def test_bad_tenders_are_refused_with_field_errors(app, market, client, change, field):
    before = snapshot(app)
    response = client.post("/api/v1/tenders", headers=market.h["buyer"], json=tender_payload(market.buyer.id, **change))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert snapshot(app) == before


BAD_BIDS = [
    ({"price": {"amount": "100.00", "currency": "USD"}}, "price"),
    ({"price": {"amount": "0", "currency": "EUR"}}, "price"),
    ({"price": {"amount": "10.001", "currency": "EUR"}}, "price"),
    ({"delivery_days": -1}, "delivery_days"),
    ({"delivery_days": "soon"}, "delivery_days"),
    ({"proposal": "x" * 20_001}, "proposal"),
]


@pytest.mark.parametrize("change, field", BAD_BIDS)
def test_bad_bids_are_refused_with_field_errors(app, market, client, change, field):
    tender = market.published()
    before = snapshot(app)
    body = {"organization_id": market.coop.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1, **change}
    response = client.post(f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=market.h["coop"], json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert snapshot(app) == before


def test_a_second_bid_on_the_same_lot_is_a_conflict(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "1000.00")
    before = snapshot(app)
    response = client.post(f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=market.h["coop"],
                           json={"organization_id": market.coop.id, "price": {"amount": "900", "currency": "EUR"}, "delivery_days": 1})
    assert response.status_code == 409
    assert snapshot(app) == before


def test_an_award_of_a_bid_from_another_lot_is_refused(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "1000.00")
    other_lot = market.bid(tender, 1, "sme", "500.00")
    market.pass_deadline(tender)
    before = snapshot(app)
    response = market.award(tender, 0, other_lot["id"])
    assert response.status_code == 422 and "bid_id" in response.get_json()["error"]["fields"]
    assert snapshot(app) == before


def test_a_lot_of_another_tender_and_unknown_ids_are_not_found(market, client):
    first, second = market.published(), market.published()
    body = {"organization_id": market.coop.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1}
    assert client.post(f"/api/v1/tenders/{first['id']}/lots/{second['lots'][0]['id']}/bids",
                       headers=market.h["coop"], json=body).status_code == 404
    assert client.get("/api/v1/tenders/987654").status_code == 404
    assert client.get("/api/v1/bids/987654", headers=market.h["coop"]).status_code == 404
    assert client.get("/api/v1/tenders/99999999999").status_code == 404


def test_quality_marks_are_refused_outside_the_weighted_policy_before_the_deadline_and_out_of_range(app, market, client):
    weighted = market.published(preference={"policy": "weighted", "weights": {"price": 50, "quality": 50, "cooperative": 0}})
    plain = market.published()
    early = market.bid(weighted, 0, "coop", "1000.00")
    other = market.bid(plain, 0, "coop", "1000.00")
    assert client.put(f"/api/v1/bids/{early['id']}/quality", headers=market.h["buyer"], json={"score": 50}).status_code == 404  # sealed
    market.pass_deadline(weighted)
    market.pass_deadline(plain)
    before = snapshot(app)
    assert client.put(f"/api/v1/bids/{other['id']}/quality", headers=market.h["buyer"], json={"score": 50}).status_code == 409
    for score in (-1, 101, "90", 50.5):
        assert client.put(f"/api/v1/bids/{early['id']}/quality", headers=market.h["buyer"], json={"score": score}).status_code == 422
    assert snapshot(app) == before


def test_publishing_a_draft_whose_deadline_has_passed_is_refused(app, market, client):
    draft = market.create()
    market.pass_deadline(draft)
    before = snapshot(app)
    response = client.post(f"/api/v1/tenders/{draft['id']}/publish", headers=market.h["buyer"])
    assert response.status_code == 422 and "deadline" in response.get_json()["error"]["fields"]
    assert snapshot(app) == before
