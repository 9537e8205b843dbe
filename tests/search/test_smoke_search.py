def test_a_new_listing_is_found_after_the_request_that_created_it(client, make, auth, search):
    admin = make.user()
    organization = make.organization(admin)
    response = client.post("/api/v1/listings", headers=auth(make.token(admin)), json={
        "organization_id": organization.id, "title": "Wildflower honey from the Pennines", "cpv_code": "15831600",
        "price": {"amount": "6.50", "currency": "GBP"}, "status": "active"})
    assert response.status_code == 201
    found = client.get("/api/v1/search/listings", query_string={"q": "wildflower honey"}).get_json()
    assert [item["id"] for item in found["items"]] == [response.get_json()["id"]]
    assert search.outbox() == []
