"""Campaign search on the real OpenSearch node: what donors find, what is never offered as live, and what happens when
the engine is down. Campaigns are delivered to the index by the outbox, as in development (sync after each request)."""
import datetime as dt
import socket
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from app.campaigns import settlement
from app.campaigns.models import Campaign
from app.extensions import db
from app.indexing import queue
from app.models_base import utcnow
from app.orgs.models import Organization
from search import CampaignQuery, SearchEngine
from tests.campaigns.conftest import campaign_payload
from tests.search.helpers import search_api

SEARCH_API = "/api/v1/search/campaigns"


def _in(days):
    return (utcnow() + dt.timedelta(days=days)).isoformat()


def _document(search, campaign):
    return search.document("campaigns", campaign["id"])


def find(client, **params):
    return search_api(client, SEARCH_API, **params)


def found_ids(client, **params):
    return sorted(item["id"] for item in find(client, per_page=100, **params)["items"])


def ordered_ids(client, **params):
    return [item["id"] for item in find(client, per_page=100, **params)["items"]]


@pytest.fixture
def campaigns(search, funding, make, auth, client):
    """Three live campaigns: a cold store (GB co-op, keep it all, SDGs 2 and 12, 12,000 EUR, 30 days), a youth bicycle
    co-op's first year (Kenyan co-op, all or nothing, SDGs 4 and 8, 500,000 KES, 10 days) and a flood recovery fund (the
    GB co-op again, keep it all, SDGs 11 and 13, 60 days)."""
    youth_user = make.user(name="Achieng Otieno")
    kenyan = make.organization(youth_user, name="Kisumu Youth Cycle Cooperative", country="KE", sector="industry_services",
                               verified=True, role="finance")
    kenyan_headers = auth(make.token(youth_user))

    def publish_for(organization, headers, **changes):
        response = client.post("/api/v1/campaigns", headers=headers, json=campaign_payload(organization.id, **changes))
        assert response.status_code == 201, response.get_json()
        response = client.post(f"/api/v1/campaigns/{response.get_json()['id']}/publish", headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    cold = funding.live(story="## Why\n\nEvery summer we lose **a fifth** of our soft fruit. "
                              "[Our plan](https://example.org/blueprint-document) & the growers' accounts.")
    youth = publish_for(kenyan, kenyan_headers, title="First year of a youth bicycle repair co-op",
                        summary="Tools, a workshop and wages for twelve apprentices.",
                        story="Young mechanics in Kisumu keep the city's bicycles and boda-bodas running.",
                        goal={"amount": "500000", "currency": "KES"}, funding_model="all_or_nothing", sdgs=[4, 8],
                        deadline=_in(10), budget_lines=[])
    flood = funding.live(title="Flood recovery fund for the Calder valley", summary="Replanting after the winter floods.",
                         story="The river took our topsoil.", sdgs=[11, 13], deadline=_in(60), budget_lines=[])
    return SimpleNamespace(funding=funding, kenyan=kenyan, kenyan_headers=kenyan_headers, cold=cold, youth=youth,
                           flood=flood, publish_for=publish_for)


def test_a_live_campaign_is_found_by_its_words_and_despite_a_typo(client, campaigns):
    cold, youth, flood = campaigns.cold["id"], campaigns.youth["id"], campaigns.flood["id"]
    assert found_ids(client, q="cold store") == [cold]
    assert found_ids(client, q="soft fruit") == [cold]  # the story
    assert found_ids(client, q="apprentices") == [youth]  # the summary
    assert found_ids(client, q="bicycle repair") == [youth]
    assert found_ids(client, q="bicylce repiar") == [youth]
    assert found_ids(client, q="Kisumu Youth Cycle") == [youth]  # the organisation's name
    assert found_ids(client, q="Calder flood") == [flood]
    assert found_ids(client, q="blueprint") == []  # a link's target is not a word of the story
    assert found_ids(client) == sorted([cold, youth, flood])
    item = find(client, q="bicycle")["items"][0]
    assert item["title"] == "First year of a youth bicycle repair co-op" and "<mark>bicycle</mark>" in item["highlight"]
    assert item["organization"]["id"] == campaigns.kenyan.id
    assert item["organization"]["name"] == "Kisumu Youth Cycle Cooperative" and item["organization"]["region"] == "Africa"
    assert item["goal"] == {"amount": "500000.00", "currency": "KES"} and item["progress"] == {"amount": "0.00", "currency": "KES"}
    assert item["funding_model"] == "all_or_nothing" and item["status"] == "live" and item["sdgs"] == [4, 8]
    assert item["summary"] == "Tools, a workshop and wages for twelve apprentices."
    assert dt.datetime.fromisoformat(item["deadline"]) == dt.datetime.fromisoformat(campaigns.youth["deadline"])


def test_the_document_holds_the_story_as_plain_words_and_nothing_of_the_money_raised(search, campaigns):
    document = _document(search, campaigns.cold)
    assert document["story"] == ("Why\nEvery summer we lose a fifth of our soft fruit. Our plan & the growers' accounts.")
    assert set(document) == {"campaign_id", "title", "summary", "story", "goal", "funding_model", "status", "sdgs",
                             "deadline", "published_at", "organization"}
    assert document["goal"] == {"minor": 1200000, "amount": 12000.0, "currency": "EUR"}
    assert document["organization"]["country"] == "GB" and document["organization"]["verified"] is True


def test_filters_on_sdgs_region_country_and_funding_model_with_facets(client, campaigns):
    cold, youth, flood = campaigns.cold["id"], campaigns.youth["id"], campaigns.flood["id"]
    assert found_ids(client, sdg="12") == [cold]
    assert found_ids(client, sdg=["4", "13"]) == sorted([youth, flood])  # values of one facet are OR-ed
    assert found_ids(client, region="Africa") == [youth]
    assert found_ids(client, region="Europe") == sorted([cold, flood])
    assert found_ids(client, country="ke") == [youth]
    assert found_ids(client, country="FR") == []
    assert found_ids(client, funding_model="all_or_nothing") == [youth]
    assert found_ids(client, funding_model="keep_it_all", sdg="11") == [flood]  # facets are AND-ed
    result = find(client, region="Europe")
    facets = {name: {entry["value"]: (entry["label"], entry["count"]) for entry in entries}
              for name, entries in result["facets"].items()}
    assert facets["region"] == {"Europe": ("Europe", 2), "Africa": ("Africa", 1)}  # its own selection is not applied
    assert facets["funding_model"] == {"keep_it_all": ("Keep it all", 2)}
    assert set(facets["sdg"]) == {2, 11, 12, 13} and facets["sdg"][2] == ("2. Zero hunger", 1)
    assert result["total"] == 2


def test_a_draft_is_never_found(client, search, funding, campaigns):
    draft = funding.create(title="A seed bank for heritage grains")
    assert found_ids(client, q="seed bank heritage") == []
    assert found_ids(client, q="seed bank heritage", status="all") == []
    response = client.patch(f"/api/v1/campaigns/{draft['id']}", headers=funding.h["owner"], json={"summary": "Grains."})
    assert response.status_code == 200
    assert search.outbox("campaigns") == []  # a campaign never published has no document to write
    assert search.engine.get_version("campaigns", draft["id"]) is None
    client.post(f"/api/v1/campaigns/{draft['id']}/publish", headers=funding.h["owner"])
    assert found_ids(client, q="seed bank heritage") == [draft["id"]]


def test_donations_show_in_the_progress_without_writing_the_document_again(client, search, stripe_events, campaigns):
    funding, cold, youth = campaigns.funding, campaigns.cold, campaigns.youth
    versions = {campaign["id"]: search.engine.get_version("campaigns", campaign["id"]) for campaign in (cold, youth)}
    donation = funding.donate(cold, amount="150.00")
    assert stripe_events.send(stripe_events.checkout_completed(donation)).status_code == 200
    pledge = funding.donate(youth, amount="2500")
    assert stripe_events.send(stripe_events.checkout_completed(pledge, mode="setup")).status_code == 200
    assert {campaign_id: search.engine.get_version("campaigns", campaign_id) for campaign_id in versions} == versions
    items = {item["id"]: item for item in find(client)["items"]}
    assert items[cold["id"]]["progress"] == {"amount": "150.00", "currency": "EUR"} and items[cold["id"]]["donors_count"] == 1
    assert items[youth["id"]]["progress"] == {"amount": "2500.00", "currency": "KES"}  # all or nothing: pledges count


def test_a_campaign_past_its_deadline_or_settled_is_not_live_even_before_the_index_hears_of_it(app, client, search, campaigns):
    funding, cold = campaigns.funding, campaigns.cold
    funding.pass_deadline(cold)  # a plain UPDATE: no outbox row, the index still holds the old deadline
    assert search.outbox("campaigns") == []
    assert cold["id"] not in found_ids(client)
    assert find(client, q="cold store")["total"] == 0
    assert [(item["id"], item["status"]) for item in find(client, q="cold store", status="all")["items"]] == [(cold["id"], "ended")]
    with app.app_context():
        assert settlement.close_due() == {cold["id"]: "failed"}
    assert cold["id"] not in found_ids(client)
    assert [item["status"] for item in find(client, q="cold store", status="all")["items"]] == ["failed"]
    response = client.post(f"/api/v1/campaigns/{cold['id']}/close", headers=funding.h["owner"])
    assert response.status_code == 200, response.get_json()
    assert _document(search, cold)["status"] == "closed"  # an owner's change goes through the outbox
    assert [item["status"] for item in find(client, q="cold store", status="all")["items"]] == ["closed"]


def test_a_succeeded_campaign_is_no_longer_live(app, client, search, stripe_events, campaigns):
    funding, flood = campaigns.funding, campaigns.flood
    donation = funding.donate(flood, amount="12000.00")
    stripe_events.send(stripe_events.checkout_completed(donation))
    with app.app_context():  # settled while its deadline is still ahead in the index: status alone decides
        db.session.execute(update(Campaign).where(Campaign.id == flood["id"])
                           .values(status="succeeded", search_version=Campaign.search_version + 1))
        db.session.commit()
    assert found_ids(client, q="flood") == []
    item = find(client, q="flood", status="all")["items"][0]
    assert item["status"] == "succeeded" and item["progress"] == {"amount": "12000.00", "currency": "EUR"}


def test_a_change_made_by_a_core_update_reaches_the_index_once_queued(app, client, search, campaigns):
    cold = campaigns.cold
    with app.app_context():  # as settlement does: one UPDATE that bumps the version, then the outbox row
        db.session.execute(update(Campaign).where(Campaign.id == cold["id"], Campaign.status == "live")
                           .values(status="failed", settled_at=utcnow(), search_version=Campaign.search_version + 1))
        queue("campaigns", [cold["id"]])
        db.session.commit()
    assert [row.doc_id for row in search.outbox("campaigns")] == [cold["id"]]
    search.sync()
    assert _document(search, cold)["status"] == "failed"
    assert search.outbox("campaigns") == []
    with app.app_context():
        queue("campaigns", [])  # nothing to queue: no row
        db.session.commit()
    assert search.outbox("campaigns") == []


def test_ending_soon_sorts_live_campaigns_by_deadline_and_filters_by_days_left(client, campaigns):
    cold, youth, flood = campaigns.cold["id"], campaigns.youth["id"], campaigns.flood["id"]
    assert ordered_ids(client, sort="ending_soon") == [youth, cold, flood]
    assert ordered_ids(client, sort="ending_soon", q="valley") == [cold, flood]
    assert ordered_ids(client, sort="newest") == [flood, youth, cold]
    assert found_ids(client, ending_within_days="15") == [youth]
    assert found_ids(client, ending_within_days="45") == sorted([youth, cold])
    assert found_ids(client, ending_within_days="45", status="all") == sorted([youth, cold])
    campaigns.funding.pass_deadline(campaigns.youth)  # the database's word, before the index hears of it
    assert ordered_ids(client, sort="ending_soon") == [cold, flood]
    assert found_ids(client, ending_within_days="15", status="all") == []


def test_the_engine_itself_decides_what_is_live_from_the_moment_of_the_search(search, campaigns):
    def live_at(moment, **options):
        query = CampaignQuery(at=moment, facets=(), **options)
        return sorted(item["campaign_id"] for item in search.engine.search_campaigns(query)["items"])

    cold, youth, flood = campaigns.cold["id"], campaigns.youth["id"], campaigns.flood["id"]
    assert live_at(utcnow()) == sorted([cold, youth, flood])
    assert live_at(utcnow() + dt.timedelta(days=15)) == sorted([cold, flood])
    assert live_at(utcnow() + dt.timedelta(days=61)) == []
    assert live_at(utcnow() + dt.timedelta(days=61), live_only=False) == sorted([cold, youth, flood])
    assert live_at(utcnow(), ending_before=utcnow() + dt.timedelta(days=31)) == sorted([cold, youth])
    in_15_days = CampaignQuery(at=utcnow() + dt.timedelta(days=15), live_only=False, sort="ending_soon", facets=())
    found = search.engine.search_campaigns(in_15_days)["items"]
    assert [item["campaign_id"] for item in found] == [cold, flood, youth]  # the live ones first, then those that ended


def test_an_edit_and_a_change_to_the_organisation_reach_the_index(app, client, search, campaigns):
    funding, cold, youth = campaigns.funding, campaigns.cold, campaigns.youth
    response = client.patch(f"/api/v1/campaigns/{cold['id']}", headers=funding.h["owner"],
                            json={"title": "A solar cold store for the valley's growers"})
    assert response.status_code == 200, response.get_json()
    assert found_ids(client, q="solar") == [cold["id"]]
    with app.app_context():
        db.session.get(Organization, campaigns.kenyan.id).name = "Lake Victoria Youth Cycle Cooperative"
        db.session.commit()
    assert [row.doc_id for row in search.outbox("campaigns")] == [youth["id"]]
    search.sync()
    assert found_ids(client, q="Lake Victoria") == [youth["id"]]
    with app.app_context():
        db.session.get(Organization, campaigns.kenyan.id).is_active = False
        db.session.commit()
    search.sync()
    assert search.engine.get_version("campaigns", youth["id"]) is None  # its document is deleted, not just hidden
    assert found_ids(client, status="all") == sorted([cold["id"], campaigns.flood["id"]])


@pytest.mark.parametrize(("params", "field"), [
    ({"sdg": "18"}, "sdg"),
    ({"sdg": "0"}, "sdg"),
    ({"sdg": "poverty"}, "sdg"),
    ({"region": "Atlantis"}, "region"),
    ({"country": "Kenya"}, "country"),
    ({"funding_model": "flexible"}, "funding_model"),
    ({"status": "failed"}, "status"),
    ({"ending_within_days": "0"}, "ending_within_days"),
    ({"ending_within_days": "400"}, "ending_within_days"),
    ({"ending_within_days": "soon"}, "ending_within_days"),
    ({"sort": "deadline"}, "sort"),
    ({"page": "0"}, "page"),
    ({"per_page": "101"}, "per_page"),
    ({"q": "a" * 501}, "q"),
])
def test_bad_parameters_are_refused_with_the_field_at_fault(client, params, field):
    response = client.get(SEARCH_API, query_string=params)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field], error
    page = client.get("/campaigns/search", query_string=params)
    assert page.status_code == 400
    assert field in page.get_data(as_text=True)


