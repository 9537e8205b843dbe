"""What the pages and facets call the preference policies."""
from flask_babel import lazy_gettext as _l

POLICY_LABELS = {"none": _l("No preference"), "reserved": _l("Reserved for co-ops"),
                 "price_margin": _l("Margin of preference"), "weighted": _l("Weighted criteria")}
