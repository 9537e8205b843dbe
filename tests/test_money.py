"""Money: integer minor units, ISO 4217 exponents, exact parsing."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.money import MAX_MAJOR_UNITS, Money, MoneyError, currency_codes, exponent, formatter, is_currency


@pytest.mark.parametrize("currency, places", [("EUR", 2), ("JPY", 0), ("XOF", 0), ("KWD", 3), ("GBP", 2), ("CLF", 4)])
def test_exponents_follow_iso_4217(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "KES", "INR", "BRL"])
def test_real_currencies_are_accepted(code):
    assert is_currency(code)


@pytest.mark.parametrize("code", ["XAU", "XTS", "ABC", "eur", "EURO", "", None, 978])
def test_metals_test_codes_and_junk_are_not_currencies(code):
    assert not is_currency(code)
    assert code not in currency_codes()


@pytest.mark.parametrize(
    "amount, currency, minor",
    [("12.50", "EUR", 1250), ("12.5", "EUR", 1250), ("1000", "JPY", 1000), ("1.234", "KWD", 1234), (7, "EUR", 700)],
)
def test_parse(amount, currency, minor):
    assert Money.parse(amount, currency).minor == minor


@pytest.mark.parametrize(
    "amount, currency",
    [("10.5", "JPY"), ("0.001", "EUR"), ("-1", "EUR"), ("0", "EUR"), ("abc", "EUR"), ("Infinity", "EUR"),
     ("NaN", "EUR"), (1.5, "EUR"), (True, "EUR"), ("10", "ZZZ"), ("1000000000.01", "EUR"), (None, "EUR")],
)
def test_parse_refuses(amount, currency):
    with pytest.raises(MoneyError):
        Money.parse(amount, currency)


def test_display():
    assert str(Money(123456, "EUR")) == "1,234.56 EUR"
    assert str(Money(5000, "JPY")) == "5,000 JPY"
    assert Money(5, "KWD").as_decimal_string() == "0.005"


@given(
    currency=st.sampled_from(["EUR", "JPY", "KWD", "GBP", "XOF", "CLF"]),
    minor=st.integers(min_value=1, max_value=10**11),
)
def test_decimal_string_round_trips_exactly(currency, minor):
    money = Money(minor, currency)
    if money.amount > MAX_MAJOR_UNITS:
        return
    assert Money.parse(money.as_decimal_string(), currency) == money


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**6), places=3, allow_nan=False))
def test_parsed_amount_equals_the_decimal_given_or_is_refused(value):
    try:
        money = Money.parse(str(value), "EUR")
    except MoneyError:
        assert value != value.quantize(Decimal("0.01"))
    else:
        assert money.amount == value


@given(st.integers(-(10**15), 10**15), st.sampled_from(["EUR", "JPY", "KWD", "CLF", "GBP", "XOF"]))
def test_money_prints_as_decimal_formatting_of_its_exact_amount_would(minor, currency):
    money = Money(minor, currency)
    places = exponent(currency)
    assert str(money) == f"{money.amount:,.{places}f} {currency}"
    assert money.as_decimal_string() == f"{money.amount:.{places}f}"


@given(st.integers(-(10**15), 10**15), st.sampled_from(["EUR", "JPY", "KWD", "CLF", "GBP", "XOF"]),
       st.sampled_from([("\u202f", ","), (".", ","), ("'", ".")]))
def test_other_languages_only_change_the_separators(minor, currency, separators):
    group, decimal = separators
    english = str(Money(minor, currency))
    assert formatter(currency, group=group, decimal=decimal)(minor) == english.translate(
        {ord(","): group, ord("."): decimal})


def test_display_with_french_and_spanish_separators():
    assert formatter("EUR", group="\u202f", decimal=",")(1234567) == "12\u202f345,67 EUR"
    assert formatter("JPY", group=".", decimal=",")(-5000) == "-5.000 JPY"
