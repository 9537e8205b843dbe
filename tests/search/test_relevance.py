"""What buyers type finds what sellers wrote: typos, languages, CPV categories, cooperative preference."""
import pytest

from app.catalog.models import Listing
from app.extensions import db
from tests.search.helpers import find, found_ids, plain


@pytest.fixture
def seller(make):
    return make.organization(make.user(), name="Dales Growers")


@pytest.mark.parametrize("typed", ["wildflowr honey", "wildflower honye", "wildflower honry", "wildlfower honey"])
def test_a_one_letter_typo_still_finds_the_listing(client, make, search, seller, typed):
    honey = make.listing(seller, **plain("Wildflower honey from the Pennines"))
    make.listing(seller, **plain("Oak flooring planks"))
    search.sync()
    assert found_ids(client, q=typed) == [honey.id]


@pytest.mark.parametrize(("language", "title", "typed"), [
    ("es", "Cafés orgánicos de altura", "cafe organico"),
    ("es", "Naranjas ecológicas", "naranja ecologica"),
    ("es", "Limón de Murcia", "limones"),
    ("fr", "Tarte aux pommes", "pomme"),
    ("fr", "Une pomme bien croquante", "pommes"),
    ("fr", "Conseil en élevage laitier", "elevage"),
    ("fr", "Conseil en elevage laitier", "élevage"),
    ("fr", "Chevaux de trait", "cheval"),
])
def test_plurals_and_accents_match_singular_and_unaccented_words(client, make, search, seller, language, title, typed):
    wanted = make.listing(seller, language=language, **plain(title))
    make.listing(seller, language=language, **plain("Tuiles de terre cuite" if language == "fr" else "Tejas de barro"))
    search.sync()
    assert found_ids(client, q=typed) == [wanted.id]


@pytest.mark.parametrize(("field", "written", "typed"), [
    ("title.es", "orgánicos", "organico"),
    ("title.es", "naranjas", "naranja"),
    ("title.fr", "pommes", "pomme"),
    ("title.fr", "élevage", "elevage"),
    ("title.fr", "l'élevage", "elevage"),
    ("title.fr", "chevaux", "cheval"),
    ("title.en", "beans", "bean"),
    ("title", "Café", "cafe"),
])
def test_the_language_analysers_reduce_plural_and_singular_to_the_same_word(search, field, written, typed):
    """Not typo tolerance: the index itself stores both forms as one term, so exact matches score fully."""
    def terms(text):
        answer = search.engine.client.indices.analyze(index=search.engine.alias("listings"), body={"field": field, "text": text})
        return [token["token"] for token in answer["tokens"]]

    assert terms(written) == terms(typed)


def test_cafe_finds_coffee_whose_title_only_says_arabica(client, make, search, seller):
    arabica = make.listing(seller, title="Arabica, washed, from Huila", description="Sacks of 60 kg.", cpv_code="15861000")
    beans = make.listing(seller, title="Arabica green beans", description="Sacks of 60 kg.", cpv_code="03131100")
    make.listing(seller, title="Arabica gum", description="Sacks of 60 kg.", cpv_code="15800000")
    search.sync()
    assert sorted(found_ids(client, q="café")) == sorted([arabica.id, beans.id])
    assert sorted(found_ids(client, q="coffee")) == sorted([arabica.id, beans.id])


@pytest.fixture
def coded_listings(make, search, seller):
    """Listings coded at several depths of CPV division 03 (agriculture), and some elsewhere."""
    listings = {
        "coffee beans": make.listing(seller, **plain("Green beans", cpv_code="03131100")),
        "beverage crops": make.listing(seller, **plain("Tea bushes", cpv_code="03131000")),
        "apples": make.listing(seller, **plain("Bramley apples", cpv_code="03222321")),
        "agriculture": make.listing(seller, **plain("Mixed farm produce", cpv_code="03000000")),
        "roasted coffee": make.listing(seller, **plain("Roasted coffee", cpv_code="15861000")),
        "construction": make.listing(seller, **plain("Timber frames", cpv_code="45000000")),
    }
    search.sync()
    return {name: listing.id for name, listing in listings.items()}


def test_a_cpv_division_filter_returns_listings_coded_anywhere_beneath_it(client, coded_listings):
    in_division = sorted(coded_listings[name] for name in ("coffee beans", "beverage crops", "apples", "agriculture"))
    assert sorted(found_ids(client, cpv="03000000")) == in_division
    assert sorted(found_ids(client, cpv_division="03")) == in_division
    assert sorted(found_ids(client, cpv="03000000-1")) == in_division


