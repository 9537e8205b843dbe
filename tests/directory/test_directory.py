"""The directory: verified, active federations of a territory and co-operative banks by ICA region and country, sectoral
organisations by sector, with filters, in the API and on the page; and the federation's scope on its profile."""
import pytest

from tests.directory.conftest import change


def _names(client, query=""):
    answer = client.get(f"/api/v1/directory?{query}")
    assert answer.status_code == 200, answer.get_json()
    return [item["name"] for item in answer.get_json()["items"]]


def test_the_directory_lists_verified_apex_bodies_in_its_order(client, movement):
    assert _names(client) == ["Co-operatives UK", "Desjardins Group", "Crédit Coopératif",
                              "Gujarat Cooperative Milk Marketing Federation (Amul)",
                              "Confédération générale des Scop et des Scic"]


@pytest.mark.parametrize("query, expected", [
    ("kind=federation", ["Co-operatives UK"]),
    ("kind=cooperative_bank", ["Desjardins Group", "Crédit Coopératif"]),
    ("kind=sectoral", ["Gujarat Cooperative Milk Marketing Federation (Amul)",
                       "Confédération générale des Scop et des Scic"]),
    ("country=fr", ["Crédit Coopératif", "Confédération générale des Scop et des Scic"]),
    ("region=Europe&kind=cooperative_bank", ["Crédit Coopératif"]),
    ("region=Asia-Pacific", ["Gujarat Cooperative Milk Marketing Federation (Amul)"]),
    ("sector=banking", ["Desjardins Group", "Crédit Coopératif"]),
    ("kind=sectoral&sector=agriculture", ["Gujarat Cooperative Milk Marketing Federation (Amul)"]),
    ("country=KE", []),
])
def test_filters(client, movement, query, expected):
    assert _names(client, query) == expected


def test_an_entry_says_what_it_is_and_how_many_members_the_federation_confirmed(client, movement, members):
    items = {item["name"]: item for item in client.get("/api/v1/directory").get_json()["items"]}
    uk = items["Co-operatives UK"]
    assert (uk["kind"], uk["country"], uk["region"], uk["sector"], uk["verified"]) == (
        "federation", "GB", "Europe", "other", True)
    assert uk["confirmed_members"] == 2  # confirmed public and confirmed private; not declared, declined or ended
    assert items["Desjardins Group"]["confirmed_members"] is None
    assert items["Confédération générale des Scop et des Scic"]["kind"] == "sectoral"


@pytest.mark.parametrize("query, field", [("kind=bank", "kind"), ("region=Mars", "region"), ("sector=mining", "sector"),
                                          ("country=FRA", "country"), ("page=0", "page"), ("per_page=500", "per_page"),
                                          ("colour=red", "colour")])
def test_bad_filters_are_field_errors(client, movement, query, field):
    answer = client.get(f"/api/v1/directory?{query}")
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_the_page_groups_by_kind_region_country_and_sector(client, movement, members):
    html = client.get("/directory").get_data(as_text=True)
    for heading in ('id="kind-federation"', 'id="kind-cooperative_bank"', 'id="kind-sectoral"', "Europe · France",
                    "Americas · Canada", "Agriculture", "Industry and services", "2 confirmed members"):
        assert heading in html, heading
    assert "Kenya Union" not in html and "Suspended Federation" not in html
    banks = client.get("/directory?kind=cooperative_bank&region=Europe").get_data(as_text=True)
    assert "Crédit Coopératif" in banks and "Desjardins" not in banks and 'id="kind-federation"' not in banks
    assert client.get("/directory?kind=bank").status_code == 400
    assert "No organisation matches these filters." in client.get("/directory?country=KE").get_data(as_text=True)


def test_the_directory_is_linked_from_every_page_footer_and_the_transparency_page(client):
    assert 'href="/directory"' in client.get("/").get_data(as_text=True)
    transparency = client.get("/transparency").get_data(as_text=True)
    assert transparency.count('href="/directory"') == 2


def test_a_federations_admins_set_its_scope_and_only_federations_have_one(app, client, movement):
    answer = client.patch(f"/api/v1/organizations/{movement.uk.id}", json={"federation_scope": "sectoral"},
                          headers=movement.h["uk"])
    assert answer.status_code == 200 and answer.get_json()["federation_scope"] == "sectoral"
    assert "Co-operatives UK" in _names(client, "kind=sectoral")
    refused = client.patch(f"/api/v1/organizations/{movement.coop.id}", json={"federation_scope": "territorial"},
                           headers=movement.h["coop"])
    assert refused.status_code == 422 and "federation_scope" in refused.get_json()["error"]["fields"]
    assert client.patch(f"/api/v1/organizations/{movement.uk.id}", json={"federation_scope": "national"},
                        headers=movement.h["uk"]).status_code == 422
    became = client.patch(f"/api/v1/organizations/{movement.uk.id}", json={"legal_form": "cooperative"},
                          headers=movement.h["uk"])
    assert became.status_code == 200 and became.get_json()["federation_scope"] is None
    assert "Co-operatives UK" not in _names(client)


def test_a_federation_keeps_out_while_unverified(app, client, movement):
    change(app, movement.unverified, verification_status="verified")
    assert "Kenya Union of Savings and Credit Co-operatives" in _names(client, "region=Africa")
