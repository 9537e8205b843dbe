"""Index settings and mappings, per kind of document."""
import hashlib
import json

#: Accented words that fold into a different, common word: 'thé' would become 'the' (an English stop word found in
#: every English text) and 'té' the Spanish pronoun 'te'. They are replaced before accents are folded, when indexing
#: and when searching.
ACCENTED_WORDS = ["thé, thés, thes => tea", "té, tés => tea"]

#: The commonest product and service words in English, French and Spanish, each line one meaning: a search for any
#: of them looks for all (at search time only, on the folded title, description and summary fields). Singular and
#: plural are both written where the folded fields, which do not stem, need them. Kept small: a word belongs here
#: only when buyers of one language miss offers written in another (see tests/relevance).
PRODUCT_SYNONYMS = [
    "olive oil, olive oils, huile d'olive, huiles d'olive, aceite de oliva",
    "honey, miel",
    "milk, lait, leche",
    "coffee, café, cafés",
    "green coffee, café vert, café verde",
    "green tea, thé vert, té verde",
    "salt, sel, sal",
    "bread, breads, pain, pains, pan",
    "bread oven, four à pain, horno de pan",
    "firewood, fire wood, bois de chauffage, leña",
    "rice, riz, arroz",
    "soap, soaps, savon, savons, jabón, jabones",
    "cheese, cheeses, fromage, fromages, queso, quesos",
    "butter, beurre, mantequilla",
    "wool, laine, lana",
    "blankets, blanket, couvertures, couverture, mantas, manta",
    "sugar, sucre, azúcar",
    "cane sugar, sucre de canne, azúcar de caña",
    "wine, wines, vin, vins, vino, vinos",
    "eggs, egg, oeufs, oeuf, huevos, huevo",
    "oranges, orange, naranjas, naranja",
    "apples, apple, pommes, pomme, manzanas, manzana",
    "tomatoes, tomato, tomates, tomate",
    "sardines, sardine, sardinas, sardina",
    "chocolate, chocolat",
    "dairy products, produits laitiers, productos lácteos",
    "cargo bike, cargo bikes, vélo cargo, vélos cargo, bicicleta de carga",
    "solar panels, solar panel, panneaux solaires, panneau solaire, placas solares, paneles solares",
    "bees, beehives, beehive, ruches, ruche, abeilles, colmenas, colmena, abejas",
    "drinking water, eau potable, agua potable",
    "trees, tree, arbres, arbre, árboles, árbol",
    "flood, floods, inondation, inondations, inundación, inundaciones",
    "cleaning, nettoyage, limpieza",
    "translation, traduction, traducción",
    "refrigerated transport, transport frigorifique, transporte refrigerado",
    "insurance, assurance, seguro, seguros",
    "electricity, électricité, electricidad",
    "fertiliser, fertilizer, engrais, fertilizante, abono",
    "seeds, semences, semillas",
]

ANALYSIS = {
    "filter": {
        "accented_words": {"type": "synonym", "synonyms": ACCENTED_WORDS},
        "product_synonyms": {"type": "synonym_graph", "synonyms": PRODUCT_SYNONYMS},
        "fr_elision": {"type": "elision", "articles_case": True,
                       "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"]},
        "fr_stop": {"type": "stop", "stopwords": "_french_"},
        "fr_stem": {"type": "stemmer", "language": "light_french"},
        "es_stop": {"type": "stop", "stopwords": "_spanish_"},
        "es_stem": {"type": "stemmer", "language": "light_spanish"},
        "en_stop": {"type": "stop", "stopwords": "_english_"},
        "en_stem": {"type": "stemmer", "language": "english"},
        "en_possessive": {"type": "stemmer", "language": "possessive_english"},
    },
    # Accents are folded before stemming, so 'café' and 'cafe' always meet.
    "analyzer": {
        "folded": {"tokenizer": "standard", "filter": ["lowercase", "accented_words", "asciifolding"]},
        # Names are stemmed without stop words: 'hastings fishermen' finds "Hastings Fishermens' Co-operative".
        "folded_name": {"tokenizer": "standard", "filter": ["en_possessive", "lowercase", "asciifolding", "en_stem"]},
        "folded_synonyms": {"tokenizer": "standard",
                            "filter": ["lowercase", "accented_words", "asciifolding", "product_synonyms"]},
        "folded_en": {"tokenizer": "standard",
                      "filter": ["en_possessive", "lowercase", "accented_words", "asciifolding", "en_stop", "en_stem"]},
        "folded_fr": {"tokenizer": "standard",
                      "filter": ["fr_elision", "lowercase", "accented_words", "asciifolding", "fr_stop", "fr_stem"]},
        "folded_es": {"tokenizer": "standard",
                      "filter": ["lowercase", "accented_words", "asciifolding", "es_stop", "es_stem"]},
    },
    "normalizer": {"folded_keyword": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}