def test_a_cpv_class_filter_keeps_its_descendants_only(client, coded_listings):
    assert sorted(found_ids(client, cpv="03130000")) == sorted([coded_listings["coffee beans"], coded_listings["beverage crops"]])
    assert found_ids(client, cpv="03131100") == [coded_listings["coffee beans"]]


def test_several_cpv_divisions_are_or_ed(client, coded_listings):
    wanted = sorted(coded_listings[name] for name in ("coffee beans", "beverage crops", "apples", "agriculture", "roasted coffee"))
    assert sorted(found_ids(client, cpv_division=["03", "15"])) == wanted
    assert sorted(found_ids(client, cpv=["03000000", "15000000"])) == wanted


def test_the_division_facet_counts_every_listing_beneath_it(client, coded_listings):
    divisions = {entry["value"]: (entry["count"], entry["label"]) for entry in find(client)["facets"]["cpv_division"]}
    assert divisions == {
        "03": (4, "Agricultural, farming, fishing, forestry and related products"),
        "15": (1, "Food, beverages, tobacco and related products"),
        "45": (1, "Construction work"),
    }


@pytest.fixture
def same_offer_from_three_suppliers(make, search):
    """One offer, word for word, from a verified co-op, an unverified co-op and an SME (listed in that order, so the SME's is newest)."""
    owner = make.user()
    suppliers = {
        "verified co-op": make.organization(owner, name="Alpha Supplier", legal_form="cooperative", verified=True),
        "unverified co-op": make.organization(owner, name="Beta Supplier", legal_form="cooperative"),
        "sme": make.organization(owner, name="Gamma Supplier", legal_form="sme"),
    }
    listings = {name: make.listing(org, **plain("Organic oat flakes, 25 kg sacks")).id for name, org in suppliers.items()}
    search.sync()
    return listings


def test_a_verified_co_op_ranks_above_an_unverified_co_op_and_an_otherwise_identical_sme(client, same_offer_from_three_suppliers):
    listings = same_offer_from_three_suppliers
    assert found_ids(client, q="oat flakes") == [listings["verified co-op"], listings["unverified co-op"], listings["sme"]]
    assert found_ids(client) == [listings["verified co-op"], listings["unverified co-op"], listings["sme"]]


def test_without_cooperative_preference_equal_offers_come_newest_first(app, client, same_offer_from_three_suppliers, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_COOPERATIVE_BOOST", 0.0)
    listings = same_offer_from_three_suppliers
    assert found_ids(client, q="oat flakes") == [listings["sme"], listings["unverified co-op"], listings["verified co-op"]]
    assert found_ids(client) == [listings["sme"], listings["unverified co-op"], listings["verified co-op"]]


def test_browsing_ranks_a_co_op_higher_once_it_is_verified(app, client, search, same_offer_from_three_suppliers):
    """Browsing sorts by the indexed cooperative tier: the co-op's verification rewrites its listings' documents."""
    listings = same_offer_from_three_suppliers
    with app.app_context():
        db.session.get(Listing, listings["unverified co-op"]).organization.verification_status = "verified"
        db.session.commit()
    search.sync()
    assert found_ids(client)[:2] == [listings["unverified co-op"], listings["verified co-op"]]


def test_cooperative_preference_does_not_beat_a_much_better_match(client, make, search):
    owner = make.user()
    co_op = make.organization(owner, legal_form="cooperative", verified=True)
    sme = make.organization(owner, legal_form="sme")
    weak = make.listing(co_op, **plain("Muesli base mix", description="Contains oat flakes."))
    strong = make.listing(sme, **plain("Oat flakes, jumbo"))
    search.sync()
    assert found_ids(client, q="oat flakes") == [strong.id, weak.id]


def test_the_cooperative_filter_keeps_cooperatives_only(client, same_offer_from_three_suppliers):
    listings = same_offer_from_three_suppliers
    assert sorted(found_ids(client, cooperative="true")) == sorted([listings["verified co-op"], listings["unverified co-op"]])
    assert found_ids(client, cooperative="false") == [listings["sme"]]
    assert found_ids(client, verified="true") == [listings["verified co-op"]]
    result = find(client, q="oat", cooperative="true")
    assert result["total"] == 2
    assert all(item["organization"]["is_cooperative"] for item in result["items"])


def test_a_phrase_in_the_title_outranks_the_same_words_scattered(client, make, search, seller):
    phrase = make.listing(seller, **plain("Green olive oil and soap"))
    scattered = make.listing(seller, **plain("Oil, olive and green soap"))  # newer: it would come first on a tie
    search.sync()
    assert found_ids(client, q="green olive oil") == [phrase.id, scattered.id]
