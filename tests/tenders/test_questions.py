"""Clarification questions: asked during the enquiry period, answered in public, never with who asked — on the page,
in the API, in OCDS and in mail; a late answer keeps six days to the deadline."""
import datetime as dt
import json
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.tenders.deadlines import MIN_TIME_LEFT
from app.tenders.document_models import Question
from app.tenders.models import Tender
from tests.conftest import csrf_token, login
from tests.tenders.samples import DAY, deadline_of, pdf, set_times, tender_files_folder, upload  # noqa: F401
from tests.tenders.test_ocds import _problems, validator  # noqa: F401
from tests.tenders.test_pages import _errors, _form

QUESTION = "Do the north routes include the island ferry crossings?"
ANSWER = "Yes: two crossings a week, ferry fares paid by the buyer."


def with_enquiries(market, **changes):
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    return market.published(deadline=deadline.isoformat(), clarification_deadline=(deadline - 7 * DAY).isoformat(),
                            **changes)


def ask(market, tender, who="coop", text=QUESTION):
    return market.client.post(f"/api/v1/tenders/{tender['id']}/questions", headers=market.h[who],
                              json={"organization_id": getattr(market, who).id, "question": text})


def answer(market, question, who="buyer", text=ANSWER):
    return market.client.post(f"/api/v1/questions/{question['id']}/answer", headers=market.h[who], json={"answer": text})


def test_a_tender_without_a_clarification_deadline_takes_no_questions(market):
    tender = market.published()
    response = ask(market, tender)
    assert response.status_code == 409 and "no enquiry period" in response.get_json()["error"]["message"]


def test_questions_are_published_with_their_answers_and_never_with_who_asked(market, client, outbox, validator):  # noqa: F811
    tender = with_enquiries(market)
    market.bid(tender, 0, "sme", "9800.00")
    asked = ask(market, tender)
    assert asked.status_code == 201
    question = asked.get_json()
    assert question["question"] == QUESTION and question["answer"] is None and "organization" not in json.dumps(question)
    assert any("A supplier asked a question" in text for text in market.notifications(market.buyer))
    assert client.get(f"/api/v1/tenders/{tender['id']}/questions").get_json() == []  # unanswered: not published
    assert answer(market, question, who="sme").status_code == 403
    assert answer(market, question, text=" ").status_code == 422

    answered = answer(market, question)

    assert answered.status_code == 200 and answered.get_json()["answer"] == ANSWER
    assert answer(market, question).status_code == 409
    secrets = ("Valley Haulage", "Coop Admin", market.coop_admin.email, f"coopex-org-{market.coop.id}")
    api = client.get(f"/api/v1/tenders/{tender['id']}/questions")
    assert [(q["question"], q["answer"]) for q in api.get_json()] == [(QUESTION, ANSWER)]
    page = client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    assert QUESTION in page and ANSWER in page
    package = client.get("/api/v1/ocds/releases").get_json()
    assert _problems(validator, package) == []
    release = next(r for r in package["releases"] if r["tender"]["id"] == str(tender["id"]))
    assert release["tender"]["hasEnquiries"] is True
    assert release["tender"]["enquiryPeriod"]["endDate"].startswith(tender["clarification_deadline"][:16])
    (enquiry,) = release["tender"]["enquiries"]
    assert (enquiry["description"], enquiry["answer"]) == (QUESTION, ANSWER) and "author" not in enquiry
    mails = {mail.to: mail for mail in outbox if ANSWER in mail.body}
    assert set(mails) >= {market.coop_admin.email, market.sme_admin.email}  # the asker and the bidder are told
    for surface in (api.get_data(as_text=True), page, json.dumps(release), *(mail.body for mail in mails.values())):
        assert not any(secret in surface for secret in secrets)


def test_questions_close_at_the_clarification_deadline_and_a_late_answer_keeps_six_days(market):
    tender = with_enquiries(market)
    market.bid(tender, 0, "sme", "9800.00")
    question = ask(market, tender).get_json()
    set_times(market.app, tender, clarification_deadline=-DAY, deadline=2 * DAY)
    late = ask(market, tender, who="sme")
    assert late.status_code == 409 and "enquiry period is over" in late.get_json()["error"]["message"]
    before = dt.datetime.now(dt.UTC)
    assert answer(market, question).status_code == 200
    assert before + MIN_TIME_LEFT <= deadline_of(market.app, tender) <= dt.datetime.now(dt.UTC) + MIN_TIME_LEFT
    assert any("was extended" in text for text in market.notifications(market.sme))


