"""The tender pages: buyers draft, publish, extend, cancel, evaluate and award; suppliers bid, replace and withdraw.

The pages go through the API's schemas and services: these tests check what a person using them meets — the field that
is wrong, the rule that refused, what they may see — and that a refused form changed nothing.
"""
import datetime as dt
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models_base import utcnow
from app.tenders.models import Bid, Contract, Tender
from tests.conftest import csrf_token, login
from tests.tenders.conftest import snapshot


def _form(client, url, **fields):
    """A tender form as a buyer fills it in (one lot by default), posted with the page's hidden fields."""
    deadline = (utcnow() + dt.timedelta(days=10)).astimezone(dt.timezone(dt.timedelta(hours=2)))
    data = {
        "title": "Organic flour for our bakeries", "description": "Weekly deliveries to three bakeries.",
        "cpv_code": "15612100 Wheat flour", "currency": "EUR", "budget_amount": "24000",
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Paris",
        "lots-0-title": "Wholemeal flour", "lots-0-description": "2 tonnes a week",
        "policy": "price_margin", "margin_percent": "7.5",
        **_hidden_fields(client, url),
    }
    data.update(fields)
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def _hidden_fields(client, url):
    page = client.get(url).get_data(as_text=True)
    hidden = dict(re.findall(r'<input[^>]*type="hidden" name="(organization_id)" value="(\d+)"', page))
    return {**hidden, "csrf_token": csrf_token(client, url)}


def _errors(response):
    return " ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', response.get_data(as_text=True))
                    + re.findall(r'class="alert alert-danger"[^>]*>\s*(?:<div>)?([^<]+)', response.get_data(as_text=True)))


def _tender(app, title="Organic flour for our bakeries"):
    """The latest tender with that title, as plain facts (or None)."""
    with app.app_context():
        tender = db.session.scalar(select(Tender).where(Tender.title == title).order_by(Tender.id.desc()))
        if tender is None:
            return None
        return SimpleNamespace(id=tender.id, status=tender.status, policy=tender.policy, deadline=tender.deadline,
                               margin_basis_points=tender.margin_basis_points, budget_minor=tender.budget_minor,
                               cpv_code8=tender.cpv_code8, lots=[lot.title for lot in tender.lots])


def _post(client, url, page, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


@pytest.fixture
def buyer(market, client):
    login(client, market.buyer_admin)
    return market


# Drafting and publishing ---------------------------------------------------------------------------------------------


def test_a_buyer_drafts_a_tender_with_two_lots_and_publishes_it(app, buyer, client):
    page = client.get("/tenders/new")
    assert page.status_code == 200 and "Northern Wholesale Co-operative" in page.get_data(as_text=True)
    # "Add a lot" shows a second lot row without saving anything.
    added = _form(client, "/tenders/new", add_lot="1")
    assert added.status_code == 200 and 'name="lots-1-title"' in added.get_data(as_text=True)
    assert _tender(app) is None

    response = _form(client, "/tenders/new", **{"lots-1-title": "Rye flour", "lots-1-description": ""})
    assert response.status_code == 302
    tender = _tender(app)
    assert tender.status == "draft" and tender.lots == ["Wholemeal flour", "Rye flour"]
    assert tender.policy == "price_margin" and tender.margin_basis_points == 750
    assert tender.budget_minor == 2_400_000 and tender.cpv_code8 == "15612100"
    assert tender.deadline.utcoffset() == dt.timedelta(0)  # read in Paris time, kept in UTC

    page = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "Publish" in page and "Edit draft" in page
    response = _post(client, f"/tenders/{tender.id}/publish", f"/tenders/{tender.id}")
    assert response.status_code == 302
    assert _tender(app).status == "published"
    assert "Extend the deadline" in client.get(f"/tenders/{tender.id}").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "  "}, "Length must be between 3 and 200."),
    ({"cpv_code": "1234"}, "Give an 8-digit CPV code"),
    ({"cpv_code": "12345678"}, "Not a CPV 2008 code."),
    ({"currency": "EUX"}, "Not an ISO 4217 currency code."),
    ({"budget_amount": "12.345"}, "EUR amounts have at most 2 decimals."),
    ({"deadline": "tomorrow"}, "Not a valid datetime."),
    ({"deadline": "2020-01-01T12:00"}, "The deadline must be in the future."),
    ({"lots-0-title": "", "lots-0-description": ""}, "Give between 1 and 50 lots."),
    ({"lots-0-title": "ab"}, "Length must be between 3 and 200."),
    ({"margin_percent": "31"}, "Between 0 and 30."),
    ({"margin_percent": ""}, "Give the margin of preference (0 to 30)."),
    ({"policy": "weighted", "weights_price": "60", "weights_quality": "30", "weights_cooperative": "20"},
     "The weights must sum to 100."),
    ({"policy": "weighted", "weights_price": "sixty", "weights_quality": "30", "weights_cooperative": "10"},
     "Not a valid integer."),
    ({"policy": "favouritism"}, "Must be one of"),
])
def test_a_bad_tender_form_says_which_field_is_wrong_and_saves_nothing(app, buyer, client, fields, message):
    before = snapshot(app)
    response = _form(client, "/tenders/new", **fields)
    assert response.status_code == 422
    assert message in _errors(response), _errors(response)
    assert snapshot(app) == before


