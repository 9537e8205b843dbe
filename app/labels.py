"""What the pages call the values stored in the database: statuses, tender states and roles.

The database and the JSON API keep the raw English values ("draft", "succeeded", "buyer"); pages show these labels,
as badges or inside sentences ("A failed campaign cannot be changed."). The English labels are lowercase so that they
read well in both places.

Each label carries its kind as a translation context (msgctxt): the same English word needs a different translation
depending on the noun it qualifies ("closed" is "clos" for a tender, "clôturée" for a campaign in French).
`lazy_pgettext` is imported as `pgettext` so that `pybabel extract` (`make translations`) reads the context with its
default keywords; the labels stay lazy and are translated when shown, in the reader's language.
"""
from flask_babel import lazy_pgettext as pgettext

LABELS = {
    # app.trade.models.RFQ_STATUSES
    "rfq": {
        "draft": pgettext("rfq", "draft"),
        "published": pgettext("rfq", "published"),
        "cancelled": pgettext("rfq", "cancelled"),
    },
    # app.trade.models.QUOTE_STATUSES
    "quote": {
        "sent": pgettext("quote", "sent"),
        "superseded": pgettext("quote", "superseded"),
        "withdrawn": pgettext("quote", "withdrawn"),
        "declined": pgettext("quote", "declined"),
        "accepted": pgettext("quote", "accepted"),
    },
    # app.trade.models.ORDER_STATUSES
    "order": {
        "placed": pgettext("order", "placed"),
        "confirmed": pgettext("order", "confirmed"),
        "shipped": pgettext("order", "shipped"),
        "delivered": pgettext("order", "delivered"),
        "completed": pgettext("order", "completed"),
        "cancelled": pgettext("order", "cancelled"),
    },
    # app.catalog.models.LISTING_STATUSES
    "listing": {
        "draft": pgettext("listing", "draft"),
        "active": pgettext("listing", "active"),
        "paused": pgettext("listing", "paused"),
        "archived": pgettext("listing", "archived"),
    },
    # app.catalog.models: what a listing offers
    "listing_kind": {
        "good": pgettext("listing_kind", "good"),
        "service": pgettext("listing_kind", "service"),
    },
    # app.tenders.models.TENDER_STATUSES, and the states Tender.state() computes from them
    "tender": {
        "draft": pgettext("tender", "draft"),
        "published": pgettext("tender", "published"),
        "open": pgettext("tender", "open"),
        "closed": pgettext("tender", "closed"),
        "awarded": pgettext("tender", "awarded"),
        "cancelled": pgettext("tender", "cancelled"),
    },
    # app.tenders.models.BID_STATUSES
    "bid": {
        "submitted": pgettext("bid", "submitted"),
        "withdrawn": pgettext("bid", "withdrawn"),
    },
    # app.tenders.models.CONTRACT_STATUSES
    "contract": {
        "active": pgettext("contract", "active"),
        "completed": pgettext("contract", "completed"),
        "terminated": pgettext("contract", "terminated"),
    },
    # app.campaigns.models.CAMPAIGN_STATUSES, and "ended" of app.campaigns.search_schemas.HIT_STATUSES
    "campaign": {
        "draft": pgettext("campaign", "draft"),
        "live": pgettext("campaign", "live"),
        "ended": pgettext("campaign", "ended"),
        "succeeded": pgettext("campaign", "succeeded"),
        "failed": pgettext("campaign", "failed"),
        "closed": pgettext("campaign", "closed"),
    },
    # app.campaigns.models.DONATION_STATUSES
    "donation": {
        "pending": pgettext("donation", "pending"),
        "pledged": pgettext("donation", "pledged"),
        "succeeded": pgettext("donation", "succeeded"),
        "failed": pgettext("donation", "failed"),
        "released": pgettext("donation", "released"),
        "refunded": pgettext("donation", "refunded"),
        "review": pgettext("donation", "review"),
    },
    # app.campaigns.models.LEDGER_KINDS
    "ledger": {
        "donation": pgettext("ledger", "donation"),
        "match": pgettext("ledger", "match"),
        "refund": pgettext("ledger", "refund"),
        "fee": pgettext("ledger", "fee"),
        "expense": pgettext("ledger", "expense"),
        "disbursement": pgettext("ledger", "disbursement"),
        "pool": pgettext("ledger", "pool"),
        "return": pgettext("ledger", "return"),
    },
    # app.campaigns.models.MATCH_PLEDGE_STATUSES
    "match_pledge": {
        "offered": pgettext("match_pledge", "offered"),
        "accepted": pgettext("match_pledge", "accepted"),
        "declined": pgettext("match_pledge", "declined"),
        "active": pgettext("match_pledge", "active"),
        "settled": pgettext("match_pledge", "settled"),
        "refunded": pgettext("match_pledge", "refunded"),
        "cancelled": pgettext("match_pledge", "cancelled"),
    },
    # app.accounts.models.ROLES
    "role": {
        "admin": pgettext("role", "admin"),
        "buyer": pgettext("role", "buyer"),
        "seller": pgettext("role", "seller"),
        "finance": pgettext("role", "finance"),
    },
    # app.directory.models.FEDERATION_MEMBERSHIP_STATUSES
    "federation_membership": {
        "declared": pgettext("federation_membership", "declared"),
        "confirmed": pgettext("federation_membership", "confirmed"),
        "declined": pgettext("federation_membership", "declined"),
        "ended": pgettext("federation_membership", "ended"),
    },
    # app.orgs.models.VERIFICATION_STATUSES
    "verification": {
        "unverified": pgettext("verification", "unverified"),
        "pending": pgettext("verification", "pending"),
        "verified": pgettext("verification", "verified"),
        "rejected": pgettext("verification", "rejected"),
    },
}


def label(kind, value):
    """The label of `value` among the values of `kind`, in the current language; the value itself (as text) if either
    is unknown, so a page never fails on a value added later."""
    try:
        text = LABELS.get(kind, {}).get(value)
    except TypeError:  # an unhashable value: not one of ours
        text = None
    if text is None:
        return "" if value is None else str(value)
    return str(text)


def choices(kind, values):
    """(value, label) pairs for a select field, labels translated when the form is shown."""
    return [(value, LABELS[kind].get(value, value)) for value in values]
