"""The judged corpora of tests/relevance: read them, load them through the app's services and search outbox, and run
their queries through the search API.

Used by bench/relevance.py (a fresh database and index) and tests/relevance (the test database and index). Loading goes
the way a real change goes: services write the rows, the flush listener writes the outbox rows in the same transaction,
and the sync worker's drain_all delivers them to the engine in bulk.
"""
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bench.relevance_metrics import GRADES, MAX_RESULTS, QueryResult

DATA = Path(__file__).resolve().parent.parent / "tests" / "relevance"
#: kind of document -> (its corpus file, its judged query file, the search API that answers its queries, the id field)
CORPORA = {
    "listings": ("listings.json", "listing_queries.json", "/api/v1/search/listings"),
    "tenders": ("tenders.json", "tender_queries.json", "/api/v1/search/tenders"),
    "campaigns": ("campaigns.json", "campaign_queries.json", "/api/v1/search/campaigns"),
}
LANGUAGES = ("en", "fr", "es")
#: What a query tests; figures are reported per kind.
QUERY_KINDS = (
    "short_word",       # one short word (tea, oil, miel, sal): typo expansion must not let junk in
    "typo",             # a long word misspelt
    "plural_accent",    # plural, singular, accents and elisions written differently from the listing
    "cross_language",   # the buyer's language is not the listing's
    "cpv_words",        # words of a CPV label, not of the listing's own text
    "organisation",     # the name of a seller, buyer or campaign owner
    "multi_word",       # a need in several words ("fairtrade coffee 60 kg bags")
    "non_coop_better",  # a non-cooperative offer is clearly the better match
    "coop_preference",  # offers equal in substance: the verified cooperative's should come first
)
def read(name):
    with open(DATA / name, encoding="utf-8") as file:
        return json.load(file)


@dataclass(frozen=True)
class JudgedSet:
    kind: str
    documents: list
    queries: list
    api: str


def judged_set(kind):
    """A corpus and its judged queries."""
    corpus_file, queries_file, api = CORPORA[kind]
    return JudgedSet(kind, read(corpus_file)[kind], read(queries_file)["queries"], api)


def problems(organisations, judged):
    """What is wrong with a judged set (unknown keys, grades, languages, kinds), as messages; [] when it is sound."""
    found = []
    organisation_keys = {organisation["key"] for organisation in organisations}
    keys = [document["key"] for document in judged.documents]
    found += [f"{judged.kind}: key {key!r} used twice" for key in sorted({key for key in keys if keys.count(key) > 1})]
    owner = "buyer" if judged.kind == "tenders" else "organisation"
    found += [f"{judged.kind}: {document['key']}: unknown {owner} {document[owner]!r}"
              for document in judged.documents if document[owner] not in organisation_keys]
    ids = [query["id"] for query in judged.queries]
    found += [f"{judged.kind}: query id {query_id!r} used twice" for query_id in sorted({i for i in ids if ids.count(i) > 1})]
    for query in judged.queries:
        where = f"{judged.kind} query {query['id']}"
        if query["language"] not in LANGUAGES:
            found.append(f"{where}: unknown language {query['language']!r}")
        if query["kind"] not in QUERY_KINDS:
            found.append(f"{where}: unknown kind {query['kind']!r}")
        found += [f"{where}: unknown key {key!r}" for key in query["judgements"] if key not in keys]
        found += [f"{where}: {key}: grade {grade!r} is not one of {GRADES}"
                  for key, grade in query["judgements"].items() if grade not in GRADES]
        if not any(grade >= 2 for grade in query["judgements"].values()):
            found.append(f"{where}: nothing judged good (2) or better: nDCG would be meaningless")
    return found


# Loading -------------------------------------------------------------------------------------------------------------


def _money(text):
    """Money from the corpus's "12.50 GBP" (None: on request)."""
    from app.money import Money

    if not text:
        return None
    amount, currency = text.split()
    return Money.parse(Decimal(amount), currency)


def load_organisations(organisations):
    """Create the organisations; returns {key: id}."""
    from app.extensions import db
    from app.orgs.services import create_organization

    ids = {}
    for fields in organisations:
        organisation = create_organization(
            name=fields["name"], legal_form=fields["legal_form"], size=fields["size"], country=fields["country"],
            sector=fields["sector"], city=fields.get("city"))
        # A verification decision is recorded elsewhere with who made it; search only reads the standing status.
        organisation.verification_status = fields["verification"]
        db.session.flush()
        ids[fields["key"]] = organisation.id
    return ids


