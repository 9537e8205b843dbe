"""A verified organisation offers match funding from the campaign's page; others are refused with a reason."""
from sqlalchemy import select

from app.campaigns.models import MatchPledge
from tests.conftest import csrf_token, login


def pledges(app, campaign):
    from app.extensions import db

    with app.app_context():
        return [(p.status, p.organization_id, p.cap_total_minor)
                for p in db.session.scalars(select(MatchPledge).where(MatchPledge.campaign_id == campaign["id"]))]


def offer(client, campaign, **fields):
    url = f"/campaigns/{campaign['id']}"
    data = {"factor": "1", "cap_per_donation": "20.00", "cap_total": "100.00", "csrf_token": csrf_token(client, url), **fields}
    return client.post(f"{url}/match-pledges", data=data)


def test_a_verified_bank_offers_from_the_page(app, client, funding):
    campaign = funding.live()
    login(client, funding.bank_user)
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert 'id="offer-match"' in page
    response = offer(client, campaign)
    assert response.status_code == 303 and response.headers["Location"].endswith("#our-pledges")
    assert pledges(app, campaign) == [("offered", funding.bank.id, 10000)]
    assert "Waiting for the campaign’s owners to accept it." in client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)


def test_bad_amounts_are_field_errors_and_nothing_is_offered(app, client, funding):
    campaign = funding.live()
    login(client, funding.bank_user)
    response = offer(client, campaign, factor="11", cap_per_donation="lots")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and page.count("invalid-feedback") == 2
    assert 'value="lots"' in page
    response = offer(client, campaign, cap_per_donation="200.00")
    assert response.status_code == 422 and "At most the cap in total." in response.get_data(as_text=True)
    assert pledges(app, campaign) == []


def test_an_unverified_organisation_is_not_offered_the_form_and_is_refused(app, client, funding, make):
    campaign = funding.live()
    stranger = make.user()
    make.organization(stranger, name="Unverified Credit Union", legal_form="cooperative_bank", verified=False)
    login(client, stranger)
    assert 'id="offer-match"' not in client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    response = offer(client, campaign)
    assert response.status_code == 403 and "Only a verified organisation can offer match funding." in response.get_data(as_text=True)
    assert pledges(app, campaign) == []


def test_the_campaigns_own_organisation_is_not_offered_the_form(client, funding):
    campaign = funding.live()
    login(client, funding.owner_user)
    assert 'id="offer-match"' not in client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert offer(client, campaign).status_code == 403