def _text(with_languages=True, **extra):
    """A text field searched in the three languages: folded words (with the product synonyms at search time) and
    a stemmed sub-field per language; its words go to the typo field."""
    field = {"type": "text", "analyzer": "folded", "copy_to": "typo", **extra}
    if with_languages:
        field["search_analyzer"] = "folded_synonyms"
        field["fields"] = {lang: {"type": "text", "analyzer": f"folded_{lang}"} for lang in ("en", "fr", "es")}
    return field


#: Typo tolerance looks in one field holding the words of the title, description and CPV labels (not the organisation's
#: name: 'miel' would find the services of 'Mill View Social Club', one letter away):
#: one term dictionary to expand each misspelt word against, instead of one per field (fuzzy expansion over the CPV
#: labels, which thousands of listings share, was most of a search's time). Positions and lengths are not needed.
TYPO_FIELD = {"type": "text", "analyzer": "folded", "index_options": "freqs", "norms": False}

#: What every document says of an organisation, whether a listing's seller or the organisation itself.
ORGANIZATION_FACTS = {
    "legal_form": {"type": "keyword"},
    "size": {"type": "keyword"},
    "sector": {"type": "keyword"},
    "country": {"type": "keyword"},
    "region": {"type": "keyword"},
    "is_cooperative": {"type": "boolean"},
    "verified": {"type": "boolean"},
}

#: An organisation inside another document (a listing's seller, a tender's buyer): its id, its name, its facts.
ORGANIZATION_FIELD = {
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "text", "analyzer": "folded_name", "fields": {"raw": {"type": "keyword"}}},
        **ORGANIZATION_FACTS,
    }
}

#: A CPV code with every code above it (`ancestors`), so a filter on a parent code finds everything beneath it, and
#: the label of the group above it (`parents_*`), so 'dairy products' finds cheese.
CPV_FIELD = {
    "properties": {
        "code": {"type": "keyword"},
        "division": {"type": "keyword"},
        "ancestors": {"type": "keyword"},
        "label_en": {"type": "text", "analyzer": "folded_en", "copy_to": "typo"},
        "label_fr": {"type": "text", "analyzer": "folded_fr", "copy_to": "typo"},
        "label_es": {"type": "text", "analyzer": "folded_es", "copy_to": "typo"},
        "parents_en": {"type": "text", "analyzer": "folded_en"},
        "parents_fr": {"type": "text", "analyzer": "folded_fr"},
        "parents_es": {"type": "text", "analyzer": "folded_es"},
    }
}

#: Money as stored (minor units) and in major units for range filters, which users give in major units.
MONEY_FIELD = {
    "properties": {
        "minor": {"type": "long"},
        "amount": {"type": "scaled_float", "scaling_factor": 10000},
        "currency": {"type": "keyword"},
    }
}

LISTING_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "listing_id": {"type": "integer"},
        "typo": TYPO_FIELD,
        # Prefixes of the title's words are indexed too, for suggestions as you type (a separate search_as_you_type
        # copy of the title, with its shingle sub-fields, cost a fifth of the indexing rate).
        "title": {
            **_text(),
            "index_prefixes": {"min_chars": 1, "max_chars": 10},
            "fields": {
                **_text()["fields"],
                "raw": {"type": "keyword", "normalizer": "folded_keyword", "ignore_above": 256},
            },
        },
        "description": _text(),
        "language": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "cpv": CPV_FIELD,
        # `order`: the amount in ten-thousandths, a whole number: sorting by price on it is several times faster than on
        # the scaled float (the engine skips listings that cannot reach the page).
        "price": {"properties": {**MONEY_FIELD["properties"], "order": {"type": "long"}}},
        "unit": {"type": "keyword"},
        "sdgs": {"type": "keyword"},  # numbers, counted as keywords: search.facets.NUMBER_FACETS
        "certifications": {"type": "keyword", "normalizer": "folded_keyword"},
        "delivery_countries": {"type": "keyword"},
        "organization": ORGANIZATION_FIELD,
        # The facets' values in one field, "name=value" (search.facets.facet_values): a few hundred terms, whose global
        # ordinals are built at each refresh rather than by the first search after it.
        "facet_values": {"type": "keyword", "eager_global_ordinals": True},
        # 2 a verified co-operative's, 1 a co-operative's, 0 another's: browsing sorts by it (see INDEX_SORTS).
        "cooperative_tier": {"type": "byte"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
    },
}

