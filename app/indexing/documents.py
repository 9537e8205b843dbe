"""Search documents built from the database, the source of truth."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Listing
from app.extensions import db
from app.reference.services import cpv_ancestors


def listing_document(listing):
    """The listing as the listings index stores it."""
    organization, cpv, price = listing.organization, listing.cpv, listing.price
    return {
        "listing_id": listing.id,
        "title": listing.title,
        "title_suggest": listing.title,
        "description": listing.description,
        "language": listing.language,
        "kind": listing.kind,
        "cpv": {
            "code": cpv.code,
            "division": cpv.division,
            "ancestors": cpv_ancestors(cpv.code8),
            "label_en": cpv.label_en,
            "label_fr": cpv.label_fr,
            "label_es": cpv.label_es,
        },
        "price": None if price is None else {
            "minor": price.minor, "amount": float(price.amount), "currency": price.currency,
        },
        "unit": listing.unit,
        "sdgs": [goal.number for goal in listing.sdgs],
        "certifications": list(listing.certifications or []),
        "delivery_countries": [country.iso2 for country in listing.delivery_countries],
        "organization": {
            "id": organization.id,
            "name": organization.name,
            "name_suggest": organization.name,
            "legal_form": organization.legal_form,
            "size": organization.size,
            "sector": organization.sector,
            "country": organization.country_code,
            "region": organization.ica_region,
            "is_cooperative": organization.is_cooperative,
            "verified": organization.verified,
        },
        "created_at": listing.created_at.isoformat(),
        "updated_at": listing.updated_at.isoformat(),
    }


def load_listings(ids):
    """Listings by id with everything their documents need, in few queries."""
    if not ids:
        return {}
    statement = (
        select(Listing)
        .where(Listing.id.in_(ids))
        .options(selectinload(Listing.sdgs), selectinload(Listing.delivery_countries))
        .execution_options(populate_existing=True)
    )
    return {listing.id: listing for listing in db.session.scalars(statement)}


def listing_write(listing_id, listing):
    """(id, version, document) for the engine: the document if public, None (delete) otherwise."""
    if listing is None:
        return None
    return (listing_id, listing.search_version, listing_document(listing) if listing.is_public else None)
