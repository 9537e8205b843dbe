"""Following a campaign without giving (double opt-in), donors following by giving, updates mailed to followers in
their language with RFC 8058 one-click unsubscribe (no login, no CSRF), and the choices of followers with an account —
all read back from Mailpit."""
import re

from sqlalchemy import select

from app.campaigns.models import CampaignFollower, Donation
from app.extensions import db
from app.models_base import utcnow
from app.notices.models import DigestItem
from tests.conftest import csrf_token, login

FRENCH = {"Accept-Language": "fr"}


def _follow(client, campaign, email, headers=None):
    return client.post(f"/api/v1/campaigns/{campaign['id']}/followers", json={"email": email}, headers=headers or {})


def _confirm_link(outbox, email):
    (mail,) = [mail for mail in outbox.to(email) if "/campaigns/follow/" in mail.body]
    return re.search(r"http://coopex\.test(/campaigns/follow/\S+)", mail.body).group(1)


def _confirm(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def _post_update(funding, campaign, title):
    response = funding.client.post(f"/api/v1/campaigns/{campaign['id']}/updates", headers=funding.h["owner"],
                                   json={"title": title, "body": "The **panels** are [ordered](https://example.org)."})
    assert response.status_code == 201, response.get_json()


def _give(funding, stripe_events, campaign, email):
    donation = funding.donate(campaign, "20.00", email=email)
    assert stripe_events.deliver(stripe_events.checkout_completed(donation)) == "succeeded"


def _updates(outbox, email, title):
    return [mail for mail in outbox.to(email) if title in mail.subject]


def test_follow_confirm_update_and_one_click_unsubscribe(app, client, funding, stripe_events, outbox):
    campaign = funding.live()
    assert _follow(client, campaign, "Fan@Example.org", FRENCH).status_code == 202
    _give(funding, stripe_events, campaign, "donor@example.org")
    path = _confirm_link(outbox, "fan@example.org")
    _post_update(funding, campaign, "Before confirming")
    assert _updates(outbox, "fan@example.org", "Before confirming") == []  # following starts once confirmed
    assert len(_updates(outbox, "donor@example.org", "Before confirming")) == 1  # giving made the donor follow

    page = client.get(path)
    assert page.status_code == 200 and "Confirm" in page.get_data(as_text=True)  # a GET (a mail scanner) confirms nothing
    assert _confirm(client, path).status_code == 303
    assert _confirm(client, path).status_code == 404  # the link works once

    _post_update(funding, campaign, "Panels ordered")
    (mail,) = _updates(outbox, "fan@example.org", "Panels ordered")
    assert "Actualités" in mail.body  # the follower's language
    assert "The panels are ordered." in mail.body and f"/campaigns/{campaign['id']}" in mail.body
    headers = mail.headers
    assert headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    unsubscribe = re.fullmatch(r"<http://coopex\.test(/unsubscribe/\S+)>", headers["List-Unsubscribe"][0]).group(1)
    assert unsubscribe in mail.body
    assert len(_updates(outbox, "donor@example.org", "Panels ordered")) == 1

    # The mail provider posts the one-click unsubscribe: no session, no CSRF token.
    stopped = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert stopped.status_code == 200 and stopped.get_json() == {"status": "unsubscribed"}
    _post_update(funding, campaign, "Cold room built")
    assert _updates(outbox, "fan@example.org", "Cold room built") == []
    assert len(_updates(outbox, "donor@example.org", "Cold room built")) == 1


def test_an_address_that_unsubscribed_does_not_follow_again_by_giving(client, funding, stripe_events, outbox):
    campaign = funding.live()
    _give(funding, stripe_events, campaign, "donor@example.org")
    (thanks,) = outbox.to("donor@example.org")
    unsubscribe = re.search(r"http://coopex\.test(/unsubscribe/\S+)", thanks.body).group(1)
    page = client.get(unsubscribe)
    assert page.status_code == 200 and campaign["title"].replace("'", "&#39;") in page.get_data(as_text=True)
    assert client.post(unsubscribe).status_code == 200  # the page's button
    _give(funding, stripe_events, campaign, "donor@example.org")
    second_thanks = outbox.to("donor@example.org")[-1]
    assert "/unsubscribe/" not in second_thanks.body and "List-Unsubscribe" not in second_thanks.headers
    _post_update(funding, campaign, "Panels ordered")
    assert _updates(outbox, "donor@example.org", "Panels ordered") == []
    # Asking to follow again, and confirming, starts it again.
    _follow(client, campaign, "donor@example.org")
    assert _confirm(client, _confirm_link(outbox, "donor@example.org")).status_code == 303
    _post_update(funding, campaign, "Cold room built")
    assert len(_updates(outbox, "donor@example.org", "Cold room built")) == 1


def test_the_answer_is_the_same_whether_the_address_follows_or_not(app, client, funding, outbox):
    campaign = funding.live()
    first = _follow(client, campaign, "fan@example.org")
    _confirm(client, _confirm_link(outbox, "fan@example.org"))
    again = _follow(client, campaign, "fan@example.org")
    assert (first.status_code, first.get_data()) == (again.status_code, again.get_data())
    assert first.status_code == 202
    assert len(outbox.to("fan@example.org")) == 1  # an address that follows is not mailed again
    with app.app_context():
        rows = db.session.scalars(select(CampaignFollower).where(CampaignFollower.campaign_id == campaign["id"])).all()
        assert [(row.email, row.source, row.is_following) for row in rows] == [("fan@example.org", "follow", True)]


def test_bad_requests_are_refused_field_by_field(client, funding):
    campaign = funding.live()
    draft = funding.create()
    refused = _follow(client, campaign, "not-an-address")
    assert refused.status_code == 422 and "email" in refused.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/campaigns/{campaign['id']}/followers", json={}).status_code == 422
    assert _follow(client, draft, "fan@example.org").status_code == 404
    assert _follow(client, {"id": 999999}, "fan@example.org").status_code == 404
    assert client.get("/campaigns/follow/not-a-real-token").status_code == 200
    assert _confirm(client, "/campaigns/follow/not-a-real-token").status_code == 404


def test_following_is_rate_limited_like_other_mailed_links(client, funding):
    campaign = funding.live()
    answers = [_follow(client, campaign, f"fan{n}@example.org").status_code for n in range(6)]
    assert answers == [202] * 5 + [429]


def test_followers_with_an_account_get_updates_as_they_chose(app, make, auth, client, funding, outbox):
    campaign = funding.live()
    people = {mode: make.user(email=f"{mode}@example.org") for mode in ("immediately", "daily", "off")}
    for mode, person in people.items():
        headers = auth(make.token(person))
        assert client.put("/api/v1/me/notification-preferences", json={"campaigns": mode}, headers=headers).status_code == 200
        # Their own verified address: following starts at once, without a confirmation mail.
        assert _follow(client, campaign, person.email, headers).status_code == 202
    assert [mail.to for mail in outbox] == []
    _post_update(funding, campaign, "Panels ordered")
    assert [mail.to for mail in outbox if "Panels ordered" in mail.subject] == ["immediately@example.org"]
    with app.app_context():
        waiting = db.session.scalars(select(DigestItem).where(DigestItem.kind == "campaigns")).all()
        assert [(item.user_id, item.heading) for item in waiting] == [(people["daily"].id, campaign["title"])]


def test_the_follow_form_on_the_campaign_page(app, make, client, funding, outbox):
    campaign = funding.live()
    url = f"/campaigns/{campaign['id']}"
    wrong = client.post(f"{url}/follow", data={"email": "nope", "csrf_token": csrf_token(client, url)})
    assert wrong.status_code == 422 and 'id="follow-email-error"' in wrong.get_data(as_text=True)
    sent = client.post(f"{url}/follow", data={"email": "fan@example.org", "csrf_token": csrf_token(client, url)},
                       follow_redirects=True)
    assert sent.status_code == 200 and "Check your mail" in sent.get_data(as_text=True)
    assert _confirm_link(outbox, "fan@example.org")
    # Signed in, the form holds the account's address, which follows at once.
    member = make.user(email="member@example.org")
    login(client, member)
    assert 'value="member@example.org"' in client.get(url).get_data(as_text=True)
    client.post(f"{url}/follow", data={"email": "member@example.org", "csrf_token": csrf_token(client, url)})
    assert outbox.to("member@example.org") == []
    with app.app_context():
        follower = db.session.scalar(select(CampaignFollower).where(CampaignFollower.email == "member@example.org"))
        assert follower.is_following


def test_two_gifts_from_one_address_make_one_follower(app, funding, stripe_events):
    campaign = funding.live()
    for _ in range(2):
        donation = funding.donate(campaign, "20.00", email="Donor@Example.org")
        stripe_events.send(stripe_events.checkout_completed(donation))
    with app.app_context():
        rows = db.session.execute(select(CampaignFollower.email, CampaignFollower.source)
                                  .where(CampaignFollower.campaign_id == campaign["id"])).all()
        assert rows == [("donor@example.org", "donation")]
        assert db.session.scalar(select(db.func.count(Donation.id)).where(Donation.campaign_id == campaign["id"],
                                                                          Donation.status == "succeeded")) == 2


def test_the_unsubscribe_header_stays_a_link_whatever_the_followers_number(app, funding, outbox):
    campaign = funding.live()
    with app.app_context():
        db.session.add(CampaignFollower(id=987_654_321, campaign_id=campaign["id"], email="late@example.org",
                                        source="follow", confirmed_at=utcnow()))
        db.session.commit()
    _post_update(funding, campaign, "Panels ordered")
    (mail,) = outbox.to("late@example.org")
    (header,) = mail.headers["List-Unsubscribe"]
    # Not folded into RFC 2047 encoded words, which providers do not read as a link.
    unsubscribe = re.fullmatch(r"<http://coopex\.test(/unsubscribe/[A-Za-z0-9_.-]+)>", header).group(1)
    assert app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
