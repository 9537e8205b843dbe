"""The whole of a trade through the API: a question about a listing, a quote, an order, delivery and a rating."""
from decimal import Decimal


def test_ask_quote_accept_deliver_and_rate(trade):
    conversation = trade.ask()
    assert conversation["subject"] == {"kind": "listing", "id": trade.listing.id}
    assert [m["body"] for m in conversation["messages"]] == ["Could you quote 40 sacks delivered to Manchester?"]
    inbox = trade.get("/api/v1/conversations?unread=true", who="seller").get_json()
    assert [c["id"] for c in inbox["items"]] == [conversation["id"]] and inbox["unread"] == 1

    quote = trade.quote(conversation["id"])
    assert quote["status"] == "sent" and quote["version"] == 1
    assert quote["total"] == {"amount": "1345.00", "currency": "EUR"}
    assert [line["total"]["amount"] for line in quote["lines"]] == ["1260.00", "85.00"]

    accepted = trade.post(f"/api/v1/quotes/{quote['id']}/accept")
    order = accepted["order"]
    assert order["status"] == "placed" and order["total"] == quote["total"]
    for move, who in (("confirm", "seller"), ("ship", "seller"), ("deliver", "buyer")):
        order = trade.post(f"/api/v1/orders/{order['id']}/{move}", who=who)
    assert order["status"] == "delivered"
    order = trade.post(f"/api/v1/orders/{order['id']}/rating", {"rating": 5, "comment": "Lovely flour."})
    assert order["status"] == "completed" and order["rating"] == 5

    figures = trade.client.get("/api/v1/transparency/trade?currency=EUR").get_json()
    assert figures["totals"]["orders"] == 1
    assert figures["totals"]["value"] == {"amount": "1345.00", "currency": "EUR"}
    assert Decimal(figures["totals"]["inter_cooperation_share"]) == 100
