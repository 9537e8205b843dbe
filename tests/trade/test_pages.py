"""The trade pages, as the people using them meet them: a buyer asks about a listing with a price on request, the seller
answers with a quote, the buyer accepts, the order moves to completed; requests for quotation are drafted, published
and answered; every form says which field is wrong, and a refused form changes nothing."""
import datetime as dt
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models_base import utcnow
from app.trade.models import Message, Quote, Rfq
from tests.conftest import csrf_token, login

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _post(client, url, data, page=None, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kwargs)


def _as(client, trade, who):
    client.get("/logout")
    client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
    login(client, getattr(trade, f"{who}_admin"))


def _quote_form(**changes):
    data = {"currency": "EUR", "lines-0-description": "Stone-ground spelt flour, 25 kg", "lines-0-quantity": "40",
            "lines-0-unit": "sack", "lines-0-unit_price": "31.50", "incoterm": "DAP", "delivery_place": "Manchester",
            "lead_time_days": "7", "valid_until": (utcnow() + dt.timedelta(days=20)).date().isoformat()}
    data.update(changes)
    return data


@pytest.fixture
def buyer_client(app, trade):
    client = app.test_client()
    login(client, trade.buyer_admin)
    return client


@pytest.fixture
def seller_client(app, trade):
    client = app.test_client()
    login(client, trade.seller_admin)
    return client


def test_a_price_on_request_listing_leads_to_a_quote_an_order_and_a_rating(app, trade, buyer_client, seller_client,
                                                                            outbox):
    listing_page = buyer_client.get(f"/listings/{trade.listing.id}").get_data(as_text=True)
    assert "Ask for a quote" in listing_page
    ask = f"/conversations/new?kind=listing&id={trade.listing.id}"
    response = _post(buyer_client, ask, {"kind": "listing", "id": trade.listing.id, "with": trade.seller.id,
                                         "body": "Could you quote 40 sacks delivered to Manchester?"})
    assert response.status_code == 302
    conversation_url = response.headers["Location"]
    assert any("Could you quote 40 sacks" in mail.body for mail in outbox.to(trade.seller_admin.email))

    inbox = seller_client.get("/inbox").get_data(as_text=True)
    assert "Northern Wholesale Co-operative" in inbox and ">unread</span>" in inbox
    page = seller_client.get(conversation_url).get_data(as_text=True)
    assert "Could you quote 40 sacks" in page and "Send a quote" in page
    assert ">unread</span>" not in seller_client.get("/inbox").get_data(as_text=True)

    conversation_id = int(conversation_url.rstrip("/").split("/")[-1])
    new_quote = f"/quotes/new?conversation={conversation_id}"
    response = _post(seller_client, new_quote, {**_quote_form(), "conversation": conversation_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    quote_url = response.headers["Location"]
    quote_page = buyer_client.get(quote_url).get_data(as_text=True)
    assert "1,260.00 EUR" in quote_page and "Accept and place the order" in quote_page

    quote_id = int(quote_url.split("/")[-1])
    response = _post(buyer_client, f"/quotes/{quote_id}/accept", {}, page=quote_url)
    assert response.status_code == 302
    order_url = response.headers["Location"]
    order_id = int(order_url.split("/")[-1])
    for client, move in ((seller_client, "confirm"), (seller_client, "ship"), (buyer_client, "deliver")):
        assert _post(client, f"/orders/{order_id}/{move}", {}, page=order_url).status_code == 302
    response = _post(buyer_client, f"/orders/{order_id}/rate", {"rating": "4", "comment": "Good flour."}, page=order_url)
    assert response.status_code == 302
    order_page = buyer_client.get(order_url).get_data(as_text=True)
    assert "completed" in order_page and "Rated 4/5" in order_page
    profile = buyer_client.get(f"/organizations/{trade.seller.id}").get_data(as_text=True)
    assert "1 order fulfilled" in profile and "average rating 4.0 / 5" in profile
    orders_csv = buyer_client.get(f"/organizations/{trade.buyer.id}/orders.csv").get_data(as_text=True)
    assert orders_csv.splitlines()[1].startswith(f"{order_id},") and ",completed,EUR,1260.00," in orders_csv


def test_a_bad_quote_form_marks_the_field_and_saves_nothing(app, trade, seller_client):
    conversation = trade.ask()
    url = f"/quotes/new?conversation={conversation['id']}"
    for changes, message in (({"lines-0-quantity": "1.2345"}, "At most three decimals"),
                             ({"valid_until": "2020-01-01"}, "Not before today"),
                             ({"lines-0-unit_price": "12.555"}, "at most 2 decimals"),
                             ({"delivery_place": " "}, "between 2 and 200")):
        response = _post(seller_client, url, {**_quote_form(**changes), "conversation": conversation["id"]})
        assert response.status_code == 422 and message in response.get_data(as_text=True), changes
    with app.app_context():
        assert db.session.scalars(select(Quote)).all() == []


def test_a_message_with_a_file_is_served_to_the_two_parties_only(app, trade, buyer_client, seller_client, make):
    conversation = trade.ask()
    url = f"/conversations/{conversation['id']}"
    response = _post(buyer_client, url, {"body": "Our label design", "attachment": (io.BytesIO(PNG), "label.png")},
                     content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        message = db.session.scalars(select(Message).where(Message.attachment_key.is_not(None))).one()
        assert (message.attachment_type, message.attachment_name) == ("image/png", "label.png")
    download = seller_client.get(f"/messages/{message.id}/attachment")
    body = download.data
    download.close()
    assert download.status_code == 200 and body == PNG and "attachment" in download.headers["Content-Disposition"]
    outsider = app.test_client()
    login(outsider, trade.third_admin)
    assert outsider.get(f"/messages/{message.id}/attachment").status_code == 404
    assert outsider.get(url).status_code == 404


def test_a_file_that_is_not_what_it_says_is_refused(app, trade, buyer_client):
    conversation = trade.ask()
    url = f"/conversations/{conversation['id']}"
    response = _post(buyer_client, url, {"body": "", "attachment": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "x.pdf")},
                     content_type="multipart/form-data")
    assert response.status_code == 422 and "judged by its content" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Message)).all()) == 1


