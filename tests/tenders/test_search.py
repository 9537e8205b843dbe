"""Tender search on the real OpenSearch node: what suppliers find, what they never see, and what happens when the
engine is down. Published tenders are delivered to the index by the outbox, as in development (sync after each request)."""
import datetime as dt
import json
import socket
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models_base import utcnow
from app.orgs.models import Organization
from search import SearchEngine, TenderQuery
from tests.conftest import login
from tests.search.helpers import search_api
from tests.tenders.conftest import tender_payload

SEARCH_API = "/api/v1/search/tenders"


def _in(days):
    return (utcnow() + dt.timedelta(days=days)).isoformat()


def _document(search, tender):
    return search.document("tenders", tender["id"])


def find(client, **params):
    return search_api(client, SEARCH_API, **params)


def found_ids(client, **params):
    return sorted(item["id"] for item in find(client, per_page=100, **params)["items"])


def publish_for(market, organization, headers, **changes):
    """A tender drafted and published by one of `organization`'s admins."""
    response = market.client.post("/api/v1/tenders", headers=headers, json=tender_payload(organization.id, **changes))
    assert response.status_code == 201, response.get_json()
    tender_id = response.get_json()["id"]
    response = market.client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def tenders(search, market, make):
    """Three published tenders: parcel transport (GB buyer, margin of preference, 50,000 EUR, two weeks), catering
    (Kenyan buyer, reserved, 800,000 KES, 40 days) and roof repair (GB buyer, no preference, no budget, 60 days)."""
    kenyan_admin = make.user(name="Kenyan Admin")
    kenyan = make.organization(kenyan_admin, name="Nairobi Dairy Farmers Cooperative", country="KE", verified=True)
    return SimpleNamespace(
        market=market, kenyan=kenyan, kenyan_headers=market.auth(make.token(kenyan_admin)),
        transport=market.published(title="Parcel transport between packhouses", cpv_code="60161000",
                                   description="Refrigerated parcels from our members' packhouses to the hub.",
                                   lots=[{"title": "Seed potatoes"}, {"title": "Cut flowers"}]),
        catering=publish_for(market, kenyan, market.auth(make.token(kenyan_admin)),
                             title="Catering for the annual general assembly", cpv_code="55520000",
                             description="Lunch for 400 members.", currency="KES", deadline=_in(40),
                             budget={"amount": "800000", "currency": "KES"}, preference={"policy": "reserved"},
                             lots=[{"title": "Lunch"}]),
        roof=market.published(title="Warehouse roof repair", cpv_code="45261210", description="Re-covering 900 m2.",
                              budget=None, deadline=_in(60), preference={"policy": "none"}, lots=[{"title": "Roof covering"}]),
    )


def test_a_published_tender_is_found_by_its_words_and_despite_a_typo(client, tenders):
    transport, catering = tenders.transport["id"], tenders.catering["id"]
    assert found_ids(client, q="parcel transport") == [transport]
    assert found_ids(client, q="refrigerated") == [transport]  # the description
    assert found_ids(client, q="cut flowers") == [transport]  # a lot's title
    assert found_ids(client, q="parcle") == [transport]
    assert found_ids(client, q="catering assembly") == [catering]
    assert found_ids(client, q="Nairobi") == [catering]  # the buyer's name
    item = find(client, q="parcel")["items"][0]
    assert item["state"] == "open" and item["cpv_code"] == "60161000-4" and item["policy"] == "price_margin"
    assert item["budget"] == {"amount": "50000.00", "currency": "EUR"}
    assert item["buyer"]["name"] == "Northern Wholesale Co-operative" and item["buyer"]["region"] == "Europe"
    assert "<mark>" in item["highlight"]


def test_a_parent_cpv_code_finds_the_tenders_coded_beneath_it(client, tenders):
    transport = tenders.transport["id"]
    for code in ("60000000", "60100000", "60160000", "60161000-4"):
        assert found_ids(client, cpv=code) == [transport], code
    assert found_ids(client, cpv="60170000") == []
    assert found_ids(client, cpv=["60000000", "45000000"]) == sorted([transport, tenders.roof["id"]])
    assert found_ids(client, cpv_division="55") == [tenders.catering["id"]]


