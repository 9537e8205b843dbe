"""Demo listings from a hand-written catalogue of real goods and services (data/products.csv): for each sector and
working language, products a co-operative of that sector sells, each under the CPV code that names it."""
import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from app.catalog.models import Listing
from app.money import exponent

CATALOGUE_FILE = Path(__file__).parent / "data" / "products.csv"

#: The CPV families (code prefixes) whose goods and services fit each ICA sector.
SECTOR_FAMILIES = {
    "agriculture": ("03", "15"),
    "fisheries": ("0331", "152"),
    "housing": ("44", "45", "70"),
    "health": ("33", "85"),
    "consumer": ("15", "18", "39", "55"),
    "industry_services": ("09", "30", "42", "60", "72", "79", "80", "90"),
    "banking": ("66",),
    "insurance": ("665",),
    "other": ("79", "80", "92", "98"),
}
#: CPV divisions of services; every other division holds goods.
SERVICE_DIVISIONS = {"45", "50", "51", "55", "60", "63", "64", "65", "66", "70", "71", "72", "73", "75", "76",
                     "77", "79", "80", "85", "90", "92", "98"}
#: Rough euro exchange rates of the demo countries' currencies, so that a product costs about the same everywhere.
EURO_RATES = {"EUR": Decimal(1), "GBP": Decimal("0.85"), "CAD": Decimal("1.5"), "PEN": Decimal("4"),
              "BRL": Decimal("6"), "ETB": Decimal("150"), "KES": Decimal("150"), "INR": Decimal("95"),
              "JPY": Decimal("165"), "NZD": Decimal("1.9")}
#: Countries next door to each demo country, where its co-operatives' goods are delivered too.
NEIGHBOURS = {"GB": ["IE"], "FR": ["BE", "LU", "DE", "CH", "ES", "IT"], "ES": ["PT", "FR", "AD"], "CA": ["US"],
              "PE": ["EC", "CO", "BO", "CL"], "BR": ["AR", "UY", "PY"], "ET": ["DJ", "KE"], "KE": ["UG", "TZ", "RW"],
              "IN": ["NP", "BD", "LK"], "JP": ["KR"], "NZ": ["AU"]}


@dataclass(frozen=True)
class Product:
    """One line of the catalogue: a product or service in one language, its price in euros or None (on request)."""

    sector: str
    language: str
    cpv_code8: str
    title: str
    unit: str
    price_eur: Decimal | None
    min_order: int
    description: str

    @property
    def kind(self):
        return "service" if self.cpv_code8[:2] in SERVICE_DIVISIONS else "good"


@cache
def catalogue():
    """Every product of the catalogue file, in the file's order."""
    with open(CATALOGUE_FILE, newline="", encoding="utf-8") as handle:
        return tuple(
            Product(sector=row["sector"], language=row["language"], cpv_code8=row["cpv"], title=row["title"],
                    unit=row["unit"], price_eur=Decimal(row["price_eur"]) if row["price_eur"] else None,
                    min_order=int(row["min_order"]), description=row["description"])
            for row in csv.DictReader(handle)
        )


def products_for(sector, language, families):
    """The sector's products in the language whose CPV codes fall in the given families."""
    return [product for product in catalogue()
            if product.sector == sector and product.language == language and product.cpv_code8.startswith(tuple(families))]


def _price_minor(product, currency, rng):
    """The euro price in the currency, give or take 15 % from one seller to the next, to three significant figures."""
    amount = product.price_eur * EURO_RATES[currency] * rng.randint(85, 115) / 100
    places = min(2 - amount.adjusted(), exponent(currency))
    return max(int(round(amount, places).scaleb(exponent(currency))), 1)


def _delivery_countries(product, home, countries, rng):
    """Services are delivered at home; goods at home and, for some sellers, in a neighbouring country or two."""
    if product.kind == "service":
        return [home]
    neighbours = NEIGHBOURS.get(home.iso2, [])
    return [home] + [countries[code] for code in rng.sample(neighbours, rng.randint(0, min(2, len(neighbours))))]


def demo_listings(organization, families, count, language, countries, rng):
    """Up to `count` listings of different products of the organisation's sector and families, in its language."""
    products = products_for(organization.sector, language, families)
    currency = organization.country.currency or "EUR"
    for product in rng.sample(products, min(count, len(products))):
        price = None if product.price_eur is None else _price_minor(product, currency, rng)
        yield Listing(
            organization=organization, title=product.title, description=product.description, language=language,
            kind=product.kind, cpv_code8=product.cpv_code8, price_minor=price,
            price_currency=None if price is None else currency, unit=product.unit,
            min_order_quantity=product.min_order, lead_time_days=rng.choice([None, 2, 5, 10, 30]),
            status=rng.choices(["active", "draft", "paused"], weights=[88, 8, 4])[0],
            delivery_countries=_delivery_countries(product, organization.country, countries, rng),
        )
