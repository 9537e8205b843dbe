"""Only active listings of active organisations are found, and organisation changes reach their listings' documents."""
import pytest

from app.catalog.models import Listing
from app.extensions import db
from app.orgs.models import Organization
from tests.search.helpers import facet, find, found_ids, plain, suggestions


@pytest.fixture
def seller(make):
    admin = make.user()
    organization = make.organization(admin, name="Quarry Hill Growers", country="GB", sector="agriculture")
    return organization, admin


def _edit(app, model, object_id, **changes):
    """Change a row outside any request, as a script or the shell would, and commit."""
    with app.app_context():
        instance = db.session.get(model, object_id)
        for name, value in changes.items():
            setattr(instance, name, value)
        db.session.commit()


def test_a_drafts_words_are_found_nowhere(client, make, search, seller):
    organization, _admin = seller
    make.listing(organization, **plain("Zanzibarine cloves", status="draft", cpv_code="03131000", sdgs=[14]))
    make.listing(organization, **plain("Oak barrels"))
    search.sync()
    assert find(client, q="zanzibarine")["total"] == 0
    assert find(client, q="zanzibarin")["suggestion"] is None
    assert suggestions(client, "zanzib") == []
    everything = find(client)
    assert everything["total"] == 1
    assert "03" not in facet(everything, "cpv_division")
    assert 14 not in facet(everything, "sdg")


def test_its_members_still_see_their_draft_outside_search(client, make, search, seller, auth):
    organization, admin = seller
    draft = make.listing(organization, **plain("Zanzibarine cloves", status="draft"))
    search.sync()
    assert client.get(f"/api/v1/listings/{draft.id}", headers=auth(make.token(admin))).status_code == 200
    assert found_ids(client, q="zanzibarine") == []


@pytest.mark.parametrize("status", ["paused", "archived"])
def test_a_listing_taken_off_the_market_leaves_the_index(client, make, search, seller, auth, status):
    organization, admin = seller
    cloves = make.listing(organization, **plain("Zanzibarine cloves"))
    search.sync()
    assert found_ids(client, q="zanzibarine") == [cloves.id]
    if status == "archived":
        response = client.delete(f"/api/v1/listings/{cloves.id}", headers=auth(make.token(admin)))
    else:
        response = client.patch(f"/api/v1/listings/{cloves.id}", headers=auth(make.token(admin)), json={"status": status})
    assert response.status_code == 200
    assert search.outbox() == []
    assert found_ids(client, q="zanzibarine") == []
    assert search.engine.get_version("listings", cloves.id) is None
    assert suggestions(client, "zanzib") == []


def test_a_withdrawn_listings_words_are_not_suggested_as_corrections(client, make, search, seller):
    organization, _admin = seller
    cloves = make.listing(organization, **plain("Zanzibarine cloves"))
    make.listing(organization, **plain("Oak barrels"))
    search.sync()
    assert find(client, q="zanzibarime")["suggestion"] == "zanzibarine"
    _edit(make.app, Listing, cloves.id, status="paused")
    search.sync()
    assert find(client, q="zanzibarime")["suggestion"] is None


def test_a_paused_listing_comes_back_when_it_is_active_again(client, make, search, seller):
    organization, _admin = seller
    cloves = make.listing(organization, **plain("Zanzibarine cloves"))
    _edit(make.app, Listing, cloves.id, status="paused")
    search.sync()
    assert found_ids(client, q="zanzibarine") == []
    _edit(make.app, Listing, cloves.id, status="active")
    search.sync()
    assert found_ids(client, q="zanzibarine") == [cloves.id]


def test_the_listings_of_a_suspended_organisation_disappear_and_come_back(client, make, search, seller):
    organization, _admin = seller
    ids = sorted(make.listing(organization, **plain(f"Zanzibarine cloves, lot {n}")).id for n in range(3))
    other = make.listing(make.organization(make.user()), **plain("Zanzibarine nutmeg"))
    search.sync()
    _edit(make.app, Organization, organization.id, is_active=False)
    assert sorted(row.doc_id for row in search.outbox()) == ids
    search.sync()
    assert found_ids(client, q="zanzibarine") == [other.id]
    assert find(client)["total"] == 1
    _edit(make.app, Organization, organization.id, is_active=True)
    search.sync()
    assert sorted(found_ids(client, q="zanzibarine")) == sorted(ids + [other.id])


def test_organisations_are_suggested_from_their_own_index_while_active(client, make, search):
    """An organisation is suggested as soon as it joins, before it lists anything; suspended, it is not."""
    newcomer = make.organization(make.user(), name="Quillwort Weavers Cooperative")
    search.sync()
    assert suggestions(client, "quillw") == [{"text": "Quillwort Weavers Cooperative", "kind": "organization",
                                              "id": newcomer.id}]
    _edit(make.app, Organization, newcomer.id, is_active=False)
    assert [row.doc_id for row in search.outbox("organizations")] == [newcomer.id]
    search.sync()
    assert suggestions(client, "quillw") == []
    _edit(make.app, Organization, newcomer.id, is_active=True, name="Quillwort Weaving Cooperative")
    search.sync()
    assert [entry["text"] for entry in suggestions(client, "quillw")] == ["Quillwort Weaving Cooperative"]


