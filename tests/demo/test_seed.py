"""`flask seed-demo`: every organisation lists real products of its sector, in its language and currency."""
from collections import Counter

from sqlalchemy import select

from app.catalog.models import Listing
from app.demo.products import NEIGHBOURS, SECTOR_FAMILIES, catalogue
from app.demo.seed import LANGUAGE_OF, seed_demo_data
from app.orgs.models import Organization

ORGANISATIONS = 100  # enough to reach the first insurance and fishing co-ops of the UK file


def _seeded_listings(app, db):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--organizations", str(ORGANISATIONS)])
    assert result.exit_code == 0, result.output
    return db.session.scalars(select(Listing).join(Organization).order_by(Listing.id)).all()


def _offers(listings, name):
    return [listing for listing in listings if listing.organization.name == name]


def test_listings_are_products_of_the_organisations_sector_in_its_language(app, db):
    with app.app_context():
        listings = _seeded_listings(app, db)
        sectors = {listing.organization.sector for listing in listings}
        assert {"fisheries", "insurance", "agriculture", "banking", "other"} <= sectors
        titles = {(p.sector, p.language, p.cpv_code8, p.title) for p in catalogue()}
        for listing in listings:
            organization = listing.organization
            language = LANGUAGE_OF.get(organization.country_code, "en")
            assert listing.cpv_code8.startswith(SECTOR_FAMILIES[organization.sector]), (organization.name, listing.title)
            assert listing.language == language, (organization.name, listing.title)
            assert (organization.sector, language, listing.cpv_code8, listing.title) in titles
        by_organisation = Counter(listing.organization_id for listing in listings)
        assert set(by_organisation.values()) == {5} and len(by_organisation) == ORGANISATIONS
        assert len({(listing.organization_id, listing.title) for listing in listings}) == len(listings)


def test_known_organisations_sell_what_they_are_known_for(app, db):
    with app.app_context():
        listings = _seeded_listings(app, db)
    assert {listing.language for listing in _offers(listings, "Mondragon Corporación Cooperativa")} == {"es"}
    assert {listing.language for listing in _offers(listings, "Desjardins Group")} == {"fr"}
    assert all(listing.cpv_code8.startswith("66") for listing in _offers(listings, "Crédit Coopératif"))
    coffee = _offers(listings, "Oromia Coffee Farmers Cooperative Union")
    assert coffee and all(listing.cpv_code8.startswith(("031311", "1586")) for listing in coffee)
    dairy = _offers(listings, "Fonterra Co-operative Group")
    assert dairy and all(listing.cpv_code8.startswith(("0333", "155")) for listing in dairy)
    federation = _offers(listings, "Co-operatives UK")
    assert federation and all(listing.cpv_code8.startswith(("79", "80", "98")) for listing in federation)


def test_prices_are_in_the_organisations_currency_and_goods_travel_only_next_door(app, db):
    with app.app_context():
        listings = _seeded_listings(app, db)
        priced = [listing for listing in listings if listing.price_minor is not None]
        assert 0 < len(priced) < len(listings)
        assert all(listing.price_currency == listing.organization.country.currency for listing in priced)
        assert {listing.price_currency for listing in priced} >= {"GBP", "EUR", "PEN", "JPY"}
        for listing in listings:
            home = listing.organization.country_code
            delivered = {country.iso2 for country in listing.delivery_countries}
            assert home in delivered and len(delivered) <= 3
            assert delivered <= ({home} if listing.kind == "service" else {home, *NEIGHBOURS.get(home, [])})


def test_the_same_demo_is_built_every_time(app, db):
    def build():
        savepoint = db.session.begin_nested()
        seed_demo_data(40, 3)
        built = [(listing.organization.external_ref, listing.title, listing.price_minor, listing.status,
                  [country.iso2 for country in listing.delivery_countries])
                 for listing in db.session.scalars(select(Listing).order_by(Listing.id))]
        savepoint.rollback()
        return built

    with app.app_context():
        first = build()
        assert len(first) == 120 and first == build()