def load_listings(listings, organisation_ids, now):
    """Create the listings, active, a minute apart in the corpus's order (the last is the newest); returns {key: id}.

    Equal scores rank newest first, and the engine keeps dates to the millisecond: listings created within one
    millisecond would tie and fall back to id order, and the figures would depend on how fast the machine loads them."""
    from app.catalog.services import create_listing
    from app.demo.products import SERVICE_DIVISIONS
    from app.extensions import db
    from app.orgs.models import Organization

    ids = {}
    for position, fields in enumerate(listings):
        organisation = db.session.get(Organization, organisation_ids[fields["organisation"]])
        listing = create_listing(organisation, {
            "title": fields["title"], "description": fields["description"], "language": fields["language"],
            "kind": "service" if fields["cpv"][:2] in SERVICE_DIVISIONS else "good", "cpv_code": fields["cpv"],
            "price": _money(fields["price"]), "unit": fields["unit"], "status": "active",
            "created_at": now - dt.timedelta(minutes=len(listings) - position)})
        ids[fields["key"]] = listing.id
    return ids


def load_tenders(tenders, organisation_ids, now):
    """Create and publish the tenders (deadlines counted in days from `now`); returns {key: id}."""
    from app.extensions import db
    from app.orgs.models import Organization
    from app.tenders.services import create_tender, publish

    ids = {}
    for fields in tenders:
        buyer = db.session.get(Organization, organisation_ids[fields["buyer"]])
        preference = dict(fields["preference"])
        if "margin_percent" in preference:
            preference["margin_percent"] = Decimal(preference["margin_percent"])
        tender = create_tender(buyer, {
            "title": fields["title"], "description": fields["description"], "cpv_code": fields["cpv"],
            "currency": fields["currency"],
            "budget": None if fields["budget"] is None else _money(f"{fields['budget']} {fields['currency']}"),
            "deadline": now + dt.timedelta(days=fields["deadline_days"]), "preference": preference,
            "lots": [{"title": title} for title in fields["lots"]]})
        publish(tender)
        ids[fields["key"]] = tender.id
    return ids


def load_campaigns(campaigns, organisation_ids, now):
    """Create the campaigns and take them live (deadlines counted in days from `now`); returns {key: id}."""
    from app.campaigns.services import create_campaign, publish
    from app.extensions import db
    from app.orgs.models import Organization

    ids = {}
    for fields in campaigns:
        organisation = db.session.get(Organization, organisation_ids[fields["organisation"]])
        campaign = create_campaign(organisation, {
            "title": fields["title"], "summary": fields["summary"], "story": fields["story"],
            "goal": _money(fields["goal"]), "deadline": now + dt.timedelta(days=fields["deadline_days"]),
            "funding_model": fields["funding_model"], "sdgs": fields["sdgs"]})
        publish(campaign)
        ids[fields["key"]] = campaign.id
    return ids


def load(kinds):
    """In an app context: the organisations and the corpora of `kinds`, committed and delivered to the index.

    Returns {kind: {key: id}}. Raises RuntimeError when the outbox could not deliver everything."""
    from app.extensions import db
    from app.indexing.sync import drain_all
    from app.models_base import utcnow

    now = utcnow()
    organisation_ids = load_organisations(read("organisations.json")["organisations"])
    loaders = {"listings": lambda documents: load_listings(documents, organisation_ids, now),
               "tenders": lambda documents: load_tenders(documents, organisation_ids, now),
               "campaigns": lambda documents: load_campaigns(documents, organisation_ids, now)}
    ids = {kind: loaders[kind](judged_set(kind).documents) for kind in kinds}
    db.session.commit()
    outcome = drain_all()
    if outcome.unavailable or outcome.parked or outcome.retried:
        raise RuntimeError(f"the outbox did not deliver every document: {outcome}")
    return ids


# Searching -----------------------------------------------------------------------------------------------------------


def run_queries(client, judged, ids):
    """Each judged query through the search API (one page of MAX_RESULTS; the metrics read its first 10 as the buyer's
    first page), as QueryResults keyed like the corpus."""
    keys = {document_id: key for key, document_id in ids.items()}
    results = []
    for query in judged.queries:
        response = client.get(judged.api, query_string={"q": query["text"], "per_page": MAX_RESULTS})
        if response.status_code != 200:
            raise RuntimeError(f"{judged.api}?q={query['text']}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        answer = response.get_json()
        # A hit that is not of the corpus would be a stray document in the index: it shows, unjudged, as junk.
        ranked = tuple(keys.get(item["id"], f"?{item['id']}") for item in answer["items"])
        results.append(QueryResult(query["id"], query["text"], query["language"], query["kind"], ranked, answer["total"],
                                   dict(query["judgements"])))
    return results
