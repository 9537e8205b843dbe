"""Publishing a request for quotation tells each supplier who could answer once: a notice for the organisation, a mail
to each of its members who sell, and the count on the request."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.mail.models import MailOutbox
from app.models_base import utcnow
from app.notices.models import Notification
from app.orgs.models import Organization
from app.trade import rfqs
from app.trade.models import Rfq

DURUM_WHEAT, PASTA = "03211110", "15850000"


def _draft(app, buyer_admin, buyer, country="GB"):
    with app.app_context():
        now = utcnow()
        rfq = rfqs.create_rfq(db.session.get(User, buyer_admin.id), db.session.get(Organization, buyer.id), {
            "title": "Organic durum wheat", "cpv_code": DURUM_WHEAT, "quantity": Decimal("500"), "unit": "kg",
            "delivery_country": country, "needed_by": (now + dt.timedelta(days=40)).date(),
            "quotes_due": now + dt.timedelta(days=10)})
        db.session.commit()
        return rfq.id


def test_publishing_tells_each_supplier_who_could_answer_once(app, make):
    buyer_admin = make.user(name="Bea Buyer")
    buyer = make.organization(buyer_admin, name="Northern Wholesale Co-operative", country="GB")
    based_here_admin, delivers_here_admin = make.user(name="Based Here"), make.user(name="Delivers Here")
    based_here = make.organization(based_here_admin, name="Fenland Grain Co-operative", country="GB")
    delivers_here = make.organization(delivers_here_admin, name="Beauce Céréales", country="FR")
    seller_member, buyer_member = make.member(delivers_here, role="seller"), make.member(delivers_here, role="buyer")
    make.listing(based_here, cpv_code=DURUM_WHEAT)
    make.listing(delivers_here, cpv_code=DURUM_WHEAT, delivery_countries=["GB", "FR"])
    make.listing(delivers_here, cpv_code="03211100", delivery_countries=["GB"])  # a second one: still told once
    elsewhere = make.organization(make.user(), name="Sicilia Grani", country="IT")
    make.listing(elsewhere, cpv_code=DURUM_WHEAT, delivery_countries=["IT", "FR"])
    other_division = make.organization(make.user(), name="Pasta Makers Ltd", country="GB")
    make.listing(other_division, cpv_code=PASTA)
    drafted = make.organization(make.user(), name="Draft Farm", country="GB")
    make.listing(drafted, cpv_code=DURUM_WHEAT, status="draft")
    rfq_id = _draft(app, buyer_admin, buyer)

    with app.app_context():
        rfq = rfqs.visible_rfq(db.session.get(User, buyer_admin.id), rfq_id)
        assert rfqs.publish(db.session.get(User, buyer_admin.id), rfq) == 2
        db.session.commit()
        assert db.session.get(Rfq, rfq_id).suppliers_notified == 2
        told = sorted(db.session.scalars(select(Notification.organization_id).where(Notification.link.like(f"%/{rfq_id}"))))
        assert told == sorted([based_here.id, delivers_here.id])
        mailed = sorted(db.session.scalars(select(MailOutbox.recipient).where(MailOutbox.subject.like("%request for quotation%"))))
        assert mailed == sorted([based_here_admin.email, delivers_here_admin.email, seller_member.email])
        assert buyer_member.email not in mailed


def test_publishing_a_request_nobody_could_answer_tells_nobody(app, make):
    buyer_admin = make.user(name="Bea Buyer")
    buyer = make.organization(buyer_admin, name="Northern Wholesale Co-operative", country="GB")
    make.listing(make.organization(make.user(), name="Pasta Makers Ltd", country="GB"), cpv_code=PASTA)
    rfq_id = _draft(app, buyer_admin, buyer)

    with app.app_context():
        rfq = rfqs.visible_rfq(db.session.get(User, buyer_admin.id), rfq_id)
        assert rfqs.publish(db.session.get(User, buyer_admin.id), rfq) == 0
        db.session.commit()
        assert db.session.get(Rfq, rfq_id).status == "published"
        assert db.session.scalars(select(Notification).where(Notification.link.like(f"%/{rfq_id}"))).all() == []
        assert db.session.scalars(select(MailOutbox).where(MailOutbox.subject.like("%request for quotation%"))).all() == []
