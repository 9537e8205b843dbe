"""The navigation bar as each visitor gets it: the main links with the unread count, the user menu's organisation
switcher, and the entries only some people have (verifications, moderation, audit trails)."""
import re

from app.extensions import db
from app.notices.models import Notification
from tests.conftest import csrf_token, login


def navigation(client, path="/"):
    page = client.get(path).get_data(as_text=True)
    return page[page.index("<nav"):page.index("</nav>")]


def links(html):
    return re.findall(r'<a class="[^"]*" href="([^"]+)"', html)


def test_a_visitor_gets_the_main_links_and_log_in_and_sign_up(client):
    nav = navigation(client)
    assert links(nav) == ["/", "/search", "/tenders", "/rfqs", "/campaigns", "/transparency", "/login", "/signup"]
    assert "user-menu" not in nav


def test_the_page_shown_is_marked_current(client):
    nav = navigation(client, "/tenders")
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == ["/tenders"]


def test_a_member_gets_notifications_with_the_unread_count_and_a_user_menu(app, client, make):
    user = make.user(name="Dana Member")
    organization = make.organization(user, name="Dana's Dairy")
    login(client, user)
    nav = navigation(client)
    assert '<a class="nav-link" href="/notifications">Notifications</a>' in nav  # nothing unread: no badge
    with app.app_context():
        db.session.add_all([Notification(organization_id=organization.id, message="News") for _ in range(3)])
        db.session.commit()
    nav = navigation(client)
    assert re.search(r'href="/notifications">Notifications <span class="badge[^"]*">3<span class="visually-hidden"> unread',
                     nav)
    assert "Dana Member" in nav and "Dana&#39;s Dairy" in nav
    assert "/verifications" not in links(nav) and "/admin/moderation" not in links(nav)
    assert f"/organizations/{organization.id}/audit" in links(nav)  # the admin of the organisation acted for
    # The menu's log-out form carries its own token (signed with the second it was made, so compared by use, not by
    # text with another page's), and logs out.
    token = re.search(r'action="/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', nav).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "/notifications" not in links(navigation(client))


def test_the_user_menu_switches_between_the_users_organisations(client, make):
    user = make.user()
    first = make.organization(user, name="First Fishers Co-op")
    second = make.organization(user, role="seller", name="Second Farmers Co-op")
    login(client, user)
    nav = navigation(client)
    assert re.search(r'aria-current="true">First Fishers Co-op', nav)
    switch = re.findall(r'name="organization_id" value="(\d+)"', nav)
    assert switch == [str(second.id)]  # a form for each other organisation
    client.post("/switch-organization", data={"organization_id": second.id, "csrf_token": csrf_token(client, "/")})
    nav = navigation(client)
    assert re.search(r'aria-current="true">Second Farmers Co-op', nav)
    assert re.findall(r'name="organization_id" value="(\d+)"', nav) == [str(first.id)]
    assert f"/organizations/{second.id}/audit" not in links(nav)  # a seller there


def test_verifications_moderation_and_the_whole_audit_trail_are_for_those_who_may(client, make):
    federation_admin = make.user()
    make.organization(federation_admin, legal_form="cooperative_federation", country="FR", verified=True)
    login(client, federation_admin)
    assert "/verifications" in links(navigation(client))
    assert "/admin/moderation" not in links(navigation(client))

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, make.user(platform_admin=True))
    nav_links = links(navigation(client))
    assert {"/verifications", "/admin/moderation", "/admin/audit"} <= set(nav_links)
