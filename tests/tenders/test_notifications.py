"""Notifications stay unread until a member marks them read (a button on the page, or the API); nobody marks another
organisation's."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.notices.models import Notification
from app.notices.phrases import Phrase
from app.tenders.notifications import notify
from tests.conftest import csrf_token, login


@pytest.fixture
def news(app, make, auth):
    """Two organisations with notices of their own: a co-op (an admin and a seller) and an SME."""
    coop_admin, sme_admin = make.user(name="Coop Admin"), make.user(name="SME Admin")
    coop = make.organization(coop_admin, name="Valley Haulage Cooperative")
    seller = make.member(coop, role="seller")
    sme = make.organization(sme_admin, name="Speedy Freight Ltd", legal_form="sme")
    with app.app_context():
        for message in ("Your bid was ranked 1 of 3.", "The deadline was extended.", "You won lot 2."):
            notify(coop.id, Phrase(message), "/tenders/1")
        notify(sme.id, Phrase("Your bid was ranked 2 of 3."))
        db.session.commit()
        ids = {organization.id: list(db.session.scalars(select(Notification.id).where(
            Notification.organization_id == organization.id).order_by(Notification.id))) for organization in (coop, sme)}
    return {"coop": coop, "sme": sme, "coop_admin": coop_admin, "seller": seller, "sme_admin": sme_admin,
            "ids": ids, "h": {"coop": auth(make.token(coop_admin)), "seller": auth(make.token(seller)),
                              "sme": auth(make.token(sme_admin)), "anonymous": {}}}


def unread(app):
    with app.app_context():
        return sorted(db.session.scalars(select(Notification.id).where(Notification.read_at.is_(None))))


def everyone(news):
    return sorted(news["ids"][news["coop"].id] + news["ids"][news["sme"].id])


def test_the_page_keeps_notices_unread_until_a_button_marks_them(app, client, news):
    first, second, third = news["ids"][news["coop"].id]
    login(client, news["coop_admin"])
    for _ in range(2):
        page = client.get("/notifications").get_data(as_text=True)
        assert page.count("list-group-item-info") == 3 and 'id="unread-count">3<' in page
    assert unread(app) == everyone(news)

    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"ids": str(second), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications?page=1")
    assert unread(app) == sorted([first, third] + news["ids"][news["sme"].id])
    page = client.get("/notifications").get_data(as_text=True)
    assert f'value="{second}"' not in page and f'value="{first}"' in page and "Marked read." in page

    client.post("/notifications/read", data={"all": "1", "csrf_token": token})
    assert unread(app) == news["ids"][news["sme"].id]  # the SME's notice is not the co-op's to mark
    assert "list-group-item-info" not in client.get("/notifications").get_data(as_text=True)


def test_the_page_refuses_another_organisations_notice_and_junk(app, client, news):
    login(client, news["coop_admin"])
    token = csrf_token(client, "/notifications")
    theirs = news["ids"][news["sme"].id][0]
    assert client.post("/notifications/read", data={"ids": str(theirs), "csrf_token": token}).status_code == 404
    for junk in ({"ids": "abc"}, {"ids": "0"}, {}, {"all": "yes"}):
        response = client.post("/notifications/read", data={**junk, "csrf_token": token})
        assert response.status_code == 302, junk
    assert client.post("/notifications/read", data={"all": "1"}).status_code == 400  # no CSRF token
    assert unread(app) == everyone(news)
    client.post("/logout", data={"csrf_token": token})
    assert client.post("/notifications/read", data={"all": "1", "csrf_token": csrf_token(client, "/")}).status_code == 302
    assert unread(app) == everyone(news)


def test_the_api_lists_without_marking_and_marks_by_id_or_all(app, client, news):
    first, second, third = news["ids"][news["coop"].id]
    listed = client.get("/api/v1/notifications", headers=news["h"]["coop"]).get_json()
    assert [item["id"] for item in listed["items"]] == [third, second, first]
    assert listed["unread"] == 3 and listed["next"] is None
    assert all(item["read_at"] is None for item in listed["items"])
    paged = client.get("/api/v1/notifications?limit=2", headers=news["h"]["coop"]).get_json()
    assert [item["id"] for item in paged["items"]] == [third, second] and paged["next"] == second
    rest = client.get(f"/api/v1/notifications?limit=2&after={paged['next']}", headers=news["h"]["coop"]).get_json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next"] is None
    assert unread(app) == everyone(news)

    marked = client.post("/api/v1/notifications/read", headers=news["h"]["coop"], json={"ids": [first, second]})
    assert marked.status_code == 200 and marked.get_json() == {"marked": 2, "unread": 1}
    again = client.post("/api/v1/notifications/read", headers=news["h"]["coop"], json={"ids": [first]})
    assert again.get_json() == {"marked": 0, "unread": 1}
    one = client.post(f"/api/v1/notifications/{third}/read", headers=news["h"]["coop"])
    assert one.status_code == 200 and one.get_json()["id"] == third and one.get_json()["read_at"]
    assert unread(app) == news["ids"][news["sme"].id]
    everything = client.post("/api/v1/notifications/read", headers=news["h"]["sme"], json={"all": True})
    assert everything.get_json() == {"marked": 1, "unread": 0}
    assert unread(app) == []


def test_notices_are_the_organisations_so_one_member_marks_them_for_all(app, client, news):
    first = news["ids"][news["coop"].id][0]
    assert client.post(f"/api/v1/notifications/{first}/read", headers=news["h"]["seller"]).status_code == 200
    listed = client.get("/api/v1/notifications", headers=news["h"]["coop"]).get_json()
    assert listed["unread"] == 2 and [item["read_at"] is not None for item in listed["items"]] == [False, False, True]


def test_nobody_marks_another_organisations_notices(app, client, news):
    mine, theirs = news["ids"][news["coop"].id][0], news["ids"][news["sme"].id][0]
    response = client.post("/api/v1/notifications/read", headers=news["h"]["coop"], json={"ids": [mine, theirs]})
    assert response.status_code == 404
    assert response.get_json()["error"]["fields"] == {"ids": [f"Not among your notifications: {theirs}."]}
    assert client.post(f"/api/v1/notifications/{theirs}/read", headers=news["h"]["coop"]).status_code == 404
    assert client.post("/api/v1/notifications/999999/read", headers=news["h"]["coop"]).status_code == 404
    assert client.post(f"/api/v1/notifications/{mine}/read").status_code == 401
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401
    assert client.get("/api/v1/notifications").status_code == 401
    assert [item["id"] for item in client.get("/api/v1/notifications", headers=news["h"]["sme"]).get_json()["items"]] == [theirs]
    assert unread(app) == everyone(news)


@pytest.mark.parametrize(("body", "field"), [
    ({}, "_schema"), ({"ids": [1], "all": True}, "_schema"), ({"all": False}, "_schema"), ({"ids": []}, "ids"),
    ({"ids": ["1"]}, "ids"), ({"ids": [0]}, "ids"), ({"ids": [2**31]}, "ids"), ({"ids": list(range(1, 102))}, "ids"),
    ({"ids": 5}, "ids"), ({"all": "yes"}, "all"), ({"every": True}, "every"),
])
def test_bad_mark_read_requests_get_field_errors(app, client, news, body, field):
    response = client.post("/api/v1/notifications/read", headers=news["h"]["coop"], json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert unread(app) == everyone(news)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "after=0", "after=abc", "limit=x"])
def test_bad_list_queries_get_field_errors(client, news, query):
    response = client.get(f"/api/v1/notifications?{query}", headers=news["h"]["coop"])
    assert response.status_code == 422 and query.split("=")[0] in response.get_json()["error"]["fields"]


def test_any_json_sent_to_mark_read_gets_an_answer_never_an_error(app, client, news):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    theirs = news["ids"][news["sme"].id][0]
    values = st.none() | st.booleans() | st.integers(-2, 2**32) | st.just(theirs) | st.text(max_size=8)
    bodies = values | st.lists(values, max_size=3) | st.fixed_dictionaries(
        {}, optional={"ids": values | st.lists(values, max_size=4), "all": values})

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(bodies)
    def check(body):
        response = client.post("/api/v1/notifications/read", headers=news["h"]["coop"], json=body)
        assert response.status_code in (200, 404, 422), response.get_data(as_text=True)[:300]
        assert theirs in unread(app)

    check()
