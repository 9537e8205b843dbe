"""Money as integer minor units plus an ISO 4217 code; decimals only at the edges."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

import pycountry
from flask_babel import gettext as _
from flask_babel import ngettext

# ISO 4217 minor units that differ from the usual two decimals.
_EXPONENT_EXCEPTIONS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
# Precious metals, bond units, SDR and the testing codes are not money anyone lists a price in.
_NOT_TRADED = set("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split())

#: No single price or amount on the platform may exceed this many major units.
MAX_MAJOR_UNITS = Decimal(1_000_000_000)


@cache
def _codes():
    return frozenset(c.alpha_3 for c in pycountry.currencies) - _NOT_TRADED


def is_currency(code):
    """True for an active ISO 4217 code (upper case) that can price goods."""
    return isinstance(code, str) and code in _codes()


def currency_codes():
    """Every currency accepted on the platform, sorted."""
    return sorted(_codes())


def exponent(currency):
    """Number of decimals of the currency's minor unit (JPY 0, EUR 2, KWD 3)."""
    return _EXPONENT_EXCEPTIONS.get(currency, 2)


class MoneyError(ValueError):
    """An amount that cannot be money in the given currency; the message is in the reader's language (English outside
    a request)."""


@dataclass(frozen=True, order=True, slots=True)
class Money:
    minor: int
    currency: str

    @classmethod
    def parse(cls, amount, currency, *, allow_zero=False):
        """Money from a decimal string (or int) in major units; refuses floats and extra decimals."""
        if not is_currency(currency):
            raise MoneyError(_("Unknown currency."))
        if isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal)):
            raise MoneyError(_("Give the amount as a decimal string, e.g. \"12.50\"."))
        if str(amount).strip() == "":
            raise MoneyError(_("Give an amount."))
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise MoneyError(_("Not a valid amount.")) from None
        if not value.is_finite():
            raise MoneyError(_("Not a valid amount."))
        if value < 0 or (value == 0 and not allow_zero):
            raise MoneyError(_("The amount must be greater than zero."))
        if value > MAX_MAJOR_UNITS:
            raise MoneyError(_("The amount is too large."))
        places = exponent(currency)
        minor = value.scaleb(places)
        if minor != minor.to_integral_value():
            if places == 0:
                raise MoneyError(_("%(currency)s amounts take no decimals.", currency=currency))
            raise MoneyError(ngettext("%(currency)s amounts have at most %(num)d decimal.",
                                      "%(currency)s amounts have at most %(num)d decimals.", places, currency=currency))
        return cls(int(minor), currency)

    @property
    def amount(self):
        """The amount in major units as an exact Decimal."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def as_decimal_string(self):
        """'12.50' for EUR, '1000' for JPY: always the currency's number of decimals."""
        return formatter(self.currency, thousands=False, code=False)(self.minor)

    def __str__(self):
        return formatter(self.currency)(self.minor)


@cache
def formatter(currency, *, thousands=True, code=True, group=",", decimal="."):
    """A function printing minor units of `currency` as Money prints them ('10,500.00 EUR', '1,000 JPY'); pages in
    other languages give their own separators ('10 500,00 EUR' in French).

    Integer arithmetic, not Decimal formatting, and the currency's facts looked up once: a ranking of thousands of
    bids prints a few prices per bid.
    """
    places, suffix = exponent(currency), f" {currency}" if code else ""
    scale = 10**places

    def print_minor(minor):
        major, rest = divmod(abs(minor), scale)
        text = f"{major:,}".replace(",", group) if thousands else str(major)
        if places:
            text = f"{text}{decimal}{rest:0{places}d}"
        return f"-{text}{suffix}" if minor < 0 else f"{text}{suffix}"

    return print_minor
