"""A tender's documents (typed by content, SHA-256 kept, versions kept, visible as the tender is) and bids' files
(sealed like the bid)."""
import datetime as dt

import pytest

from app.tenders.deadlines import MIN_TIME_LEFT
from tests.conftest import csrf_token, login
from tests.tenders.samples import DAY, deadline_of, download, office, pdf, set_times, sha256, tender_files_folder, upload  # noqa: F401


def attach(market, tender, data=None, title="Technical specification", who="buyer", name="specification.pdf"):
    return upload(market.client, f"/api/v1/tenders/{tender['id']}/documents", market.h[who], data or pdf(), name=name,
                  title=title)


def test_a_draft_s_documents_are_the_buyer_s_until_publication_then_everybody_s(market, client):
    tender = market.create()
    data = pdf("Routes and volumes")
    response = attach(market, tender, data)
    assert response.status_code == 201
    document = response.get_json()
    assert {key: document[key] for key in ("title", "sha256", "version")} == {
        "title": "Technical specification", "sha256": sha256(data), "version": 1}
    assert document["media_type"] == "application/pdf" and document["bytes"] == len(data)
    listing, file_url = f"/api/v1/tenders/{tender['id']}/documents", f"/api/v1/tender-documents/{document['id']}"
    assert client.get(listing, headers=market.h["buyer"]).get_json()[0]["id"] == document["id"]
    assert download(client, file_url, market.h["buyer"]).data == data
    for who in ("anonymous", "coop"):
        assert client.get(listing, headers=market.h[who]).status_code == 404
        assert download(client, file_url, market.h[who]).status_code == 404
        assert download(client, f"/tender-documents/{document['id']}/file").status_code == 404

    market.publish(tender)

    assert client.get(listing).get_json()[0]["sha256"] == sha256(data)
    downloaded = download(client, file_url)
    assert downloaded.status_code == 200 and downloaded.data == data and downloaded.mimetype == "application/pdf"
    assert "attachment" in downloaded.headers["Content-Disposition"]
    assert download(client, f"/tender-documents/{document['id']}/file").data == data
    page = client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert "Technical specification" in page and sha256(data) in page and "6 days remain" in page


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt", "ods", "zip"])
def test_office_files_and_archives_are_taken_by_their_content(market, kind):
    tender = market.create()
    response = attach(market, tender, office(kind), name=f"annex.{kind}")
    assert response.status_code == 201, response.get_json()


