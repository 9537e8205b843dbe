"""The standstill: an award decision debriefs every bidder, waits, may be withdrawn meanwhile, then becomes the contract."""
import datetime as dt

from sqlalchemy import update

from app.extensions import db
from app.models_base import utcnow
from app.tenders.models import AwardDecision


def end_standstill(app, decision_id):
    """Time passes: the standstill is now behind us."""
    with app.app_context():
        db.session.execute(update(AwardDecision).where(AwardDecision.id == decision_id)
                           .values(standstill_ends_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()


def decided(market, standstill_days=5):
    tender = market.published(standstill_days=standstill_days)
    assert tender["standstill_days"] == standstill_days
    first = market.bid(tender, 0, "coop", "11000.00")
    second = market.bid(tender, 0, "sme", "12000.00")
    market.pass_deadline(tender)
    response = market.award(tender, 0, first["id"])
    assert response.status_code == 201, response.get_json()
    return tender, first, second, response.get_json()


def test_no_contract_before_the_standstill_ends_then_the_contract(app, client, market, outbox):
    tender, first, second, result = decided(market)
    decision = result["decision"]
    assert result["contract"] is None
    assert dt.datetime.fromisoformat(decision["standstill_ends_at"]) > utcnow() + dt.timedelta(days=4, hours=23)
    shown = client.get(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"]).get_json()
    assert shown["lots"][0]["awarded"] is False and shown["status"] == "closed"
    assert market.award(tender, 0, first["id"]).status_code == 409  # one decision at a time
    assert "Award notice" not in client.get(f"/tenders/{tender['id']}").get_data(as_text=True)

    # The debrief: every bidder learns the reasons, its own rank and score.
    loser_mail = [mail for mail in outbox.to(market.sme_admin.email) if "Award decision" in mail.body]
    assert loser_mail and "the lot goes to Valley Haulage Cooperative, ranked 1" in loser_mail[0].body
    assert "Your bid ranked 2 of 2, evaluated at" in loser_mail[0].body and "margin" in loser_mail[0].body
    winner_mail = [mail for mail in outbox.to(market.coop_admin.email) if "Award decision" in mail.body]
    assert winner_mail and "your bid is chosen, ranked 1 of 2" in winner_mail[0].body

    end_standstill(app, decision["id"])
    read = client.get(f"/api/v1/award-decisions/{decision['id']}", headers=market.h["buyer"]).get_json()
    assert read["status"] == "concluded" and read["contract_id"] is not None
    contract = client.get(f"/api/v1/contracts/{read['contract_id']}", headers=market.h["buyer"]).get_json()
    assert contract["bid_id"] == first["id"] and contract["value"]["amount"] == "11000.00"
    assert "Award notice" in client.get(f"/tenders/{tender['id']}").get_data(as_text=True)
    refused = client.post(f"/api/v1/award-decisions/{decision['id']}/withdraw", headers=market.h["buyer"],
                          json={"reason": "Too late to change our mind."})
    assert refused.status_code == 409


def test_the_buyer_withdraws_during_the_standstill_and_decides_again(app, client, market):
    tender, first, second, result = decided(market)
    decision = result["decision"]
    assert client.post(f"/api/v1/award-decisions/{decision['id']}/withdraw", headers=market.h["sme"],
                       json={"reason": "Not yours to withdraw."}).status_code == 403
    assert client.post(f"/api/v1/award-decisions/{decision['id']}/withdraw", headers=market.h["buyer"],
                       json={"reason": ""}).status_code == 422
    withdrawn = client.post(f"/api/v1/award-decisions/{decision['id']}/withdraw", headers=market.h["buyer"],
                            json={"reason": "A complaint about the evaluation is being examined."})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert any("was withdrawn: A complaint" in text for text in market.notifications(market.sme))
    again = market.award(tender, 0, second["id"], justification="The complaint showed the first bid misread the specification.")
    assert again.status_code == 201 and again.get_json()["contract"] is None
    end_standstill(app, again.get_json()["decision"]["id"])
    with app.app_context():
        from app.tenders.standstill import conclude_due

        assert conclude_due() == 1
        db.session.commit()
    lot = client.get(f"/api/v1/tenders/{tender['id']}", headers=market.h["buyer"]).get_json()["lots"][0]
    assert lot["awarded"] is True


def test_without_a_standstill_the_contract_is_made_at_once_and_public_bodies_default_to_ten_days(market, make, auth, client):
    tender, first, second, result = decided(market, standstill_days=0)
    assert result["contract"]["bid_id"] == first["id"]
    assert result["decision"]["standstill_ends_at"] == result["decision"]["decided_at"]

    admin = make.user(name="Council Buyer")
    council = make.organization(admin, name="Riverside Borough Council", legal_form="public_body")
    from tests.tenders.conftest import tender_payload

    headers = auth(make.token(admin))
    made = client.post("/api/v1/tenders", headers=headers, json=tender_payload(council.id))
    assert made.status_code == 201 and made.get_json()["standstill_days"] == 10
    assert market.create()["standstill_days"] == 0
    for days in (31, -1, "5", 2.5):
        response = client.post("/api/v1/tenders", headers=headers, json=tender_payload(council.id, standstill_days=days))
        assert response.status_code == 422 and "standstill_days" in response.get_json()["error"]["fields"]


def test_the_cli_concludes_due_decisions(app, market):
    tender, first, second, result = decided(market)
    end_standstill(app, result["decision"]["id"])
    output = app.test_cli_runner().invoke(args=["tenders", "conclude-awards"]).output
    assert "1 award decision(s) concluded" in output


def test_the_tender_page_shows_the_decision_and_withdraws_it(app, client, market):
    from tests.conftest import csrf_token, login

    tender, first, second, result = decided(market)
    decision = result["decision"]
    login(client, market.buyer_admin)
    page = f"/tenders/{tender['id']}"
    shown = client.get(page).get_data(as_text=True)
    assert "Award decision" in shown and "Withdraw decision" in shown and "Standstill until" in shown
    evaluation = client.get(f"{page}/evaluation").get_data(as_text=True)
    assert "Award decided" in evaluation and 'name="bid_id"' not in evaluation  # no second award meanwhile
    token = csrf_token(client, page)
    refused = client.post(f"/award-decisions/{decision['id']}/withdraw", data={"csrf_token": token, "reason": "no"})
    assert refused.status_code == 302
    assert client.get(f"/api/v1/award-decisions/{decision['id']}", headers=market.h["buyer"]).get_json()["status"] == "standstill"
    client.post(f"/award-decisions/{decision['id']}/withdraw", data={"csrf_token": token, "reason": "A complaint arrived."})
    assert client.get(f"/api/v1/award-decisions/{decision['id']}", headers=market.h["buyer"]).get_json()["status"] == "withdrawn"
    assert "Withdraw decision" not in client.get(page).get_data(as_text=True)
