"""Search documents built from the database, the source of truth.

Documents are built from plain rows (Core queries), not ORM objects: the sync worker and reindex build
thousands at a time, and loading listings with their relationships as objects cost more than indexing them.
"""
from sqlalchemy import ARRAY, bindparam, func, select

from app.campaigns.models import Campaign, campaign_sdgs
from app.campaigns.story import plain_text
from app.catalog.models import Listing, listing_delivery_countries, listing_sdgs
from app.extensions import db
from app.money import exponent
from app.orgs.models import COOPERATIVE_FAMILY, Organization
from app.reference.models import Country, CpvCode
from app.reference.services import cpv_ancestors
from app.tenders.models import Contract, Lot, Tender
from app.trade.models import Rfq, quantity_of
from search import facet_values

#: What a document says of its CPV code (search.mappings.CPV_FIELD), and of its organisation (ORGANIZATION_FIELD).
_CPV_COLUMNS = (CpvCode.code8, CpvCode.check_digit, CpvCode.division, CpvCode.label_en, CpvCode.label_fr, CpvCode.label_es)
_OWNER_COLUMNS = (
    Organization.id.label("organization_id"), Organization.name.label("organization_name"), Organization.legal_form,
    Organization.size, Organization.sector, Organization.country_code, Country.ica_region,
    Organization.verification_status, Organization.is_active,
)
_COLUMNS = (
    Listing.id, Listing.title, Listing.description, Listing.language, Listing.kind, Listing.price_minor,
    Listing.price_currency, Listing.unit, Listing.certifications, Listing.status, Listing.search_version,
    Listing.created_at, Listing.updated_at, *_CPV_COLUMNS, *_OWNER_COLUMNS,
)


def ids_in(column, ids):
    """`column IN (ids)`; on PostgreSQL one array parameter, which binds thousands of ids several times faster."""
    ids = list(ids)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam(None, ids, type_=ARRAY(column.type)))
    return column.in_(ids)


def _read(statement):
    """Plain rows of a SELECT of columns, on the session's connection: the ORM's result handling cost as much as the
    query for thousands of rows (the callers flush first where it matters)."""
    return db.session.connection().execute(statement)


def _rows(ids):
    statement = (
        select(*_COLUMNS).join(Listing.cpv).join(Listing.organization)
        .outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Listing.id, ids))
    )
    return _read(statement).all()


def _grouped(table, column, ids, key="listing_id"):
    """{listing id (or the `key` column's value): values} of an association table, in the order the relationships
    give them."""
    groups = {}
    if ids:
        owner = table.c[key]
        statement = select(owner, column).where(ids_in(owner, ids)).order_by(owner, column)
        for owner_id, value in _read(statement):
            groups.setdefault(owner_id, []).append(value)
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


def cooperative_tier(organization):
    """search.mappings' cooperative_tier of a document's organisation (its ORGANIZATION_FACTS)."""
    return (2 if organization["verified"] else 1) if organization["is_cooperative"] else 0


def _parent_codes(code8):
    """The group above `code8` ('Dairy products' above cheese), if it is beneath one. Not the division: its label
    ('Food, beverages, tobacco and related products') is too broad to search by; nor the class and category between:
    their labels join siblings ('Coffee, tea and related products' would make 'tea' find coffee)."""
    ancestors = cpv_ancestors(code8)
    return [ancestors[1]] if len(ancestors) > 2 else []


def cpv_parent_labels(code8s):
    """{code8: {language: labels of the group above it (search.mappings.CPV_FIELD's parents_*)}}."""
    parents = {code8: _parent_codes(code8) for code8 in set(code8s)}
    wanted = {code for codes in parents.values() for code in codes}
    labels = {}
    if wanted:
        statement = select(CpvCode.code8, CpvCode.label_en, CpvCode.label_fr, CpvCode.label_es).where(
            ids_in(CpvCode.code8, wanted))
        labels = {code8: texts for code8, *texts in _read(statement)}
    return {
        code8: {language: [labels[code][number] for code in codes if code in labels]
                for number, language in enumerate(("en", "fr", "es"))}
        for code8, codes in parents.items()
    }


def _cpv(row, parent_labels):
    """search.mappings.CPV_FIELD from a row of _CPV_COLUMNS and cpv_parent_labels' answer for its code."""
    parents = parent_labels.get(row.code8) or {}
    return {
        "code": f"{row.code8}-{row.check_digit}",
        "division": row.division,
        "ancestors": cpv_ancestors(row.code8),
        "label_en": row.label_en,
        "label_fr": row.label_fr,
        "label_es": row.label_es,
        **{f"parents_{language}": parents.get(language, []) for language in ("en", "fr", "es")},
    }