def test_an_answer_before_the_clarification_deadline_does_not_move_the_deadline(market):
    tender = with_enquiries(market)
    question = ask(market, tender).get_json()
    deadline = deadline_of(market.app, tender)
    assert answer(market, question).status_code == 200
    assert deadline_of(market.app, tender) == deadline


def test_the_buyer_does_not_ask_and_input_is_checked(market, client):
    tender = with_enquiries(market)
    assert ask(market, tender, who="buyer").status_code == 403
    short = ask(market, tender, text="Why?")
    assert short.status_code == 422 and "question" in short.get_json()["error"]["fields"]
    stranger = client.post(f"/api/v1/tenders/{tender['id']}/questions", headers=market.h["coop"],
                           json={"organization_id": market.sme.id, "question": QUESTION})
    assert stranger.status_code == 403
    assert client.post(f"/api/v1/tenders/{tender['id']}/questions",
                       json={"organization_id": market.coop.id, "question": QUESTION}).status_code == 401
    draft = market.create(clarification_deadline=(dt.datetime.now(dt.UTC) + 2 * DAY).isoformat())
    assert ask(market, draft).status_code == 404


def test_a_supplier_asks_and_the_buyer_answers_from_the_pages(market, client, app):
    tender = with_enquiries(market)
    upload(client, f"/api/v1/tenders/{tender['id']}/documents", market.h["buyer"], pdf(), title="Specification")
    login(client, market.coop_admin)
    page = f"/tenders/{tender['id']}"
    assert "Ask a question" in client.get(page).get_data(as_text=True)
    sent = client.post(f"/tenders/{tender['id']}/questions", data={
        "csrf_token": csrf_token(client, page), "organization_id": market.coop.id, "question": QUESTION},
        follow_redirects=True)
    assert "without your name" in sent.get_data(as_text=True)
    client.get("/logout")
    buyer = app.test_client()
    login(buyer, market.buyer_admin)
    manage = f"/tenders/{tender['id']}/documents"
    body = buyer.get(manage).get_data(as_text=True)
    assert QUESTION in body and "Specification" in body and "Valley Haulage" not in body
    assert client.get(f"/api/v1/tenders/{tender['id']}/questions").get_json() == []
    with app.app_context():
        pending = db.session.scalars(select(Question.id).where(Question.tender_id == tender["id"])).one()
    published = buyer.post(f"/questions/{pending}/answer", data={"csrf_token": csrf_token(buyer, manage), "answer": ANSWER},
                           follow_redirects=True)
    assert "Answer published" in published.get_data(as_text=True)
    public = app.test_client().get(page).get_data(as_text=True)
    assert ANSWER in public and "Valley Haulage" not in public.split('id="questions"')[1].split("</section>")[0]


def test_the_tender_form_takes_a_clarification_deadline_in_the_deadline_s_time_zone(app, market, client):
    login(client, market.buyer_admin)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).astimezone(dt.timezone(dt.timedelta(hours=2)))
    too_late = (deadline - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    refused = _form(client, "/tenders/new", clarification_deadline=too_late)
    assert refused.status_code == 422 and "At the latest 6 days before the deadline." in _errors(refused)
    in_time = (deadline - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    assert _form(client, "/tenders/new", clarification_deadline=in_time).status_code == 302
    with app.app_context():
        tender = db.session.scalar(select(Tender).order_by(Tender.id.desc()))
        paris = dt.datetime.fromisoformat(in_time).replace(tzinfo=ZoneInfo("Europe/Paris"))
        assert tender.clarification_deadline == paris  # read in the form's time zone, kept in UTC
    shown_in_utc = paris.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")  # the edit form shows UTC, as for the deadline
    assert f'value="{shown_in_utc}"' in client.get(f"/tenders/{tender.id}/edit").get_data(as_text=True)
