"""Listings through the HTML pages: real forms with CSRF tokens, as a browser posts them."""
from sqlalchemy import select

from app.catalog.models import Listing
from tests.conftest import csrf_token, login

FORM = {
    "title": "Oat milk, barista edition", "description": "Made by our worker co-op.", "language": "en",
    "kind": "good", "cpv_code": "15511000-3 Milk", "price_amount": "1.85", "price_currency": "GBP",
    "unit": "litre", "min_order_quantity": "12", "lead_time_days": "3", "delivery_countries": ["GB", "IE"],
    "sdgs": ["12"], "certifications": "Organic, Vegan Society", "status": "active",
}


def test_seller_creates_a_listing_and_sees_it_on_the_organisation_page(app, client, make):
    admin = make.user()
    organization = make.organization(admin, name="Glasgow Oat Workers")
    login(client, admin)
    response = client.post("/listings/new", data={**FORM, "csrf_token": csrf_token(client, "/listings/new")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Oat milk, barista edition" in page and "1.85 GBP" in page and "Ireland" in page
    assert "Oat milk, barista edition" in client.get(f"/organizations/{organization.id}").get_data(as_text=True)
    from app.extensions import db

    with app.app_context():
        listing = db.session.scalars(select(Listing)).one()
        assert listing.certifications == ["Organic", "Vegan Society"]
        assert listing.price_minor == 185


def test_bad_form_input_keeps_what_was_typed_and_marks_the_fields(app, client, make):
    admin = make.user()
    make.organization(admin)
    login(client, admin)
    data = {**FORM, "price_amount": "1.857", "cpv_code": "12345678", "csrf_token": csrf_token(client, "/listings/new")}
    response = client.post("/listings/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Oat milk, barista edition"' in page
    assert "at most 2 decimals" in page
    from app.extensions import db

    with app.app_context():
        assert db.session.scalars(select(Listing)).all() == []


def test_unknown_cpv_code_is_reported_on_its_field(client, make):
    admin = make.user()
    make.organization(admin)
    login(client, admin)
    response = client.post("/listings/new", data={**FORM, "cpv_code": "12345678", "csrf_token": csrf_token(client, "/listings/new")})
    assert response.status_code == 422
    assert "Not a CPV 2008 code." in response.get_data(as_text=True)


def test_another_organisation_cannot_edit_a_listing(app, client, make):
    owner = make.user()
    organization = make.organization(owner)
    listing = make.listing(organization, title="Hand-thrown mugs")
    intruder = make.user()
    make.organization(intruder)
    login(client, intruder)
    assert client.get(f"/listings/{listing.id}/edit").status_code == 403
    token = csrf_token(client, "/dashboard")
    assert client.post(f"/listings/{listing.id}/edit", data={**FORM, "csrf_token": token}).status_code == 403
    assert client.post(f"/listings/{listing.id}/status", data={"status": "archived", "csrf_token": token}).status_code == 403
    from app.extensions import db

    with app.app_context():
        stored = db.session.get(Listing, listing.id)
        assert (stored.title, stored.status) == ("Hand-thrown mugs", "active")


def test_buyers_cannot_post_listings(client, make):
    organization = make.organization(make.user())
    buyer = make.member(organization, role="buyer")
    login(client, buyer)
    assert client.get("/listings/new").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/listings/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_seller_pauses_and_archives_from_the_listing_page(app, client, make):
    admin = make.user()
    organization = make.organization(admin)
    listing = make.listing(organization)
    login(client, admin)
    token = csrf_token(client, f"/listings/{listing.id}")
    client.post(f"/listings/{listing.id}/status", data={"status": "paused", "csrf_token": token})
    assert "paused" in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    client.post(f"/listings/{listing.id}/status", data={"status": "archived", "csrf_token": token})
    from app.extensions import db

    with app.app_context():
        assert db.session.get(Listing, listing.id).status == "archived"
    assert client.post(f"/listings/{listing.id}/status", data={"status": "active", "csrf_token": token}).status_code == 409
    client.post("/logout", data={"csrf_token": token})
    assert client.get(f"/listings/{listing.id}").status_code == 404


def test_edit_form_is_prefilled_and_saves(client, make):
    admin = make.user()
    organization = make.organization(admin)
    listing = make.listing(organization)
    login(client, admin)
    page = client.get(f"/listings/{listing.id}/edit").get_data(as_text=True)
    assert 'value="03131100-9"' in page and 'value="12.50"' in page
    data = {**FORM, "title": "Arabica, fully washed", "status": "active", "csrf_token": csrf_token(client, f"/listings/{listing.id}/edit")}
    response = client.post(f"/listings/{listing.id}/edit", data=data)
    assert response.status_code == 302
    assert "Arabica, fully washed" in client.get(f"/listings/{listing.id}").get_data(as_text=True)


def test_browse_by_category_lists_only_public_offers(client, make):
    organization = make.organization(make.user())
    make.listing(organization, title="Green coffee lot", cpv_code="03131100")
    make.listing(organization, title="Secret draft coffee", cpv_code="03131100", status="draft")
    make.listing(organization, title="Office chairs", cpv_code="39113000")
    page = client.get("/listings?division=03").get_data(as_text=True)
    assert "Green coffee lot" in page
    assert "Secret draft coffee" not in page and "Office chairs" not in page


def test_output_is_escaped(client, make):
    organization = make.organization(make.user())
    listing = make.listing(organization, title="<script>alert('x')</script> beans")
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page


def test_unicode_digits_in_number_fields_are_field_errors(client, make):
    admin = make.user()
    make.organization(admin)
    login(client, admin)
    data = {**FORM, "min_order_quantity": "²", "lead_time_days": "٣", "csrf_token": csrf_token(client, "/listings/new")}
    response = client.post("/listings/new", data=data)
    assert response.status_code == 422
    assert "Not a valid integer." in response.get_data(as_text=True)


def test_minimum_order_of_zero_is_refused_not_replaced(client, make):
    admin = make.user()
    make.organization(admin)
    login(client, admin)
    response = client.post("/listings/new", data={**FORM, "min_order_quantity": "0", "csrf_token": csrf_token(client, "/listings/new")})
    assert response.status_code == 422


def test_buyers_cannot_edit_or_move_listings_from_the_pages(app, client, make):
    organization = make.organization(make.user())
    listing = make.listing(organization)
    buyer = make.member(organization, role="buyer")
    login(client, buyer)
    token = csrf_token(client, "/dashboard")
    assert client.post(f"/listings/{listing.id}/edit", data={**FORM, "csrf_token": token}).status_code == 403
    assert client.post(f"/listings/{listing.id}/status", data={"status": "paused", "csrf_token": token}).status_code == 403
    with app.app_context():
        from app.extensions import db

        assert db.session.get(Listing, listing.id).status == "active"


def test_new_listing_goes_to_the_organisation_the_form_was_shown_for(app, client, make):
    user = make.user()
    first = make.organization(user, name="First Bakers")
    second = make.organization(user, name="Second Brewers")
    login(client, user)
    token = csrf_token(client, "/listings/new")  # shown for the first organisation
    client.post("/switch-organization", data={"organization_id": second.id, "csrf_token": token})
    client.post("/listings/new", data={**FORM, "organization_id": first.id, "csrf_token": token})
    with app.app_context():
        from app.extensions import db

        assert db.session.scalars(select(Listing.organization_id)).all() == [first.id]


def test_posting_for_an_organisation_one_does_not_belong_to_is_refused(app, client, make):
    user = make.user()
    make.organization(user)
    other = make.organization(make.user())
    login(client, user)
    response = client.post("/listings/new", data={**FORM, "organization_id": other.id, "csrf_token": csrf_token(client, "/listings/new")})
    with app.app_context():
        from app.extensions import db

        owners = db.session.scalars(select(Listing.organization_id)).all()
    assert other.id not in owners
    assert response.status_code in (302, 403)