def test_a_change_no_index_shows_queues_nothing(make, search):
    organization = make.organization(make.user(), name="Sorrel Bakers Cooperative")
    search.sync()
    _edit(make.app, Organization, organization.id, website="https://sorrel.example.coop", city="Leeds")
    assert search.outbox("organizations") == [] and search.outbox("listings") == []


def test_renaming_an_organisation_queues_and_updates_each_of_its_listings(client, make, search, seller):
    organization, _admin = seller
    ids = sorted(make.listing(organization, **plain(f"Cider apples, lot {n}")).id for n in range(3))
    search.sync()
    _edit(make.app, Organization, organization.id, name="Orchard Commons")
    assert sorted(row.doc_id for row in search.outbox()) == ids
    assert [row.doc_id for row in search.outbox("organizations")] == [organization.id]
    assert search.sync().written == 3 + 1  # its listings, and its own document for suggestions
    assert sorted(found_ids(client, q="orchard commons")) == ids
    assert found_ids(client, q="quarry hill") == []
    assert {item["organization"]["name"] for item in find(client, q="cider")["items"]} == {"Orchard Commons"}
    assert {"text": "Orchard Commons", "kind": "organization", "id": organization.id} in suggestions(client, "orch")


def test_verifying_an_organisation_updates_its_listings_at_once(client, make, search, auth):
    admin = make.user()
    co_op = make.organization(admin, name="Quarry Hill Growers", legal_form="cooperative", country="GB")
    ids = sorted(make.listing(co_op, **plain(f"Cider apples, lot {n}")).id for n in range(2))
    search.sync()
    assert found_ids(client, verified="true") == []
    asked = client.post(f"/api/v1/organizations/{co_op.id}/verification-requests", headers=auth(make.token(admin)))
    assert asked.status_code in (200, 201), asked.get_json()
    platform_admin = make.user(platform_admin=True)
    response = client.post(f"/api/v1/organizations/{co_op.id}/verification", headers=auth(make.token(platform_admin)),
                           json={"decision": "verified", "note": "Registered society, rules checked."})
    assert response.status_code == 200, response.get_json()
    assert search.outbox() == []
    assert sorted(found_ids(client, verified="true")) == ids
    assert all(item["organization"]["verified"] for item in find(client, q="cider")["items"])


def test_renaming_a_verified_cooperative_takes_its_listings_out_of_the_verified_filter(client, make, search, auth):
    admin = make.user()
    co_op = make.organization(admin, name="Quarry Hill Growers", legal_form="cooperative", country="GB", verified=True)
    ids = sorted(make.listing(co_op, **plain(f"Cider apples, lot {n}")).id for n in range(2))
    search.sync()
    assert sorted(found_ids(client, verified="true")) == ids
    response = client.patch(f"/api/v1/organizations/{co_op.id}", headers=auth(make.token(admin)),
                            json={"name": "Rivington Growers"})
    assert response.status_code == 200, response.get_json()
    assert search.outbox() == []
    assert found_ids(client, verified="true") == []
    assert sorted(found_ids(client, verified="false")) == ids
    assert not any(item["organization"]["verified"] for item in find(client, q="cider")["items"])


def test_moving_an_organisation_to_another_country_moves_its_listings(client, make, search, seller, auth):
    organization, admin = seller
    ids = sorted(make.listing(organization, **plain(f"Cider apples, lot {n}")).id for n in range(2))
    search.sync()
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(admin)),
                            json={"country": "AR"})
    assert response.status_code == 200, response.get_json()
    assert search.outbox() == []
    assert sorted(found_ids(client, country="AR")) == ids
    assert found_ids(client, country="GB") == []
    assert facet(find(client), "region") == {"Americas": 2}


def test_changing_the_legal_form_changes_the_cooperative_filter(client, make, search, seller, auth):
    organization, admin = seller
    ids = sorted(make.listing(organization, **plain(f"Cider apples, lot {n}")).id for n in range(2))
    search.sync()
    assert sorted(found_ids(client, cooperative="true")) == ids
    response = client.patch(f"/api/v1/organizations/{organization.id}", headers=auth(make.token(admin)),
                            json={"legal_form": "sme"})
    assert response.status_code == 200, response.get_json()
    assert found_ids(client, cooperative="true") == []
    assert sorted(found_ids(client, legal_form="sme")) == ids


def test_an_organisation_change_search_does_not_show_leaves_its_listings_alone(client, make, search, seller):
    organization, _admin = seller
    make.listing(organization, **plain("Cider apples"))
    search.sync()
    _edit(make.app, Organization, organization.id, description="We press our own apples.", website="https://quarry.example")
    assert search.outbox() == []
