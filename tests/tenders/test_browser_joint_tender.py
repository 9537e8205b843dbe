"""A public body's tender the way procurement officers work it, in Chromium: the buyer attaches the specification, a
supplier asks a question, the buyer answers it in public (no name), two small co-ops bid jointly against a cheaper
firm, the deadline passes, the evaluation shows the group's co-op share, the award decision debriefs every bidder by
mail, and the contract and the public award notice come when the standstill ends."""
import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from app.extensions import db
from app.models_base import utcnow
from app.tenders.models import AwardDecision, Tender
from tests.browsing import log_in, log_out
from tests.conftest import Factory
from tests.tenders.samples import pdf
from tests.tenders.test_browser_tenders import bid

QUESTION = "May the crates be returned for reuse instead of being recycled?"


def publish_tender(page, base):
    """The buyer drafts and publishes a tender with a 10 % margin and an enquiry period; returns its address."""
    page.goto(f"{base}/tenders/new")
    page.get_by_label("Subject").fill("Fresh vegetables for school canteens")
    page.get_by_label("Description of the need").fill("Weekly deliveries to twelve schools, seasonal produce.")
    page.get_by_label("CPV code").fill("03221000")
    page.get_by_label("Currency of bids").select_option("EUR")
    page.get_by_label("Deadline", exact=True).fill((utcnow() + dt.timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Questions until (optional)").fill((utcnow() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Lot title").fill("All schools")
    page.get_by_label("Preference policy").select_option("price_margin")
    page.get_by_label("Margin of preference (%)").fill("10")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: suppliers can bid until the deadline.")).to_be_visible()
    expect(page.get_by_text("10 days between the award decision and the contract")).to_be_visible()  # a public body
    return page.url


@pytest.mark.browser
def test_documents_questions_a_joint_bid_and_the_standstill(committed_app, live_server, browser, mailbox):
    make = Factory(committed_app)
    buyer = make.user(email="ines@city-canteens.example", name="Inès Acheteuse")
    make.organization(buyer, name="City School Canteens", legal_form="public_body")
    lead = make.user(email="lea@valley-growers.coop", name="Léa Valley")
    make.organization(lead, name="Valley Growers Cooperative", verified=True)
    partner = make.user(email="hugo@hill-farmers.coop", name="Hugo Hill")
    hill = make.organization(partner, name="Hill Farmers Cooperative")  # not verified: half the group
    firm = make.user(email="sam@quickveg.example", name="Sam Quick")
    make.organization(firm, name="QuickVeg Ltd", legal_form="sme", size="medium")

    page = browser.new_page()
    log_in(page, live_server, "ines@city-canteens.example")
    tender_url = publish_tender(page, live_server)
    tender_id = int(tender_url.rstrip("/").rsplit("/", 1)[1])
    page.get_by_role("link", name="Documents and questions").click()
    page.get_by_label("Title", exact=True).fill("Specification and delivery calendar")
    page.locator("#document-file").set_input_files(
        files=[{"name": "specification.pdf", "mimeType": "application/pdf", "buffer": pdf("Canteens")}])
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("Document attached.")).to_be_visible()
    log_out(page)

    # A supplier reads the specification and asks a question.
    log_in(page, live_server, "lea@valley-growers.coop")
    page.goto(tender_url)
    expect(page.get_by_role("link", name="Specification and delivery calendar")).to_be_visible()
    page.locator("#question-text").fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text("Question sent.")).to_be_visible()
    log_out(page)

    # The buyer answers in public.
    log_in(page, live_server, "ines@city-canteens.example")
    page.goto(f"{live_server}/tenders/{tender_id}/documents")
    page.get_by_label("Public answer").fill("Yes: returnable crates are welcome, collected at the next delivery.")
    page.get_by_role("button", name="Publish the answer").click()
    expect(page.get_by_text("Answer published")).to_be_visible()
    log_out(page)
    page.goto(tender_url)
    questions = page.locator("#questions")
    expect(questions).to_contain_text(QUESTION)
    expect(questions).to_contain_text("returnable crates are welcome")
    expect(questions).not_to_contain_text("Valley")

    # Two small co-ops bid jointly, 50 % each; the partner confirms. A firm bids less.
    log_in(page, live_server, "lea@valley-growers.coop")
    page.goto(tender_url)
    page.get_by_role("link", name="Bid jointly with other organisations").click()
    page.get_by_label("Price").fill("10500.00")
    page.get_by_label("Delivery time (days)").fill("2")
    page.get_by_label("Proposal").fill("Seasonal vegetables from both co-ops' members, delivered in returnable crates.")
    page.get_by_label("Your organisation's share (%)").fill("50")
    page.get_by_label("Member organisation number").first.fill(str(hill.id))
    page.get_by_label("Member's share (%)").first.fill("50")
    page.get_by_role("button", name="Submit sealed joint bid").click()
    expect(page.get_by_text("Joint bid sealed.")).to_be_visible()
    log_out(page)
    log_in(page, live_server, "hugo@hill-farmers.coop")
    page.goto(tender_url)
    page.get_by_role("link", name="Your organisation is a member of the joint bid led by Valley Growers Cooperative").click()
    page.get_by_role("button", name="Confirm the participation of Hill Farmers Cooperative").click()
    expect(page.get_by_text("Your participation in the joint bid is confirmed.")).to_be_visible()
    log_out(page)
    bid(page, live_server, tender_url, "sam@quickveg.example", "10000.00", "10,000.00", "1")

    with committed_app.app_context():  # the deadline passes
        db.session.execute(update(Tender).where(Tender.id == tender_id).values(deadline=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()

    # The group holds 50 % by a verified co-op: it counts as one, and wins under the 10 % margin.
    log_in(page, live_server, "ines@city-canteens.example")
    page.goto(tender_url)
    page.get_by_role("link", name="Evaluation and award").click()
    ranking = page.locator("#ranking tbody tr")
    expect(ranking).to_have_count(2)
    expect(ranking.nth(0)).to_contain_text("Valley Growers Cooperative")
    expect(ranking.nth(0)).to_contain_text("Joint bid: 50 % of the shares held by verified cooperatives")
    expect(ranking.nth(1)).to_contain_text("QuickVeg Ltd")
    ranking.nth(0).get_by_role("button", name="Award").click()
    expect(page.get_by_text("Award decided; every bidder is told its rank. The contract follows the standstill.")).to_be_visible()
    log_out(page)

    # Every bidder is debriefed by mail: its own rank, and the reasons.
    firm_mail = [mail for mail in mailbox.to("sam@quickveg.example") if "Award decision" in mail.body]
    assert len(firm_mail) == 1 and "Your bid ranked 2 of 2" in firm_mail[0].body
    for address in ("lea@valley-growers.coop", "hugo@hill-farmers.coop"):
        assert any("your bid is chosen, ranked 1 of 2" in mail.body for mail in mailbox.to(address)), address

    # During the standstill there is no contract and no award notice.
    page.goto(tender_url)
    expect(page.get_by_text("An award decision was made; the contract is concluded after the standstill")).to_be_visible()
    expect(page.locator(".award-notice")).to_have_count(0)

    with committed_app.app_context():  # the standstill ends
        db.session.execute(update(AwardDecision).where(AwardDecision.tender_id == tender_id)
                           .values(standstill_ends_at=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
    page.goto(tender_url)
    notice = page.locator(".award-notice")
    expect(notice).to_contain_text("Valley Growers Cooperative")
    expect(notice).to_contain_text("10,500.00 EUR")
    expect(notice).to_contain_text("Hill Farmers Cooperative (50 %)")
