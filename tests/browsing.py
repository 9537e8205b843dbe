"""What browser tests share: logging in and out through the navigation bar, the user menu, links from mail, and a site
with one record of each kind a page shows."""
import datetime as dt
import re

from playwright.sync_api import expect

from app.campaigns import statements
from app.campaigns.models import Donation
from app.extensions import db, limiter
from app.indexing.sync import drain_all
from app.mail import unsubscribe
from app.models_base import utcnow
from tests.campaigns.conftest import Funding, Stripe
from tests.conftest import PASSWORD, Factory
from tests.tenders.conftest import Market
from tests.tenders.samples import pdf, upload


def log_in(page, base, email, password=PASSWORD):
    """Log in through the form; returns once the page after it is shown."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(user_menu_button(page)).to_be_attached()


def user_menu_button(page):
    """The button that opens the signed-in user's menu: it shows the user's name and the organisation they act for."""
    return page.locator("#user-menu-button")


def open_user_menu(page):
    """Open the user menu (through the collapsed menu's toggler first on a narrow screen); returns the menu."""
    # The page's stylesheets decide whether the toggler shows: ask once they have loaded, and find the toggler by its
    # class, not its role, so a toggler hidden by them is still found (a role query waits for a visible one).
    page.wait_for_load_state("load")
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))  # opened, not still sliding open
    button = user_menu_button(page)
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    menu = page.locator("#user-menu")
    expect(menu).to_be_visible()
    return menu


def log_out(page):
    """Log out from the user menu, as a person does."""
    open_user_menu(page).get_by_role("button", name="Log out").click()
    expect(user_menu_button(page)).to_have_count(0)


def open_link_from_mail(page, mailbox, email, path_start):
    """Open the newest link to `path_start` mailed to `email`, as a person clicks it in the inbox (the mail names the
    site by its configured host; the browser keeps the one it is on)."""
    mails = mailbox.to(email)
    assert mails, f"no mail to {email}"
    link = next(word for word in reversed(mails[-1].body.split()) if path_start in word)
    origin = "/".join(page.url.split("/", 3)[:3])
    page.goto(origin + link[link.index(path_start):])


def seed_site(app):
    """A site with one record of each kind a page shows, built through the services and the API (commits are real):
    offers in the search index, a live campaign with a donation, an open, a draft and an awarded tender (the
    transparency chart), an organisation waiting to be verified, a supplier acting for two organisations, and a
    platform admin. Returns the people, by role, and the ids the pages need."""
    engine = app.extensions["search"]
    assert engine.ping(), "OpenSearch is not running: make services"
    engine.drop_all()
    app.config["SEARCH_SYNC_ON_COMMIT"] = True
    make, client = Factory(app), app.test_client()
    market = Market(app, client, make, _bearer)
    funding = Funding(app, client, make, _bearer)
    listing = make.listing(market.coop, title="Fairtrade coffee, ground", cpv_code="15861000")
    campaign = funding.live()
    donation = funding.donate(campaign)
    paid = Stripe(app, client)
    assert paid.deliver(paid.checkout_completed(donation)) == "succeeded"
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "1000.00")
    market.pass_deadline(tender)
    assert market.award(tender, 0, bid["id"], justification="Best evaluated price.").status_code == 201
    open_tender = market.published(title="Packaging for dried fruit", cpv_code="44000000",
                                   clarification_deadline=(utcnow() + dt.timedelta(days=7)).isoformat())
    _tender_papers(client, market, open_tender)
    draft = market.create(title="Cleaning of the packhouse")
    joint = _joint_bid(client, market, open_tender)
    waiting = market.published(title="Refrigerated storage", standstill_days=10)
    stored = market.bid(waiting, 0, "coop", "800.00")
    market.pass_deadline(waiting)
    assert market.award(waiting, 0, stored["id"]).status_code == 201
    make.member(market.sme, role="seller", user=market.coop_admin)
    asked = client.post(f"/api/v1/organizations/{market.unverified.id}/verification-requests", headers=market.h["unverified"])
    assert asked.status_code == 201, asked.get_json()
    admin = make.user(name="Platform Admin", platform_admin=True)
    trade = _trade(client, market, listing)
    movement = _movement(client, make, market)
    with app.app_context():
        receipt_token = db.session.get(Donation, donation["id"]).receipt_token
        statement_token = statements.token(donation["id"], utcnow().year)
        unsubscribe_token = unsubscribe.token("kind:tenders", market.coop_admin.id)
        drain_all()
        db.session.remove()
        limiter.reset()  # a test logs in several times: earlier browser tests' log-ins may not count against it
    return {
        "people": {"seller": market.coop_admin.email, "buyer": market.buyer_admin.email,
                   "owner": funding.owner_user.email, "admin": admin.email, "federation": movement.pop("admin")},
        "ids": {"listing": listing.id, "campaign": campaign["id"], "tender": open_tender["id"],
                "lot": open_tender["lots"][0]["id"], "awarded": tender["id"], "draft": draft["id"],
                "joint": joint, "standstill": waiting["id"],
                "seller_org": market.coop.id, "buyer_org": market.buyer.id, "donation": donation["id"],
                "receipt_token": receipt_token, "statement_token": statement_token,
                "unsubscribe_token": unsubscribe_token, **trade, **movement},
    }