def test_a_buyer_publishes_a_request_for_quotation_and_suppliers_see_it(app, trade, buyer_client, seller_client, search,
                                                                          outbox):
    trade.make.listing(trade.seller, title="Organic durum wheat", cpv_code="03211110", delivery_countries=["GB"])
    form = {"title": "Durum wheat for our pasta line", "description": "Organic, 13 % protein.", "cpv_code": "03211110",
            "quantity": "500", "unit": "kg", "delivery_country": "GB",
            "quotes_due": (utcnow() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "needed_by": (utcnow() + dt.timedelta(days=30)).date().isoformat(), "visibility": "public", "publish": "1"}
    response = _post(buyer_client, "/rfqs/new", {**form, "quantity": "0"})
    assert response.status_code == 422 and "Above 0" in response.get_data(as_text=True)
    response = _post(buyer_client, "/rfqs/new", form)
    assert response.status_code == 302
    rfq_url = response.headers["Location"]
    assert "Suppliers told" in buyer_client.get(rfq_url).get_data(as_text=True)
    assert any("Durum wheat for our pasta line" in mail.body for mail in outbox.to(trade.seller_admin.email))
    found = seller_client.get("/rfqs?q=durum").get_data(as_text=True)
    assert "Durum wheat for our pasta line" in found
    dashboard = seller_client.get("/dashboard").get_data(as_text=True)
    assert "Durum wheat for our pasta line" in dashboard
    assert "Send a quote" in seller_client.get(rfq_url).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Rfq)).one().suppliers_notified == 1
