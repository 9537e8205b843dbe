"""Saved searches alert through the engine's percolator: on a new matching listing, tender, request for quotation and
campaign; not on a non-matching one, a draft, a suspended organisation's document, or the same document twice;
immediately by mail (with one-click unsubscribe), in digests, or only in the feed, as the search and its owner chose."""
import re
import xml.etree.ElementTree as ElementTree

from sqlalchemy import func, select

from app.alerts.models import AlertMatch, SavedSearch
from app.catalog.models import Listing
from app.extensions import db
from app.mail.models import MailOutbox
from app.notices import digests
from tests.campaigns.conftest import Funding
from tests.tenders.conftest import Market, tender_payload
from tests.trade.conftest import Trade, rfq_payload

API = "/api/v1/saved-searches"


def save(client, watcher, kind, query, frequency="immediately", name="My alert", status=201):
    response = client.post(API, json={"kind": kind, "name": name, "query": query, "frequency": frequency},
                           headers=watcher["h"])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def post_listing(client, make, auth, title, status="active", cpv_code="03131100"):
    owner = make.user()
    organization = make.organization(owner, name="Coffee Growers Co-operative")
    response = client.post("/api/v1/listings", headers=auth(make.token(owner)), json={
        "organization_id": organization.id, "title": title, "description": "From our members' farms.",
        "cpv_code": cpv_code, "price": {"amount": "12.50", "currency": "EUR"}, "status": status})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def alerts_to(outbox, address):
    return [mail for mail in outbox.to(address) if "new result" in mail.subject or "nouveau" in mail.subject]


def matches(app, saved_id):
    with app.app_context():
        return sorted(db.session.scalars(select(AlertMatch.doc_id).where(AlertMatch.saved_search_id == saved_id)))


def test_a_new_matching_listing_alerts_at_once_and_only_once(app, client, make, auth, watcher, outbox):
    saved = save(client, watcher, "listings", {"q": "arabica coffee"})
    assert saved["feed_url"].startswith("http") and saved["query"] == {"q": "arabica coffee"}
    post_listing(client, make, auth, "Handmade wooden chairs")                       # does not match
    post_listing(client, make, auth, "Arabica coffee, draft", status="draft")          # a draft is not indexed
    listing = post_listing(client, make, auth, "Washed arabica coffee beans")
    with app.app_context():  # sent before the page answered: nothing left for the worker
        assert db.session.scalar(select(func.count(MailOutbox.id))) == 0
    [mail] = alerts_to(outbox, "wanda@example.coop")
    assert "Washed arabica coffee beans" in mail.body and f"/listings/{listing['id']}" in mail.body
    assert "Wooden" not in mail.body and "draft" not in mail.body
    assert matches(app, saved["id"]) == [listing["id"]]
    # The same document changed: indexed again, percolated again, not alerted again.
    owner_edit = client.patch(f"/api/v1/listings/{listing['id']}", json={"title": "Washed arabica coffee beans, 2026"},
                              headers=watcher["h"])
    assert owner_edit.status_code in (403, 404)  # not the watcher's listing; the owner edits below through the service
    with app.app_context():
        from app.catalog.models import Listing
        db.session.get(Listing, listing["id"]).title = "Washed arabica coffee beans, 2026 harvest"
        db.session.commit()
    client.get("/")  # any request delivers pending search changes in tests
    assert len(alerts_to(outbox, "wanda@example.coop")) == 1


def test_tenders_rfqs_and_campaigns_alert_their_own_searches(app, client, make, auth, watcher, outbox):
    tenders = save(client, watcher, "tenders", {"cpv_division": ["60"]}, name="Transport tenders")
    rfqs = save(client, watcher, "rfqs", {"q": "durum wheat"}, name="Wheat requests")
    campaigns = save(client, watcher, "campaigns", {"sdg": [2]}, name="Zero hunger campaigns")
    elsewhere = save(client, watcher, "tenders", {"cpv_division": ["45"]}, name="Construction tenders")
    tender = Market(app, client, make, auth).published()
    trade = Trade(app, client, make, auth)
    rfq = trade.post(f"/api/v1/rfqs/{trade.post('/api/v1/rfqs', rfq_payload(trade.buyer.id))['id']}/publish")
    campaign = Funding(app, client, make, auth).live()
    assert matches(app, tenders["id"]) == [tender["id"]] and matches(app, elsewhere["id"]) == []
    assert matches(app, rfqs["id"]) == [rfq["id"]] and matches(app, campaigns["id"]) == [campaign["id"]]
    subjects = sorted(mail.subject for mail in alerts_to(outbox, "wanda@example.coop"))
    assert len(subjects) == 3 and any("Transport tenders" in s for s in subjects)
    assert not any("Construction" in s for s in subjects)