PARAMETERS = ("q", "sdg", "country", "region", "funding_model", "status", "ending_within_days", "sort", "page", "per_page",
              "cpv", "unknown")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(PARAMETERS), st.lists(st.text(max_size=24), min_size=1, max_size=3), max_size=5))
def test_any_query_string_gets_results_or_field_errors_never_a_failure(client, search, params):
    response = client.get(SEARCH_API, query_string=params)
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:500]
    assert client.get("/campaigns/search", query_string=params).status_code in (200, 400)


def test_the_search_page_shows_campaigns_with_links_progress_and_facets(client, stripe_events, campaigns):
    funding, cold = campaigns.funding, campaigns.cold
    stripe_events.send(stripe_events.checkout_completed(funding.donate(cold, amount="300.00")))
    page = client.get("/campaigns/search", query_string={"q": "cold store"}).get_data(as_text=True)
    assert f'href="/campaigns/{cold["id"]}"' in page
    assert "<mark>cold</mark>" in page and "Valley Growers Cooperative" in page
    assert "300.00 EUR of 12,000.00 EUR" in page and "1 donor" in page
    assert "bicycle" not in page
    page = client.get("/campaigns/search", query_string={"funding_model": "all_or_nothing"}).get_data(as_text=True)
    assert "First year of a youth bicycle repair co-op" in page and "Flood recovery" not in page
    assert "funding model: All or nothing" in page  # the removable chip of the filter
    assert "Sustainable Development Goals" in page
    assert "4. Quality education" in page
    page = client.get("/campaigns/search", query_string={"sort": "ending_soon"}).get_data(as_text=True)
    assert page.index("youth bicycle") < page.index("A cold store") < page.index("Flood recovery")
    funding.pass_deadline(cold)
    page = client.get("/campaigns/search", query_string={"q": "cold store", "status": "all"}).get_data(as_text=True)
    assert ">ended</span>" in page


