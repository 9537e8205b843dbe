"""The open ledger: every movement of a campaign's money, its totals, spending per budget line, expenses with receipts."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.services import record
from app.campaigns import funds, receipts
from app.campaigns.models import CAMPAIGN_LEDGER_KINDS, BudgetLine, Expense, LedgerEntry
from app.errors import ValidationFailed
from app.extensions import db
from app.money import Money, MoneyError

LEDGER_PAGE = 100


def entries(campaign, after_id=0, limit=LEDGER_PAGE):
    """Entries in the order they were written, a page at a time (keyset: after an entry id)."""
    return db.session.scalars(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.id > after_id)
                              .order_by(LedgerEntry.id).limit(limit)).all()


def _sums(campaign):
    return dict(db.session.execute(select(LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
                                   .where(LedgerEntry.campaign_id == campaign.id).group_by(LedgerEntry.kind)).all())


def totals(campaign):
    """{kind: Money} of the campaign's own money (money out negative), every kind present, and the balance (their sum);
    the match pools' money is apart (`pool_totals`)."""
    sums = _sums(campaign)
    figures = {kind: Money(int(sums.get(kind) or 0), campaign.currency) for kind in CAMPAIGN_LEDGER_KINDS}
    return figures, Money(sum(money.minor for money in figures.values()), campaign.currency)


def pool_totals(campaign):
    """The match pools from the ledger: {"paid_in", "drawn", "refunded", "held"} (held = paid_in − drawn − refunded).
    Drawn is what match entries took from the pools, less what refunds gave back to them."""
    sums = _sums(campaign)
    drawn = int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.campaign_id == campaign.id, LedgerEntry.kind.in_(("match", "refund")),
        LedgerEntry.match_pledge_id.is_not(None), LedgerEntry.donation_id.is_not(None))))
    paid_in, refunded = int(sums.get("pool") or 0), -int(sums.get("return") or 0)
    return {name: Money(minor, campaign.currency) for name, minor in
            (("paid_in", paid_in), ("drawn", drawn), ("refunded", refunded), ("held", paid_in - drawn - refunded))}


def spent_by_line(campaign):
    """{budget line id: Money spent} from the expenses booked against each line."""
    rows = db.session.execute(select(LedgerEntry.budget_line_id, func.sum(LedgerEntry.amount_minor))
                              .where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.kind == "expense",
                                     LedgerEntry.budget_line_id.is_not(None)).group_by(LedgerEntry.budget_line_id)).all()
    return {line_id: Money(-int(total), campaign.currency) for line_id, total in rows}


def lines_with_spending(line_ids):
    """The ids among `line_ids` of budget lines that an expense or a ledger entry was booked against."""
    if not line_ids:
        return set()
    expenses = select(Expense.budget_line_id).where(Expense.budget_line_id.in_(line_ids))
    entries = select(LedgerEntry.budget_line_id).where(LedgerEntry.budget_line_id.in_(line_ids))
    return set(db.session.scalars(expenses.union(entries)))


def add_expense(campaign, fields, upload, user=None):
    """An expense with its receipt: checked whole before anything is stored; the file is removed again if the ledger
    refuses the amount."""
    try:
        amount = Money.parse(fields["amount"], campaign.currency)
    except MoneyError as error:
        raise ValidationFailed(_("Not a valid amount."), {"amount": [str(error)]}) from None
    line = None
    if fields.get("budget_line_id") is not None:
        line = db.session.get(BudgetLine, fields["budget_line_id"])
        if line is None or line.campaign_id != campaign.id:
            raise ValidationFailed(_("Not a budget line of this campaign."),
                                   {"budget_line_id": [_("Not a line of this campaign.")]})
    data, mime = receipts.check(upload)
    key = receipts.store(data, mime)
    try:
        expense = Expense(campaign_id=campaign.id, budget_line=line, category=fields["category"],
                          description=fields["description"], amount_minor=amount.minor, currency=amount.currency,
                          receipt_key=key, receipt_type=mime, receipt_size=len(data), spent_on=fields["spent_on"],
                          created_by_id=user.id if user is not None else None)
        db.session.add(expense)
        db.session.flush()
        funds.record_spending(campaign, "expense", amount, fields["description"], budget_line=line, expense=expense)
        db.session.flush()
    except Exception:
        receipts.discard(key)
        raise
    return expense


def disburse(campaign, amount, description, *, actor=None, ip=None):
    """Money paid out of the campaign to the organisation's own account."""
    funds.record_spending(campaign, "disbursement", amount, description)
    db.session.flush()
    record("campaign.disbursed", actor=actor, organization=campaign.organization_id, subject=f"campaign:{campaign.id}",
           details={"amount_minor": amount.minor, "currency": amount.currency, "description": description}, ip=ip)


def csv_rows(campaign):
    """The ledger as CSV rows (a header first), amounts as numbers in major units (money out negative)."""
    yield ["id", "date", "kind", "amount", "currency", "description", "budget_line"]
    lines = {line.id: line.title for line in campaign.budget_lines}
    after = 0
    while page := entries(campaign, after, 1000):
        for entry in page:
            yield [entry.id, entry.created_at.date().isoformat(), entry.kind, entry.amount.amount,
                   entry.currency, entry.description, lines.get(entry.budget_line_id, "")]
        after = page[-1].id
