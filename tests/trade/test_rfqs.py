"""Requests for quotation: who is told when one is published, what the search finds (public ones still taking quotes:
text with the listings' analysers, CPV codes with what is beneath them, the delivery country and region), and who may
see an invited one."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models_base import utcnow
from app.notices.models import Notification
from app.trade.models import Rfq
from tests.trade.conftest import rfq_payload


def _suppliers(trade, make):
    """Five organisations: which of them a public request for durum wheat (CPV 03211110) delivered to GB reaches."""
    grain = make.organization(make.user(), name="Grain Growers Co-operative", country="GB", verified=True)
    make.listing(grain, title="Organic durum wheat", cpv_code="03211100")                     # same division, based in GB
    french = make.organization(make.user(), name="Coopérative des Blés", country="FR", verified=True)
    make.listing(french, title="Blé dur bio", cpv_code="03211110", delivery_countries=["GB", "FR"])  # delivers to GB
    spanish = make.organization(make.user(), name="Trigo Sociedad Limitada", country="ES", legal_form="sme")
    make.listing(spanish, title="Trigo duro", cpv_code="03211110", delivery_countries=["ES"])   # not to GB
    printer = make.organization(make.user(), name="Print Co-operative", country="GB", verified=True)
    make.listing(printer, title="Leaflets", cpv_code="22462000")                                # another division
    paused = make.organization(make.user(), name="Sleepy Farm Co-operative", country="GB", verified=True)
    make.listing(paused, title="Wheat", cpv_code="03211100", status="draft")                  # no active listing
    return {"grain": grain, "french": french, "spanish": spanish, "printer": printer, "paused": paused}


def _told(app, rfq_id):
    with app.app_context():
        link = f"/rfqs/{rfq_id}"
        return {row for row in db.session.scalars(select(Notification.organization_id)
                                                  .where(Notification.link.endswith(link)))}


def test_publishing_tells_the_suppliers_of_the_division_who_deliver_there(app, trade, make, outbox):
    suppliers = _suppliers(trade, make)
    draft = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    assert draft["status"] == "draft" and _told(app, draft["id"]) == set()
    published = trade.post(f"/api/v1/rfqs/{draft['id']}/publish")
    assert published["status"] == "published" and published["suppliers_notified"] == 2
    assert _told(app, draft["id"]) == {suppliers["grain"].id, suppliers["french"].id}
    assert trade.post(f"/api/v1/rfqs/{draft['id']}/publish", status=409)


def test_cooperatives_only_tells_and_takes_verified_cooperatives_only(app, trade, make):
    suppliers = _suppliers(trade, make)
    make.listing(suppliers["spanish"], title="Trigo duro para Reino Unido", cpv_code="03211110", delivery_countries=["GB"])
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, cooperatives_only=True))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    assert _told(app, rfq["id"]) == {suppliers["grain"].id, suppliers["french"].id}


def test_an_invited_request_is_seen_only_by_the_buyer_and_the_invited(app, trade, make):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, visibility="invited",
                                                 invited_organization_ids=[trade.seller.id]))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    assert _told(app, rfq["id"]) == {trade.seller.id}
    assert trade.get(f"/api/v1/rfqs/{rfq['id']}", who="seller").status_code == 200
    assert trade.get(f"/api/v1/rfqs/{rfq['id']}", who="third").status_code == 404
    assert trade.get(f"/api/v1/rfqs/{rfq['id']}", who="anonymous").status_code == 404
    quote = {"organization_id": trade.third.id, "buyer_organization_id": trade.buyer.id, "rfq_id": rfq["id"],
             "currency": "EUR", "incoterm": "DAP", "delivery_place": "Leeds", "lead_time_days": 3,
             "valid_until": (utcnow() + dt.timedelta(days=9)).date().isoformat(),
             "lines": [{"description": "Durum wheat", "quantity": "500", "unit": "kg",
                        "unit_price": {"amount": "0.42", "currency": "EUR"}}]}
    assert trade.post("/api/v1/quotes", quote, who="third", status=404)["error"]["code"] == "not_found"


def test_the_buyer_sees_every_quote_cheapest_first_a_verified_cooperative_first_at_an_equal_price(app, trade, make):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    sme_admin = make.user()
    sme = make.organization(sme_admin, name="Wheat Traders Ltd", legal_form="sme")
    trade.h["sme"] = trade.auth(make.token(sme_admin))

    def quote(who, seller, amount):
        return trade.post("/api/v1/quotes", {
            "organization_id": seller.id, "buyer_organization_id": trade.buyer.id, "rfq_id": rfq["id"], "currency": "EUR",
            "incoterm": "FCA", "delivery_place": "Hull", "lead_time_days": 10,
            "valid_until": (utcnow() + dt.timedelta(days=15)).date().isoformat(),
            "lines": [{"description": "Durum wheat", "quantity": "500", "unit": "kg",
                       "unit_price": {"amount": amount, "currency": "EUR"}}]}, who=who)

    quote("sme", sme, "0.40")       # sent first, at the same price as the co-operative's
    quote("seller", trade.seller, "0.40")
    quote("third", trade.third, "0.38")
    seen = trade.get(f"/api/v1/rfqs/{rfq['id']}").get_json()["quotes"]
    assert [q["seller"]["name"] for q in seen] == ["Hill Traders Ltd", "Valley Mills Cooperative", "Wheat Traders Ltd"]
    assert all("completed" in q["seller_record"] for q in seen)
    own = trade.get(f"/api/v1/rfqs/{rfq['id']}", who="seller").get_json()["quotes"]
    assert [q["seller"]["name"] for q in own] == ["Valley Mills Cooperative"]


def test_a_quote_after_the_deadline_is_refused(app, trade):
    rfq = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id))
    trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")
    with app.app_context():
        db.session.get(Rfq, rfq["id"]).quotes_due = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    answer = trade.post("/api/v1/quotes", {
        "organization_id": trade.seller.id, "buyer_organization_id": trade.buyer.id, "rfq_id": rfq["id"],
        "currency": "EUR", "incoterm": "EXW", "delivery_place": "Our mill", "lead_time_days": 1,
        "valid_until": utcnow().date().isoformat(), "lines": [{"description": "Wheat", "quantity": "1", "unit": "t",
                                                               "unit_price": {"amount": "300", "currency": "EUR"}}]},
        who="seller", status=409)
    assert answer["error"]["code"] == "rfq_closed"


def test_search_finds_public_requests_still_taking_quotes(app, trade, make, search):
    wheat = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, title="Organic durum wheat for pasta"))
    boxes = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, title="Cajas de cartón para fruta",
                                                   description="Cajas de cartón ondulado.", cpv_code="44617100",
                                                   delivery_country="ES"))
    invited = trade.post("/api/v1/rfqs", rfq_payload(trade.buyer.id, title="Durum wheat, invited suppliers",
                                                     visibility="invited", invited_organization_ids=[trade.seller.id]))
    for rfq in (wheat, boxes, invited):
        trade.post(f"/api/v1/rfqs/{rfq['id']}/publish")

    def found(query):
        answer = trade.client.get(f"/api/v1/search/rfqs?{query}")
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    assert found("q=durum") == [wheat["id"]]
    assert found("q=carton") == [boxes["id"]]                 # folded accents, Spanish stemming
    assert found("cpv=03000000") == [wheat["id"]]             # a division finds what is beneath it
    assert found("cpv_division=44") == [boxes["id"]]          # the category facet, as the page's boxes send it
    assert trade.client.get("/rfqs?cpv_division=44").status_code == 200
    assert found("country=es") == [boxes["id"]]
    assert sorted(found("region=Europe")) == sorted([wheat["id"], boxes["id"]])
    assert search.document("rfqs", wheat["id"])["delivery_region"] == "Europe"

    trade.post(f"/api/v1/rfqs/{wheat['id']}/cancel")
    assert found("q=durum") == []
    with app.app_context():
        db.session.get(Rfq, boxes["id"]).quotes_due = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert found("q=carton") == []                            # past its deadline, whatever the index says