def test_the_reindex_and_status_commands_know_the_campaigns(app, client, search, funding, campaigns):
    funding.create(title="A draft that stays a draft")
    search.engine.bulk("campaigns", [(campaigns.flood["id"], 10**6, None)])  # the index lost a campaign
    assert found_ids(client) == sorted([campaigns.cold["id"], campaigns.youth["id"]])
    result = app.test_cli_runner().invoke(args=["search", "reindex", "campaigns"])
    assert result.exit_code == 0, result.output
    assert "campaigns: 3 documents into" in result.output
    assert found_ids(client) == sorted([campaigns.cold["id"], campaigns.youth["id"], campaigns.flood["id"]])
    status = app.test_cli_runner().invoke(args=["search", "status"])
    assert "campaigns: 3 documents in" in status.output
    everything = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "campaigns: 3 documents into" in everything.output and "tenders: 0 documents into" in everything.output


def test_the_openapi_document_describes_the_campaign_search(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/search/campaigns"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "q", "sdg", "country", "region", "funding_model", "status", "ending_within_days", "sort", "page", "per_page"}
    assert {"200", "422", "503"} <= set(operation["responses"])


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


def test_with_the_engine_down_search_degrades_and_never_fails(client, campaigns, engine_down):
    response = client.get(SEARCH_API, query_string={"q": "cold store"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    page = client.get("/campaigns/search", query_string={"q": "cold store"})
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Search is temporarily unavailable." in text
    # The live campaigns ending soonest, from the database.
    assert text.index("youth bicycle repair") < text.index("A cold store") < text.index("Flood recovery")
    published = campaigns.funding.live(title="Published while the engine is down")  # a write never fails for it
    assert published["status"] == "live"


def test_settling_queues_the_campaign(app, search, campaigns):
    campaigns.funding.pass_deadline(campaigns.cold)
    with app.app_context():
        assert settlement.close_due() == {campaigns.cold["id"]: "failed"}
        assert settlement.close_due() == {}
    assert [row.doc_id for row in search.outbox("campaigns")] == [campaigns.cold["id"]]
    search.sync()
    assert _document(search, campaigns.cold)["status"] == "failed"
