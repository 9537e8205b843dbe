"""Joint bids: a lead and members with declared shares; every member confirms before the deadline; the group counts as
a verified cooperative when verified co-ops hold at least 50 % of the shares; the contract names and splits by member."""
import pytest

from app.extensions import db
from app.tenders.transparency import rebuild, split
from tests.tenders.conftest import snapshot


@pytest.fixture
def cheap(market, make, auth):
    """A firm cheaper than every group below."""
    admin = make.user(name="Cheap Admin")
    firm = make.organization(admin, name="Low Cost Logistics Ltd", legal_form="sme", size="medium")
    market.h["cheap"] = auth(make.token(admin))
    market.cheap = firm
    return firm


def joint_bid(market, tender, amount, shares, lot_index=0, lead="sme"):
    """A joint bid led by `lead`; `shares` maps market names to share_percent."""
    lot_id = tender["lots"][lot_index]["id"]
    return market.client.post(
        f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=market.h[lead],
        json={"organization_id": getattr(market, lead).id, "price": {"amount": amount, "currency": "EUR"},
              "delivery_days": 5, "members": [{"organization_id": getattr(market, name).id, "share_percent": str(share)}
                                              for name, share in shares.items()]})


def confirm(market, bid, who):
    return market.client.post(f"/api/v1/bids/{bid['id']}/confirm-membership", headers=market.h[who],
                              json={"organization_id": getattr(market, who).id})


def ranking(market, tender):
    response = market.evaluation(tender)
    assert response.status_code == 200, response.get_json()
    return {row["bid_id"]: row for row in response.get_json()["lots"][0]["ranking"]}


@pytest.mark.parametrize(("cooperative_share", "group_wins"), [(50, True), (49, False)])
def test_a_group_counts_as_a_cooperative_from_half_of_its_shares_under_a_10_percent_margin(
        market, cheap, cooperative_share, group_wins):
    tender = market.published(preference={"policy": "price_margin", "margin_percent": "10"})
    response = joint_bid(market, tender, "10500.00", {"sme": 100 - cooperative_share, "coop": cooperative_share})
    assert response.status_code == 201, response.get_json()
    group = response.get_json()
    assert [(m["organization"]["id"], m["share_percent"], m["is_lead"], m["confirmed"]) for m in group["members"]] == [
        (market.sme.id, str(100 - cooperative_share), True, True), (market.coop.id, str(cooperative_share), False, False)]
    assert market.client.get(f"/api/v1/bids/{group['id']}", headers=market.h["coop"]).status_code == 200  # theirs too
    assert any("named your organisation in its joint bid" in text for text in market.notifications(market.coop))
    confirmed = confirm(market, group, "coop")
    assert confirmed.status_code == 200 and all(m["confirmed"] for m in confirmed.get_json()["members"])
    firm = market.bid(tender, 0, "cheap", "10000.00")
    market.pass_deadline(tender)

    rows = ranking(market, tender)
    assert rows[group["id"]]["cooperative_share"] == str(cooperative_share)
    assert rows[group["id"]]["is_cooperative"] is group_wins
    assert f"joint bid: {cooperative_share} % by verified cooperatives" in rows[group["id"]]["explanation"]
    assert rows[firm["id"]]["evaluated_price"] == {"amount": "11000.00", "currency": "EUR"}
    winner = group if group_wins else firm
    assert rows[winner["id"]]["rank"] == 1
    if not group_wins:
        assert rows[group["id"]]["evaluated_price"] == {"amount": "11550.00", "currency": "EUR"}

    awarded = market.award(tender, 0, winner["id"])
    assert awarded.status_code == 201, awarded.get_json()
    contract = awarded.get_json()["contract"]
    if group_wins:
        assert [(m["organization"]["id"], m["value"]["amount"], m["verified_cooperative"]) for m in contract["members"]] == [
            (market.sme.id, "5250.00", False), (market.coop.id, "5250.00", True)]
        assert contract["supplier_verified_cooperative"] is True
        # Every member reads the contract; the transparency figures count only the co-op's part as cooperative.
        assert market.client.get(f"/api/v1/contracts/{contract['id']}", headers=market.h["coop"]).status_code == 200
        totals = market.client.get("/api/v1/transparency/contracts?currency=EUR").get_json()["totals"]
        assert totals["value"]["amount"] == "10500.00" and totals["cooperative_value"]["amount"] == "5250.00"
        with market.app.app_context():  # the running totals equal a rebuild from the contracts and their shares
            rebuild()
            db.session.commit()
        assert market.client.get("/api/v1/transparency/contracts?currency=EUR").get_json()["totals"] == totals
        assert any("won" in text for text in market.notifications(market.coop))  # members are told the outcome too
    else:
        assert contract["members"] == []


def test_an_unconfirmed_member_voids_the_bid_at_the_deadline(market, cheap):
    tender = market.published(preference={"policy": "price_margin", "margin_percent": "10"})
    group = joint_bid(market, tender, "9000.00", {"sme": 40, "coop": 60}).get_json()
    firm = market.bid(tender, 0, "cheap", "10000.00")
    market.pass_deadline(tender)
    assert confirm(market, group, "coop").status_code == 409  # too late now

    rows = ranking(market, tender)
    assert rows[group["id"]]["rank"] is None and "did not confirm" in rows[group["id"]]["explanation"]
    assert rows[firm["id"]]["rank"] == 1
    refused = market.award(tender, 0, group["id"])
    assert refused.status_code == 422 and "bid_id" in refused.get_json()["error"]["fields"]


