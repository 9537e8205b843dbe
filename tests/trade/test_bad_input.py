"""Bad input changes nothing (issue 14): each write endpoint of the trade API, sent a table of invalid bodies, answers
4xx with a problem body naming the field at fault, never a 500, and every trade row (with the mails and notices it would
send) stays as it was; a decision on a quote that is no longer open is a 409 with the reason as its code."""
import copy
import datetime as dt

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models_base import utcnow
from app.trade.models import Quote, Rfq
from tests.trade.conftest import order_at, problem_of, quote_payload, rfq_payload, snapshot

MISSING = object()
LONG = "x" * 5001


def day(offset):
    """A date `offset` days from today, as the API writes it."""
    return lambda trade: (utcnow() + dt.timedelta(days=offset)).date().isoformat()


def moment(hours):
    return lambda trade: (utcnow() + dt.timedelta(hours=hours)).isoformat()


def changed(trade, body, changes):
    """`body` with each dotted path of `changes` set (a callable value is given the market first), or removed (MISSING);
    the path "*" replaces the whole body."""
    if "*" in changes:
        return changes["*"]
    body = copy.deepcopy(body)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        key = int(last) if isinstance(target, list) else last
        value = value(trade) if callable(value) else value
        if value is MISSING:
            del target[key]
        else:
            target[key] = value
    return body


def field_at(fields, path):
    """The messages of the dotted path in a problem's field errors (JSON keys are strings: lines.0.quantity)."""
    found = fields
    for key in path.split("."):
        assert isinstance(found, dict) and key in found, (path, fields)
        found = found[key]
    assert found, (path, fields)
    return found


def refused(trade, method, path, body, status, field, who):
    """Send one bad request: it must be refused with `status` and a problem body naming `field` (if given), changing
    nothing. Returns the problem."""
    before = snapshot(trade.app)
    response = trade.client.open(path, method=method, json=body, headers=trade.h[who])
    assert response.status_code == status, response.get_json()
    problem = problem_of(response)
    if field is not None:
        field_at(problem["fields"], field)
    assert snapshot(trade.app) == before
    return problem


def refuses_each(trade, method, path, base, table, who):
    """Send `base` changed as each row of `table` says: every row must be refused as it says, changing nothing. The
    rows share one market (a refusal leaves it as it was); every row that is not is reported at once."""
    wrong = []
    for name, changes, status, field in table:
        before = snapshot(trade.app)
        response = trade.client.open(path, method=method, json=changed(trade, base, changes), headers=trade.h[who])
        try:
            assert response.status_code == status, f"answered {response.status_code}"
            problem = problem_of(response)
            if field is not None:
                field_at(problem["fields"], field)
            assert snapshot(trade.app) == before, "changed the market"
        except AssertionError as error:
            wrong.append(f"{name}: {error} {response.get_data(as_text=True)[:300]}")
    assert not wrong, "\n".join(wrong)


# Conversations --------------------------------------------------------------------------------------------------------


def ask_body(trade):
    return {"organization_id": trade.buyer.id, "with_organization_id": trade.seller.id,
            "subject": {"kind": "listing", "id": trade.listing.id}, "body": "Could you quote 40 sacks?"}


CONVERSATION_CASES = (
    ("empty", {"*": {}}, 422, "with_organization_id"),
    ("not an object", {"*": ["body"]}, 422, None),
    ("organization as text", {"organization_id": "1"}, 422, "organization_id"),
    ("organization zero", {"organization_id": 0}, 422, "organization_id"),
    ("organization fractional", {"organization_id": 1.5}, 422, "organization_id"),
    ("unknown organisation written to", {"with_organization_id": 999_999}, 422, "with_organization_id"),
    ("oneself written to", {"with_organization_id": lambda trade: trade.buyer.id}, 422, "with_organization_id"),
    ("unknown own organisation", {"organization_id": 999_999}, 422, "organization_id"),
    ("no body", {"body": MISSING}, 422, "body"),
    ("blank body", {"body": "   "}, 422, "body"),
    ("body too long", {"body": LONG}, 422, "body"),
    ("body a number", {"body": 42}, 422, "body"),
    ("body with NUL", {"body": "a\x00b"}, 422, "body"),
    ("unknown subject kind", {"subject.kind": "tender"}, 422, "subject.kind"),
    ("subject id as text", {"subject.id": "7"}, 422, "subject.id"),
    ("unknown listing", {"subject.id": 999_999}, 404, "subject.id"),
    ("unknown quote", {"subject": {"kind": "quote", "id": 999_999}}, 404, "subject.id"),
    ("unknown field", {"priority": "high"}, 422, "priority"),
)