def test_a_draft_is_edited_whole_and_a_published_tender_only_gets_a_later_deadline(app, buyer, client):
    tender = buyer.create()
    assert _form(client, f"/tenders/{tender['id']}/edit", title="Cold-chain transport, revised").status_code == 302
    assert _tender(app, "Cold-chain transport, revised").lots == ["Wholemeal flour"]

    buyer.publish(tender)
    page = client.get(f"/tenders/{tender['id']}/edit").get_data(as_text=True)
    assert 'name="deadline"' in page and 'name="title"' not in page
    current = _tender(app, "Cold-chain transport, revised").deadline
    earlier = (current - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    url = f"/tenders/{tender['id']}/edit"
    refused = client.post(url, data={"deadline": earlier, "timezone": "UTC", "csrf_token": csrf_token(client, url)})
    assert refused.status_code == 422 and "A published deadline can only be extended." in refused.get_data(as_text=True)
    assert _tender(app, "Cold-chain transport, revised").deadline == current

    later = (current + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, data={"deadline": later, "timezone": "UTC", "csrf_token": csrf_token(client, url)}).status_code == 302
    assert _tender(app, "Cold-chain transport, revised").deadline == (current + dt.timedelta(days=7)).replace(second=0, microsecond=0)


def test_cancelling_needs_a_reason_and_tells_bidders(app, buyer, client):
    tender = buyer.published()
    buyer.bid(tender, 0, "coop", "1000.00")
    url = f"/tenders/{tender['id']}/cancel"
    refused = client.post(url, data={"reason": " ", "csrf_token": csrf_token(client, url)})
    assert refused.status_code == 422 and _tender(app, tender["title"]).status == "published"
    assert client.post(url, data={"reason": "The need moved to next year.", "csrf_token": csrf_token(client, url)}).status_code == 302
    assert _tender(app, tender["title"]).status == "cancelled"
    assert any("The need moved to next year." in message for message in buyer.notifications(buyer.coop))


@pytest.mark.parametrize("who", ["sme_admin", "seller_member", "anonymous"])
def test_tender_pages_are_refused_to_those_without_the_right(app, market, client, make, who):
    tender = market.create()
    if who == "seller_member":
        login(client, make.member(market.buyer, role="seller"))
    elif who == "sme_admin":
        login(client, market.sme_admin)
    before = snapshot(app)
    # An SME may run tenders of its own (/tenders/new is for anyone who buys), not the buyer's.
    paths = [] if who == "sme_admin" else [("get", "/tenders/new")]
    for method, path in [*paths, ("get", f"/tenders/{tender['id']}/edit"),
                         ("post", f"/tenders/{tender['id']}/publish"), ("get", f"/tenders/{tender['id']}/cancel")]:
        response = getattr(client, method)(path, data={"csrf_token": "x"} if method == "post" else None)
        if who == "anonymous":
            assert response.status_code in (302, 400) and "/tenders" not in response.headers.get("Location", "/login")
        else:
            assert response.status_code in (400, 403, 404), (path, response.status_code)
    assert snapshot(app) == before


def test_a_post_without_the_csrf_token_is_refused(app, buyer, client):
    tender = buyer.create()
    assert client.post(f"/tenders/{tender['id']}/publish").status_code == 400
    assert _tender(app, tender["title"]).status == "draft"


# Bidding ---------------------------------------------------------------------------------------------------------------


def test_a_supplier_bids_replaces_and_withdraws_through_the_pages(app, market, client):
    tender = market.published()
    lot = tender["lots"][0]
    login(client, market.coop_admin)
    page = client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert "Bid on this lot" in page
    url = f"/tenders/{tender['id']}/lots/{lot['id']}/bid"
    form = client.get(url).get_data(as_text=True)
    assert "sealed" in form and "EUR" in form

    refused = _post(client, url, url, organization_id=market.coop.id, price_amount="12,50", delivery_days="5")
    assert refused.status_code == 422 and "Not a valid amount." in refused.get_data(as_text=True)
    assert snapshot(app).bids == []

    assert _post(client, url, url, organization_id=market.coop.id, price_amount="10500.00", delivery_days="5",
                 proposal="Two refrigerated vans.").status_code == 302
    assert "Your bid: 10,500.00 EUR" in client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert _post(client, url, url, organization_id=market.coop.id, price_amount="9900.00", delivery_days="4").status_code == 302
    with app.app_context():
        bids = db.session.scalars(select(Bid)).all()
        assert [(b.price_minor, b.delivery_days, b.status) for b in bids] == [(990_000, 4, "submitted")]
        bid_id = bids[0].id
    assert _post(client, f"/bids/{bid_id}/withdraw", f"/tenders/{tender['id']}").status_code == 302
    with app.app_context():
        assert db.session.get(Bid, bid_id).status == "withdrawn"


def test_a_reserved_tender_tells_a_non_cooperative_why_it_cannot_bid(app, market, client):
    tender = market.published(preference={"policy": "reserved"})
    login(client, market.sme_admin)
    url = f"/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bid"
    response = _post(client, url, url, organization_id=market.sme.id, price_amount="900.00", delivery_days="3")
    assert response.status_code == 422
    assert "reserved for verified cooperatives" in response.get_data(as_text=True)
    assert snapshot(app).bids == []


def test_bidding_for_an_organisation_one_is_not_a_seller_of_is_refused(app, market, client, make):
    tender = market.published()
    buyer_role_only = make.member(market.coop, role="buyer")
    login(client, buyer_role_only)
    url = f"/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bid"
    assert client.get(url).status_code == 403
    login(client, market.sme_admin)
    response = _post(client, url, url, organization_id=market.coop.id, price_amount="900.00", delivery_days="3")
    assert response.status_code == 403 and snapshot(app).bids == []


def test_after_the_deadline_the_bid_form_refuses_changes(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "1000.00")
    market.pass_deadline(tender)
    login(client, market.coop_admin)
    url = f"/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/bid"
    before = snapshot(app)
    response = client.post(url, data={"organization_id": market.coop.id, "price_amount": "900.00", "delivery_days": "3",
                                      "csrf_token": csrf_token(client, f"/tenders/{tender['id']}")})
    assert response.status_code == 422 and "The deadline has passed" in response.get_data(as_text=True)
    assert snapshot(app) == before


# Evaluation, award, contract -----------------------------------------------------------------------------------------


def _closed_margin_tender(market):
    tender = market.published()
    cooperative = market.bid(tender, 0, "coop", "11000.00")
    sme = market.bid(tender, 0, "sme", "10500.00")
    market.pass_deadline(tender)
    return tender, cooperative, sme


def test_the_evaluation_page_is_the_buyers_and_only_after_the_deadline(app, market, client):
    tender = market.published()
    market.bid(tender, 0, "coop", "11000.00")
    login(client, market.buyer_admin)
    early = client.get(f"/tenders/{tender['id']}/evaluation")
    assert early.status_code == 302 and "11,000.00" not in client.get(early.headers["Location"]).get_data(as_text=True)
    market.pass_deadline(tender)
    for who in ("coop_admin", "sme_admin"):
        login(client, getattr(market, who))
        assert client.get(f"/tenders/{tender['id']}/evaluation").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/tenders/{tender['id']}/evaluation").status_code == 302  # to the login page


def test_the_buyer_reads_the_explained_ranking_awards_and_rates(app, market, client):
    tender, cooperative, sme = _closed_margin_tender(market)
    login(client, market.buyer_admin)
    url = f"/tenders/{tender['id']}/evaluation"
    page = client.get(url).get_data(as_text=True)
    assert "price 10,500.00 EUR + 10 % margin (not a cooperative) = 11,550.00 EUR" in page
    assert page.index("Valley Haulage Cooperative") < page.index("Speedy Freight Ltd")

    award_url = f"/tenders/{tender['id']}/lots/{tender['lots'][0]['id']}/award"
    # The second-ranked bid needs a written justification.
    response = _post(client, award_url, url, bid_id=str(sme["id"]), justification="")
    assert response.status_code == 302 and snapshot(app).contracts == []
    assert "needs a written justification" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert _post(client, award_url, url, bid_id=str(cooperative["id"])).status_code == 302
    notice = client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert "Award notice" in notice and "Valley Haulage Cooperative" in notice and "11,000.00 EUR" in notice
    assert "10,500.00" not in notice  # the losing price stays private

    with app.app_context():
        contract = db.session.scalar(select(Contract))
        contract_id = contract.id
    assert _post(client, f"/contracts/{contract_id}/status", f"/tenders/{tender['id']}", status="completed").status_code == 302
    assert _post(client, f"/contracts/{contract_id}/rating", f"/tenders/{tender['id']}", rating="5",
                 comment="On time, every run.").status_code == 302
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert (contract.status, contract.rating, contract.rating_comment) == ("completed", 5, "On time, every run.")
    profile = client.get(f"/organizations/{market.coop.id}").get_data(as_text=True)
    assert "1 contract completed · average rating 5.0 / 5" in profile


def test_each_bidder_reads_its_rank_in_its_notifications(app, market, client):
    tender, cooperative, sme = _closed_margin_tender(market)
    assert market.award(tender, 0, cooperative["id"]).status_code == 201
    login(client, market.sme_admin)
    page = client.get("/notifications").get_data(as_text=True)
    assert "ranked 2 of 2" in page and "list-group-item-info" in page
    # Reading the list marks nothing read: that takes the button.
    assert "list-group-item-info" in client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read", data={"all": "1", "csrf_token": csrf_token(client, "/notifications")})
    assert "list-group-item-info" not in client.get("/notifications").get_data(as_text=True)
    login(client, market.coop_admin)
    assert "won" in client.get("/notifications").get_data(as_text=True)


def test_weighted_marks_are_given_on_the_evaluation_page_before_the_award(app, market, client):
    tender = market.published(preference={"policy": "weighted", "weights": {"price": 60, "quality": 30, "cooperative": 10}})
    first = market.bid(tender, 0, "coop", "1000.00")
    second = market.bid(tender, 0, "sme", "800.00")
    market.pass_deadline(tender)
    login(client, market.buyer_admin)
    url = f"/tenders/{tender['id']}/evaluation"
    assert "Not final" in client.get(url).get_data(as_text=True)
    for bid, score in ((first, "90"), (second, "70")):
        assert _post(client, f"/bids/{bid['id']}/quality", url, score=score).status_code == 302
    bad = _post(client, f"/bids/{second['id']}/quality", url, score="101")
    assert "from 0 to 100" in client.get(bad.headers["Location"]).get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Not final" not in page
    assert "price 800.00 EUR: 60.00 + quality 70/100: 21.00 + cooperative: 0.00 = 81.00" in page


def test_the_evaluation_of_a_big_lot_is_shown_a_page_at_a_time(app, market, client, make):
    tender = market.published(preference={"policy": "none"})
    for n in range(55):
        supplier = make.user()
        organization = make.organization(supplier, name=f"Supplier {n:02d}")
        with app.app_context():
            db.session.add(Bid(tender_id=tender["id"], lot_id=tender["lots"][0]["id"], organization_id=organization.id,
                               price_minor=100_000 + n, currency="EUR", delivery_days=3))
            db.session.commit()
    market.pass_deadline(tender)
    login(client, market.buyer_admin)
    first = client.get(f"/tenders/{tender['id']}/evaluation").get_data(as_text=True)
    assert first.count("data-bid-id=") == 50 and "Page 1 of 2" in first and "Supplier 00" in first
    second = client.get(f"/tenders/{tender['id']}/evaluation?page=2").get_data(as_text=True)
    assert second.count("data-bid-id=") == 5 and "Supplier 54" in second
    assert client.get(f"/tenders/{tender['id']}/evaluation?page=3").status_code == 404


def test_my_tenders_lists_drafts_and_bids_of_the_acting_organisation(app, market, client):
    draft = market.create(title="Draft: bakery ovens maintenance")
    tender = market.published()
    market.bid(tender, 1, "coop", "700.00")
    login(client, market.buyer_admin)
    assert draft["title"] in client.get("/my/tenders").get_data(as_text=True)
    login(client, market.coop_admin)
    page = client.get("/my/tenders").get_data(as_text=True)
    assert draft["title"] not in page and "700.00 EUR" in page