def test_reserved_lots_take_a_group_led_by_a_firm_when_cooperatives_hold_half(market):
    tender = market.published(preference={"policy": "reserved"})
    assert joint_bid(market, tender, "9000.00", {"sme": 60, "coop": 40}).status_code == 403
    assert joint_bid(market, tender, "9000.00", {"sme": 50, "coop": 50}).status_code == 201


@pytest.mark.parametrize(("shares", "field"), [
    ({"sme": 50, "coop": 40}, "members"),                      # 90 %
    ({"sme": 50.5, "coop": 50.5}, "members"),                  # 101 %
    ({"coop": 100}, "members"),                                 # one member only
    ({"coop": 50, "unverified": 50}, "members"),                # the lead is missing
    ({"sme": 50, "coop": 33.333, "unverified": 16.667}, "members"),  # three decimals
    ({"sme": 0, "coop": 100}, "members"),
    ({"sme": 50, "buyer": 50}, "members"),                      # the buyer cannot be a member
])
def test_bad_groups_get_field_errors_and_change_nothing(app, market, shares, field):
    tender = market.published()
    before = snapshot(app)
    response = joint_bid(market, tender, "9000.00", shares)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert snapshot(app) == before


def test_duplicates_and_unknown_organisations_are_refused_by_row(market):
    tender = market.published()
    lot_id = tender["lots"][0]["id"]
    for members in ([{"organization_id": market.sme.id, "share_percent": "50"}, {"organization_id": market.sme.id, "share_percent": "50"}],
                    [{"organization_id": market.sme.id, "share_percent": "50"}, {"organization_id": 999_999, "share_percent": "50"}],
                    [{"organization_id": market.sme.id, "share_percent": "50"},
                     {"organization_id": market.coop.id, "share_percent": True}]):
        response = market.client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=market.h["sme"],
                                      json={"organization_id": market.sme.id, "price": {"amount": "10.00", "currency": "EUR"},
                                            "delivery_days": 5, "members": members})
        assert response.status_code == 422, response.get_json()
        assert "1" in response.get_json()["error"]["fields"]["members"]


def test_only_the_members_admins_and_sellers_confirm_it(market):
    tender = market.published()
    group = joint_bid(market, tender, "9000.00", {"sme": 50, "coop": 30, "unverified": 20}).get_json()
    wrong = market.client.post(f"/api/v1/bids/{group['id']}/confirm-membership", headers=market.h["sme"],
                               json={"organization_id": market.coop.id})
    assert wrong.status_code == 403
    assert market.client.post(f"/api/v1/bids/{group['id']}/confirm-membership", headers=market.h["buyer"],
                              json={"organization_id": market.buyer.id}).status_code == 404  # sealed: not theirs to see
    assert confirm(market, group, "unverified").status_code == 200
    assert any("confirmed its participation" in text for text in market.notifications(market.sme))


def test_shares_split_a_value_exactly_by_largest_remainder():
    assert split(100, [3333, 3333, 3334]) == [33, 33, 34]
    assert split(1, [5000, 5000]) == [1, 0]
    assert split(10, [3333, 3333, 3334]) == [3, 3, 4]
    assert split(2, [3333, 3333, 3334]) == [1, 0, 1]
    for value in range(0, 500, 7):
        for shares in ([1, 9999], [2500] * 4, [1234, 5678, 3088], [3333, 3333, 3334]):
            parts = split(value, shares)
            assert sum(parts) == value
            assert all(abs(part * 10_000 - value * share) < 10_000 for part, share in zip(parts, shares, strict=True))


def test_the_group_page_confirms_and_the_joint_bid_form_submits(app, client, market):
    from tests.conftest import csrf_token, login

    tender = market.published()
    lot_id = tender["lots"][0]["id"]
    login(client, market.sme_admin)
    page = client.get(f"/tenders/{tender['id']}/lots/{lot_id}/joint-bid")
    assert page.status_code == 200
    token = csrf_token(client, f"/tenders/{tender['id']}/lots/{lot_id}/joint-bid")
    form = {"csrf_token": token, "organization_id": market.sme.id, "price_amount": "9000.00", "delivery_days": "5",
            "proposal": "", "lead_share": "50", "member_ids-0": str(market.coop.id), "member_shares-0": "40"}
    refused = client.post(f"/tenders/{tender['id']}/lots/{lot_id}/joint-bid", data=form)
    assert refused.status_code == 422 and "90 %" in refused.get_data(as_text=True)
    made = client.post(f"/tenders/{tender['id']}/lots/{lot_id}/joint-bid", data={**form, "member_shares-0": "50"})
    assert made.status_code == 302
    group_page = made.headers["Location"]
    client.post("/logout", data={"csrf_token": token})
    login(client, market.coop_admin)
    shown = client.get(group_page).get_data(as_text=True)
    assert "Confirm the participation of Valley Haulage Cooperative" in shown
    confirmed = client.post(group_page + "/confirm", data={"csrf_token": csrf_token(client, group_page),
                                                            "organization_id": market.coop.id})
    assert confirmed.status_code == 302
    assert "Confirm the participation" not in client.get(group_page).get_data(as_text=True)
    assert "joint bid led by Speedy Freight Ltd" in client.get("/my/tenders").get_data(as_text=True)
