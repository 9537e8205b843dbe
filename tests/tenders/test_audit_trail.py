"""An award enters the buyer's audit trail: who awarded which bid, at what value and rank."""
from tests.audit import trail


def test_an_award_is_recorded_in_the_buyers_trail(app, market):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "11000.00")
    market.pass_deadline(tender)
    response = market.award(tender, 0, bid["id"])
    assert response.status_code == 201
    contract = response.get_json()["contract"]
    [(action, actor, subject, details, ip)] = trail(app, market.buyer.id)
    assert (action, actor, subject, ip) == ("tender.awarded", market.buyer_admin.email, f"contract:{contract['id']}",
                                            "127.0.0.1")
    assert details == {"tender_id": tender["id"], "lot_id": tender["lots"][0]["id"], "bid_id": bid["id"],
                       "supplier_id": market.coop.id, "value_minor": 1100000, "currency": "EUR", "rank": 1,
                       "justification": None}
