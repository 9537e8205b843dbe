def test_home_page_shows_latest_offers(client, make):
    owner = make.user()
    organization = make.organization(owner)
    make.listing(organization, title="Organic oat flakes")
    response = client.get("/")
    assert response.status_code == 200
    assert "Organic oat flakes" in response.get_data(as_text=True)


def test_rolled_back_between_tests(client):
    assert "Organic oat flakes" not in client.get("/").get_data(as_text=True)
