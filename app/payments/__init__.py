"""Payments: the Stripe gateway (the only module that calls Stripe) and Stripe's signed webhooks."""
from flask import Blueprint

bp = Blueprint("payments", __name__)

from app.payments import local_checkout, webhooks  # noqa: E402,F401