def _tender_papers(client, market, tender):
    """The open tender's specification, a question answered and one waiting, and the co-op's bid (lot 2) with a file."""
    assert upload(client, f"/api/v1/tenders/{tender['id']}/documents", market.h["buyer"], pdf(),
                  title="Specification of the packaging").status_code == 201
    bid = market.bid(tender, 1, "coop", "1200.00")  # on the second lot: the first one's bid form stays a new bid
    assert upload(client, f"/api/v1/bids/{bid['id']}/files", market.h["coop"], pdf(), name="samples.pdf").status_code == 201
    asked = [client.post(f"/api/v1/tenders/{tender['id']}/questions", headers=market.h["coop"], json={
        "organization_id": market.coop.id, "question": question}).get_json() for question in (
        "May the trays be made of recycled cardboard?", "Is a delivery every two weeks acceptable?")]
    assert client.post(f"/api/v1/questions/{asked[0]['id']}/answer", headers=market.h["buyer"],
                       json={"answer": "Yes, if it is food-safe."}).status_code == 200


def _joint_bid(client, market, tender):
    """The SME leads a joint bid with the co-op (40 %) on the open tender; the co-op has not confirmed yet."""
    lot_id = tender["lots"][0]["id"]
    answer = client.post(f"/api/v1/tenders/{tender['id']}/lots/{lot_id}/bids", headers=market.h["sme"], json={
        "organization_id": market.sme.id, "price": {"amount": "950.00", "currency": "EUR"}, "delivery_days": 7,
        "members": [{"organization_id": market.sme.id, "share_percent": "60"},
                    {"organization_id": market.coop.id, "share_percent": "40"}]})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def _trade(client, market, listing):
    """The buyer asks the co-op about its listing and accepts its quote (an order); a second quote waits; the buyer's
    request for quotation is published. Returns their ids."""
    def post(path, payload, who):
        answer = client.post(path, json=payload, headers=market.h[who])
        assert answer.status_code in (200, 201), answer.get_json()
        return answer.get_json()

    conversation = post("/api/v1/conversations", {
        "organization_id": market.buyer.id, "with_organization_id": market.coop.id,
        "subject": {"kind": "listing", "id": listing.id}, "body": "Could you quote 40 kg delivered to Leeds?"}, "buyer")
    quote = {"organization_id": market.coop.id, "buyer_organization_id": market.buyer.id,
             "conversation_id": conversation["id"], "currency": "EUR", "incoterm": "DAP", "delivery_place": "Leeds",
             "lead_time_days": 5, "valid_until": (utcnow() + dt.timedelta(days=20)).date().isoformat(),
             "lines": [{"description": "Fairtrade coffee, ground", "quantity": "40", "unit": "kg",
                        "unit_price": {"amount": "12.50", "currency": "EUR"}}]}
    accepted, waiting = post("/api/v1/quotes", quote, "coop"), post("/api/v1/quotes", quote, "coop")
    order = post(f"/api/v1/quotes/{accepted['id']}/accept", None, "buyer")["order"]
    rfq = post("/api/v1/rfqs", {
        "organization_id": market.buyer.id, "title": "Organic durum wheat for our pasta", "cpv_code": "03211110",
        "quantity": "500", "unit": "kg", "delivery_country": "GB",
        "needed_by": (utcnow() + dt.timedelta(days=40)).date().isoformat(),
        "quotes_due": (utcnow() + dt.timedelta(days=10)).isoformat()}, "buyer")
    post(f"/api/v1/rfqs/{rfq['id']}/publish", None, "buyer")
    return {"conversation": conversation["id"], "quote": waiting["id"], "order": order["id"], "rfq": rfq["id"]}


def _movement(client, make, market):
    """A verified federation and a co-operative bank in the directory; the buyer's co-operative is a confirmed member
    with a public report, the supplier's has declared it belongs and waits. Returns the federation's id and its admin's
    e-mail address."""
    admin = make.user(name="Fred Federation")
    federation = make.organization(admin, name="Co-operatives UK", legal_form="cooperative_federation", country="GB",
                                   sector="other", verified=True)
    make.organization(make.user(), name="Crédit Coopératif", legal_form="cooperative_bank", country="FR",
                      sector="banking", verified=True)
    headers = _bearer(make.token(admin))
    for member, who in ((market.buyer, "buyer"), (market.coop, "coop")):
        answer = client.post(f"/api/v1/organizations/{member.id}/federations", json={"federation_id": federation.id},
                             headers=market.h[who])
        assert answer.status_code == 201, answer.get_json()
        if who == "buyer":
            decided = client.post(f"/api/v1/federation-memberships/{answer.get_json()['id']}/decision",
                                  json={"decision": "confirmed"}, headers=headers)
            assert decided.status_code == 200, decided.get_json()
    public = client.patch(f"/api/v1/organizations/{market.buyer.id}", json={"report_public": True},
                          headers=market.h["buyer"])
    assert public.status_code == 200, public.get_json()
    return {"federation": federation.id, "admin": admin.email}


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}