def _owner(row):
    """search.mappings.ORGANIZATION_FIELD from a row of _OWNER_COLUMNS: a listing's seller, a tender's buyer."""
    return {"id": row.organization_id, "name": row.organization_name, **_organization_facts(row)}


def _money(minor, currency, sortable=False):
    """search.mappings.MONEY_FIELD, or None when there is no amount (price on request, budget not published); `sortable`
    adds the amount in ten-thousandths a listing's price is sorted by."""
    if minor is None:
        return None
    places = exponent(currency)
    # Integer arithmetic: a true division of ints is correctly rounded, as float(Decimal) is.
    field = {"minor": minor, "amount": minor / 10 ** places, "currency": currency}
    if not sortable:
        return field
    return {**field, "order": minor * 10 ** (4 - places) if places <= 4 else minor // 10 ** (places - 4)}


def _documents(rows):
    """{id: document} for rows of _COLUMNS; listings of one organisation or CPV code share those parts."""
    ids = [row.id for row in rows]
    sdgs = _grouped(listing_sdgs, listing_sdgs.c.sdg_number, ids)
    countries = _grouped(listing_delivery_countries, listing_delivery_countries.c.country_code, ids)
    cpvs, organizations, documents = {}, {}, {}
    parent_labels = cpv_parent_labels(row.code8 for row in rows)
    for row in rows:
        if row.code8 not in cpvs:
            cpvs[row.code8] = _cpv(row, parent_labels)
        if row.organization_id not in organizations:
            organizations[row.organization_id] = _owner(row)
        document = documents[row.id] = {
            "listing_id": row.id,
            "title": row.title,
            "description": row.description,
            "language": row.language,
            "kind": row.kind,
            "cpv": cpvs[row.code8],
            "price": _money(row.price_minor, row.price_currency, sortable=True),
            "unit": row.unit,
            "sdgs": sdgs.get(row.id, []),
            "certifications": list(row.certifications or []),
            "delivery_countries": countries.get(row.id, []),
            "organization": organizations[row.organization_id],
            "cooperative_tier": cooperative_tier(organizations[row.organization_id]),
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
        }
        document["facet_values"] = facet_values(document)
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


_TENDER_COLUMNS = (
    Tender.id, Tender.title, Tender.description, Tender.status, Tender.policy, Tender.budget_minor, Tender.currency,
    Tender.deadline, Tender.published_at, Tender.search_version, *_CPV_COLUMNS, *_OWNER_COLUMNS,
)


def _lots(tender_ids):
    """{tender id: [(lot title, awarded)]} in lot order."""
    if not tender_ids:
        return {}
    statement = (
        select(Lot.tender_id, Lot.title, Contract.id.is_not(None)).outerjoin(Contract, Contract.lot_id == Lot.id)
        .where(ids_in(Lot.tender_id, tender_ids)).order_by(Lot.tender_id, Lot.number)
    )
    lots = {}
    for tender_id, title, awarded in db.session.execute(statement):
        lots.setdefault(tender_id, []).append((title, awarded))
    return lots


def _tender_document(row, lots, parent_labels):
    """A published tender as the tenders index holds it: what a supplier deciding to bid reads, never its bids."""
    return {
        "tender_id": row.id,
        "title": row.title,
        "description": row.description,
        "lots": [title for title, _awarded in lots],
        "cpv": _cpv(row, parent_labels),
        "policy": row.policy,
        "budget": _money(row.budget_minor, row.currency),
        "deadline": row.deadline.isoformat(),
        "published_at": row.published_at.isoformat(),
        "awarded": bool(lots) and all(awarded for _title, awarded in lots),
        "buyer": _owner(row),
    }


def tender_writes(ids):
    """{id: (id, version, document)} for the tenders of `ids` that exist: a document for a published tender of an
    active buyer; None (delete) for drafts, cancelled tenders and those of suspended buyers."""
    if not ids:
        return {}
    statement = (
        select(*_TENDER_COLUMNS).join(Tender.cpv).join(Tender.organization)
        .outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Tender.id, ids))
    )
    rows = db.session.execute(statement).all()
    searchable = {row.id for row in rows if row.status == "published" and row.is_active}
    lots = _lots(searchable)
    parent_labels = cpv_parent_labels(row.code8 for row in rows if row.id in searchable)
    return {
        row.id: (row.id, row.search_version,
                 _tender_document(row, lots.get(row.id, []), parent_labels) if row.id in searchable else None)
        for row in rows
    }


