"""The campaign pages: owners draft, edit, publish, post updates, book expenses with receipts, disburse, refund and close;
visitors browse and give. The pages go through the API's schemas and services: these tests check what a person using
them meets — the field that is wrong, the rule that refused, what they may see — and that a refused form changed nothing.
"""
import datetime as dt
import html
import io
import re
import struct
import zlib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.campaigns.models import BudgetLine, Campaign, CampaignUpdate, Donation, Expense, LedgerEntry
from app.campaigns.settlement import close_due
from app.extensions import db
from app.models_base import utcnow
from tests.conftest import csrf_token, login


def png_bytes():
    """A valid 1×1 PNG image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


PNG = png_bytes()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def receipts_dir(app, tmp_path, monkeypatch):
    """A receipts folder of this test's own, to see what was (not) stored."""
    folder = tmp_path / "receipts"
    monkeypatch.setitem(app.config, "RECEIPTS_DIR", str(folder))
    return folder


@pytest.fixture
def owner(funding, client):
    """The finance member of the organisation running campaigns, logged in."""
    login(client, funding.owner_user)
    return funding


def snapshot(app, receipts_dir=None):
    """Every campaign, budget line, update, donation, expense, ledger entry and stored receipt file."""
    with app.app_context():
        return SimpleNamespace(
            campaigns=[(c.id, c.title, c.summary, c.story, c.goal_minor, c.currency, c.deadline, c.funding_model,
                        c.status, [goal.number for goal in c.sdgs], c.raised_minor, c.donors_count)
                       for c in db.session.scalars(select(Campaign).order_by(Campaign.id))],
            lines=[(line.id, line.campaign_id, line.position, line.title, line.amount_minor, line.required)
                   for line in db.session.scalars(select(BudgetLine).order_by(BudgetLine.id))],
            updates=[(u.id, u.title, u.body) for u in db.session.scalars(select(CampaignUpdate).order_by(CampaignUpdate.id))],
            donations=[(d.id, d.status, d.refund_id) for d in db.session.scalars(select(Donation).order_by(Donation.id))],
            expenses=[e.id for e in db.session.scalars(select(Expense).order_by(Expense.id))],
            ledger=[(e.id, e.kind, e.amount_minor) for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))],
            receipts=sorted(p.name for p in receipts_dir.iterdir()) if receipts_dir and receipts_dir.exists() else [],
        )


def _campaign(app, campaign_id):
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        return SimpleNamespace(
            id=campaign.id, title=campaign.title, summary=campaign.summary, story=campaign.story, status=campaign.status,
            goal_minor=campaign.goal_minor, currency=campaign.currency, deadline=campaign.deadline,
            funding_model=campaign.funding_model, sdgs=[goal.number for goal in campaign.sdgs],
            lines=[(line.title, line.amount_minor, line.required) for line in campaign.budget_lines])


def _latest_campaign(app):
    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id).order_by(Campaign.id.desc()))
    return _campaign(app, campaign_id) if campaign_id else None


def _errors(response):
    page = response.get_data(as_text=True)
    return html.unescape(" ".join(re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', page)
                                  + re.findall(r'class="alert alert-danger"[^>]*>\s*(?:<div>)?([^<]+)', page)))


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _hidden_fields(client, url):
    page = client.get(url).get_data(as_text=True)
    hidden = dict(re.findall(r'<input[^>]*type="hidden" name="(organization_id)" value="(\d+)"', page))
    return {**hidden, "csrf_token": csrf_token(client, url)}


LOCAL_DEADLINE = (utcnow() + dt.timedelta(days=20)).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def _campaign_form(client, url, **fields):
    """The campaign form as an owner fills it in: two budget lines, the second a stretch goal."""
    data = {
        "title": "A cold store for the valley's growers", "summary": "Twelve growers, one cold store.",
        "story": "## Why\n\nWe lose **a fifth** of our fruit.\n\n<script>alert(1)</script>",
        "goal_amount": "12000", "currency": "EUR", "deadline": LOCAL_DEADLINE, "timezone": "Europe/Paris",
        "funding_model": "keep_it_all", "sdgs": ["2", "12"],
        "budget_lines-0-title": "Cold room panels and doors", "budget_lines-0-amount": "8000",
        "budget_lines-1-title": "Solar panels", "budget_lines-1-amount": "5000.50", "budget_lines-1-stretch": "y",
        **_hidden_fields(client, url),
    }
    data.update(fields)
    return client.post(url, data={key: value for key, value in data.items() if value is not None})


