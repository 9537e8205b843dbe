"""Tenders through the API: draft → published → closed at the deadline → awarded per lot; contracts and ratings."""
import datetime as dt

from app.models_base import utcnow
from tests.tenders.conftest import snapshot


def test_a_price_margin_tender_from_draft_to_award(market, client, outbox):
    draft = market.create()
    assert draft["status"] == "draft"
    assert [lot["number"] for lot in draft["lots"]] == [1, 2]
    assert draft["preference"] == {"policy": "price_margin", "margin_percent": "10", "weights": None}
    assert draft["budget"] == {"amount": "50000.00", "currency": "EUR"}
    assert client.get(f"/api/v1/tenders/{draft['id']}").status_code == 404  # a draft is the buyer's business

    tender = market.publish(draft)
    assert tender["status"] == "open"
    assert client.get(f"/api/v1/tenders/{tender['id']}").get_json()["title"] == tender["title"]

    # The SME is cheaper, but by less than the 10 % margin: the cooperative wins lot 1.
    coop_bid = market.bid(tender, 0, "coop", "11000.00")
    sme_bid = market.bid(tender, 0, "sme", "10500.00")
    assert market.client.get(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"]).get_json()["lots"][0]["bid_count"] == 2
    market.pass_deadline(tender)
    assert client.get(f"/api/v1/tenders/{tender['id']}").get_json()["status"] == "closed"

    evaluation = market.evaluation(tender).get_json()["lots"][0]
    assert evaluation["final"] is True
    assert [(r["bid_id"], r["rank"]) for r in evaluation["ranking"]] == [(coop_bid["id"], 1), (sme_bid["id"], 2)]
    assert evaluation["ranking"][1]["explanation"] == (
        "price 10,500.00 EUR + 10 % margin (not a cooperative) = 11,550.00 EUR")
    assert evaluation["ranking"][1]["evaluated_price"] == {"amount": "11550.00", "currency": "EUR"}
    assert evaluation["ranking"][0]["is_cooperative"] is True

    response = market.award(tender, 0, coop_bid["id"])
    assert response.status_code == 201, response.get_json()
    contract = response.get_json()["contract"]
    assert contract["value"] == {"amount": "11000.00", "currency": "EUR"}  # the winner is paid its own price
    assert (contract["supplier"]["id"], contract["status"], contract["awarded_rank"]) == (market.coop.id, "active", 1)
    assert contract["supplier_verified_cooperative"] is True and contract["supplier_is_sme"] is True

    # Each bidder is told, in the app and by mail, and sees its own rank.
    assert any("won" in message for message in market.notifications(market.coop))
    assert any("ranked 2 of 2" in message for message in market.notifications(market.sme))
    assert {message.to for message in outbox} >= {market.coop_admin.email, market.sme_admin.email}
    assert client.get(f"/api/v1/bids/{sme_bid['id']}", headers=market.h["sme"]).get_json()["rank"] == 2

    # The public notice names the winner and its value; the losing price stays private.
    page = client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert "Award notice" in page and "Valley Haulage Cooperative" in page and "11,000.00" in page
    assert "10,500.00" not in page and "Speedy Freight" not in page
    assert client.get(f"/api/v1/tenders/{tender['id']}").get_json()["status"] == "closed"  # lot 2 is not awarded yet


def test_a_non_cooperative_cheaper_by_more_than_the_margin_wins(market):
    tender = market.published()
    market.bid(tender, 0, "coop", "11000.00")
    sme_bid = market.bid(tender, 0, "sme", "9900.00")
    market.pass_deadline(tender)
    ranking = market.evaluation(tender).get_json()["lots"][0]["ranking"]
    assert ranking[0]["bid_id"] == sme_bid["id"]
    assert ranking[0]["evaluated_price"] == {"amount": "10890.00", "currency": "EUR"}
    assert market.award(tender, 0, sme_bid["id"]).get_json()["contract"]["value"]["amount"] == "9900.00"


def test_a_tender_is_awarded_when_every_lot_is(market, client):
    tender = market.published(lots=[{"title": "Only lot"}])
    bid = market.bid(tender, 0, "sme", "900.00")
    market.pass_deadline(tender)
    assert market.award(tender, 0, bid["id"]).status_code == 201
    assert client.get(f"/api/v1/tenders/{tender['id']}").get_json()["status"] == "awarded"
    assert market.award(tender, 0, bid["id"]).status_code == 409  # once per lot


def test_awarding_another_bid_than_the_first_needs_a_justification_that_is_kept_and_shown(app, market, client):
    tender = market.published()
    first = market.bid(tender, 0, "coop", "1000.00")
    second = market.bid(tender, 0, "sme", "1500.00")
    market.pass_deadline(tender)
    before = snapshot(app)
    refused = market.award(tender, 0, second["id"])
    assert refused.status_code == 422 and "justification" in refused.get_json()["error"]["fields"]
    assert snapshot(app) == before
    reason = "The first-ranked supplier cannot serve the northern routes in winter."
    awarded = market.award(tender, 0, second["id"], justification=reason)
    assert awarded.status_code == 201
    assert (awarded.get_json()["contract"]["awarded_rank"], awarded.get_json()["contract"]["justification"]) == (2, reason)
    assert reason in client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert first["id"] != second["id"]


def test_the_deadline_may_be_extended_and_bidders_are_told_but_nothing_else_changes_once_published(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "1000.00")
    later = (utcnow() + dt.timedelta(days=30)).isoformat()
    response = client.patch(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"], json={"deadline": later})
    assert response.status_code == 200, response.get_json()
    assert any("extended" in message for message in market.notifications(market.coop))
    before = snapshot(app)
    for change in ({"deadline": (utcnow() + dt.timedelta(days=2)).isoformat()},
                   {"preference": {"policy": "none"}}, {"lots": [{"title": "One big lot"}]}, {"title": "Another subject"}):
        refused = client.patch(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"], json=change)
        assert refused.status_code == 409, (change, refused.get_json())
    assert snapshot(app) == before


def test_a_cancelled_tender_takes_no_bids_and_says_why(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "1000.00")
    response = client.post(f"/api/v1/tenders/{tender['id']}/cancel", headers=market.h["buyer"],
                           json={"reason": "The need was merged into a regional framework."})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert any("cancelled" in message for message in market.notifications(market.coop))
    lot_id = tender["lots"][1]["id"]
    refused = client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=market.h["sme"],
                          json={"organization_id": market.sme.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1})
    assert refused.status_code == 409
    assert "regional framework" in client.get(f"/tenders/{tender['id']}").get_data(as_text=True)


def test_bids_may_be_replaced_and_withdrawn_until_the_deadline_then_nothing_moves(app, market, client):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "1000.00")
    replaced = client.put(f"/api/v1/bids/{bid['id']}", headers=market.h["coop"],
                          json={"price": {"amount": "950.00", "currency": "EUR"}, "delivery_days": 4, "proposal": "Better."})
    assert replaced.status_code == 200 and replaced.get_json()["price"]["amount"] == "950.00"
    assert replaced.get_json()["submitted_at"] > bid["submitted_at"]
    other = market.bid(tender, 1, "coop", "700.00")
    assert client.delete(f"/api/v1/bids/{other['id']}", headers=market.h["coop"]).get_json()["status"] == "withdrawn"
    again = market.bid(tender, 1, "coop", "650.00")  # a withdrawn bid leaves room for a new one
    market.pass_deadline(tender)
    before = snapshot(app)
    assert client.put(f"/api/v1/bids/{bid['id']}", headers=market.h["coop"],
                      json={"price": {"amount": "900.00", "currency": "EUR"}, "delivery_days": 4}).status_code == 409
    assert client.delete(f"/api/v1/bids/{again['id']}", headers=market.h["coop"]).status_code == 409
    assert market.client.post(
        f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=market.h["sme"],
        json={"organization_id": market.sme.id, "price": {"amount": "10", "currency": "EUR"}, "delivery_days": 1}).status_code == 409
    assert snapshot(app) == before


def test_a_weighted_ranking_is_final_only_once_every_bid_has_a_quality_mark(market, client):
    tender = market.published(preference={"policy": "weighted", "weights": {"price": 60, "quality": 30, "cooperative": 10}})
    cheap = market.bid(tender, 0, "sme", "800.00")
    coop = market.bid(tender, 0, "coop", "1000.00")
    market.pass_deadline(tender)
    lot = market.evaluation(tender).get_json()["lots"][0]
    assert lot["final"] is False and all(entry["rank"] is None for entry in lot["ranking"])
    assert market.award(tender, 0, cheap["id"]).status_code == 409
    for bid, score in ((cheap, 70), (coop, 90)):
        assert client.put(f"/api/v1/bids/{bid['id']}/quality", headers=market.h["buyer"], json={"score": score}).status_code == 200
    lot = market.evaluation(tender).get_json()["lots"][0]
    assert lot["final"] is True
    assert [(entry["bid_id"], entry["score"]) for entry in lot["ranking"]] == [(coop["id"], "85.00"), (cheap["id"], "81.00")]
    assert market.award(tender, 0, coop["id"]).status_code == 201


def test_a_reserved_tender_refuses_others_with_the_reason(app, market, client):
    tender = market.published(preference={"policy": "reserved"})
    market.bid(tender, 0, "coop", "1000.00")
    before = snapshot(app)
    for who in ("sme", "unverified"):
        response = client.post(
            f"/api/v1/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bids", headers=market.h[who],
            json={"organization_id": getattr(market, who).id, "price": {"amount": "500", "currency": "EUR"}, "delivery_days": 2})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "reserved"
        assert "reserved for verified cooperatives" in response.get_json()["error"]["message"]
    assert snapshot(app) == before


def test_a_completed_contract_is_rated_and_the_suppliers_profile_shows_its_record(market, client):
    tender = market.published(lots=[{"title": "Only lot"}])
    bid = market.bid(tender, 0, "coop", "900.00")
    market.pass_deadline(tender)
    contract = market.award(tender, 0, bid["id"]).get_json()["contract"]
    url = f"/api/v1/contracts/{contract['id']}"
    assert client.post(f"{url}/rating", headers=market.h["buyer"], json={"rating": 5}).status_code == 409  # still active
    assert client.patch(url, headers=market.h["coop"], json={"status": "completed"}).status_code == 403  # the supplier
    assert client.patch(url, headers=market.h["buyer"], json={"status": "completed"}).get_json()["status"] == "completed"
    rated = client.post(f"{url}/rating", headers=market.h["buyer"], json={"rating": 4, "comment": " On time, every run. "})
    assert rated.status_code == 201 and (rated.get_json()["rating"], rated.get_json()["rating_comment"]) == (4, "On time, every run.")
    assert client.post(f"{url}/rating", headers=market.h["buyer"], json={"rating": 5}).status_code == 409
    assert client.patch(url, headers=market.h["buyer"], json={"status": "terminated"}).status_code == 409
    assert client.get(url, headers=market.h["sme"]).status_code == 404  # not its contract
    profile = client.get(f"/organizations/{market.coop.id}").get_data(as_text=True)
    assert "1 contract completed" in profile and "4.0" in profile


def test_the_evaluation_api_gives_a_slice_of_each_ranking_with_the_whole_rankings_ranks(market, client):
    tender = market.published(preference={"policy": "none"})
    bids = [market.bid(tender, 0, who, amount) for who, amount in (("coop", "300.00"), ("sme", "100.00"), ("unverified", "200.00"))]
    market.pass_deadline(tender)
    url = f"/api/v1/tenders/{tender['id']}/evaluation"
    lot = client.get(f"{url}?offset=1&limit=1", headers=market.h["buyer"]).get_json()["lots"][0]
    assert lot["bid_count"] == 3
    assert [(r["bid_id"], r["rank"]) for r in lot["ranking"]] == [(bids[2]["id"], 2)]
    assert client.get(f"{url}?offset=5", headers=market.h["buyer"]).get_json()["lots"][0]["ranking"] == []
    for bad in ("limit=0", "limit=10001", "offset=-1", "limit=ten"):
        response = client.get(f"{url}?{bad}", headers=market.h["buyer"])
        assert response.status_code == 422 and bad.split("=")[0] in response.get_json()["error"]["fields"], bad