_CAMPAIGN_COLUMNS = (
    Campaign.id, Campaign.title, Campaign.summary, Campaign.story, Campaign.goal_minor, Campaign.currency,
    Campaign.funding_model, Campaign.status, Campaign.deadline, Campaign.published_at, Campaign.search_version,
    *_OWNER_COLUMNS,
)


def _campaign_document(row, sdgs):
    """A campaign as the campaigns index holds it: what a donor looks for, never its donors or running figures."""
    return {
        "campaign_id": row.id,
        "title": row.title,
        "summary": row.summary,
        "story": plain_text(row.story),
        "goal": _money(row.goal_minor, row.currency),
        "funding_model": row.funding_model,
        "status": row.status,
        "sdgs": sdgs,
        "deadline": row.deadline.isoformat(),
        "published_at": row.published_at.isoformat(),
        "organization": _owner(row),
    }


def campaign_writes(ids):
    """{id: (id, version, document)} for the campaigns of `ids` that exist: a document for a campaign past its draft
    (live, settled, closed) of an active organisation; None (delete) for drafts and those of suspended organisations."""
    if not ids:
        return {}
    statement = (
        select(*_CAMPAIGN_COLUMNS).join(Campaign.organization)
        .outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Campaign.id, ids))
    )
    rows = db.session.execute(statement).all()
    searchable = {row.id for row in rows if row.status != "draft" and row.published_at is not None and row.is_active}
    sdgs = _grouped(campaign_sdgs, campaign_sdgs.c.sdg_number, searchable, key="campaign_id")
    return {
        row.id: (row.id, row.search_version, _campaign_document(row, sdgs.get(row.id, [])) if row.id in searchable else None)
        for row in rows
    }


_RFQ_COLUMNS = (
    Rfq.id, Rfq.title, Rfq.description, Rfq.status, Rfq.visibility, Rfq.quantity_milli, Rfq.unit,
    Rfq.delivery_country_code, Rfq.needed_by, Rfq.quotes_due, Rfq.cooperatives_only, Rfq.published_at,
    Rfq.search_version, *_CPV_COLUMNS, *_OWNER_COLUMNS,
)


def _rfq_document(row, delivery_region, parent_labels):
    """A public request for quotation as the rfqs index holds it: the need, never its quotes."""
    return {
        "rfq_id": row.id,
        "title": row.title,
        "description": row.description,
        "cpv": _cpv(row, parent_labels),
        "quantity": float(quantity_of(row.quantity_milli)),
        "unit": row.unit,
        "delivery_country": row.delivery_country_code,
        "delivery_region": delivery_region,
        "needed_by": row.needed_by.isoformat(),
        "quotes_due": row.quotes_due.isoformat(),
        "cooperatives_only": row.cooperatives_only,
        "published_at": row.published_at.isoformat(),
        "buyer": _owner(row),
    }


def rfq_writes(ids):
    """{id: (id, version, document)} for the requests of `ids` that exist: a document for a published public request of
    an active buyer; None (delete) for drafts, cancelled and invited requests and those of suspended buyers."""
    if not ids:
        return {}
    statement = (
        select(*_RFQ_COLUMNS).join(Rfq.cpv).join(Rfq.organization)
        .outerjoin(Country, Organization.country_code == Country.iso2)
        .where(ids_in(Rfq.id, ids))
    )
    rows = db.session.execute(statement).all()
    searchable = {row.id for row in rows if row.status == "published" and row.visibility == "public" and row.is_active}
    regions = dict(db.session.execute(select(Country.iso2, Country.ica_region).where(
        Country.iso2.in_({row.delivery_country_code for row in rows}))).all()) if rows else {}
    parent_labels = cpv_parent_labels(row.code8 for row in rows if row.id in searchable)
    return {
        row.id: (row.id, row.search_version,
                 _rfq_document(row, regions.get(row.delivery_country_code), parent_labels) if row.id in searchable
                 else None)
        for row in rows
    }


#: kind -> function of ids giving {id: (id, version, document or None)}; what the sync worker and reindex write.
WRITERS = {"listings": listing_writes, "organizations": organization_writes, "tenders": tender_writes,
           "campaigns": campaign_writes, "rfqs": rfq_writes}