def test_filters_on_the_buyers_country_and_region_the_policy_budget_and_deadline(client, tenders):
    transport, catering, roof = tenders.transport["id"], tenders.catering["id"], tenders.roof["id"]
    assert found_ids(client, country="KE") == [catering]
    assert found_ids(client, country=["gb"]) == sorted([transport, roof])
    assert found_ids(client, region="Africa") == [catering]
    assert found_ids(client, region=["Africa", "Europe"]) == sorted([transport, catering, roof])
    assert found_ids(client, policy="reserved") == [catering]
    assert found_ids(client, policy=["none", "price_margin"]) == sorted([transport, roof])
    assert found_ids(client, currency="EUR", budget_min="10000", budget_max="50000") == [transport]
    assert found_ids(client, currency="EUR", budget_min="50000.01") == []
    assert found_ids(client, currency="KES", budget_max="1000000") == [catering]
    assert found_ids(client, budget_min="1") == sorted([transport, catering])  # a tender without a budget has none
    in_30_days = (utcnow() + dt.timedelta(days=30)).date().isoformat()
    assert found_ids(client, deadline_to=in_30_days) == [transport]
    assert found_ids(client, deadline_from=in_30_days) == sorted([catering, roof])
    assert found_ids(client, deadline_from=_in(30), deadline_to=_in(50)) == [catering]


def test_the_facets_count_policies_regions_and_divisions_under_the_other_filters(client, tenders):
    result = find(client, region="Europe")
    facets = {name: {entry["value"]: (entry["label"], entry["count"]) for entry in entries}
              for name, entries in result["facets"].items()}
    assert facets["region"] == {"Europe": ("Europe", 2), "Africa": ("Africa", 1)}  # its own selection is not applied
    assert facets["policy"] == {"price_margin": ("Margin of preference", 1), "none": ("No preference", 1)}
    assert facets["cpv_division"] == {"60": ("Transport services (excl. Waste transport)", 1), "45": ("Construction work", 1)}
    assert result["total"] == 2


def test_sorting_by_deadline_and_by_newest(client, tenders):
    ids = [tenders.transport["id"], tenders.catering["id"], tenders.roof["id"]]
    assert [item["id"] for item in find(client, sort="deadline")["items"]] == ids
    assert [item["id"] for item in find(client, sort="newest")["items"]] == ids[::-1]


def test_a_draft_is_never_found(client, search, market):
    draft = market.create(title="Draft parcel transport")
    assert found_ids(client, q="draft parcel") == []
    assert found_ids(client, q="draft parcel", status="all") == []
    assert search.outbox("tenders") == []  # a tender never published has no document to write
    market.publish(draft)
    assert found_ids(client, q="draft parcel") == [draft["id"]]


def test_a_cancelled_tender_disappears(client, search, tenders):
    market, transport = tenders.market, tenders.transport
    response = client.post(f"/api/v1/tenders/{transport['id']}/cancel", headers=market.h["buyer"],
                           json={"reason": "The packhouses merged."})
    assert response.status_code == 200
    assert search.engine.get_version("tenders", transport["id"]) is None  # its document is deleted, not just hidden
    assert found_ids(client, q="parcel transport", status="all") == []
    assert transport["id"] not in found_ids(client)


def test_a_tender_past_its_deadline_is_not_listed_as_open_even_before_the_index_hears_of_it(client, search, tenders):
    transport = tenders.transport["id"]
    tenders.market.pass_deadline(tenders.transport)  # a plain UPDATE: no outbox row, the index still holds the old deadline
    assert search.outbox("tenders") == []
    assert find(client, q="parcel")["total"] == 0
    assert transport not in found_ids(client)
    closed = find(client, q="parcel", status="all")["items"]
    assert [(item["id"], item["state"]) for item in closed] == [(transport, "closed")]