def _post(client, url, page, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def _paid(funding, stripe_events, campaign, amount="50.00", **fields):
    """A donation paid through Stripe (its signed webhook delivered)."""
    donation = funding.donate(campaign, amount, **fields)
    assert stripe_events.send(stripe_events.checkout_completed(donation)).status_code == 200
    return donation


# Drafting and publishing ---------------------------------------------------------------------------------------------


def test_an_owner_drafts_a_campaign_with_budget_lines_and_publishes_it(app, owner, client):
    page = client.get("/campaigns/new")
    assert page.status_code == 200 and "Valley Growers Cooperative" in page.get_data(as_text=True)
    added = _campaign_form(client, "/campaigns/new", add_line="1")
    assert added.status_code == 200 and 'name="budget_lines-2-title"' in added.get_data(as_text=True)
    assert _latest_campaign(app) is None

    response = _campaign_form(client, "/campaigns/new")
    assert response.status_code == 302
    campaign = _latest_campaign(app)
    assert campaign.status == "draft" and campaign.goal_minor == 1_200_000 and campaign.currency == "EUR"
    assert campaign.sdgs == [2, 12] and campaign.funding_model == "keep_it_all"
    assert campaign.lines == [("Cold room panels and doors", 800_000, True), ("Solar panels", 500_050, False)]
    paris = dt.datetime.fromisoformat(LOCAL_DEADLINE).replace(tzinfo=ZoneInfo("Europe/Paris"))
    assert campaign.deadline == paris and campaign.deadline.utcoffset() == dt.timedelta(0)  # read in Paris, kept in UTC

    url = f"/campaigns/{campaign.id}"
    shown = client.get(url).get_data(as_text=True)
    assert "<strong>a fifth</strong>" in shown and "<script>" not in shown
    assert 'id="owner-actions"' in shown and "Publish" in shown
    assert _post(client, f"{url}/publish", url).status_code == 302
    assert _campaign(app, campaign.id).status == "live"
    assert "Live: donations are open" in _text(client.get(url))


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "  "}, "Length must be between 3 and 200."),
    ({"goal_amount": "12.345"}, "EUR amounts have at most 2 decimals."),
    ({"goal_amount": "lots"}, "Not a valid amount."),
    ({"goal_amount": ""}, "Give an amount."),
    ({"currency": "EUX"}, "Not an ISO 4217 currency code."),
    ({"deadline": "tomorrow"}, "Not a valid datetime."),
    ({"deadline": "2020-01-01T12:00"}, "Give a moment in the future."),
    ({"deadline": (utcnow() + dt.timedelta(days=800)).strftime("%Y-%m-%dT%H:%M")}, "A deadline at most a year away."),
    ({"funding_model": "gamble"}, "Must be one of"),
    ({"sdgs": ["18"]}, "SDGs are numbered 1 to 17."),
    ({"budget_lines-0-amount": "abc"}, "Not a valid amount."),
    ({"budget_lines-1-title": "ab"}, "Length must be between 3 and 200."),
    ({"story": "x" * 50_001}, "Longer than maximum length 50000."),
])
def test_a_bad_campaign_form_says_which_field_is_wrong_and_saves_nothing(app, owner, client, fields, message):
    before = snapshot(app)
    response = _campaign_form(client, "/campaigns/new", **fields)
    assert response.status_code == 422
    assert message in _errors(response), _errors(response)
    assert snapshot(app) == before


@pytest.mark.parametrize("fields", [
    {"sdgs": ["abc"]}, {"timezone": "Mars/Olympus"}, {"currency": ""}, {"funding_model": ""},
    {"budget_lines-99999999999999999999-title": "Far away", "budget_lines-99999999999999999999-amount": "0.001"},
    {f"budget_lines-{n}-title": f"Line number {n}" for n in range(40)},
    {"organization_id": "999999"},
])
def test_junk_in_the_campaign_form_is_refused_never_an_error_page(app, owner, client, fields):
    before = snapshot(app)
    response = _campaign_form(client, "/campaigns/new", **fields)
    assert response.status_code in (403, 422), response.status_code
    assert snapshot(app) == before


