"""The search subsystem: OpenSearch behind a small public surface.

- `search.client.build_client` is the only place a client is built (from SEARCH_URL and friends); it reaches each node
  over `search.connection` (one kept-alive socket per thread, answers parsed by httptools).
- `SearchEngine` (search.engine; its indices in search.indices) manages versioned indices behind one alias per kind, writes in bulk
  with external versions (an older write never replaces a newer one), and answers queries:
  `bulk` (index / delete), `search_listings`, `search_tenders`, `search_campaigns`, `search_rfqs`, `suggest`.
- `search.queries` (listings and the shared pieces; facets in `search.facets`), `search.tender_queries`,
  `search.campaign_queries` and `search.rfq_queries` build the
  query bodies from plain values; user text never reaches a query parser.
- `search.reindex.rebuild` fills a fresh index, replays changes made meanwhile and swaps the alias.
- `search/node/` starts a real OpenSearch node for development and tests.

The app feeds it through its outbox (app/indexing); `search/` never imports the app.
"""
from search.campaign_queries import CAMPAIGN_FACET_FIELDS, CAMPAIGN_FACETS, CAMPAIGN_SORTS, CampaignQuery
from search.engine import BulkOutcome, SearchEngine, SearchUnavailable
from search.facets import FACET_FIELDS, RETURNED_FACETS, facet_values
from search.mappings import ALERT_KINDS
from search.queries import SORTS, ListingQuery
from search.rfq_queries import RFQ_FACET_FIELDS, RFQ_FACETS, RfqQuery
from search.tender_queries import TENDER_FACET_FIELDS, TENDER_FACETS, TENDER_SORTS, TenderQuery

__all__ = ["ALERT_KINDS", "BulkOutcome", "CAMPAIGN_FACETS", "CAMPAIGN_FACET_FIELDS", "CAMPAIGN_SORTS", "CampaignQuery", "FACET_FIELDS",
           "ListingQuery", "RETURNED_FACETS", "RFQ_FACETS", "RFQ_FACET_FIELDS", "RfqQuery", "SORTS", "SearchEngine",
           "SearchUnavailable", "TENDER_FACETS", "TENDER_FACET_FIELDS", "TENDER_SORTS", "TenderQuery", "facet_values"]
