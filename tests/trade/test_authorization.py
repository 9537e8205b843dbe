"""Who may call each trade endpoint of the API (issue 14), as tables: one row per endpoint, one column per caller.

Callers: nobody (no token), a bad token, the admin of a third organisation, and on each side the admin and the members
with each role. A conversation or a quote is the business of the admins and buyers on the buyer's side and the admins
and sellers on the seller's; an order also of both sides' finance members, who read it but do not act. Anybody else is
told the thing does not exist (404), whatever its id; a party's member who may read but not act is refused (403).
Every refusal changes nothing; then each caller the table allows succeeds, on a thing of its own.
"""
import datetime as dt
import string

import pytest
from sqlalchemy import update

from app.accounts.models import User
from app.extensions import db
from app.models_base import utcnow
from app.moderation.services import suspend_organization
from app.orgs.models import Organization
from app.trade.models import Conversation
from tests.trade.conftest import order_at, problem_of, quote_payload, rfq_payload, snapshot

WHO = ("anonymous", "bad_token", "third",
       "buyer", "buyer_buyer", "buyer_seller", "buyer_finance",
       "seller", "seller_seller", "seller_buyer", "seller_finance")
BAD_TOKEN = {"Authorization": "Bearer coopex_not-a-token-anybody-was-given"}


def _side_organization(trade, who):
    """The organisation a caller writes for: its own (the third's admin, or the side named first)."""
    return trade.third if who == "third" else trade.seller if who.startswith("seller") else trade.buyer


def _headers(trade, who):
    return BAD_TOKEN if who == "bad_token" else trade.h[who]


def _rfq(trade, published, **changes):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, **changes))
    return trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")["id"] if published else rfq["id"]


def _block_third(trade):
    trade.post(f"/api/v1/organizations/{trade.buyer.id}/blocks", {"blocked_organization_id": trade.third.id})
    return trade.third.id


#: What a path's {name} stands for: made afresh for each caller the table allows.
THINGS = {
    "buyer": lambda trade: trade.buyer.id,
    "conversation": lambda trade: trade.ask()["id"],
    "quote": lambda trade: trade.quote()["id"],
    "draft_rfq": lambda trade: _rfq(trade, published=False),
    "published_rfq": lambda trade: _rfq(trade, published=True),
    "blocked_third": _block_third,
    **{status: (lambda trade, status=status: order_at(trade, status)["id"])
       for status in ("placed", "confirmed", "shipped", "delivered")},
}

BODIES = {
    "ask": lambda trade, who: {"organization_id": trade.buyer.id, "with_organization_id": trade.seller.id,
                               "subject": {"kind": "listing", "id": trade.listing.id}, "body": "Any spelt this month?"},
    "offer": lambda trade, who: {"organization_id": trade.seller.id, "with_organization_id": trade.buyer.id,
                                 "subject": {"kind": "rfq", "id": _rfq(trade, published=True)},
                                 "body": "We can mill this for you."},
    "message": lambda trade, who: {"organization_id": _side_organization(trade, who).id, "body": "Noted, thank you."},
    "block": lambda trade, who: {"blocked_organization_id": trade.third.id},
    "rfq": lambda trade, who: rfq_payload(trade.buyer.id),
    "quote": lambda trade, who: quote_payload(trade.seller.id, trade.buyer.id, conversation_id=trade.ask()["id"]),
    "reason": lambda trade, who: {"reason": "The harvest failed."},
    "rating": lambda trade, who: {"rating": 4, "comment": "On time."},
}