def test_a_conversation_is_not_started_from_bad_input(trade):
    refuses_each(trade, "POST", "/api/v1/conversations", ask_body(trade), CONVERSATION_CASES, "buyer")


MESSAGE_CASES = (
    ("empty", {"*": {}}, 422, "organization_id"),
    ("not an object", {"*": "Hello"}, 422, None),
    ("empty body", {"body": ""}, 422, "body"),
    ("blank body", {"body": " \n "}, 422, "body"),
    ("body too long", {"body": LONG}, 422, "body"),
    ("body a number", {"body": 42}, 422, "body"),
    ("body with NUL", {"body": "a\x00b"}, 422, "body"),
    ("organization as text", {"organization_id": "abc"}, 422, "organization_id"),
    ("unknown organisation", {"organization_id": 999_999}, 422, "organization_id"),
    ("not a party", {"organization_id": lambda trade: trade.third.id}, 422, "organization_id"),
    ("unknown field", {"subject": "x"}, 422, "subject"),
)


def test_a_message_is_not_posted_from_bad_input(trade):
    conversation = trade.ask()
    refuses_each(trade, "POST", f"/api/v1/conversations/{conversation['id']}/messages",
                 {"organization_id": trade.buyer.id, "body": "Any news?"}, MESSAGE_CASES, "buyer")


BLOCK_CASES = (
    ("empty", {"*": {}}, 422, "blocked_organization_id"),
    ("as text", {"blocked_organization_id": "2"}, 422, "blocked_organization_id"),
    ("unknown", {"blocked_organization_id": 999_999}, 422, "blocked_organization_id"),
    ("itself", {"blocked_organization_id": lambda trade: trade.buyer.id}, 422, "organization_id"),
)


def test_a_block_is_not_made_from_bad_input(trade):
    refuses_each(trade, "POST", f"/api/v1/organizations/{trade.buyer.id}/blocks",
                 {"blocked_organization_id": trade.third.id}, BLOCK_CASES, "buyer")


def test_unblocking_an_unknown_organisation_is_not_found(trade):
    trade.post(f"/api/v1/organizations/{trade.buyer.id}/blocks", {"blocked_organization_id": trade.third.id})
    refused(trade, "DELETE", f"/api/v1/organizations/{trade.buyer.id}/blocks/999999", None, 404, None, "buyer")


# Requests for quotation -----------------------------------------------------------------------------------------------


RFQ_CASES = (
    ("empty", {"*": {}}, 422, "title"),
    ("title too short", {"title": "ab"}, 422, "title"),
    ("title too long", {"title": "t" * 201}, 422, "title"),
    ("description too long", {"description": LONG}, 422, "description"),
    ("CPV code malformed", {"cpv_code": "123"}, 422, "cpv_code"),
    ("CPV code unknown", {"cpv_code": "99999999"}, 422, "cpv_code"),
    ("quantity with 4 decimals", {"quantity": "1.2345"}, 422, "quantity"),
    ("quantity zero", {"quantity": "0"}, 422, "quantity"),
    ("quantity zero with decimals", {"quantity": "0.000"}, 422, "quantity"),
    ("quantity negative", {"quantity": "-5"}, 422, "quantity"),
    ("quantity a number", {"quantity": 500}, 422, "quantity"),
    ("quantity with an exponent", {"quantity": "5e2"}, 422, "quantity"),
    ("quantity too large", {"quantity": "1000000001"}, 422, "quantity"),
    ("unit empty", {"unit": ""}, 422, "unit"),
    ("unit too long", {"unit": "u" * 41}, 422, "unit"),
    ("unknown country", {"delivery_country": "ZZ"}, 422, "delivery_country"),
    ("country in lower case", {"delivery_country": "gb"}, 422, "delivery_country"),
    ("quotes due in the past", {"quotes_due": moment(-1)}, 422, "quotes_due"),
    ("quotes due without an offset", {"quotes_due": "2031-01-01T12:00:00"}, 422, "quotes_due"),
    ("quotes due more than a year ahead", {"quotes_due": moment(24 * 400), "needed_by": day(420)}, 422, "quotes_due"),
    ("needed before quotes are due", {"needed_by": day(5)}, 422, "needed_by"),
    ("needed by not a date", {"needed_by": "next week"}, 422, "needed_by"),
    ("unknown visibility", {"visibility": "secret"}, 422, "visibility"),
    ("invited without invitations", {"visibility": "invited"}, 422, "invited_organization_ids"),
    ("public with invitations", {"invited_organization_ids": lambda trade: [trade.seller.id]}, 422,
     "invited_organization_ids"),
    ("invitation of an unknown organisation", {"visibility": "invited", "invited_organization_ids": [999_999]}, 422,
     "invited_organization_ids"),
    ("invitation of itself", {"visibility": "invited", "invited_organization_ids": lambda trade: [trade.buyer.id]}, 422,
     "invited_organization_ids"),
    ("too many invitations", {"visibility": "invited", "invited_organization_ids": list(range(1, 52))}, 422,
     "invited_organization_ids"),
    ("co-operatives only as text", {"cooperatives_only": "yes"}, 422, "cooperatives_only"),
    ("unknown organisation", {"organization_id": 999_999}, 422, "organization_id"),
)


