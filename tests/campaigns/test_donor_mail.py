"""Mail to donors, read back from Mailpit: thanks once Stripe's verified webhook confirms a payment (once, whatever
Stripe replays), in the donor's language; for all-or-nothing pledges, the card saved, then charged or not charged."""
from sqlalchemy import update

from app.accounts.models import User
from app.campaigns.models import Donation
from app.campaigns.settlement import close_due
from app.extensions import db

FRENCH = {"Accept-Language": "fr"}


def _donate(funding, campaign, amount="50.00", email="dana@example.org", headers=None):
    body = {"amount": {"amount": amount, "currency": campaign["goal"]["currency"]}, "email": email, "name": "Dana"}
    response = funding.client.post(f"/api/v1/campaigns/{campaign['id']}/donations", json=body, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    donation = response.get_json()
    with funding.app.app_context():
        row = db.session.get(Donation, donation["id"])
        donation.update(minor=row.amount_minor, currency=row.currency, receipt_token=row.receipt_token)
    return donation


def test_a_confirmed_payment_thanks_the_donor_once_in_their_language(funding, stripe_events, outbox):
    campaign = funding.live()
    donation = _donate(funding, campaign, "1250.00", headers=FRENCH)
    assert outbox.to("dana@example.org") == []  # nothing before Stripe says it was paid

    event = stripe_events.checkout_completed(donation)
    assert stripe_events.deliver(event) == "succeeded"
    (thanks,) = outbox.to("dana@example.org")
    assert campaign["title"] in thanks.subject
    assert "Montant: 1\u202f250,00 EUR" in thanks.body  # the donor's language, its figures written the French way
    assert f"Numéro de reçu: COOPEX-D{donation['id']:08d}" in thanks.body
    assert "Payé le" in thanks.body and "Menée par: Valley Growers Cooperative" in thanks.body
    assert f"/donations/{donation['id']}/receipt?token={donation['receipt_token']}" in thanks.body

    # Stripe replays the event, then sends the other events of the same payment: no second mail.
    assert stripe_events.send(event).get_json()["replay"] is True
    assert stripe_events.deliver(stripe_events.payment_succeeded(donation)) == "already counted"
    assert stripe_events.deliver(stripe_events.charge(donation)).startswith("already counted")
    assert len(outbox.to("dana@example.org")) == 1


def test_the_thanks_tell_the_match_and_a_donor_with_an_account_reads_their_own_language(
        app, make, auth, funding, stripe_events, outbox):
    campaign = funding.live()
    funding.match(campaign, factor="1", per_donation="20.00", total="100.00")
    donor = make.user(email="sofia@example.org")
    with app.app_context():
        db.session.execute(update(User).where(User.id == donor.id).values(language="es"))
        db.session.commit()
    # Given from an English page, signed in: the account's language wins.
    donation = _donate(funding, campaign, "50.00", email="sofia@example.org",
                       headers={**auth(make.token(donor)), "Accept-Language": "en"})
    stripe_events.send(stripe_events.checkout_completed(donation))
    (thanks,) = outbox.to("sofia@example.org")
    assert "Importe: 50,00 EUR" in thanks.body and "20,00 EUR" in thanks.body  # the match, in Spanish figures
    assert "70,00 EUR" in thanks.body  # what the gift brings with its match


def test_a_failed_or_unpaid_checkout_mails_nothing(funding, stripe_events, outbox):
    campaign = funding.live()
    donation = _donate(funding, campaign)
    assert stripe_events.deliver(stripe_events.payment_failed(donation)) == "failed"
    assert outbox.to("dana@example.org") == []


def _pledge(funding, stripe_events, campaign, amount, email, headers=None):
    donation = _donate(funding, campaign, amount, email=email, headers=headers)
    assert stripe_events.deliver(stripe_events.checkout_completed(donation, mode="setup")) == "pledged"
    return donation


def test_all_or_nothing_card_saved_then_charged(app, funding, stripe_events, stripe_calls, outbox):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    pledge = _pledge(funding, stripe_events, campaign, "100.00", "pat@example.org")
    (saved,) = outbox.to("pat@example.org")
    assert "pledge" in saved.subject and "is saved" in saved.subject
    assert "Pledged: your card is charged only if the campaign reaches its goal by" in saved.body
    assert "Amount: 100.00 EUR" in saved.body and "receipt?token=" in saved.body

    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "succeeded"}
        intent = db.session.get(Donation, pledge["id"]).payment_intent_id
    assert len(outbox.to("pat@example.org")) == 1  # asked of Stripe is not charged yet: nothing said
    event = stripe_events.payment_succeeded(pledge, payment_intent=intent)
    assert stripe_events.deliver(event) == "succeeded"
    stripe_events.send(event)
    saved_again, charged = outbox.to("pat@example.org")
    assert saved_again == saved
    assert "reached its goal" in charged.subject and "charged" in charged.subject
    assert "Paid on" in charged.body and "Amount: 100.00 EUR" in charged.body


def test_all_or_nothing_goal_missed_the_pledger_is_told_in_their_language(app, funding, stripe_events, stripe_calls,
                                                                         outbox):
    campaign = funding.live(funding_model="all_or_nothing", goal={"amount": "100.00", "currency": "EUR"}, budget_lines=[])
    _pledge(funding, stripe_events, campaign, "40.00", "lea@example.org", headers=FRENCH)
    assert "Promesse de don enregistrée" in outbox.to("lea@example.org")[0].body
    funding.pass_deadline(campaign)
    with app.app_context():
        assert close_due() == {campaign["id"]: "failed"}
    released = outbox.to("lea@example.org")[-1]
    assert "l’objectif n’a pas été atteint" in released.subject
    assert "Non débité : la campagne n’a pas atteint son objectif." in released.body
    assert "Montant: 40,00 EUR" in released.body
    assert not [call for call in stripe_calls.calls if call.path == "/v1/payment_intents"]  # nothing charged
