"""Search documents built from the database, the source of truth.

Documents are built from plain rows (Core queries), not ORM objects: the sync worker and reindex build
thousands at a time, and loading listings with their relationships as objects cost more than indexing them.
"""
from sqlalchemy import ARRAY, bindparam, func, select

from app.catalog.models import Listing, listing_delivery_countries, listing_sdgs
from app.extensions import db
from app.money import Money
from app.orgs.models import COOPERATIVE_FAMILY, Organization
from app.reference.models import Country, CpvCode
from app.reference.services import cpv_ancestors

_COLUMNS = (
    Listing.id, Listing.title, Listing.description, Listing.language, Listing.kind, Listing.price_minor,
    Listing.price_currency, Listing.unit, Listing.certifications, Listing.status, Listing.search_version,
    Listing.created_at, Listing.updated_at,
    CpvCode.code8, CpvCode.check_digit, CpvCode.division, CpvCode.label_en, CpvCode.label_fr, CpvCode.label_es,
    Organization.id.label("organization_id"), Organization.name.label("organization_name"), Organization.legal_form,
    Organization.size, Organization.sector, Organization.country_code, Country.ica_region,
    Organization.verification_status, Organization.is_active,
)


def ids_in(column, ids):
    """`column IN (ids)`; on PostgreSQL one array parameter, which binds thousands of ids several times faster."""
    ids = list(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam(None, ids, type_=ARRAY(column.type)))
    return column.in_(ids)


def _rows(ids):
    statement = (
        select(*_COLUMNS).join(Listing.cpv).join(Listing.organization)
        .outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Listing.id, ids))
    )
    return db.session.execute(statement).all()


def _grouped(table, column, ids):
    """{listing id: values} of an association table, in the order the relationships give them."""
    groups = {}
    if ids:
        statement = select(table.c.listing_id, column).where(ids_in(table.c.listing_id, ids)).order_by(table.c.listing_id, column)
        for listing_id, value in db.session.execute(statement):
            groups.setdefault(listing_id, []).append(value)
    return groups


def _organization_facts(row):
    """search.mappings.ORGANIZATION_FACTS from a row holding the organisation's columns and its ICA region."""
    return {
        "legal_form": row.legal_form,
        "size": row.size,
        "sector": row.sector,
        "country": row.country_code,
        "region": row.ica_region,
        "is_cooperative": row.legal_form in COOPERATIVE_FAMILY,
        "verified": row.verification_status == "verified",
    }


def _documents(rows):
    """{id: document} for rows of _COLUMNS; listings of one organisation or CPV code share those parts."""
    ids = [row.id for row in rows]
    sdgs = _grouped(listing_sdgs, listing_sdgs.c.sdg_number, ids)
    countries = _grouped(listing_delivery_countries, listing_delivery_countries.c.country_code, ids)
    cpvs, organizations, documents = {}, {}, {}
    for row in rows:
        if row.code8 not in cpvs:
            cpvs[row.code8] = {
                "code": f"{row.code8}-{row.check_digit}",
                "division": row.division,
                "ancestors": cpv_ancestors(row.code8),
                "label_en": row.label_en,
                "label_fr": row.label_fr,
                "label_es": row.label_es,
            }
        if row.organization_id not in organizations:
            organizations[row.organization_id] = {
                "id": row.organization_id, "name": row.organization_name, **_organization_facts(row),
            }
        price = None if row.price_minor is None else Money(row.price_minor, row.price_currency)
        documents[row.id] = {
            "listing_id": row.id,
            "title": row.title,
            "description": row.description,
            "language": row.language,
            "kind": row.kind,
            "cpv": cpvs[row.code8],
            "price": None if price is None else {
                "minor": price.minor, "amount": float(price.amount), "currency": price.currency,
            },
            "unit": row.unit,
            "sdgs": sdgs.get(row.id, []),
            "certifications": list(row.certifications or []),
            "delivery_countries": countries.get(row.id, []),
            "organization": organizations[row.organization_id],
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
        }
    return documents


def listing_document(listing):
    """The listing as the listings index stores it (read from the database; pending changes are flushed first)."""
    db.session.flush()
    return _documents(_rows([listing.id]))[listing.id]


def listing_writes(ids):
    """{id: (id, version, document)} for the listings of `ids` that exist: the document if public, None (delete) otherwise."""
    if not ids:
        return {}
    rows = _rows(ids)
    documents = _documents([row for row in rows if row.status == "active" and row.is_active])
    return {row.id: (row.id, row.search_version, documents.get(row.id)) for row in rows}


_ORGANIZATION_COLUMNS = (
    Organization.id, Organization.name, Organization.legal_form, Organization.size, Organization.sector,
    Organization.country_code, Country.ica_region, Organization.verification_status, Organization.is_active,
    Organization.search_version,
)


def organization_writes(ids):
    """{id: (id, version, document)} for the organisations of `ids` that exist; inactive ones are deleted (None)."""
    if not ids:
        return {}
    statement = (
        select(*_ORGANIZATION_COLUMNS).outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Organization.id, ids))
    )
    writes = {}
    for row in db.session.execute(statement):
        document = None if not row.is_active else {
            "organization_id": row.id, "name": row.name, "name_suggest": row.name, **_organization_facts(row),
        }
        writes[row.id] = (row.id, row.search_version, document)
    return writes


#: kind -> function of ids giving {id: (id, version, document or None)}; what the sync worker and reindex write.
WRITERS = {"listings": listing_writes, "organizations": organization_writes}
