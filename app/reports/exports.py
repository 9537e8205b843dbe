"""A report as a CSV file (figures as numbers, for spreadsheets) and as a PDF document (tables, for reading)."""
from flask_babel import gettext as _

from app.money import formatter
from app.pdf import Document
from app.reports.figures import COUNTS, MEASURES

CSV_HEADER = ["section", "key", "label", "currency", *COUNTS, *MEASURES, "net", "balance"]


def csv_rows(summary):
    """The report's rows, a header first: per currency in total (with the balance), by month, by SDG ("none": no SDG);
    amounts in major units."""
    yield CSV_HEADER
    for row in summary["by_currency"]:
        yield ["total", "", "", row["currency"], *_counts(row), *_amounts(row), row["balance"].amount]
    for row in summary["by_month"]:
        yield ["month", row["month"], "", row["currency"], *[""] * len(COUNTS), *_amounts(row), ""]
    for row in summary["by_sdg"]:
        yield ["sdg", row["sdg"] or "none", row["label"], row["currency"], *[""] * len(COUNTS), *_amounts(row), ""]


def _counts(row):
    return [row[name] for name in COUNTS]


def _amounts(row):
    return [row[name].amount for name in (*MEASURES, "net")]


def _plain(money):
    """An amount without its currency code (the table has a currency column)."""
    return formatter(money.currency, code=False)(money.minor)


def _total_lines(summary):
    """(label, figure per currency) lines of the totals table."""
    rows = summary["by_currency"]
    return [
        (_("Orders bought"), [row["bought_orders"] for row in rows]), (_("Bought"), [_plain(r["bought"]) for r in rows]),
        (_("Orders sold"), [row["sold_orders"] for row in rows]), (_("Sold"), [_plain(r["sold"]) for r in rows]),
        (_("Contracts won"), [row["won_contracts"] for row in rows]), (_("Won"), [_plain(r["won"]) for r in rows]),
        (_("Contracts awarded"), [row["awarded_contracts"] for row in rows]),
        (_("Awarded"), [_plain(r["awarded"]) for r in rows]),
        (_("Campaigns"), [row["campaigns"] for row in rows]), (_("Raised"), [_plain(r["raised"]) for r in rows]),
        (_("Matched"), [_plain(r["matched"]) for r in rows]), (_("Refunded"), [_plain(r["refunded"]) for r in rows]),
        (_("Fees"), [_plain(r["fees"]) for r in rows]), (_("Spent"), [_plain(r["spent"]) for r in rows]),
        (_("Net"), [_plain(r["net"]) for r in rows]),
        (_("Balance at the end"), [_plain(r["balance"]) for r in rows]),
    ]


ROW_COLUMNS = ("bought", "sold", "won", "awarded", "raised", "matched", "spent")
#: The first column (a month, an SDG's name) wider than the figures, the currency narrower.
ROW_WIDTHS = (3.2, 1.6, *[2] * len(ROW_COLUMNS))


def _row_header(first):
    return [first, _("Currency"), _("Bought"), _("Sold"), _("Won"), _("Awarded"), _("Raised"), _("Matched"), _("Spent")]


def pdf_document(summary, title, subtitle):
    """The report as a PDF: totals per currency, then by month and by SDG."""
    document = Document(title, subtitle)
    if summary["members"] is not None:
        document.paragraph(_("%(included)s of the %(confirmed)s confirmed members make their report public: only their "
                             "figures are added up here.", **summary["members"]))
    document.heading(_("Totals"))
    if summary["by_currency"]:
        document.rows(["", *[row["currency"] for row in summary["by_currency"]]],
                      [[label, *values] for label, values in _total_lines(summary)])
    else:
        document.paragraph(_("Nothing in this period."))
    document.heading(_("By month"))
    document.rows(_row_header(_("Month")), [[row["month"], row["currency"], *[_plain(row[name]) for name in ROW_COLUMNS]]
                                            for row in summary["by_month"]], align_right_from=2, widths=ROW_WIDTHS)
    document.heading(_("By SDG"))
    document.paragraph(_("A value counts in full under each SDG it serves: the SDG rows do not add up to the totals."))
    document.rows(_row_header(_("SDG")),
                  [[f"{row['sdg']}. {row['label']}" if row["sdg"] else row["label"], row["currency"],
                    *[_plain(row[name]) for name in ROW_COLUMNS]] for row in summary["by_sdg"]], align_right_from=2,
                  widths=ROW_WIDTHS)
    return document