def test_a_suspended_organisations_listing_does_not_alert(app, client, make, auth, watcher, outbox):
    save(client, watcher, "listings", {"q": "arabica"})
    organization = make.organization(make.user(), name="Suspended Beans Co-operative")
    with app.app_context():  # the listing is written and its seller suspended before the search sync runs
        from app.catalog.services import create_listing
        from app.orgs.models import Organization
        seller = db.session.get(Organization, organization.id)
        create_listing(seller, {"title": "Arabica for a suspended seller", "description": "Beans.",
                                "cpv_code": "03131100", "status": "active"})
        seller.is_active = False
        db.session.commit()
    client.get("/")
    assert alerts_to(outbox, "wanda@example.coop") == []


def test_one_click_unsubscribe_stops_the_next_alert_without_login(app, client, make, auth, watcher, outbox):
    saved = save(client, watcher, "listings", {"q": "arabica"})
    post_listing(client, make, auth, "Arabica beans, first lot")
    [mail] = alerts_to(outbox, "wanda@example.coop")
    headers = mail.headers
    assert headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    address = re.search(r"<(http[^>]+)>", headers["List-Unsubscribe"][0]).group(1)
    assert address in mail.body
    path = address.split("//", 1)[1].split("/", 1)[1]
    anonymous = app.test_client()
    assert anonymous.get("/" + path).status_code == 200            # a page with a button; opening it changes nothing
    with app.app_context():
        assert db.session.get(SavedSearch, saved["id"]).frequency == "immediately"
    assert anonymous.post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    post_listing(client, make, auth, "Arabica beans, second lot")
    assert len(alerts_to(outbox, "wanda@example.coop")) == 1
    assert len(matches(app, saved["id"])) == 2                      # still matched: the feed shows it
    assert anonymous.post("/unsubscribe/forged-token").status_code == 404


def test_digests_group_new_results_in_one_mail(app, client, make, auth, watcher, outbox):
    save(client, watcher, "listings", {"q": "arabica"}, frequency="daily", name="Daily coffee")
    save(client, watcher, "listings", {"q": "spelt"}, frequency="weekly", name="Weekly spelt")
    for title in ("Arabica beans, first lot", "Arabica beans, second lot", "Spelt flour"):
        post_listing(client, make, auth, title)
    assert alerts_to(outbox, "wanda@example.coop") == []
    with app.app_context():
        assert digests.send_digests("daily").users == 1
        assert digests.send_digests("daily").users == 0            # nothing new since the last one
        from app.mail.delivery import deliver_all
        deliver_all()
    [daily] = [mail for mail in outbox.to("wanda@example.coop") if "digest" in mail.subject]
    assert "Daily coffee" in daily.body and daily.body.count("Arabica beans") == 2 and "Spelt" not in daily.body
    assert daily.headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]


def test_the_alerts_preference_off_mails_nothing_but_the_feed_still_lists(app, client, make, auth, watcher, outbox):
    saved = save(client, watcher, "listings", {"q": "arabica"})
    assert client.put("/api/v1/me/notification-preferences", json={"alerts": "off"},
                      headers=watcher["h"]).get_json()["alerts"] == "off"
    listing = post_listing(client, make, auth, "Arabica beans")
    assert alerts_to(outbox, "wanda@example.coop") == []
    feed = client.get(saved["feed_url"].split("localhost", 1)[-1])
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    entries = ElementTree.fromstring(feed.data).findall("{http://www.w3.org/2005/Atom}entry")
    assert [entry.find("{http://www.w3.org/2005/Atom}title").text for entry in entries] == ["Arabica beans"]
    assert f"/listings/{listing['id']}" in feed.get_data(as_text=True)
    assert client.get(saved["feed_url"].split("localhost", 1)[-1].replace("token=", "token=x")).status_code == 404