def test_a_draft_is_edited_whole_and_a_live_campaign_keeps_its_terms(app, owner, client):
    draft = owner.create()
    url = f"/campaigns/{draft['id']}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="12000.00"' in form and 'value="Refrigeration unit"' in form and "Preview of the story" in form

    response = _campaign_form(client, url, goal_amount="15000", title="A bigger cold store", sdgs=["13"])
    assert response.status_code == 302
    edited = _campaign(app, draft["id"])
    assert (edited.title, edited.goal_minor, edited.sdgs) == ("A bigger cold store", 1_500_000, [13])
    assert len(edited.lines) == 2

    _post(client, f"/campaigns/{draft['id']}/publish", f"/campaigns/{draft['id']}")
    form = client.get(url).get_data(as_text=True)
    assert 'name="goal_amount"' not in form and 'id="fixed-terms"' in form
    # Fixed terms posted anyway are ignored; what may change, changes.
    response = _campaign_form(client, url, title="The valley cold store", goal_amount="1", funding_model="all_or_nothing",
                              **{"budget_lines-2-title": "Insulated doors", "budget_lines-2-amount": "900"})
    assert response.status_code == 302
    live = _campaign(app, draft["id"])
    assert live.title == "The valley cold store" and live.goal_minor == 1_500_000 and live.funding_model == "keep_it_all"
    assert live.lines[-1] == ("Insulated doors", 90_000, True)

    before = snapshot(app)
    refused = _campaign_form(client, url, title="no", **{"budget_lines-0-amount": "1.001"})
    assert refused.status_code == 422
    assert "Length must be between 3 and 200." in _errors(refused) and "EUR amounts have at most 2 decimals." in _errors(refused)
    assert snapshot(app) == before


