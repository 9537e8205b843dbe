"""Refunds, disbursements and match pledges enter the audit trail with who did them, for which organisation."""
from tests.audit import trail


def test_refunds_disbursements_and_pledges_are_recorded(app, funding, client, stripe_events):
    campaign = funding.live()
    pledge = funding.match(campaign)
    donation = funding.donate(campaign, "100.00")
    stripe_events.send(stripe_events.checkout_completed(donation))
    other = funding.donate(campaign, "40.00", email="eve@example.org")
    stripe_events.send(stripe_events.checkout_completed(other))

    assert client.post(f"/api/v1/donations/{other['id']}/refund", headers=funding.h["owner"]).status_code == 200
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/disbursements", headers=funding.h["owner"],
                           json={"amount": {"amount": "25.00", "currency": "EUR"}, "description": "To our account"})
    assert response.status_code == 201

    owner_email = funding.owner_user.email
    assert [entry for entry in trail(app, funding.owner.id)] == [
        ("match_pledge.accepted", owner_email, f"match_pledge:{pledge['id']}",
         {"campaign_id": campaign["id"], "pledger_organization_id": funding.bank.id, "cap_total_minor": 100000,
          "currency": "EUR"}, "127.0.0.1"),
        ("donation.refund_requested", owner_email, f"donation:{other['id']}",
         {"campaign_id": campaign["id"], "amount_minor": 4000, "currency": "EUR"}, "127.0.0.1"),
        ("campaign.disbursed", owner_email, f"campaign:{campaign['id']}",
         {"amount_minor": 2500, "currency": "EUR", "description": "To our account"}, "127.0.0.1"),
    ]
    created, paid = trail(app, funding.bank.id)
    assert created[:3] == ("match_pledge.created", funding.bank_user.email, f"match_pledge:{pledge['id']}")
    assert created[3]["campaign_id"] == campaign["id"] and created[3]["cap_total_minor"] == 100000
    # Stripe's webhook says the pool was paid: no person did it.
    assert paid[:3] == ("match_pledge.paid", None, f"match_pledge:{pledge['id']}")
    assert paid[3]["amount_minor"] == 100000 and paid[3]["payment_intent_id"].startswith("pi_pool_")


def test_a_refused_disbursement_leaves_no_entry(app, funding, client, stripe_events):
    campaign = funding.live()
    stripe_events.send(stripe_events.checkout_completed(funding.donate(campaign, "10.00")))
    response = client.post(f"/api/v1/campaigns/{campaign['id']}/disbursements", headers=funding.h["owner"],
                           json={"amount": {"amount": "10.01", "currency": "EUR"}, "description": "Too much"})
    assert response.status_code == 409
    assert trail(app, funding.owner.id) == []
