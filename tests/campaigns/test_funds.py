"""Money in and out of campaigns: matches within their caps, and a ledger whose balance is money in − money out and
whose sums are the campaign's running figures, whatever happens in whatever order."""
import secrets

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from app.campaigns import funds, ledger
from app.campaigns.models import CAMPAIGN_LEDGER_KINDS, Donation, LedgerEntry, MatchPledge
from app.money import Money
from tests.campaigns.conftest import live_campaign

# Pure rules ------------------------------------------------------------------------------------------------------------


@given(amount=st.integers(1, 10**12), factor=st.integers(1, 1000), cap=st.integers(1, 10**12), room=st.integers(0, 10**12))
def test_a_match_never_exceeds_either_cap_nor_the_factor(amount, factor, cap, room):
    matched = funds.match_amount(amount, factor, cap, room)
    assert 0 <= matched <= min(cap, room)
    assert matched <= amount * factor / 100
    if cap >= amount * factor and room >= amount * factor:
        assert matched == amount * factor // 100  # rounded down to the minor unit, never up


def test_matches_are_exact_in_zero_decimal_and_two_decimal_currencies():
    assert funds.match_amount(1001, 50, 10**9, 10**9) == 500  # 1,001 JPY at 1:2 → 500 JPY (never 500.5)
    assert funds.match_amount(1001, 150, 10**9, 10**9) == 1501  # 10.01 EUR at 1.5:1 → 15.01 EUR (15.015 rounded down)


@given(amounts=st.lists(st.integers(1, 10**6), max_size=40),
       pledges=st.lists(st.tuples(st.integers(1, 500), st.integers(1, 10**6), st.integers(0, 10**7)), max_size=4))
def test_projected_matches_never_exceed_the_room_of_the_pledges(amounts, pledges):
    total = funds.projected_matches(amounts, pledges)
    assert 0 <= total <= sum(room for _factor, _cap, room in pledges)
    assert total <= sum(sum(min(a * factor // 100, cap) for a in amounts) for factor, cap, _room in pledges)


# The ledger, under any sequence of movements --------------------------------------------------------------------------

operations = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(50, 500_000)),
    st.tuples(st.just("refund"), st.integers(0, 30)),
    st.tuples(st.just("spend"), st.integers(1, 300_000)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
), max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations, factor=st.integers(1, 300), cap=st.integers(1, 200_000), total=st.integers(1, 1_000_000))
def test_the_balance_is_money_in_minus_money_out_and_the_figures_are_the_ledgers(app, db, steps, factor, cap, total):
    from app.errors import Conflict

    with app.app_context():
        organization, campaign = live_campaign(db, "Ledger")
        pledge = MatchPledge(campaign=campaign, organization=organization, factor_percent=factor, status="accepted",
                             cap_per_donation_minor=cap, cap_total_minor=max(total, cap))
        db.session.add(pledge)
        db.session.flush()
        # The pool is paid before anything matches; a second report of the payment changes nothing.
        for _report in range(2):
            funds.record_pool_payment(funds.locked_pool(pledge.id), pledge.cap_total_minor, "EUR", "pi_pool")
        paid = []
        for action, value in steps:
            if action == "pay":
                donation = Donation(campaign=campaign, amount_minor=value, currency="EUR", email="d@example.org",
                                    receipt_token=secrets.token_hex(16))
                db.session.add(donation)
                db.session.flush()
                funds.record_payment(funds.locked_donation(donation.id), value, "eur", f"pi_{donation.id}")
                paid.append(donation.id)
            elif action in ("refund", "replay") and paid:
                donation = funds.locked_donation(paid[value % len(paid)])
                if action == "refund":
                    funds.record_refund(donation)
                else:
                    funds.record_payment(donation, donation.amount_minor, "EUR")
            elif action == "spend":
                try:
                    with db.session.begin_nested():
                        funds.record_spending(campaign, "expense", Money(value, "EUR"), "Spending")
                except Conflict:
                    pass  # more than the campaign holds: refused, nothing written
            db.session.flush()
            db.session.refresh(campaign)

            everything = db.session.scalars(select(LedgerEntry.amount_minor).where(LedgerEntry.campaign_id == campaign.id)).all()
            entries = db.session.scalars(select(LedgerEntry.amount_minor).where(
                LedgerEntry.campaign_id == campaign.id, LedgerEntry.kind.in_(CAMPAIGN_LEDGER_KINDS))).all()
            money_in = sum(a for a in entries if a > 0)
            money_out = -sum(a for a in entries if a < 0)
            figures, balance = ledger.totals(campaign)
            assert balance.minor == money_in - money_out == funds.balance(campaign.id)
            assert sum(m.minor for m in figures.values()) == balance.minor

            def total_of(kind, **conditions):
                statement = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
                    LedgerEntry.campaign_id == campaign.id, LedgerEntry.kind == kind)
                for name, is_null in conditions.items():
                    column = getattr(LedgerEntry, name)
                    statement = statement.where(column.is_(None) if is_null else column.is_not(None))
                return db.session.scalar(statement)

            assert campaign.raised_minor == total_of("donation")
            assert campaign.refunded_minor == -total_of("refund", match_pledge_id=True)
            assert campaign.matched_minor == total_of("match") + total_of("refund", match_pledge_id=False)
            db.session.refresh(pledge)
            assert 0 <= pledge.matched_minor <= pledge.paid_minor == pledge.cap_total_minor
            assert pledge.matched_minor == campaign.matched_minor
            # The pools beside the campaign's money: paid in = drawn + refunded + held, and everything in the ledger is
            # either the campaign's balance, what the pool holds, or what matches moved from the pool to the campaign.
            pools = {name: money.minor for name, money in ledger.pool_totals(campaign).items()}
            assert pools["drawn"] == pledge.matched_minor and pools["held"] == pledge.held.minor >= 0
            assert pools["paid_in"] == pools["drawn"] + pools["refunded"] + pools["held"]
            assert sum(everything) == balance.minor + pools["held"] + pools["drawn"]

        # Settlement: what is left goes back to the pledger, and the pool holds nothing.
        rest = pledge.held.minor
        db.session.execute(update(MatchPledge).where(MatchPledge.id == pledge.id).values(status="refunded", refunded_minor=rest))
        funds.record_pool_return(funds.locked_pool(pledge.id), rest, "re_rest")
        pools = {name: money.minor for name, money in ledger.pool_totals(campaign).items()}
        assert pools["held"] == 0 and pools["refunded"] == rest and pools["paid_in"] == pools["drawn"] + rest
        assert ledger.totals(campaign)[1].minor == funds.balance(campaign.id)
        db.session.rollback()