def test_the_engine_itself_decides_what_is_open_from_the_deadline_and_the_moment_of_the_search(search, tenders):
    def open_at(moment):
        return sorted(item["tender_id"] for item in search.engine.search_tenders(TenderQuery(open_at=moment, facets=()))["items"])

    everything = sorted([tenders.transport["id"], tenders.catering["id"], tenders.roof["id"]])
    assert open_at(None) == open_at(utcnow()) == everything
    assert open_at(utcnow() + dt.timedelta(days=15)) == sorted([tenders.catering["id"], tenders.roof["id"]])
    assert open_at(utcnow() + dt.timedelta(days=61)) == []


def test_an_extended_deadline_and_an_award_reach_the_index(app, client, search, tenders):
    market, transport = tenders.market, tenders.transport
    later = _in(20)
    response = client.patch(f"/api/v1/tenders/{transport['id']}", headers=market.h["buyer"], json={"deadline": later})
    assert response.status_code == 200
    assert _document(search, transport)["deadline"] == later
    bids = [market.bid(transport, lot, "coop", "40000") for lot in (0, 1)]
    market.pass_deadline(transport)
    for lot, bid in enumerate(bids):
        assert market.award(transport, lot, bid["id"]).status_code == 201
    assert [item["state"] for item in find(client, q="parcel", status="all")["items"]] == ["awarded"]


def test_the_indexed_document_holds_nothing_of_the_sealed_bids(app, client, search, tenders):
    market, transport = tenders.market, tenders.transport
    market.bid(transport, 0, "coop", "43210.98", proposal="Our secret cold-chain method with ice blocks.")
    stored = search.engine.get_version("tenders", transport["id"])
    with app.app_context():  # the buyer changes: its tenders' documents are written again, now that a bid exists
        db.session.get(Organization, market.buyer.id).size = "large"
        db.session.commit()
    search.sync()
    answer = search.engine.client.get(index=search.engine.alias("tenders"), id=str(transport["id"]))
    assert answer["_version"] > stored
    assert set(answer["_source"]) == {"tender_id", "title", "description", "lots", "cpv", "policy", "budget", "deadline",
                                      "published_at", "awarded", "buyer"}
    text = json.dumps(answer["_source"])
    for secret in ("43210", "secret", "ice blocks", "Valley Haulage", "bid"):
        assert secret not in text, secret
    assert found_ids(client, q="secret cold-chain ice blocks") == []


def test_a_change_to_the_buyer_reaches_its_published_tenders(app, client, search, tenders):
    with app.app_context():
        db.session.get(Organization, tenders.kenyan.id).name = "Mombasa Dairy Farmers Cooperative"
        db.session.commit()
    assert [row.doc_id for row in search.outbox("tenders")] == [tenders.catering["id"]]
    search.sync()
    assert found_ids(client, q="Mombasa") == [tenders.catering["id"]]


@pytest.mark.parametrize(("params", "field"), [
    ({"deadline_from": "tomorrow"}, "deadline_from"),
    ({"deadline_to": "2027-03-01T12:00:00"}, "deadline_to"),  # no offset
    ({"deadline_to": "2027-02-30"}, "deadline_to"),
    ({"deadline_from": "0001-01-01T00:00:00+14:00"}, "deadline_from"),  # before the first moment there is in UTC
    ({"deadline_from": "2027-03-02", "deadline_to": "2027-03-01"}, "deadline_from"),
    ({"budget_min": "20", "budget_max": "10"}, "budget_min"),
    ({"budget_max": "NaN"}, "budget_max"),
    ({"budget_min": "-5"}, "budget_min"),
    ({"currency": "euro"}, "currency"),
    ({"policy": "cheapest"}, "policy"),
    ({"status": "closed"}, "status"),
    ({"sort": "price_asc"}, "sort"),
    ({"region": "Atlantis"}, "region"),
    ({"country": "Kenya"}, "country"),
    ({"cpv": "601"}, "cpv"),
    ({"cpv_division": "6"}, "cpv_division"),
    ({"page": "0"}, "page"),
    ({"q": "a" * 501}, "q"),
])
def test_bad_parameters_are_refused_with_the_field_at_fault(client, params, field):
    response = client.get(SEARCH_API, query_string=params)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field], error
    page = client.get("/tenders", query_string=params)
    assert page.status_code == 400
    assert field in page.get_data(as_text=True)


