"""The arithmetic of quotes: exact, in integer minor units and thousandths of a unit."""
from app.money import MAX_MAJOR_UNITS, exponent
from app.trade.models import QUANTITY_SCALE


def line_total_minor(quantity_milli, unit_price_minor):
    """quantity × unit price, rounded half up to the currency's minor unit (both are positive)."""
    return (quantity_milli * unit_price_minor + QUANTITY_SCALE // 2) // QUANTITY_SCALE


def largest_minor(currency):
    """The largest amount the platform takes in `currency`, in minor units."""
    return int(MAX_MAJOR_UNITS) * 10 ** exponent(currency)