def test_other_files_are_refused_with_a_field_error_and_nothing_is_kept(market, client):
    tender = market.create()
    plain = attach(market, tender, b"Just some text, not a document.", name="specification.pdf")
    assert plain.status_code == 422 and "file" in plain.get_json()["error"]["fields"]
    png = attach(market, tender, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, name="plan.png")
    assert png.status_code == 422 and "judged by its content" in png.get_json()["error"]["fields"]["file"][0]
    too_large = attach(market, tender, b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), name="huge.pdf")
    assert too_large.status_code == 422 and too_large.get_json()["error"]["fields"] == {"file": ["At most 25 MB."]}
    no_file = client.post(f"/api/v1/tenders/{tender['id']}/documents", headers=market.h["buyer"],
                          data={"title": "Specification"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["error"]["fields"]
    no_title = attach(market, tender, title="  ")
    assert no_title.status_code == 422 and "title" in no_title.get_json()["error"]["fields"]
    not_the_buyer = attach(market, tender, who="coop")
    assert not_the_buyer.status_code == 404  # a draft does not exist for others
    market.publish(tender)
    assert attach(market, tender, who="coop").status_code == 403
    assert client.get(f"/api/v1/tenders/{tender['id']}/documents").get_json() == []


def test_a_replacement_after_publication_keeps_the_old_version_and_tells_bidders(market, client):
    tender = market.published()
    first = attach(market, tender, pdf("Version one")).get_json()
    market.bid(tender, 0, "coop", "9000.00")
    deadline = deadline_of(market.app, tender)
    second_data = pdf("Version two")
    response = upload(client, f"/api/v1/tender-documents/{first['id']}/versions", market.h["buyer"], second_data)
    assert response.status_code == 201
    second = response.get_json()
    assert second["version"] == 2 and second["title"] == "Technical specification" and second["sha256"] == sha256(second_data)
    versions = client.get(f"/api/v1/tenders/{tender['id']}/documents").get_json()
    assert [(d["version"], d["current"]) for d in versions] == [(2, True), (1, False)]
    assert download(client, f"/api/v1/tender-documents/{first['id']}").data == pdf("Version one")
    assert any("was replaced" in text and "version 2" in text for text in market.notifications(market.coop))
    assert deadline_of(market.app, tender) == deadline  # 14 days left: no extension
    again = upload(client, f"/api/v1/tender-documents/{first['id']}/versions", market.h["buyer"], pdf())
    assert again.status_code == 409  # only the latest version is replaced


def test_a_replacement_in_the_last_six_days_extends_the_deadline_to_six_days_from_now(market, client):
    tender = market.published()
    document = attach(market, tender).get_json()
    market.bid(tender, 0, "sme", "9000.00")
    set_times(market.app, tender, deadline=3 * DAY)
    before = dt.datetime.now(dt.UTC)
    assert upload(client, f"/api/v1/tender-documents/{document['id']}/versions", market.h["buyer"],
                  pdf("Corrected volumes")).status_code == 201
    after = dt.datetime.now(dt.UTC)
    assert before + MIN_TIME_LEFT <= deadline_of(market.app, tender) <= after + MIN_TIME_LEFT
    assert any("was extended" in text for text in market.notifications(market.sme))
    assert client.get(f"/api/v1/tenders/{tender['id']}").get_json()["deadline"] >= (before + MIN_TIME_LEFT).isoformat()[:16]


def test_no_document_changes_once_the_deadline_has_passed(market):
    tender = market.published()
    market.pass_deadline(tender)
    assert attach(market, tender).status_code == 409


def test_the_buyer_attaches_and_replaces_from_its_page(market, client):
    tender = market.published()
    login(client, market.buyer_admin)
    page = f"/tenders/{tender['id']}/documents"
    token = csrf_token(client, page)
    response = client.post(page, data={"csrf_token": token, "title": "Price schedule", "file": (pdf_file(), "prices.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "Document attached." in response.get_data(as_text=True)
    document = client.get(f"/api/v1/tenders/{tender['id']}/documents").get_json()[0]
    refused = client.post(f"/tender-documents/{document['id']}/replace", data={"csrf_token": token, "file": (
        text_file(), "prices.pdf")}, content_type="multipart/form-data", follow_redirects=True)
    assert "must be one of PDF, DOCX, XLSX, ODT, ODS or ZIP" in refused.get_data(as_text=True)
    replaced = client.post(f"/tender-documents/{document['id']}/replace", data={"csrf_token": token, "file": (
        pdf_file(), "prices-v2.pdf")}, content_type="multipart/form-data", follow_redirects=True)
    body = replaced.get_data(as_text=True)
    assert "the old one is kept" in body and "prices-v2.pdf" in body and "superseded" in body
    client.get("/logout")
    login(client, market.coop_admin)
    assert client.get(page).status_code == 404


def pdf_file():
    import io

    return io.BytesIO(pdf("From the page"))


def text_file():
    import io

    return io.BytesIO(b"plain text")


def test_bid_files_are_sealed_like_the_bid(market, client):
    tender = market.published()
    bid = market.bid(tender, 0, "coop", "9500.00")
    data = office("docx")
    response = upload(client, f"/api/v1/bids/{bid['id']}/files", market.h["coop"], data, name="method-statement.docx")
    assert response.status_code == 201
    bid_file = response.get_json()
    assert bid_file["sha256"] == sha256(data) and bid_file["file_name"] == "method-statement.docx"
    files, file_url = f"/api/v1/bids/{bid['id']}/files", f"/api/v1/bid-files/{bid_file['id']}"
    assert client.get(files, headers=market.h["coop"]).get_json()[0]["id"] == bid_file["id"]
    assert download(client, file_url, market.h["coop"]).data == data
    for who in ("buyer", "sme"):  # sealed until the deadline, the buyer included
        assert client.get(files, headers=market.h[who]).status_code == 404
        assert download(client, file_url, market.h[who]).status_code == 404
        assert upload(client, f"/api/v1/bids/{bid['id']}/files", market.h[who], data).status_code == 404
    assert upload(client, f"/api/v1/bids/{bid['id']}/files", market.h["coop"], b"text").status_code == 422

    market.pass_deadline(tender)

    assert client.get(files, headers=market.h["buyer"]).get_json()[0]["sha256"] == sha256(data)
    assert download(client, file_url, market.h["buyer"]).data == data
    assert download(client, file_url, market.h["sme"]).status_code == 404
    assert download(client, file_url).status_code == 401
    assert upload(client, f"/api/v1/bids/{bid['id']}/files", market.h["coop"], data).status_code == 409