#: Organisations, for suggestions as you type (and their own search later). Listings carry what they need of
#: their organisation; the organisation's name is not typed-ahead from 100 copies of it in listings.
ORGANIZATION_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "organization_id": {"type": "integer"},
        "name": {"type": "text", "analyzer": "folded", "fields": {"raw": {"type": "keyword", "normalizer": "folded_keyword"}}},
        "name_suggest": {"type": "search_as_you_type", "analyzer": "folded"},
        **ORGANIZATION_FACTS,
    },
}

#: Published tenders of active buyers. Whether a tender is open is decided when it is searched (deadline after
#: the moment of the search), never stored: a stored state would go stale the second the deadline passes.
#: Nothing of the bids is here: they are sealed, and even their number is the buyer's alone to know.
TENDER_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "tender_id": {"type": "integer"},
        "typo": TYPO_FIELD,
        "title": _text(),
        "description": _text(),
        "lots": _text(),  # the lots' titles
        "cpv": CPV_FIELD,
        "policy": {"type": "keyword"},
        "budget": MONEY_FIELD,
        "deadline": {"type": "date"},
        "published_at": {"type": "date"},
        "awarded": {"type": "boolean"},
        "buyer": ORGANIZATION_FIELD,
    },
}

#: Campaigns past their draft, of active organisations. As with tenders, whether a campaign is live is decided when it
#: is searched (status live and deadline after that moment). Running figures (raised, matched, pledged) are not here:
#: they change with every donation, and the pages read them from the database for the campaigns they show.
CAMPAIGN_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "campaign_id": {"type": "integer"},
        "typo": TYPO_FIELD,
        "title": _text(),
        "summary": _text(),
        "story": _text(),  # the words of the Markdown story, without its markup
        "goal": MONEY_FIELD,
        "funding_model": {"type": "keyword"},
        "status": {"type": "keyword"},
        "sdgs": {"type": "integer"},
        "deadline": {"type": "date"},
        "published_at": {"type": "date"},
        "organization": ORGANIZATION_FIELD,
    },
}

#: Published public requests for quotation of active buyers. As with tenders, whether one still takes quotes is decided
#: when it is searched (deadline for quotes after that moment). Invited requests are never here, nor their quotes.
RFQ_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "rfq_id": {"type": "integer"},
        "typo": TYPO_FIELD,
        "title": _text(),
        "description": _text(),
        "cpv": CPV_FIELD,
        "quantity": {"type": "scaled_float", "scaling_factor": 1000},
        "unit": {"type": "keyword"},
        "delivery_country": {"type": "keyword"},
        "delivery_region": {"type": "keyword"},
        "needed_by": {"type": "date"},
        "quotes_due": {"type": "date"},
        "cooperatives_only": {"type": "boolean"},
        "published_at": {"type": "date"},
        "buyer": ORGANIZATION_FIELD,
    },
}

KINDS = {"listings": LISTING_MAPPING, "organizations": ORGANIZATION_MAPPING, "tenders": TENDER_MAPPING,
         "campaigns": CAMPAIGN_MAPPING, "rfqs": RFQ_MAPPING}


#: A document's searchable text in one field of the percolator indices, analysed as its text fields are (see
#: search.alert_queries).
ALERT_TEXT_FIELD = {"type": "text", "analyzer": "folded", "search_analyzer": "folded_synonyms",
                    "fields": {lang: {"type": "text", "analyzer": f"folded_{lang}"} for lang in ("en", "fr", "es")}}