PARAMETERS = ("q", "cpv", "cpv_division", "country", "region", "policy", "status", "deadline_from", "deadline_to",
              "currency", "budget_min", "budget_max", "sort", "page", "per_page", "unknown")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(PARAMETERS), st.lists(st.text(max_size=24), min_size=1, max_size=3), max_size=5))
def test_any_query_string_gets_results_or_field_errors_never_a_failure(client, search, params):
    response = client.get(SEARCH_API, query_string=params)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:500]
    assert client.get("/tenders", query_string=params).status_code in (200, 400)


def test_the_widest_ranges_are_answered(client, tenders):
    assert len(found_ids(client, deadline_from="0001-01-01", deadline_to="9999-12-31", budget_min="0.0000001",
                         budget_max="1000000000", status="all")) == 2


def test_the_tenders_page_shows_open_tenders_with_links_and_facets(client, tenders):
    page = client.get("/tenders", query_string={"q": "parcel"}).get_data(as_text=True)
    assert f'href="/tenders/{tenders.transport["id"]}"' in page
    assert "<mark>Parcel</mark>" in page and "Northern Wholesale Co-operative" in page
    assert "Warehouse roof repair" not in page
    page = client.get("/tenders", query_string={"policy": "reserved"}).get_data(as_text=True)
    assert "Catering for the annual general assembly" in page and "Parcel transport" not in page
    assert "policy: Reserved for co-ops" in page  # the removable chip of the filter
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tenders"' in home


def test_the_supplier_dashboard_offers_open_tenders_in_its_listings_divisions(client, make, tenders):
    market = tenders.market
    make.listing(market.coop, title="Refrigerated vans with drivers", cpv_code="60170000")  # division 60, like transport
    own = publish_for(market, market.coop, market.h["coop"], title="Parcel transport for our own depots", cpv_code="60160000")
    login(client, market.coop_admin)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Open tenders matching your listings" in page
    assert f'href="/tenders/{tenders.transport["id"]}"' in page and "Northern Wholesale Co-operative" in page
    assert f'href="/tenders/{own["id"]}"' not in page  # not its own tender
    assert "Catering for the annual general assembly" not in page and "Warehouse roof repair" not in page
    market.pass_deadline(tenders.transport)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Parcel transport between packhouses" not in page
    assert "No open tenders in your listings’ categories right now." in page


def test_the_reindex_and_status_commands_know_the_tenders(app, client, search, tenders):
    search.engine.bulk("tenders", [(tenders.roof["id"], 10**6, None)])  # the index lost a tender
    result = app.test_cli_runner().invoke(args=["search", "reindex", "tenders"])
    assert result.exit_code == 0, result.output
    assert "tenders: 3 documents into" in result.output
    assert found_ids(client) == sorted([tenders.transport["id"], tenders.catering["id"], tenders.roof["id"]])
    status = app.test_cli_runner().invoke(args=["search", "status"])
    assert "tenders: 3 documents in" in status.output


@pytest.fixture
def engine_down(app):
    """The app's engine pointed at a port where nothing listens (the shared node keeps running)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    working = app.extensions["search"]
    app.extensions["search"] = SearchEngine.from_config({**app.config, "SEARCH_URL": f"http://127.0.0.1:{port}"})
    try:
        yield
    finally:
        app.extensions["search"] = working


def test_with_the_engine_down_search_degrades_and_never_fails(client, make, tenders, engine_down):
    market = tenders.market
    response = client.get(SEARCH_API, query_string={"q": "parcel"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    page = client.get("/tenders", query_string={"q": "parcel"})
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Search is temporarily unavailable." in text
    assert "Parcel transport between packhouses" in text and "Warehouse roof repair" in text  # closing soonest, from the database
    make.listing(market.coop, title="Refrigerated vans with drivers", cpv_code="60170000")
    login(client, market.coop_admin)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Tender search is temporarily unavailable" in dashboard.get_data(as_text=True)
