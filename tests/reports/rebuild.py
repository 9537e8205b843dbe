"""A report's figures rebuilt the plain way: every order, contract and ledger entry read into Python and counted one by
one, with none of the SQL of app.reports.figures. The tests compare the two."""
import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import select

from app.campaigns.models import CAMPAIGN_LEDGER_KINDS, Campaign, LedgerEntry
from app.extensions import db
from app.orgs.models import Organization
from app.tenders.models import Contract
from app.trade.models import Order

SPENDING = ("expense", "disbursement")


def _before_end(period, moment):
    """Before the end of the period's last day (always, for no period or one to the last day a date can name)."""
    return period is None or period.last == dt.date.max or moment < dt.datetime.combine(
        period.last + dt.timedelta(days=1), dt.time.min, dt.UTC)


def _in(period, moment):
    return period is None or (moment >= dt.datetime.combine(period.first, dt.time.min, dt.UTC)
                              and _before_end(period, moment))


def _month(moment):
    return moment.astimezone(dt.UTC).strftime("%Y-%m")


def rebuild(organization_ids, period, currency=None):
    """{"totals": {currency: Counter}, "by_month": {(month, currency): Counter}, "by_sdg": {(sdg, currency): Counter}}
    for the organisations of `organization_ids` (None: everyone)."""
    totals, by_month, by_sdg = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)

    def ours(organization_id):
        return organization_ids is None or organization_id in organization_ids

    def count(key_month, money, measure, counted, amount_by_sdg, code):
        totals[code][measure] += money
        totals[code][counted] += 1
        by_month[(key_month, code)][measure] += money
        by_month[(key_month, code)][counted] += 1
        for sdg, amount in amount_by_sdg.items():
            by_sdg[(sdg, code)][measure] += amount
            by_sdg[(sdg, code)][counted] += 1

    for order in db.session.scalars(select(Order)):
        if order.status == "cancelled" or not _in(period, order.placed_at) or currency not in (None, order.currency):
            continue
        per_sdg = Counter()
        for line in order.lines:
            sdgs = _listing_sdgs(line.listing_id) or [None]
            for sdg in sdgs:
                per_sdg[sdg] += line.total_minor
        for side, party in (("bought", order.buyer_organization_id), ("sold", order.seller_organization_id)):
            if ours(party):
                count(_month(order.placed_at), order.total_minor, side, f"{side}_orders", per_sdg, order.currency)

    for contract in db.session.scalars(select(Contract)):
        if not _in(period, contract.awarded_at) or currency not in (None, contract.currency):
            continue
        # A joint bid's contract is won in parts, each member's by its declared share.
        parts = [(share.organization_id, share.value_minor) for share in contract.shares] or [
            (contract.supplier_id, contract.value_minor)]
        won, won_by_sdg = 0, Counter()
        for party, value in parts:
            if ours(party):
                won += value
                for sdg in [goal.number for goal in db.session.get(Organization, party).sdgs] or [None]:
                    won_by_sdg[sdg] += value
        if won_by_sdg:  # one contract, however many of its members are ours
            count(_month(contract.awarded_at), won, "won", "won_contracts", won_by_sdg, contract.currency)
        if ours(contract.buyer_id):
            sdgs = [goal.number for goal in db.session.get(Organization, contract.supplier_id).sdgs] or [None]
            count(_month(contract.awarded_at), contract.value_minor, "awarded", "awarded_contracts",
                  dict.fromkeys(sdgs, contract.value_minor), contract.currency)

    campaigns_seen = defaultdict(set)
    for entry in db.session.scalars(select(LedgerEntry)):
        campaign = db.session.get(Campaign, entry.campaign_id)
        if entry.kind not in CAMPAIGN_LEDGER_KINDS or not ours(campaign.organization_id):
            continue
        if currency not in (None, entry.currency):
            continue
        if _before_end(period, entry.created_at):
            totals[entry.currency]["balance"] += entry.amount_minor
        if not _in(period, entry.created_at):
            continue
        measure = {"donation": "raised", "match": "matched", "refund": "refunded", "fee": "fees"}.get(entry.kind, "spent")
        amount = entry.amount_minor if entry.kind in ("donation", "match") else -entry.amount_minor
        keys = [("total", entry.currency), ("month", (_month(entry.created_at), entry.currency))]
        keys += [("sdg", (goal.number, entry.currency)) for goal in campaign.sdgs] or [("sdg", (None, entry.currency))]
        for grouping, key in keys:
            target = {"total": totals, "month": by_month, "sdg": by_sdg}[grouping]
            target[key][measure] += amount
            if campaign.id not in campaigns_seen[(grouping, key)]:
                campaigns_seen[(grouping, key)].add(campaign.id)
                target[key]["campaigns"] += 1
    return {"totals": dict(totals), "by_month": dict(by_month), "by_sdg": dict(by_sdg)}


def _listing_sdgs(listing_id):
    from app.catalog.models import Listing

    listing = db.session.get(Listing, listing_id) if listing_id is not None else None
    return [goal.number for goal in listing.sdgs] if listing is not None else []