def _percolator(mapping):
    """Saved searches over documents of `mapping`: each is a stored query (the percolator field), with the fields its
    query names mapped as in the documents' own index, so that a new document is matched as a search would match it."""
    return {"dynamic": "strict", "properties": {
        **mapping["properties"],
        "query": {"type": "percolator"},
        # The countries and CPV divisions the search is limited to ("*": any): a document is matched only against the
        # searches that could find it, so the percolator runs few of the stored queries for each document.
        "scope_countries": {"type": "keyword"},
        "scope_divisions": {"type": "keyword"},
        "saved_search_id": {"type": "integer"},
        "user_id": {"type": "integer"},
        "alert_text": ALERT_TEXT_FIELD,
    }}


#: The kind of document each saved search watches -> the percolator kind holding those saved searches.
ALERT_KINDS = {kind: f"{kind}-alerts" for kind in ("listings", "tenders", "rfqs", "campaigns")}
KINDS.update({alerts: _percolator(KINDS[kind]) for kind, alerts in ALERT_KINDS.items()})


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


#: The order an index keeps its documents in, per kind: browsing listings by relevance asks for exactly this order
#: (search.queries), so the engine reads the first page of each segment and stops, instead of sorting a million.
#: Costs indexing speed (measured in bench/search.py); fixed when the index is made.
INDEX_SORTS = {
    "listings": {"sort.field": ["cooperative_tier", "created_at", "listing_id"],
                 "sort.order": ["desc", "desc", "asc"]},
}


#: Settings of how an index is searched, per kind: dynamic, so an index made before takes them in place
#: (SearchEngine.update_mapping). Counting the listings' facets visits every matching listing, up to a million: the node
#: splits such a search (one with aggregations: "auto") into two slices of the index's segments, run side by side on
#: two of its search threads (45 → 24 ms for browsing the co-operatives' listings of a million). Two: a node of this
#: project has two cores, and left alone the engine takes half its cores. Searches without aggregations (the page of
#: hits when browsing) stay on one thread: they stop after a page.
SEARCH_SETTINGS = {
    "listings": {"search.concurrent_segment_search.mode": "auto", "search.concurrent.max_slice_count": 2},
}


#: The settings digest of an index made with no fixed settings (all before they were recorded).
NO_FIXED_SETTINGS = _digest({})


def mapping_meta(kind):
    """What an index of the kind records of the code that made it (its mapping's `_meta`), so that
    SearchEngine.update_mapping sees an index made by older code: digests of its fields, of the fields its documents
    were written with (older until the index is rebuilt), of its analysis and of its fixed settings."""
    fields = _digest(KINDS[kind])
    return {"fields": fields, "documents": fields, "analysis": _digest(ANALYSIS),
            "settings": _digest(INDEX_SORTS.get(kind, {}))}


def index_body(kind, shards=1, replicas=0):
    settings = {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": ANALYSIS}
    if index := {**INDEX_SORTS.get(kind, {}), **SEARCH_SETTINGS.get(kind, {})}:
        settings["index"] = index
    return {"settings": settings, "mappings": {**KINDS[kind], "_meta": mapping_meta(kind)}}


def kept_meta(kind, meta):
    """The `_meta` an index of the kind keeps after its new fields are added in place: what put_mapping cannot change
    stays as the index was made. An index made before indices kept a digest is taken as made with this code's (its
    first check is a baseline), except the fixed settings: it had none."""
    wanted = mapping_meta(kind)
    return {"fields": wanted["fields"], "analysis": meta.get("analysis", wanted["analysis"]),
            "documents": meta.get("documents", meta.get("fields", wanted["fields"])),
            "settings": meta.get("settings", NO_FIXED_SETTINGS)}


_REBUILD_REASONS = (("documents", "its documents lack the new fields"),
                    ("analysis", "it was made with another analysis of the text"),
                    ("settings", "it was made with other fixed settings (its sort)"))


def rebuild_reasons(kind, kept):
    """Why an index of the kind keeping `kept` (kept_meta) needs `flask search reindex <kind>`; empty if it does not."""
    wanted = mapping_meta(kind)
    return [reason for key, reason in _REBUILD_REASONS if kept[key] != wanted[key]]


def new_properties(current, wanted):
    """The properties of the mapping `wanted` that `current` lacks, at any depth (an object's new sub-fields)."""
    added = {}
    for name, mapped in wanted.items():
        if name not in current:
            added[name] = mapped
        elif "properties" in mapped and "properties" in current[name]:
            if inner := new_properties(current[name]["properties"], mapped["properties"]):
                added[name] = {"properties": inner}
    return added
