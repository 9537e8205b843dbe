"""Every public page answers, and tests do not see each other's data."""
import pytest


def test_home_page_shows_latest_offers(client, make):
    organization = make.organization(make.user())
    make.listing(organization, title="Organic oat flakes")
    response = client.get("/")
    assert response.status_code == 200
    assert "Organic oat flakes" in response.get_data(as_text=True)


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_an_empty_marketplace(client, make, run):
    page = client.get("/listings").get_data(as_text=True)
    assert "Leftover listing" not in page
    make.listing(make.organization(make.user()), title="Leftover listing")
    assert "Leftover listing" in client.get("/listings").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/listings/99999999999999999999", "/organizations/99999999999999999999", "/api/v1/listings/99999999999999999999",
     "/api/v1/organizations/99999999999999999999/listings", "/listings/-1"],
)
def test_absurd_ids_are_404_not_500(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/listings?page=99999999999999999999", "/listings?page=-5", "/listings?page=x",
                                  "/listings?division=%00", "/search?q=%00%ff"])
def test_absurd_query_strings_are_answered(client, path):
    assert client.get(path).status_code in (200, 400)


@pytest.mark.parametrize("target", ["//evil.example", "/%09/evil.example", "/\\\\evil.example", "https://evil.example/x",
                                    "/\\t/evil.example", "javascript:alert(1)"])
def test_no_open_redirect_after_login(client, make, target):
    from tests.conftest import csrf_token

    user = make.user()
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": user.password, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/dashboard", "http://coopex.test/dashboard")


def test_safe_next_target_is_followed(client, make):
    from tests.conftest import csrf_token

    user = make.user()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/account/tokens", data={"email": user.email, "password": user.password, "csrf_token": token})
    assert response.headers["Location"].endswith("/account/tokens")