def test_a_settled_campaign_is_closed_by_its_owners_and_no_longer_edited(app, owner, client, stripe_events):
    campaign = owner.live()
    _paid(owner, stripe_events, campaign)
    owner.pass_deadline(campaign)
    with app.app_context():
        close_due()
        db.session.commit()
    url = f"/campaigns/{campaign['id']}"
    assert _campaign(app, campaign["id"]).status == "failed"  # keep-it-all: the 50.00 raised is kept all the same
    assert "A failed campaign cannot be changed." in _text(client.get(f"{url}/edit", follow_redirects=True))
    assert "Close the campaign" in client.get(url).get_data(as_text=True)
    assert _post(client, f"{url}/close", url).status_code == 302
    assert _campaign(app, campaign["id"]).status == "closed"
    # Closing twice is refused with the rule, not an error page.
    again = client.post(f"{url}/close", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert again.status_code == 200 and "A campaign is closed once it has been settled" in _text(again)


# Updates ---------------------------------------------------------------------------------------------------------------


def test_an_owner_posts_an_update_shown_sanitised_on_the_campaign_page(app, owner, client):
    draft = owner.create()
    assert "Updates are posted once the campaign is live." in _text(
        client.get(f"/campaigns/{draft['id']}/updates/new", follow_redirects=True))
    campaign = owner.live()
    url = f"/campaigns/{campaign['id']}/updates/new"
    before = snapshot(app)
    refused = _post(client, url, url, title="ab", body="")
    assert refused.status_code == 422
    assert "Length must be between 3 and 200." in _errors(refused) and "Length must be between 1 and 20000." in _errors(refused)
    assert snapshot(app) == before

    response = _post(client, url, url, title="The panels arrived", body="**Forty** panels. <img src=x onerror=alert(1)>")
    assert response.status_code == 302
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "The panels arrived" in page and "<strong>Forty</strong>" in page
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page  # raw HTML is shown as text


# Expenses and disbursements --------------------------------------------------------------------------------------------


def _multipart(client, url, data):
    """A multipart POST, its body built in memory (the test client would spool a big one to a file it never closes)."""
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _expense(client, url, receipt=("receipt.png", PNG), **fields):
    data = {"amount": "20.00", "category": "materials", "description": "Insulation foam", "spent_on": "2026-03-01",
            "csrf_token": csrf_token(client, url), **fields}
    if receipt is not None:
        data["receipt"] = FileStorage(io.BytesIO(receipt[1]), filename=receipt[0])
    return _multipart(client, url, {key: value for key, value in data.items() if value is not None})


def test_an_owner_books_an_expense_with_its_receipt_and_the_ledger_shows_it(app, owner, client, stripe_events, receipts_dir):
    campaign = owner.live()
    _paid(owner, stripe_events, campaign, "50.00")
    url = f"/campaigns/{campaign['id']}/expenses/new"
    form = client.get(url)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.get_data(as_text=True)
    assert "Refrigeration unit" in form.get_data(as_text=True) and "50.00 EUR" in _text(form)  # lines and balance

    line_id = campaign["budget_lines"][1]["id"]
    response = _expense(client, url, budget_line_id=str(line_id))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/campaigns/{campaign['id']}/ledger")
    assert len(snapshot(app, receipts_dir).receipts) == 1

    ledger = client.get(f"/campaigns/{campaign['id']}/ledger")
    page = _text(ledger)
    assert "Insulation foam" in page and "-20.00 EUR" in page and 'id="balance">30.00 EUR' in page
    receipt_link = re.search(r'href="(/campaigns/\d+/expenses/\d+/receipt)"', page).group(1)
    served = client.get(receipt_link)
    content = served.get_data()
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/png" and content == PNG
    # The campaign page's budget shows it spent against its line.
    assert "20.00 EUR" in _text(client.get(f"/campaigns/{campaign['id']}"))

    assert _expense(client, url, receipt=("receipt.pdf", PDF), amount="5.00").status_code == 302
    assert len(snapshot(app, receipts_dir).receipts) == 2


@pytest.mark.parametrize(("receipt", "fields", "message"), [
    (("receipt.pdf", b"Just some text pretending to be a PDF."), {}, "Not a PDF, PNG or JPEG file"),
    (("big.png", PNG + b"\0" * (5 * 1024 * 1024)), {}, "At most 5 MB."),
    (("empty.pdf", b""), {}, "The file is empty."),
    (None, {}, "Attach a PDF, PNG or JPEG file."),
    (("receipt.png", PNG), {"amount": "80.00"}, "At most 50.00 EUR is available."),
    (("receipt.png", PNG), {"amount": "1.234"}, "EUR amounts have at most 2 decimals."),
    (("receipt.png", PNG), {"amount": "twenty"}, "Not a valid amount."),
    (("receipt.png", PNG), {"category": "bribes"}, "Must be one of"),
    (("receipt.png", PNG), {"description": ""}, "Missing data for required field."),
    (("receipt.png", PNG), {"spent_on": "yesterday"}, "Not a valid date."),
    (("receipt.png", PNG), {"budget_line_id": "999999"}, "Not a line of this campaign."),
])
def test_a_bad_expense_is_refused_at_its_field_and_stores_nothing(app, owner, client, stripe_events, receipts_dir,
                                                                  receipt, fields, message):
    campaign = owner.live()
    _paid(owner, stripe_events, campaign, "50.00")
    before = snapshot(app, receipts_dir)
    response = _expense(client, f"/campaigns/{campaign['id']}/expenses/new", receipt=receipt, **fields)
    assert response.status_code == 422
    assert message in _errors(response), _errors(response)
    after = snapshot(app, receipts_dir)
    assert after == before and after.receipts == [] and after.expenses == []


def test_a_disbursement_is_recorded_within_the_balance(app, owner, client, stripe_events):
    campaign = owner.live()
    _paid(owner, stripe_events, campaign, "50.00")
    url = f"/campaigns/{campaign['id']}/disbursements/new"
    assert client.get(url).status_code == 200
    before = snapshot(app)
    for amount, message in [("60.00", "At most 50.00 EUR is available."), ("0", "The amount must be greater than zero."),
                            ("", "Give an amount.")]:
        refused = _post(client, url, url, amount=amount, description="To our bank account")
        assert refused.status_code == 422 and message in _errors(refused), _errors(refused)
    refused = _post(client, url, url, amount="10.00", description="")
    assert refused.status_code == 422 and "Length must be between 3 and 500." in _errors(refused)
    assert snapshot(app) == before

    assert _post(client, url, url, amount="45.00", description="To our account at the co-op bank").status_code == 302
    page = _text(client.get(f"/campaigns/{campaign['id']}/ledger"))
    assert "To our account at the co-op bank" in page and 'id="balance">5.00 EUR' in page


# Donations, refunds and the owners' dashboard --------------------------------------------------------------------------


def test_the_dashboard_lists_drafts_and_donations_flags_what_to_look_at_and_refunds(app, owner, client, stripe_events):
    draft = owner.create(title="Next year: a packing line")
    campaign = owner.live()
    paid = _paid(owner, stripe_events, campaign, "50.00", email="dana@example.org", name="Dana", anonymous=True)
    owner.donate(campaign, "20.00", email="pat@example.org")  # still waiting for Stripe
    odd = owner.donate(campaign, "30.00", email="odd@example.org")
    stripe_events.send(stripe_events.checkout_completed(odd, amount=999))  # Stripe says another amount: to review

    page = _text(client.get("/my/campaigns"))
    assert draft["title"] in page and campaign["title"] in page
    assert "dana@example.org" in page and "pat@example.org" in page and "shown as Anonymous" in page
    assert "1 donation to review" in page and "1 donation waiting for Stripe" in page
    assert page.count(">Refund</button>") == 1  # only the paid donation can be refunded

    review = _text(client.get(f"/campaigns/{campaign['id']}/donations?status=review"))
    assert "odd@example.org" in review and "pat@example.org" not in review and "Stripe reported 999 EUR" in review

    response = client.post(f"/donations/{paid['id']}/refund", data={"csrf_token": csrf_token(client, "/my/campaigns"),
                                                                     "next": "/my/campaigns"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/campaigns")
    with app.app_context():
        donation = db.session.get(Donation, paid["id"])
        assert donation.status == "succeeded" and donation.refund_id  # refunded once Stripe's webhook confirms
    page = _text(client.get("/my/campaigns"))
    assert "Refund asked of Stripe" in page and "refund requested" in page and ">Refund</button>" not in page


def test_members_without_the_finance_role_see_campaigns_but_no_donors(app, funding, client, make, stripe_events):
    campaign = funding.live()
    _paid(funding, stripe_events, campaign, "50.00", email="dana@example.org")
    login(client, make.member(funding.owner, role="seller"))
    page = _text(client.get("/my/campaigns"))
    assert campaign["title"] in page and "dana@example.org" not in page and "New campaign" not in page
    assert 'id="owner-actions"' not in client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)


def test_someone_without_an_organisation_is_sent_to_their_dashboard(client, make):
    login(client, make.user())
    assert client.get("/my/campaigns").status_code == 302


# Who may do what -------------------------------------------------------------------------------------------------------


OWNER_PAGES = [("get", "/campaigns/new"), ("get", "/campaigns/{id}/edit"), ("post", "/campaigns/{id}/edit"),
               ("post", "/campaigns/{id}/publish"), ("post", "/campaigns/{id}/close"),
               ("get", "/campaigns/{id}/updates/new"), ("post", "/campaigns/{id}/updates/new"),
               ("get", "/campaigns/{id}/expenses/new"), ("post", "/campaigns/{id}/expenses/new"),
               ("get", "/campaigns/{id}/disbursements/new"), ("post", "/campaigns/{id}/disbursements/new"),
               ("get", "/campaigns/{id}/donations"), ("post", "/donations/{donation}/refund")]


@pytest.mark.parametrize("who", ["other_organisation_admin", "seller_member", "anonymous"])
@pytest.mark.parametrize("state", ["draft", "live"])
def test_owner_pages_are_refused_to_those_without_the_right(app, funding, client, make, stripe_events, receipts_dir, who,
                                                            state):
    live = funding.live()
    donation = _paid(funding, stripe_events, live)
    campaign = funding.create() if state == "draft" else live
    if who == "seller_member":
        login(client, make.member(funding.owner, role="seller"))
    elif who == "other_organisation_admin":
        login(client, funding.bank_user)
    token = csrf_token(client, f"/campaigns/{live['id']}")
    before = snapshot(app, receipts_dir)
    for method, path in OWNER_PAGES:
        if who == "other_organisation_admin" and path == "/campaigns/new":
            continue  # the bank may run campaigns of its own
        url = path.format(id=campaign["id"], donation=donation["id"])
        data = {"csrf_token": token, "title": "Taken over", "amount": "10.00", "description": "Taken over",
                "category": "other", "spent_on": "2026-03-01", "body": "Taken over", "goal_amount": "1",
                "receipt": FileStorage(io.BytesIO(PNG), filename="r.png")}
        response = _multipart(client, url, data) if method == "post" else client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], (url, response.status_code)
        else:
            assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot(app, receipts_dir) == before


def test_a_post_without_the_csrf_token_is_refused(app, owner, client):
    campaign = owner.create()
    assert client.post(f"/campaigns/{campaign['id']}/publish").status_code == 400
    assert _campaign(app, campaign["id"]).status == "draft"


# Visitors ----------------------------------------------------------------------------------------------------------------


def _donate(client, campaign_id, **fields):
    url = f"/campaigns/{campaign_id}"
    data = {"amount": "25.00", "email": "visitor@example.org", "name": "", "message": "", **fields}
    return client.post(f"{url}/donate", data={**data, "csrf_token": csrf_token(client, url)})


@pytest.mark.parametrize(("amount", "message"), [
    ("0.10", "At least 0.50 EUR."),
    ("12.345", "EUR amounts have at most 2 decimals."),
    ("ten", "Not a valid amount."),
    ("", "Give an amount."),
])
def test_the_donate_form_refuses_a_bad_amount(app, funding, client, amount, message):
    campaign = funding.live()
    before = snapshot(app)
    response = _donate(client, campaign["id"], amount=amount)
    assert response.status_code == 422
    assert message in _errors(response), _errors(response)
    assert f'value="{amount}"' in response.get_data(as_text=True)  # what the donor typed is kept
    assert snapshot(app) == before


def test_the_donate_form_refuses_a_bad_email(app, funding, client):
    campaign = funding.live()
    response = _donate(client, campaign["id"], email="not-an-address")
    assert response.status_code == 422 and "Not a valid email address." in _errors(response)


def test_the_donate_form_sends_the_donor_to_stripe_checkout(app, funding, client):
    campaign = funding.live()
    response = _donate(client, campaign["id"], amount="25.00")
    assert response.status_code == 303 and response.headers["Location"].startswith("https://")
    with app.app_context():
        donation = db.session.scalar(select(Donation).where(Donation.campaign_id == campaign["id"]))
        assert (donation.status, donation.amount_minor, donation.email) == ("pending", 2500, "visitor@example.org")
        assert donation.checkout_session_id


def test_anonymous_donors_show_as_anonymous_on_the_public_pages(app, funding, client, stripe_events):
    campaign = funding.live()
    assert _donate(client, campaign["id"], name="Secret Sam", message="From me", anonymous="1").status_code == 303
    with app.app_context():
        row = db.session.scalar(select(Donation).where(Donation.campaign_id == campaign["id"]))
        donation = {"id": row.id, "minor": row.amount_minor, "currency": row.currency}
    stripe_events.send(stripe_events.checkout_completed(donation))
    _paid(funding, stripe_events, campaign, "10.00", name="Open Olga")
    for url in (f"/campaigns/{campaign['id']}", f"/campaigns/{campaign['id']}/ledger", f"/organizations/{funding.owner.id}",
                f"/campaigns/{campaign['id']}/ledger.csv"):
        page = _text(client.get(url))
        assert "Secret Sam" not in page and "From me" not in page, url
    assert "Secret Sam" not in _text(client.get(f"/api/v1/campaigns/{campaign['id']}/donations"))
    assert "Anonymous" in _text(client.get(f"/campaigns/{campaign['id']}"))
    assert "Open Olga" in _text(client.get(f"/campaigns/{campaign['id']}"))
    assert "Donation from Anonymous" in _text(client.get(f"/campaigns/{campaign['id']}/ledger"))
    # In the reader's language on the pages; the API and the ledger's stored descriptions keep the English word.
    french = _text(client.get(f"/campaigns/{campaign['id']}", headers={"Accept-Language": "fr"}))
    assert "Anonyme ·" in french and "Anonymous ·" not in french and "Open Olga ·" in french
    donors = client.get(f"/api/v1/campaigns/{campaign['id']}/donations", headers={"Accept-Language": "fr"}).get_json()
    assert "Anonymous" in [d["name"] for d in donors]


def test_the_campaign_list_shows_live_campaigns_newest_first_a_page_at_a_time(app, funding, client):
    draft = funding.create(title="A draft nobody sees")
    for number in range(13):
        funding.live(title=f"Campaign number {number:02d}")
    page = _text(client.get("/campaigns"))
    assert "13 live campaigns" in page and draft["title"] not in page
    assert page.index("Campaign number 12") < page.index("Campaign number 01") and "Campaign number 00" not in page
    assert 'role="progressbar"' in page
    second = _text(client.get("/campaigns?page=2"))
    assert "Campaign number 00" in second and "Campaign number 12" not in second
    assert client.get("/campaigns?page=99").status_code == 200 and client.get("/campaigns?page=junk").status_code == 200


def test_the_organisation_page_shows_its_live_and_settled_campaigns(app, funding, client, stripe_events):
    draft = funding.create(title="A draft nobody sees")
    settled = funding.live(title="Last year's seed bank")
    _paid(funding, stripe_events, settled)
    funding.pass_deadline(settled)
    with app.app_context():
        close_due()
        db.session.commit()
    live = funding.live(title="This year's cold store")
    page = _text(client.get(f"/organizations/{funding.owner.id}"))
    assert live["title"] in page and settled["title"] in page and draft["title"] not in page
    assert "failed" in page and 'id="campaigns-heading"' in page  # settled: keep-it-all, goal missed
    assert 'id="campaigns-heading"' not in client.get(f"/organizations/{funding.bank.id}").get_data(as_text=True)