def test_a_request_for_quotation_is_not_drafted_from_bad_input(trade):
    refuses_each(trade, "POST", "/api/v1/rfqs", rfq_payload(trade.buyer.id), RFQ_CASES, "buyer")


def test_a_request_whose_deadline_passed_as_a_draft_is_not_published(trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    with trade.app.app_context():
        db.session.execute(update(Rfq).values(quotes_due=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
    refused(trade, "POST", f"/api/v1/rfqs/{rfq['id']}/publish", None, 422, "quotes_due", "buyer")


# Quotes ---------------------------------------------------------------------------------------------------------------

QUOTE_CASES = (
    ("empty", {"*": {}}, 422, "lines"),
    ("neither request nor conversation", {"conversation_id": MISSING}, 422, "rfq_id"),
    ("both null", {"conversation_id": None, "rfq_id": None}, 422, "rfq_id"),
    ("no lines", {"lines": []}, 422, "lines"),
    ("lines missing", {"lines": MISSING}, 422, "lines"),
    ("too many lines", {"lines": lambda trade: [quote_payload(1, 2)["lines"][1]] * 101}, 422, "lines"),
    ("quantity with 4 decimals", {"lines.0.quantity": "40.0001"}, 422, "lines.0.quantity"),
    ("quantity zero", {"lines.0.quantity": "0"}, 422, "lines.0.quantity"),
    ("quantity negative", {"lines.0.quantity": "-40"}, 422, "lines.0.quantity"),
    ("quantity a number", {"lines.0.quantity": 40}, 422, "lines.0.quantity"),
    ("unit price zero", {"lines.0.unit_price.amount": "0"}, 422, "lines.0.unit_price"),
    ("unit price negative", {"lines.0.unit_price.amount": "-31.50"}, 422, "lines.0.unit_price"),
    ("unit price a number", {"lines.0.unit_price.amount": 31.5}, 422, "lines.0.unit_price"),
    ("unit price with 3 decimals in EUR", {"lines.0.unit_price.amount": "31.505"}, 422, "lines.0.unit_price"),
    ("unit price in another currency", {"lines.1.unit_price": {"amount": "85.00", "currency": "USD"}}, 422,
     "lines.1.unit_price"),
    ("unit price without currency", {"lines.0.unit_price": {"amount": "31.50"}}, 422, "lines.0.unit_price"),
    ("line description empty", {"lines.0.description": " "}, 422, "lines.0.description"),
    ("line description too long", {"lines.0.description": "d" * 501}, 422, "lines.0.description"),
    ("line unit missing", {"lines.0.unit": MISSING}, 422, "lines.0.unit"),
    ("unknown listing", {"lines.0.listing_id": 999_999}, 422, "lines.0.listing_id"),
    ("line total too large", {"lines.0.quantity": "1000000000", "lines.0.unit_price.amount": "1000000000"}, 422,
     "lines.0.quantity"),
    ("total rounding to nothing", {"lines": [{"description": "A pinch of salt", "quantity": "0.001", "unit": "g",
                                              "unit_price": {"amount": "0.01", "currency": "EUR"}}]}, 422, "lines"),
    ("valid until yesterday", {"valid_until": day(-1)}, 422, "valid_until"),
    ("valid for more than a year", {"valid_until": day(400)}, 422, "valid_until"),
    ("valid until not a date", {"valid_until": "soon"}, 422, "valid_until"),
    ("unknown incoterm", {"incoterm": "XYZ"}, 422, "incoterm"),
    ("incoterm in lower case", {"incoterm": "dap"}, 422, "incoterm"),
    ("delivery place too short", {"delivery_place": "M"}, 422, "delivery_place"),
    ("delivery place too long", {"delivery_place": "p" * 201}, 422, "delivery_place"),
    ("lead time negative", {"lead_time_days": -1}, 422, "lead_time_days"),
    ("lead time too long", {"lead_time_days": 731}, 422, "lead_time_days"),
    ("lead time as text", {"lead_time_days": "7"}, 422, "lead_time_days"),
    ("lead time fractional", {"lead_time_days": 1.5}, 422, "lead_time_days"),
    ("unknown currency", {"currency": "EURO"}, 422, "currency"),
    ("a metal", {"currency": "XAU"}, 422, "currency"),
    ("note too long", {"note": LONG}, 422, "note"),
)


NEW_QUOTE_CASES = (
    *QUOTE_CASES,
    ("unknown buyer", {"buyer_organization_id": 999_999}, 422, "buyer_organization_id"),
    ("buyer is the seller", {"buyer_organization_id": lambda trade: trade.seller.id}, 422, "buyer_organization_id"),
    ("conversation with another buyer", {"buyer_organization_id": lambda trade: trade.third.id}, 422, "conversation_id"),
    ("unknown conversation", {"conversation_id": 999_999}, 404, "conversation_id"),
    ("unknown request", {"conversation_id": MISSING, "rfq_id": 999_999}, 404, "rfq_id"),
    ("conversation id as text", {"conversation_id": "1"}, 422, "conversation_id"),
)


def test_a_quote_is_not_sent_from_bad_input(trade):
    body = quote_payload(trade.seller.id, trade.buyer.id, conversation_id=trade.ask()["id"])
    refuses_each(trade, "POST", "/api/v1/quotes", body, NEW_QUOTE_CASES, "seller")


def test_a_quote_for_a_request_of_another_buyer_is_refused(trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    body = quote_payload(trade.seller.id, trade.third.id, rfq_id=rfq["id"])
    refused(trade, "POST", "/api/v1/quotes", body, 422, "buyer_organization_id", "seller")


REVISION_CASES = (
    *QUOTE_CASES,
    ("another buyer", {"buyer_organization_id": lambda trade: trade.third.id}, 422, "buyer_organization_id"),
)


def test_a_quote_is_not_revised_from_bad_input(trade):
    quote = trade.quote()
    body = quote_payload(trade.seller.id, trade.buyer.id, conversation_id=quote["conversation_id"])
    refuses_each(trade, "POST", f"/api/v1/quotes/{quote['id']}/revise", body, REVISION_CASES, "seller")


# Decisions that come too late: 409 with the reason's code ------------------------------------------------------------


def _expired(trade):
    quote = trade.quote()
    with trade.app.app_context():
        db.session.execute(update(Quote).where(Quote.id == quote["id"])
                           .values(valid_until=(utcnow() - dt.timedelta(days=1)).date()))
        db.session.commit()
    return quote


def _decided(decision, who):
    def make(trade):
        quote = trade.quote()
        trade.post(f"/api/v1/quotes/{quote['id']}/{decision}", who=who)
        return quote
    return make


def _superseded(trade):
    quote = trade.quote()
    trade.post(f"/api/v1/quotes/{quote['id']}/revise",
               quote_payload(trade.seller.id, trade.buyer.id, conversation_id=quote["conversation_id"]), who="seller")
    return quote


def _of_cancelled_request(trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    quote = trade.post("/api/v1/quotes", quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq["id"]), who="seller")
    trade.post(f"/api/v1/rfqs/{rfq['id']}/cancel")
    return quote


QUOTES_DECIDED = {
    "expired": (_expired, "quote_expired"),
    "withdrawn": (_decided("withdraw", "seller"), "quote_withdrawn"),
    "declined": (_decided("decline", "buyer"), "quote_declined"),
    "superseded": (_superseded, "quote_superseded"),
    "accepted": (_decided("accept", "buyer"), "quote_accepted"),
    "of a cancelled request": (_of_cancelled_request, "rfq_cancelled"),
}


def test_accepting_a_quote_no_longer_open_is_a_conflict_with_its_code(trade):
    decided = {state: make(trade) for state, (make, _code) in QUOTES_DECIDED.items()}
    for state, quote in decided.items():
        problem = refused(trade, "POST", f"/api/v1/quotes/{quote['id']}/accept", None, 409, None, "buyer")
        assert problem["code"] == QUOTES_DECIDED[state][1], state


def test_deciding_again_on_a_decided_quote_is_a_conflict_with_its_code(trade):
    for state in ("withdrawn", "declined", "superseded", "accepted"):
        make, code = QUOTES_DECIDED[state]
        quote = make(trade)
        for decision, who in (("withdraw", "seller"), ("decline", "buyer"), ("revise", "seller")):
            body = quote_payload(trade.seller.id, trade.buyer.id, conversation_id=quote["conversation_id"]) \
                if decision == "revise" else None
            problem = refused(trade, "POST", f"/api/v1/quotes/{quote['id']}/{decision}", body, 409, None, who)
            assert problem["code"] == code, (state, decision)


def test_a_request_past_its_deadline_takes_no_more_quotes(trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    with trade.app.app_context():
        db.session.execute(update(Rfq).values(quotes_due=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
    body = quote_payload(trade.seller.id, trade.buyer.id, rfq_id=rfq["id"])
    assert refused(trade, "POST", "/api/v1/quotes", body, 409, None, "seller")["code"] == "rfq_closed"


def test_a_request_is_published_and_cancelled_once(trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    refused(trade, "POST", f"/api/v1/rfqs/{rfq['id']}/publish", None, 409, None, "buyer")
    trade.post(f"/api/v1/rfqs/{rfq['id']}/cancel")
    refused(trade, "POST", f"/api/v1/rfqs/{rfq['id']}/cancel", None, 409, None, "buyer")
    refused(trade, "POST", f"/api/v1/rfqs/{rfq['id']}/publish", None, 409, None, "buyer")


# Orders ---------------------------------------------------------------------------------------------------------------


CANCEL_CASES = (
    ("no reason", {"*": {}}, 422, "reason"),
    ("null reason", {"reason": None}, 422, "reason"),
    ("blank reason", {"reason": "   "}, 422, "reason"),
    ("reason too short", {"reason": "no"}, 422, "reason"),
    ("reason too long", {"reason": "r" * 1001}, 422, "reason"),
    ("reason a number", {"reason": 5}, 422, "reason"),
    ("reason with NUL", {"reason": "Changed\x00our mind"}, 422, "reason"),
)


def test_an_order_is_not_cancelled_without_a_proper_reason(trade):
    order = trade.order()
    refuses_each(trade, "POST", f"/api/v1/orders/{order['id']}/cancel", {"reason": "The harvest failed."}, CANCEL_CASES,
                 "buyer")


RATING_CASES = (
    ("no rating", {"*": {}}, 422, "rating"),
    ("rating 0", {"rating": 0}, 422, "rating"),
    ("rating 6", {"rating": 6}, 422, "rating"),
    ("rating negative", {"rating": -1}, 422, "rating"),
    ("rating as text", {"rating": "5"}, 422, "rating"),
    ("rating fractional", {"rating": 4.5}, 422, "rating"),
    ("rating null", {"rating": None}, 422, "rating"),
    ("comment too long", {"comment": "c" * 2001}, 422, "comment"),
    ("comment a number", {"comment": 5}, 422, "comment"),
)


def test_a_supplier_is_not_rated_from_bad_input(trade):
    order = order_at(trade, "delivered")
    refuses_each(trade, "POST", f"/api/v1/orders/{order['id']}/rating", {"rating": 5, "comment": "Lovely flour."},
                 RATING_CASES, "buyer")


# Queries --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, field", [
    ("/api/v1/conversations?organization_id=abc", "organization_id"),
    ("/api/v1/conversations?organization_id=0", "organization_id"),
    ("/api/v1/conversations?unread=yes", "unread"),
    ("/api/v1/conversations?per_page=0", "per_page"),
    ("/api/v1/conversations?page=10001", "page"),
    ("/api/v1/conversations?colour=red", "colour"),
    ("/api/v1/organizations/{buyer}/orders?role=admin", "role"),
    ("/api/v1/organizations/{buyer}/orders?status=lost", "status"),
    ("/api/v1/organizations/{buyer}/orders?per_page=101", "per_page"),
    ("/api/v1/transparency/trade?currency=eur", "currency"),
])
def test_bad_query_parameters_are_field_errors(trade, path, field):
    response = trade.get(path.format(buyer=trade.buyer.id))
    assert response.status_code == 422
    field_at(problem_of(response)["fields"], field)
