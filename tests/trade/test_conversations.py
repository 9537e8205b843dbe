"""The inbox: the conversation with the latest message first, a page at a time, the ones with an answer not yet read
marked, and only those when asked."""
from app.accounts.models import User
from app.extensions import db
from app.orgs.models import Organization
from app.trade import conversations


def test_the_inbox_shows_the_latest_first_a_page_at_a_time_and_marks_the_answers_not_read(app, make):
    reader = make.user(name="Bea Buyer")
    buyer = make.organization(reader, name="Northern Wholesale Co-operative")
    sellers = []
    for number in range(4):
        admin = make.user(name=f"Sam Seller {number}")
        sellers.append((admin, make.organization(admin, name=f"Valley Mills {number}")))
    with app.app_context():
        user, ours = db.session.get(User, reader.id), db.session.get(Organization, buyer.id)
        threads = [conversations.start(user, ours, db.session.get(Organization, seller.id), None, "Do you deliver?")[0]
                   for _admin, seller in sellers]
        for number in (1, 3):  # two sellers answer, the fourth last
            admin, seller = sellers[number]
            conversations.post(db.session.get(User, admin.id), threads[number], db.session.get(Organization, seller.id),
                               "We do, on Thursdays.")
        db.session.commit()
        ids = [thread.id for thread in threads]

        def shown(**query):
            rows, total = conversations.inbox(user, **query)
            return [(conversation.id, unread) for conversation, unread in rows], total

        assert shown(per_page=3) == ([(ids[3], True), (ids[1], True), (ids[2], False)], 4)
        assert shown(per_page=3, page=2) == ([(ids[0], False)], 4)
        assert shown(per_page=3, page=3) == ([], 4)
        assert shown(unread=True) == ([(ids[3], True), (ids[1], True)], 2)
        assert conversations.unread_count(user) == 2

        conversations.mark_read(user, threads[3])
        db.session.commit()
        assert shown(unread=True, per_page=1) == ([(ids[1], True)], 1)
        assert shown(per_page=2) == ([(ids[3], False), (ids[1], True)], 4)
        assert conversations.unread_count(user) == 1
