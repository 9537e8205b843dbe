"""Reports: an organisation's (its members, or anyone when it is public), a federation's aggregate of its confirmed
members' public reports (its admins), and the SDG view of the transparency dashboard (anyone).

Each report is computed by app.reports.figures; `summary()` shapes it once for the page, the API, the CSV and the PDF:
money as Money, one amount per currency, never two currencies added together (counts of orders, contracts and campaigns
are added: they are not money)."""
import dataclasses
from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.directory.services import confirmed_members
from app.extensions import db
from app.money import Money
from app.orgs.models import Organization
from app.reference.services import sdg_goals
from app.reports.figures import COUNTS, MEASURES, Figures, Period, Scope, compute, net, platform_by_sdg
from app.reports.policy import require_federation_report_reader, require_report_reader
from app.tenders import transparency as contract_totals
from app.tenders.transparency import chosen_currency
from app.trade import totals as trade_totals

CAMPAIGN_MEASURES = ("raised", "matched", "refunded", "fees", "spent")


@dataclasses.dataclass
class Report:
    organization: Organization
    period: Period
    currency: str | None
    figures: Figures
    #: A federation's aggregate: {"confirmed": its confirmed members, "included": those whose report is public}.
    members: dict | None = None


def organization_report(actor, organization, period, currency=None):
    """The organisation's report for the period, in `currency` or in each of its currencies."""
    require_report_reader(actor, organization)
    return Report(organization, period, currency, compute(Scope(organization.id), period, currency))


def public_confirmed_members(federation_id):
    """A select of the ids of the federation's confirmed members that make their report public and are active."""
    return select(Organization.id).where(Organization.id.in_(confirmed_members(federation_id)),
                                         Organization.report_public.is_(True), Organization.is_active.is_(True))


def _count(statement):
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def federation_report(actor, federation, period, currency=None):
    """The sum of the public reports of the federation's confirmed members (its admins): a member that has not been
    confirmed, or keeps its report private, is never in it."""
    require_federation_report_reader(actor, federation)
    included = public_confirmed_members(federation.id)
    members = {"confirmed": _count(confirmed_members(federation.id)), "included": _count(included)}
    return Report(federation, period, currency, compute(Scope(included), period, currency), members)


def _row(counter, currency):
    """A month's or an SDG's money, with what the charts draw: trade (bought and sold), contracts (won and awarded) and
    campaign money (raised and matched, less refunds)."""
    row = {name: Money(counter[name], currency) for name in MEASURES}
    row["net"] = Money(net(counter), currency)
    row["trade"] = Money(counter["bought"] + counter["sold"], currency)
    row["contracts"] = Money(counter["won"] + counter["awarded"], currency)
    row["campaign_money"] = Money(counter["raised"] + counter["matched"] - counter["refunded"], currency)
    return row


def _sdg_names(number, labels):
    """The SDG's short name ("Zero hunger"), and its title with its number ("2. Zero hunger"); "No SDG" for None."""
    if number is None:
        return {"label": _("No SDG"), "title": _("No SDG")}
    return {"label": labels[number], "title": f"{number}. {labels[number]}"}


def _sdg_order(item):
    (number, currency), _counter = item
    return (number is None, number or 0, currency)


def summary(report, locale="en"):
    """The report as it is shown and downloaded: totals per section, rows by month and by SDG."""
    figures, currencies = report.figures, report.figures.currencies
    totals = figures.totals

    def values(name):
        return [Money(totals[currency][name], currency) for currency in currencies]

    def count(name):
        return sum(totals[currency][name] for currency in currencies)

    labels = {goal.number: goal.short(locale) for goal in sdg_goals()}
    return {
        "organization": report.organization, "from": report.period.first, "to": report.period.last,
        "currency": report.currency, "currencies": currencies, "members": report.members,
        "by_currency": [{"currency": currency, **{name: totals[currency][name] for name in COUNTS},
                         **_row(totals[currency], currency), "balance": Money(totals[currency]["balance"], currency)}
                        for currency in currencies],
        "trade": {side: {"orders": count(f"{side}_orders"), "value": values(side)} for side in ("bought", "sold")},
        "contracts": {side: {"contracts": count(f"{side}_contracts"), "value": values(side)}
                      for side in ("won", "awarded")},
        "campaigns": {"campaigns": count("campaigns"), **{name: values(name) for name in CAMPAIGN_MEASURES},
                      "net": [Money(net(totals[currency]), currency) for currency in currencies],
                      "balance": values("balance")},
        "by_month": [{"month": month, "currency": currency, **_row(counter, currency)}
                     for (month, currency), counter in sorted(figures.by_month.items())],
        "by_sdg": [{"sdg": number, **_sdg_names(number, labels), "currency": currency, **_row(counter, currency)}
                   for (number, currency), counter in sorted(figures.by_sdg.items(), key=_sdg_order)],
    }


def transparency_by_sdg(currency, locale="en"):
    """The 17 SDGs, then "no SDG": contract value, trade value and campaign money (raised and matched, less refunds) in
    `currency`, all time, every organisation."""
    by_sdg = platform_by_sdg(currency)
    labels = {goal.number: goal.short(locale) for goal in sdg_goals()}
    rows = []
    for number in [*labels, None]:
        counter = by_sdg.get(number, Counter())
        rows.append({"sdg": number, **_sdg_names(number, labels), "contracts": Money(counter["won"], currency),
                     "trade": Money(counter["sold"], currency),
                     "campaign_money": Money(counter["raised"] + counter["matched"] - counter["refunded"], currency)})
    return rows


def transparency_currencies():
    """Currencies with contracts or trade, the most used first: the transparency dashboard's choice."""
    return list(dict.fromkeys(contract_totals.currencies() + trade_totals.currencies()))


def transparency_currency(asked):
    """The currency asked for, else the dashboard's first."""
    return chosen_currency(asked, transparency_currencies())
