"""Yearly statements of gifts: asked for on a page (or the API), mailed as a signed link to the address they are about,
read as a page and as a PDF (read back with pypdf): the address's paid gifts of the year, refunded ones marked and left
out of the totals, nobody else's gifts."""
import io
import re
import time

import itsdangerous
from pypdf import PdfReader

from app.campaigns import statements
from app.models_base import utcnow
from tests.conftest import csrf_token

YEAR = utcnow().year


def _give(funding, stripe_events, campaign, amount, email):
    donation = funding.donate(campaign, amount, email=email)
    assert stripe_events.deliver(stripe_events.checkout_completed(donation)) == "succeeded"
    return donation


def _ask(client, email, year=YEAR):
    url = "/donations/statement"
    return client.post(url, data={"email": email, "year": str(year), "csrf_token": csrf_token(client, url)})


def _statements(outbox, email):
    return [mail for mail in outbox.to(email) if "statement" in mail.subject]


def _statement_link(outbox, email, year=YEAR):
    (mail,) = _statements(outbox, email)
    assert str(year) in mail.subject
    return re.search(r"http://coopex\.test(/donations/statement/\S+)", mail.body).group(1)


def test_a_donor_reads_the_years_gifts_on_a_page_and_in_a_pdf(client, funding, stripe_events, outbox):
    cold_store = funding.live()
    other = funding.live(title="Seeds for the next season", goal={"amount": "500000", "currency": "JPY"}, budget_lines=[])
    first = _give(funding, stripe_events, cold_store, "50.00", "Dana@Example.org")
    _give(funding, stripe_events, other, "3000", "dana@example.org")
    refunded = _give(funding, stripe_events, cold_store, "20.00", "dana@example.org")
    stripe_events.send(stripe_events.charge_refunded(refunded))
    stranger = _give(funding, stripe_events, cold_store, "777.00", "someone.else@example.org")

    answer = _ask(client, "DANA@example.org ")
    assert answer.status_code == 200 and "Check your mail" in answer.get_data(as_text=True)
    path = _statement_link(outbox, "dana@example.org")
    assert "dana" not in path.lower() and "example" not in path.lower()  # the address is not in the link

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert f"COOPEX-D{first['id']:08d}" in html and "Seeds for the next season" in html
    assert "Valley Growers Cooperative" in html
    assert re.search(r"<del>20\.00 EUR</del> <span[^>]*>Refunded</span>", html)
    totals = re.search(r'<ul id="totals">(.*?)</ul>', html, re.S).group(1)
    assert "50.00 EUR" in totals and "3,000 JPY" in totals and "70.00 EUR" not in totals
    assert f"COOPEX-D{stranger['id']:08d}" not in html and "777.00" not in html

    document = client.get(path + ".pdf")
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document.data)).pages)
    assert f"Statement of gifts, {YEAR}" in text and "dana@example.org" in text
    for receipt in (first["id"], refunded["id"]):
        assert f"COOPEX-D{receipt:08d}" in text
    assert "A cold store for the valley's growers" in text and "Seeds for the next season" in text
    assert "3,000 JPY" in text and "20.00 EUR (Refunded)" in text
    assert f"COOPEX-D{stranger['id']:08d}" not in text and "777.00" not in text


def test_the_statement_is_in_the_readers_language(client, funding, stripe_events, outbox):
    campaign = funding.live()
    _give(funding, stripe_events, campaign, "1250.00", "dana@example.org")
    client.post("/api/v1/donations/statements", json={"email": "dana@example.org", "year": YEAR})
    path = _statement_link(outbox, "dana@example.org")
    french = {"Accept-Language": "fr"}
    assert "1\u202f250,00 EUR" in client.get(path, headers=french).get_data(as_text=True)
    text = PdfReader(io.BytesIO(client.get(path + ".pdf", headers=french).data)).pages[0].extract_text()
    assert "Montant" in text and "Numéro de reçu" in text and "250,00 EUR" in text


def test_the_answer_is_the_same_for_an_address_that_never_gave(client, funding, stripe_events, outbox):
    _give(funding, stripe_events, funding.live(), "50.00", "dana@example.org")
    gave, never = _ask(client, "dana@example.org"), _ask(client, "nobody@example.org")
    assert gave.status_code == never.status_code == 200
    strip = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+|dana@example\.org|nobody@example\.org')
    assert strip.sub("", gave.get_data(as_text=True)) == strip.sub("", never.get_data(as_text=True))
    assert outbox.to("nobody@example.org") == [] and len(_statements(outbox, "dana@example.org")) == 1
    assert client.post("/api/v1/donations/statements", json={"email": "nobody@example.org", "year": YEAR}).status_code == 202
    assert outbox.to("nobody@example.org") == []


def test_a_year_without_gifts_says_so(client, funding, stripe_events, outbox):
    _give(funding, stripe_events, funding.live(), "50.00", "dana@example.org")
    _ask(client, "dana@example.org", YEAR - 1)
    path = _statement_link(outbox, "dana@example.org", YEAR - 1)
    assert f"No gift was paid from this address in {YEAR - 1}." in client.get(path).get_data(as_text=True)
    text = PdfReader(io.BytesIO(client.get(path + ".pdf").data)).pages[0].extract_text()
    assert f"No gift was paid from this address in {YEAR - 1}." in text


def test_forged_damaged_or_expired_links_are_404(app, client, funding, stripe_events, monkeypatch):
    donation = _give(funding, stripe_events, funding.live(), "50.00", "dana@example.org")
    with app.app_context():
        good = statements.token(donation["id"], YEAR)
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 8 * 86_400)
        old = statements.token(donation["id"], YEAR)
        monkeypatch.undo()
        wrong_shape = statements._serializer().dumps({"email": "dana@example.org"})
        no_such_gift = statements.token(donation["id"] + 1000, YEAR)
    assert client.get(f"/donations/statement/{good}").status_code == 200
    for token in (good[:-2] + "xx", old, wrong_shape, no_such_gift, "nonsense"):
        assert client.get(f"/donations/statement/{token}").status_code == 404
        assert client.get(f"/donations/statement/{token}.pdf").status_code == 404


def test_bad_requests_are_refused_field_by_field(client):
    refused = _ask(client, "not-an-address", "last year")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert html.count("invalid-feedback") == 2
    answer = client.post("/api/v1/donations/statements", json={"email": "dana@example.org", "year": 1999})
    assert answer.status_code == 422 and list(answer.get_json()["error"]["fields"]) == ["year"]
