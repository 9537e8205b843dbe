"""The OCDS export: a release package valid against the shipped OCDS 1.1 schemas, with nothing sealed in it."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).parent / "ocds"


@pytest.fixture(scope="module")
def validator():
    release, package = (json.loads((SCHEMAS / name).read_text()) for name in ("release-schema.json", "release-package-schema.json"))
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def _problems(validator, document):
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_release_package_is_valid_ocds_and_shows_awards_but_not_losing_bids(market, client, validator):
    awarded = market.published(preference={"policy": "price_margin", "margin_percent": "7.5"})
    winner = market.bid(awarded, 0, "coop", "11000.00")
    market.bid(awarded, 0, "sme", "10555.55")
    market.pass_deadline(awarded)
    assert market.award(awarded, 0, winner["id"]).status_code == 201
    open_tender = market.published(currency="JPY", budget={"amount": "1200000", "currency": "JPY"})
    market.bid(open_tender, 0, "sme", "990000", proposal="Sealed until the deadline.")
    cancelled = market.published()
    client.post(f"/api/v1/tenders/{cancelled['id']}/cancel", headers=market.h["buyer"], json={"reason": "Need withdrawn."})
    market.create(title="A draft nobody may see")

    response = client.get("/api/v1/ocds/releases")

    assert response.status_code == 200
    package = response.get_json()
    assert _problems(validator, package) == []
    broken = {**package, "releases": [{**package["releases"][0], "tag": ["bogus"], "tender": {"status": "open"}}]}
    problems = " ".join(_problems(validator, broken))  # the validator does look inside releases
    assert "'bogus' is not one of" in problems and "'open' is not one of" in problems
    releases = {release["tender"]["id"]: release for release in package["releases"]}
    assert sorted(releases) == sorted(str(t["id"]) for t in (awarded, open_tender, cancelled))
    done = releases[str(awarded["id"])]
    assert done["tag"] == ["tender", "award", "contract"] and done["ocid"] == f"ocds-coopex-{awarded['id']}"
    assert done["tender"]["numberOfTenderers"] == 2
    assert done["awards"][0]["value"] == {"amount": 11000.0, "currency": "EUR"}
    assert done["awards"][0]["suppliers"][0]["name"] == "Valley Haulage Cooperative"
    assert {party["name"]: party["roles"] for party in done["parties"]} == {
        "Northern Wholesale Co-operative": ["buyer", "procuringEntity"], "Valley Haulage Cooperative": ["supplier", "tenderer"]}
    assert "7.5 %" in done["tender"]["awardCriteriaDetails"]
    body = response.get_data(as_text=True)
    assert "10555" not in body and "Speedy Freight" not in body and "990000" not in body and "Sealed until" not in body
    assert "numberOfTenderers" not in releases[str(open_tender["id"])]["tender"]  # sealed: not even how many
    assert releases[str(open_tender["id"])]["tender"]["value"] == {"amount": 1200000.0, "currency": "JPY"}
    assert releases[str(cancelled["id"])]["tag"] == ["tenderCancellation"]
    assert releases[str(cancelled["id"])]["tender"]["status"] == "cancelled"


def test_the_release_package_is_paged_with_a_link_to_the_next_page(market, client, validator):
    for _ in range(3):
        market.published()
    first = client.get("/api/v1/ocds/releases?per_page=2")
    assert len(first.get_json()["releases"]) == 2 and 'rel="next"' in first.headers["Link"]
    last = client.get("/api/v1/ocds/releases?per_page=2&page=2")
    assert len(last.get_json()["releases"]) == 1 and "Link" not in last.headers
    assert _problems(validator, last.get_json()) == []
    assert client.get("/api/v1/ocds/releases?per_page=1000").status_code == 422