def test_saved_searches_are_checked_limited_and_private(app, client, make, auth, watcher):
    bad = client.post(API, json={"kind": "tenders", "name": "x", "query": {"cpv_division": ["ABC"], "page": 2}},
                      headers=watcher["h"])
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]["query"]) == {"cpv_division", "page"}
    assert client.post(API, json={"kind": "planets", "name": "x"}, headers=watcher["h"]).status_code == 422
    saved = save(client, watcher, "listings", {"q": "tea"})
    stranger = auth(make.token(make.user()))
    assert client.patch(f"{API}/{saved['id']}", json={"frequency": "off"}, headers=stranger).status_code == 404
    assert client.delete(f"{API}/{saved['id']}", headers=stranger).status_code == 404
    assert client.get(API, headers=stranger).get_json()["items"] == []
    for number in range(24):
        save(client, watcher, "listings", {"q": f"tea {number}"})
    assert save(client, watcher, "listings", {"q": "one too many"}, status=409)["error"]["code"] == "too_many_saved_searches"
    assert client.delete(f"{API}/{saved['id']}", headers=watcher["h"]).status_code == 204


def test_a_supplier_gets_default_alerts_for_its_divisions_and_countries(app, client, make, auth, search, outbox):
    seller = make.user(email="sam@mills.coop")
    mills = make.organization(seller, name="Valley Mills Cooperative", country="GB")
    make.listing(mills, title="Durum wheat", cpv_code="03211100", delivery_countries=["FR"])
    search.sync()
    with app.app_context():
        defaults = {row.kind: row.query for row in db.session.scalars(
            select(SavedSearch).where(SavedSearch.user_id == seller.id, SavedSearch.is_default.is_(True)))}
    assert defaults == {"tenders": {"cpv_division": ["03"], "country": ["FR"]},
                        "rfqs": {"cpv_division": ["03"], "country": ["FR"]}}
    search.sync()
    buyer = make.user()
    french = make.organization(buyer, name="Coopérative Laitière", country="FR", verified=True)
    headers = auth(make.token(buyer))
    for country_buyer, cpv in ((french, "03211100"), (french, "45000000")):
        tender = client.post("/api/v1/tenders", headers=headers, json=tender_payload(country_buyer.id, cpv_code=cpv))
        assert client.post(f"/api/v1/tenders/{tender.get_json()['id']}/publish", headers=headers).status_code == 200
    [alert] = [mail for mail in outbox.to("sam@mills.coop") if "New tenders for Valley Mills" in mail.subject]
    assert alert.body.count("/tenders/") == 1


def test_a_suppliers_default_alerts_follow_the_listings_it_withdraws(app, client, make, auth, search):
    seller = make.user()
    mills = make.organization(seller, name="Valley Mills Cooperative", country="GB")
    make.listing(mills, title="Durum wheat", cpv_code="03211100", delivery_countries=["FR"])
    chairs = make.listing(mills, title="Oak chairs", cpv_code="39112000", delivery_countries=["BE"])

    def scopes():
        with app.app_context():
            return {row.query["cpv_division"][-1]: row.query for row in db.session.scalars(
                select(SavedSearch).where(SavedSearch.user_id == seller.id, SavedSearch.is_default.is_(True)))}

    search.sync()
    assert scopes() == {"39": {"cpv_division": ["03", "39"], "country": ["BE", "FR"]}}
    with app.app_context():
        db.session.get(Listing, chairs.id).status = "archived"
        db.session.commit()
    search.sync()
    assert scopes() == {"03": {"cpv_division": ["03"], "country": ["FR"]}}


def test_a_default_rfq_alert_does_not_repeat_the_publication_notice(app, client, make, auth, search, outbox):
    seller = make.user(email="sam@mills.coop")
    mills = make.organization(seller, name="Valley Mills Cooperative", country="GB", verified=True)
    make.listing(mills, title="Durum wheat", cpv_code="03211100")
    search.sync()
    search.sync()  # the default alerts' percolator queries
    trade = Trade(app, client, make, auth)
    trade.post(f"/api/v1/rfqs/{trade.post('/api/v1/rfqs', rfq_payload(trade.buyer.id))['id']}/publish")
    mails = outbox.to("sam@mills.coop")
    assert [mail.subject for mail in mails] == ["Coopex: a request for quotation for you"]
    with app.app_context():
        assert db.session.scalar(select(func.count(AlertMatch.id))) == 1  # matched (its feed lists it), not mailed


def test_the_percolator_indices_are_rebuilt_from_the_saved_searches(app, client, make, auth, watcher, outbox, search):
    save(client, watcher, "listings", {"q": "arabica"})
    with app.app_context():
        from app.indexing.reindex import reindex
        search.engine.drop("listings-alerts")
        _index, count = reindex("listings-alerts")
        assert count == 1
    post_listing(client, make, auth, "Arabica beans")
    assert len(alerts_to(outbox, "wanda@example.coop")) == 1
