"""Marketplace search: from validated parameters to results a page or the API can show."""
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.indexing import search_engine
from app.money import Money, is_currency
from app.orgs.forms import LEGAL_FORM_LABELS, SECTOR_LABELS
from app.reference.models import Country, CpvCode, SdgGoal
from search import FACET_FIELDS, ListingQuery
from search.queries import suggestion_check_body


def build_query(params, cooperative_boost):
    """A ListingQuery from the search schema's output."""
    return ListingQuery(
        text=params["q"],
        cpv=tuple(code.split("-")[0] for code in params["cpv"]),
        selections={name: tuple(params.get(name) or ()) for name in FACET_FIELDS},
        cooperative=params["cooperative"],
        verified=params["verified"],
        currency=tuple(params["currency"]),
        price_min=params["price_min"],
        price_max=params["price_max"],
        sort=params["sort"],
        page=params["page"],
        per_page=params["per_page"],
        cooperative_boost=cooperative_boost,
    )


def facet_labels(locale):
    """Display labels of facet values; reference data does not change while the app runs, so keep them."""
    cache = current_app.extensions.setdefault("search_facet_labels", {})
    if locale not in cache:
        cache[locale] = _load_labels(locale)
    return cache[locale]


def _load_labels(locale):
    divisions = {c.division: c.label(locale) for c in db.session.scalars(select(CpvCode).where(CpvCode.level == "division"))}
    countries = {c.iso2: c.name(locale) for c in db.session.scalars(select(Country))}
    goals = {g.number: f"{g.number}. {g.short(locale)}" for g in db.session.scalars(select(SdgGoal))}
    return {
        "cpv_division": divisions,
        "country": countries,
        "sector": {k: str(v) for k, v in SECTOR_LABELS.items()},
        "legal_form": {k: str(v) for k, v in LEGAL_FORM_LABELS.items()},
        "sdg": goals,
    }


def indexed_money(money):
    """Money from a document's search.mappings.MONEY_FIELD (None: no amount, or a currency no longer known)."""
    return Money(money["minor"], money["currency"]) if money and is_currency(money["currency"]) else None


def indexed_organization(organization):
    """An organisation from a document's search.mappings.ORGANIZATION_FIELD, named as OrganizationSummarySchema and
    the org_badges macro read an Organization."""
    return {
        "id": organization["id"], "name": organization["name"], "legal_form": organization["legal_form"],
        "is_cooperative": organization["is_cooperative"], "verified": organization["verified"],
        "country_code": organization["country"], "ica_region": organization["region"],
    }


def labelled_facets(found, params, labels):
    """Facet counts as {name: [{value, label, count}]}; a selected value that matches nothing still shows (count 0),
    so its box stays checked and labelled."""
    facets = {}
    for name, buckets in found.items():
        counted = {value for value, _count in buckets}
        buckets = buckets + [(value, 0) for value in dict.fromkeys(params.get(name) or ()) if value not in counted]
        facets[name] = [
            {"value": value, "label": labels.get(name, {}).get(value, str(value)), "count": count}
            for value, count in buckets
        ]
    return facets


def _hit(document):
    return {
        "id": document["listing_id"],
        "title": document["title"],
        "highlight": document.get("highlight"),
        "cpv_code": document["cpv"]["code"],
        "price": indexed_money(document.get("price")),
        "organization": indexed_organization(document["organization"]),
    }


def suggestion_to_check(found):
    """The corrected text worth offering when the search found little: it is offered only if a second search with it
    finds something (search.queries.suggestion_check_body)."""
    return found["suggestion"] if found["total"] < 3 else None


def search_listings(params, cooperative_boost, locale="en"):
    """Run the search; raises search.SearchUnavailable when the engine cannot answer."""
    engine, query = search_engine(), build_query(params, cooperative_boost)
    found = engine.search_listings(query)
    suggestion = suggestion_to_check(found)
    if suggestion and not engine.search("listings", suggestion_check_body(query, suggestion))["hits"]["total"]["value"]:
        suggestion = None
    return {
        "total": found["total"],
        "page": params["page"],
        "per_page": params["per_page"],
        "items": [_hit(document) for document in found["items"]],
        "facets": labelled_facets(found["facets"], params, facet_labels(locale)),
        "suggestion": suggestion,
    }


def as_json(result):
    """The search answer as plain JSON data, shaped exactly as ListingSearchResultSchema documents it.

    Built directly rather than dumped field by field through marshmallow: it is the hottest answer of the API."""
    def hit_json(hit):
        price, organization = hit["price"], hit["organization"]
        return {
            "id": hit["id"], "title": hit["title"], "highlight": hit["highlight"], "cpv_code": hit["cpv_code"],
            "price": None if price is None else {"amount": price.as_decimal_string(), "currency": price.currency},
            "organization": {
                "id": organization["id"], "name": organization["name"], "legal_form": organization["legal_form"],
                "is_cooperative": organization["is_cooperative"], "verified": organization["verified"],
                "country": organization["country_code"], "region": organization["ica_region"],
            },
        }

    return {**result, "items": [hit_json(hit) for hit in result["items"]]}


def suggest(text):
    return {"suggestions": search_engine().suggest(text)}
