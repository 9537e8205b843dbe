"""The demo's product catalogue: real CPV codes of each sector's families, titles unique in each sector and language."""
from collections import Counter

import pytest
from sqlalchemy import select

from app.catalog.models import LISTING_LANGUAGES
from app.demo.products import SECTOR_FAMILIES, catalogue, products_for
from app.demo.seed import SECTOR_MAP, SIC_SECTORS
from app.orgs.models import SECTORS
from app.reference.models import CpvCode


def test_every_catalogue_code_is_a_cpv_code_of_the_reference_data(app, db):
    with app.app_context():
        known = set(db.session.scalars(select(CpvCode.code8)))
    assert {product.cpv_code8 for product in catalogue()} - known == set()


def test_every_product_is_in_its_sectors_families():
    strays = [(p.sector, p.cpv_code8, p.title) for p in catalogue() if not p.cpv_code8.startswith(SECTOR_FAMILIES[p.sector])]
    assert strays == []


@pytest.mark.parametrize("sector", SECTORS)
@pytest.mark.parametrize("language", LISTING_LANGUAGES)
def test_each_sector_offers_at_least_ten_products_in_each_language(sector, language):
    assert len(products_for(sector, language, SECTOR_FAMILIES[sector])) >= 10


def test_titles_are_unique_in_each_sector_and_language_and_fit_the_listing():
    titles = Counter((p.sector, p.language, p.title) for p in catalogue())
    assert [key for key, count in titles.items() if count > 1] == []
    assert all(len(p.title) <= 200 and 0 < len(p.unit) <= 40 and p.min_order >= 1 for p in catalogue())
    assert all(p.price_eur is None or p.price_eur > 0 for p in catalogue())


@pytest.mark.parametrize("uk_sector", sorted(SECTOR_MAP))
def test_each_uk_sector_has_five_english_products_within_its_sector(uk_sector):
    sector, families = SECTOR_MAP[uk_sector]
    assert all(family.startswith(SECTOR_FAMILIES[sector]) for family in families)
    assert len(products_for(sector, "en", families)) >= 5


@pytest.mark.parametrize("sector", sorted(set(SIC_SECTORS.values())))
def test_sectors_told_by_sic_code_have_english_products(sector):
    assert len(products_for(sector, "en", SECTOR_FAMILIES[sector])) >= 5
