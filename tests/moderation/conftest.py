"""A cooperative with something of everything on the market (an active offer, an open tender, a live campaign), its
members, and a platform admin."""
from types import SimpleNamespace

import pytest

from tests.campaigns.conftest import campaign_payload
from tests.search.helpers import plain, search_api
from tests.tenders.conftest import tender_payload

REASON = "Three buyers reported invoices for goods never delivered."
WORD = "zanzibarine"


@pytest.fixture
def moderator(make, auth):
    user = make.user(name="Mona Moderator", platform_admin=True)
    return SimpleNamespace(user=user, h=auth(make.token(user)))


def _created(response, status=201):
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def cooperative(client, make, auth):
    """Quarry Hill Growers (verified co-op) with its admin, a seller, and one active listing, one open tender and one
    live campaign, all with the word 'zanzibarine' in their titles."""
    admin = make.user(name="Ada Admin")
    organization = make.organization(admin, name="Quarry Hill Growers", verified=True)
    seller = make.member(organization, role="seller")
    h = auth(make.token(admin))
    listing = make.listing(organization, **plain(f"{WORD.title()} cloves"))
    tender = _created(client.post("/api/v1/tenders", headers=h,
                                   json=tender_payload(organization.id, title=f"{WORD.title()} cold-chain transport")))
    _created(client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=h), 200)
    campaign = _created(client.post("/api/v1/campaigns", headers=h,
                                    json=campaign_payload(organization.id, title=f"A {WORD} cold store")))
    _created(client.post(f"/api/v1/campaigns/{campaign['id']}/publish", headers=h), 200)
    return SimpleNamespace(
        id=organization.id, name=organization.name, organization=organization, admin=admin, seller=seller, h=h,
        seller_h=auth(make.token(seller)), listing_id=listing.id, tender_id=tender["id"], campaign_id=campaign["id"],
    )


def found(client):
    """{kind: ids} that the public's searches for WORD find, through the real index."""
    return {
        kind: sorted(item["id"] for item in search_api(client, f"/api/v1/search/{kind}", q=WORD, per_page=100)["items"])
        for kind in ("listings", "tenders", "campaigns")
    }


def everything_of(cooperative):
    return {"listings": [cooperative.listing_id], "tenders": [cooperative.tender_id],
            "campaigns": [cooperative.campaign_id]}


NOTHING = {"listings": [], "tenders": [], "campaigns": []}


def public_answers(client, cooperative):
    """Status of each of the cooperative's pages and API resources, for the public."""
    paths = (f"/listings/{cooperative.listing_id}", f"/tenders/{cooperative.tender_id}",
             f"/campaigns/{cooperative.campaign_id}", f"/api/v1/listings/{cooperative.listing_id}",
             f"/api/v1/tenders/{cooperative.tender_id}", f"/api/v1/campaigns/{cooperative.campaign_id}")
    return {path: client.get(path).status_code for path in paths}
