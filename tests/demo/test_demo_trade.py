"""The demo's trade: a question answered with a quote, an open request for quotation with three quotes, and orders in
every state, made once."""
from sqlalchemy import func, select

from app.trade.models import ORDER_STATUSES, Conversation, Message, Order, Quote, Rfq


def test_seed_demo_trades_in_every_state_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "3"])
    assert first.exit_code == 0, first.output
    assert "6 orders and 2 saved searches added" in first.output
    with app.app_context():
        assert set(db.session.scalars(select(Order.status))) == set(ORDER_STATUSES)
        rfq = db.session.scalars(select(Rfq)).one()
        assert rfq.status == "published" and rfq.visibility == "public"
        assert db.session.scalar(select(func.count(Quote.id)).where(Quote.rfq_id == rfq.id)) == 3
        assert db.session.scalar(select(func.count(Conversation.id))) >= 2
        assert db.session.scalar(select(func.count(Message.id))) >= 3
        completed = db.session.scalars(select(Order).where(Order.status == "completed")).one()
        assert completed.rating == 5
    second = runner.invoke(args=["seed-demo", "--organizations", "40", "--listings-per-org", "3"])
    assert second.exit_code == 0 and "0 orders and 0 saved searches added" in second.output