# Buyer's side: B admin, Bb buyer, Bs seller, Bf finance; seller's side: S admin, Ss seller, Sb buyer, Sf finance.
ROWS = [
    # method   path                                           body        anon tok third  B   Bb   Bs   Bf   S    Ss   Sb   Sf
    ("POST",   "/conversations",                              "ask",      401, 401, 403, 201, 201, 403, 403, 403, 403, 403, 403),
    ("POST",   "/conversations",                              "offer",    401, 401, 403, 403, 403, 403, 403, 201, 201, 403, 403),
    ("GET",    "/conversations",                              None,       401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",    "/conversations/{conversation}",               None,       401, 401, 404, 200, 200, 404, 404, 200, 200, 404, 404),
    ("POST",   "/conversations/{conversation}/read",          None,       401, 401, 404, 200, 200, 404, 404, 200, 200, 404, 404),
    ("POST",   "/conversations/{conversation}/messages",      "message",  401, 401, 404, 201, 201, 404, 404, 201, 201, 404, 404),
    ("GET",    "/organizations/{buyer}/blocks",               None,       401, 401, 403, 200, 200, 200, 200, 403, 403, 403, 403),
    ("POST",   "/organizations/{buyer}/blocks",               "block",    401, 401, 403, 201, 403, 403, 403, 403, 403, 403, 403),
    ("DELETE", "/organizations/{buyer}/blocks/{blocked_third}", None,     401, 401, 403, 204, 403, 403, 403, 403, 403, 403, 403),
    ("POST",   "/rfqs",                                       "rfq",      401, 401, 403, 201, 201, 403, 403, 403, 403, 403, 403),
    ("GET",    "/rfqs/{draft_rfq}",                           None,       404, 401, 404, 200, 200, 200, 200, 404, 404, 404, 404),
    ("GET",    "/rfqs/{published_rfq}",                       None,       200, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST",   "/rfqs/{draft_rfq}/publish",                   None,       401, 401, 404, 200, 200, 403, 403, 404, 404, 404, 404),
    ("POST",   "/rfqs/{published_rfq}/cancel",                None,       401, 401, 403, 200, 200, 403, 403, 403, 403, 403, 403),
    ("POST",   "/quotes",                                     "quote",    401, 401, 403, 403, 403, 403, 403, 201, 201, 403, 403),
    ("GET",    "/quotes/{quote}",                             None,       401, 401, 404, 200, 200, 404, 404, 200, 200, 404, 404),
    ("POST",   "/quotes/{quote}/revise",                      "quote",    401, 401, 404, 403, 403, 404, 404, 201, 201, 404, 404),
    ("POST",   "/quotes/{quote}/withdraw",                    None,       401, 401, 404, 403, 403, 404, 404, 200, 200, 404, 404),
    ("POST",   "/quotes/{quote}/decline",                     None,       401, 401, 404, 200, 200, 404, 404, 403, 403, 404, 404),
    ("POST",   "/quotes/{quote}/accept",                      None,       401, 401, 404, 201, 201, 404, 404, 403, 403, 404, 404),
    ("GET",    "/orders/{placed}",                            None,       401, 401, 404, 200, 200, 404, 200, 200, 200, 404, 200),
    ("POST",   "/orders/{placed}/confirm",                    None,       401, 401, 404, 403, 403, 404, 403, 200, 200, 404, 403),
    ("POST",   "/orders/{confirmed}/ship",                    None,       401, 401, 404, 403, 403, 404, 403, 200, 200, 404, 403),
    ("POST",   "/orders/{shipped}/deliver",                   None,       401, 401, 404, 200, 200, 404, 403, 403, 403, 404, 403),
    ("POST",   "/orders/{placed}/cancel",                     "reason",   401, 401, 404, 200, 200, 404, 403, 200, 200, 404, 403),
    ("POST",   "/orders/{delivered}/rating",                  "rating",   401, 401, 404, 200, 200, 404, 403, 403, 403, 404, 403),
    ("GET",    "/organizations/{buyer}/orders",               None,       401, 401, 403, 200, 200, 200, 200, 403, 403, 403, 403),
    ("GET",    "/transparency/trade",                         None,       200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
]


def _path(trade, template):
    names = [name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name]
    return "/api/v1" + template.format(**{name: THINGS[name](trade) for name in names})


def _call(trade, method, path, body, who):
    return trade.client.open(path, method=method, json=body, headers=_headers(trade, who))


@pytest.mark.parametrize("row", ROWS, ids=[f"{row[0]} {row[1]} {row[2] or ''}".strip() for row in ROWS])
def test_each_caller_gets_what_the_table_says_and_a_refusal_changes_nothing(trade, row):
    method, template, body_name, *statuses = row
    expected = dict(zip(WHO, statuses, strict=True))
    make_body = BODIES[body_name] if body_name else (lambda trade, who: None)

    path = _path(trade, template)
    refused = {who: make_body(trade, who) for who, status in expected.items() if status >= 400}
    before = snapshot(trade.app)
    for who, body in refused.items():
        response = _call(trade, method, path, body, who)
        assert response.status_code == expected[who], (who, response.get_json())
        assert problem_of(response)["code"] == {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected[who]]
    assert snapshot(trade.app) == before

    for who in (who for who, status in expected.items() if status < 400):
        path = _path(trade, template)
        response = _call(trade, method, path, make_body(trade, who), who)
        assert response.status_code == expected[who], (who, response.get_json())


def test_only_the_members_who_trade_see_a_conversation_in_their_inbox(trade):
    conversation = trade.ask()
    for who in WHO[2:]:
        inbox = trade.get("/api/v1/conversations", who=who).get_json()
        sees = who in ("buyer", "buyer_buyer", "seller", "seller_seller")
        assert ([item["id"] for item in inbox["items"]] == [conversation["id"]]) is sees, who
        assert inbox["total"] == (1 if sees else 0) and inbox["unread"] == (1 if who.startswith("seller") and sees else 0)
        mine = trade.get(f"/api/v1/conversations?organization_id={_side_organization(trade, who).id}", who=who)
        assert mine.status_code == 200, (who, mine.get_json())
        assert [item["id"] for item in mine.get_json()["items"]] == ([conversation["id"]] if sees else []), who
    assert trade.get(f"/api/v1/conversations?organization_id={trade.buyer.id}", who="seller").status_code == 403


def test_an_organisations_orders_list_shows_only_what_each_member_may_read(trade):
    order = trade.order()
    for who in ("buyer", "buyer_buyer", "buyer_finance", "buyer_seller"):
        listed = trade.get(f"/api/v1/organizations/{trade.buyer.id}/orders", who=who).get_json()
        reads = trade.get(f"/api/v1/orders/{order['id']}", who=who).status_code == 200
        assert reads is (who != "buyer_seller")
        assert ([item["id"] for item in listed["items"]] == [order["id"]]) is reads, who
        assert listed["total"] == (1 if reads else 0)


def test_a_party_member_cannot_write_for_the_other_party(trade):
    conversation = trade.ask()
    before = snapshot(trade.app)
    response = trade.client.post(f"/api/v1/conversations/{conversation['id']}/messages", headers=trade.h["buyer"],
                                 json={"organization_id": trade.seller.id, "body": "I am the seller now."})
    assert response.status_code == 403 and problem_of(response)["code"] == "forbidden"
    response = trade.client.post(f"/api/v1/conversations/{conversation['id']}/messages", headers=trade.h["buyer"],
                                 json={"organization_id": trade.third.id, "body": "And now a third party."})
    assert response.status_code == 422 and "organization_id" in problem_of(response)["fields"]
    assert snapshot(trade.app) == before


# Unconfirmed e-mail addresses and suspended organisations -------------------------------------------------------------

#: Each write, with the side that makes it.
WRITES = [
    ("POST", "/conversations", "ask", "buyer"),
    ("POST", "/conversations", "offer", "seller"),
    ("POST", "/conversations/{conversation}/messages", "message", "buyer"),
    ("POST", "/conversations/{conversation}/messages", "message", "seller"),
    ("POST", "/organizations/{buyer}/blocks", "block", "buyer"),
    ("DELETE", "/organizations/{buyer}/blocks/{blocked_third}", None, "buyer"),
    ("POST", "/rfqs", "rfq", "buyer"),
    ("POST", "/rfqs/{draft_rfq}/publish", None, "buyer"),
    ("POST", "/rfqs/{published_rfq}/cancel", None, "buyer"),
    ("POST", "/quotes", "quote", "seller"),
    ("POST", "/quotes/{quote}/revise", "quote", "seller"),
    ("POST", "/quotes/{quote}/withdraw", None, "seller"),
    ("POST", "/quotes/{quote}/decline", None, "buyer"),
    ("POST", "/quotes/{quote}/accept", None, "buyer"),
    ("POST", "/orders/{placed}/confirm", None, "seller"),
    ("POST", "/orders/{confirmed}/ship", None, "seller"),
    ("POST", "/orders/{shipped}/deliver", None, "buyer"),
    ("POST", "/orders/{placed}/cancel", "reason", "buyer"),
    ("POST", "/orders/{placed}/cancel", "reason", "seller"),
    ("POST", "/orders/{delivered}/rating", "rating", "buyer"),
]


def _prepared(trade, writes):
    """Each write as (method, path, body, side), its thing made and its body written."""
    return [(method, _path(trade, template), BODIES[body_name](trade, side) if body_name else None, side)
            for method, template, body_name, side in writes]


def _send_refused(trade, prepared, headers_of, code):
    """Send the prepared writes: each must be refused (403 `code`), and none may change anything."""
    before, wrong = snapshot(trade.app), []
    for method, path, body, side in prepared:
        response = trade.client.open(path, method=method, json=body, headers=headers_of(side))
        if response.status_code != 403 or problem_of(response)["code"] != code:
            wrong.append((method, path, side, response.status_code, response.get_json()))
    assert not wrong
    assert snapshot(trade.app) == before


def test_an_admin_whose_email_address_is_not_confirmed_cannot_write(trade, make, auth):
    unconfirmed = {}
    for side in ("buyer", "seller"):
        user = make.user(name=f"Newly Joined {side}", verified=False)
        make.member(_side_organization(trade, side), role="admin", user=user)
        unconfirmed[side] = auth(make.token(user))
    _send_refused(trade, _prepared(trade, WRITES), unconfirmed.get, "email_unverified")


def _suspend(trade, make, organization):
    moderator = make.user(name="Mona Moderator", platform_admin=True)
    with trade.app.app_context():
        suspend_organization(db.session.get(User, moderator.id), db.session.get(Organization, organization.id),
                             "Invoices for goods never delivered.")
        db.session.commit()


@pytest.mark.parametrize("side", ["buyer", "seller"])
def test_nobody_writes_for_a_suspended_organisation(trade, make, side):
    prepared = _prepared(trade, [write for write in WRITES if write[3] == side])
    _suspend(trade, make, _side_organization(trade, side))
    _send_refused(trade, prepared, lambda side: trade.h[side], "organization_suspended")


def test_nobody_starts_a_conversation_with_a_suspended_organisation(trade, make):
    _suspend(trade, make, trade.third)
    before = snapshot(trade.app)
    response = trade.client.post("/api/v1/conversations", headers=trade.h["buyer"], json={
        "organization_id": trade.buyer.id, "with_organization_id": trade.third.id, "body": "Hello?"})
    assert response.status_code == 404 and "with_organization_id" in problem_of(response)["fields"]
    assert snapshot(trade.app) == before


# Blocks ---------------------------------------------------------------------------------------------------------------


def test_a_blocked_organisations_messages_and_quotes_are_refused_without_saying_why(trade):
    conversation = trade.ask()
    quote = trade.quote(conversation["id"])
    rfq = _rfq(trade, published=True)
    trade.post(f"/api/v1/organizations/{trade.buyer.id}/blocks", {"blocked_organization_id": trade.seller.id})
    before = snapshot(trade.app)

    refused = [
        ("/api/v1/conversations", {"organization_id": trade.seller.id, "with_organization_id": trade.buyer.id,
                                   "subject": {"kind": "rfq", "id": rfq}, "body": "We can mill this."}),
        (f"/api/v1/conversations/{conversation['id']}/messages", {"organization_id": trade.seller.id, "body": "Hello?"}),
        ("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, conversation_id=conversation["id"])),
        (f"/api/v1/quotes/{quote['id']}/revise", quote_payload(trade.seller.id, trade.buyer.id,
                                                               conversation_id=conversation["id"])),
    ]
    problems = []
    for path, body in refused:
        response = trade.client.post(path, json=body, headers=trade.h["seller"])
        assert response.status_code == 403, (path, response.get_json())
        problems.append(problem_of(response))
    assert snapshot(trade.app) == before
    assert all(problem == problems[0] for problem in problems)
    assert "block" not in f"{problems[0]['code']} {problems[0]['message']}".lower()
    assert trade.get(f"/api/v1/organizations/{trade.buyer.id}/blocks", who="seller").status_code == 403

    # The one who blocks still writes, and the others still reach it.
    trade.post(f"/api/v1/conversations/{conversation['id']}/messages", {"organization_id": trade.buyer.id,
                                                                         "body": "Our order stands."})
    trade.post("/api/v1/conversations", {"organization_id": trade.third.id, "with_organization_id": trade.buyer.id,
                                         "body": "Do you buy oats?"}, who="third")
    blocks = trade.get(f"/api/v1/organizations/{trade.buyer.id}/blocks", who="buyer_finance").get_json()
    assert [block["blocked_organization_id"] for block in blocks] == [trade.seller.id]

    trade.client.delete(f"/api/v1/organizations/{trade.buyer.id}/blocks/{trade.seller.id}", headers=trade.h["buyer"])
    trade.post(f"/api/v1/conversations/{conversation['id']}/messages", {"organization_id": trade.seller.id,
                                                                         "body": "Hello again."}, who="seller")
    assert trade.get(f"/api/v1/organizations/{trade.buyer.id}/blocks").get_json() == []


# The limit of new conversations -------------------------------------------------------------------------------------


def test_an_organisation_starts_a_limited_number_of_conversations_an_hour(trade, monkeypatch):
    monkeypatch.setitem(trade.app.config, "TRADE_NEW_CONVERSATIONS_PER_HOUR", 2)
    first = trade.ask()
    trade.post("/api/v1/conversations", {"organization_id": trade.buyer.id, "with_organization_id": trade.seller.id,
                                         "body": "A question about nothing in particular."})
    before = snapshot(trade.app)

    response = trade.client.post("/api/v1/conversations", headers=trade.h["buyer"], json={
        "organization_id": trade.buyer.id, "with_organization_id": trade.third.id, "body": "Do you sell oats?"})

    assert response.status_code == 429 and problem_of(response)["code"] == "too_many_requests"
    assert snapshot(trade.app) == before
    # Writing on, in an existing conversation or on the same subject again, is not starting one.
    assert trade.ask("And 60 sacks?")["id"] == first["id"]
    trade.post(f"/api/v1/conversations/{first['id']}/messages", {"organization_id": trade.buyer.id, "body": "Thanks."})
    # Another organisation has a limit of its own.
    trade.post("/api/v1/conversations", {"organization_id": trade.third.id, "with_organization_id": trade.buyer.id,
                                         "body": "Do you buy oats?"}, who="third")
    # An hour later the buyer may start another.
    with trade.app.app_context():
        db.session.execute(update(Conversation).values(created_at=utcnow() - dt.timedelta(minutes=61)))
        db.session.commit()
    trade.post("/api/v1/conversations", {"organization_id": trade.buyer.id, "with_organization_id": trade.third.id,
                                         "body": "Do you sell oats?"})


# Requests for quotation by invitation -------------------------------------------------------------------------------


def test_an_invited_request_is_seen_only_by_the_buyer_and_the_invited(trade, make, auth):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, visibility="invited",
                                                 invited_organization_ids=[trade.seller.id]))
    assert trade.get(f"/api/v1/rfqs/{rfq['id']}", who="seller").status_code == 404  # a draft, for now
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    outsider_admin = make.user()
    make.organization(outsider_admin, name="Unrelated Bakery Co-operative", verified=True)
    trade.h["outsider"] = auth(make.token(outsider_admin))

    for who in WHO:
        response = trade.client.get(f"/api/v1/rfqs/{rfq['id']}", headers=_headers(trade, who))
        sees = who.startswith(("buyer", "seller"))
        assert response.status_code == (200 if sees else 401 if who == "bad_token" else 404), who
        if sees:
            assert response.get_json()["invited_organization_ids"] == [trade.seller.id]
    assert trade.get(f"/api/v1/rfqs/{rfq['id']}", who="outsider").status_code == 404

    before = snapshot(trade.app)
    for path, body in (
        ("/api/v1/quotes", quote_payload(trade.third.id, trade.buyer.id, rfq_id=rfq["id"])),
        ("/api/v1/conversations", {"organization_id": trade.third.id, "with_organization_id": trade.buyer.id,
                                   "subject": {"kind": "rfq", "id": rfq["id"]}, "body": "May we quote too?"}),
    ):
        response = trade.client.post(path, json=body, headers=trade.h["third"])
        assert response.status_code == 404, response.get_json()
        assert "invited" not in problem_of(response)["message"].lower()
    assert snapshot(trade.app) == before
    quote = trade.post("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq["id"]), who="seller")
    assert quote["rfq_id"] == rfq["id"]
    assert [q["id"] for q in trade.get(f"/api/v1/rfqs/{rfq['id']}").get_json()["quotes"]] == [quote["id"]]


def test_on_a_request_the_buyer_sees_every_quote_and_each_supplier_its_own(trade):
    rfq = _rfq(trade, published=True)
    mine = trade.post("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq), who="seller")
    theirs = trade.post("/api/v1/quotes", quote_payload(trade.third.id, trade.buyer.id, rfq_id=rfq), who="third")
    sees = {"anonymous": [], "third": [theirs["id"]], "buyer": [mine["id"], theirs["id"]],
            "buyer_buyer": [mine["id"], theirs["id"]], "buyer_seller": [], "buyer_finance": [],
            "seller": [mine["id"]], "seller_seller": [mine["id"]], "seller_buyer": [], "seller_finance": []}
    for who, expected in sees.items():
        response = trade.get(f"/api/v1/rfqs/{rfq}", who=who)
        assert response.status_code == 200
        assert sorted(quote["id"] for quote in response.get_json()["quotes"]) == sorted(expected), who
        for quote_id in (mine["id"], theirs["id"]):  # what the request shows is what the quote's own address does
            readable = trade.get(f"/api/v1/quotes/{quote_id}", who=who).status_code == 200
            assert readable is (quote_id in expected), (who, quote_id)


def test_a_third_organisation_learns_nothing_by_writing_about_others_quotes_and_orders(trade):
    quote, order = trade.quote(), trade.order()
    before = snapshot(trade.app)
    problems = []
    for kind, subject_id in (("quote", quote["id"]), ("order", order["id"]), ("quote", 999_999), ("order", 999_999)):
        response = trade.client.post("/api/v1/conversations", headers=trade.h["third"], json={
            "organization_id": trade.third.id, "with_organization_id": trade.buyer.id,
            "subject": {"kind": kind, "id": subject_id}, "body": "About your deal…"})
        assert response.status_code == 404
        problems.append((kind, problem_of(response)))
    assert problems[0] == problems[2] and problems[1] == problems[3]  # the same as for an id that does not exist
    assert snapshot(trade.app) == before


def test_a_request_for_cooperatives_only_takes_quotes_from_verified_cooperatives_only(trade):
    rfq = _rfq(trade, published=True, cooperatives_only=True)
    before = snapshot(trade.app)
    response = trade.client.post("/api/v1/quotes", headers=trade.h["third"],
                                 json=quote_payload(trade.third.id, trade.buyer.id, rfq_id=rfq))
    assert response.status_code == 403 and problem_of(response)["code"] == "cooperatives_only"
    assert snapshot(trade.app) == before
    trade.post("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq), who="seller")
