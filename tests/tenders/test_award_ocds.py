"""OCDS of joint bids and the standstill: every member a supplier and tenderer, a pending award with its standstillPeriod,
then the active award with its contract; the package stays valid OCDS 1.1."""
from tests.tenders.test_ocds import _problems, validator  # noqa: F401 (the fixture)
from tests.tenders.test_standstill import end_standstill


def test_a_joint_award_in_its_standstill_then_concluded(app, client, market, validator):  # noqa: F811
    tender = market.published(standstill_days=7)
    lot_id = tender["lots"][0]["id"]
    group = client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=market.h["sme"], json={
        "organization_id": market.sme.id, "price": {"amount": "9000.00", "currency": "EUR"}, "delivery_days": 5,
        "members": [{"organization_id": market.sme.id, "share_percent": "30"},
                    {"organization_id": market.coop.id, "share_percent": "70"}]}).get_json()
    client.post(f"/api/v1/bids/{group['id']}/confirm-membership", headers=market.h["coop"],
                json={"organization_id": market.coop.id})
    market.bid(tender, 0, "unverified", "9500.00")
    market.pass_deadline(tender)
    decision = market.award(tender, 0, group["id"]).get_json()["decision"]

    def release():
        package = client.get("/api/v1/ocds/releases").get_json()
        assert _problems(validator, package) == []
        return next(r for r in package["releases"] if r["tender"]["id"] == str(tender["id"]))

    pending = release()
    award = pending["awards"][0]
    assert award["status"] == "pending" and award["id"] == f"decision-{decision['id']}"
    assert [s["name"] for s in award["suppliers"]] == ["Speedy Freight Ltd", "Valley Haulage Cooperative"]
    assert award["standstillPeriod"]["endDate"].startswith(decision["standstill_ends_at"][:16])
    assert pending["contracts"] == [] and pending["tag"] == ["tender", "award"]
    roles = {party["name"]: party["roles"] for party in pending["parties"]}
    assert roles["Valley Haulage Cooperative"] == roles["Speedy Freight Ltd"] == ["supplier", "tenderer"]
    assert "Hill Carriers Cooperative" not in roles  # a losing bidder stays private
    assert "50 % of its declared shares" in pending["tender"]["awardCriteriaDetails"]

    end_standstill(app, decision["id"])
    concluded = release()
    award = concluded["awards"][0]
    assert award["status"] == "active" and "standstillPeriod" in award and len(award["suppliers"]) == 2
    assert concluded["contracts"][0]["awardID"] == award["id"] and concluded["tag"] == ["tender", "award", "contract"]
