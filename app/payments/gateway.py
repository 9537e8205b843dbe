"""The one door to Stripe: every call the product makes goes through StripeGateway, built from configuration.

Each call carries an idempotency key derived from the donation (or match pledge) and the purpose
("coopex-donation-42-checkout", "coopex-match-pledge-7-refund"), so a retry after a timeout can never charge or refund
twice. Amounts are integers of the currency's minor unit, as Stripe takes them
(zero-decimal currencies such as JPY and XOF included).
"""
import json
import time
from dataclasses import dataclass

import stripe
from flask import current_app
from flask_babel import gettext as _

from app.errors import ServiceUnavailable, ValidationFailed
from app.money import Money

#: Stripe's minimum charge per presentment currency, in minor units (Stripe's "Minimum and maximum charge amounts").
#: For a currency not listed, Stripe converts to the settlement currency and refuses what falls under its minimum: that
#: refusal (code amount_too_small) reaches the donor as the same field error.
MINIMUM_CHARGE = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500, "DKK": 250, "EUR": 50,
    "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000, "MYR": 200, "NOK": 300, "NZD": 50,
    "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}
#: Card errors of an off-session charge the donor can fix by paying through a link (the others are ours to look at).
DONOR_FIXABLE = {"card_declined", "authentication_required", "expired_card", "insufficient_funds", "incorrect_cvc"}


class PaymentUnavailable(ServiceUnavailable):
    """Stripe could not be reached or answered with an error that is not the donor's."""

    code = "payment_unavailable"


class ChargeFailed(Exception):
    """An off-session charge Stripe refused; `code` is Stripe's decline or error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class InvalidWebhook(ValueError):
    """A webhook whose signature is missing, wrong or stale, or whose body is not an event."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def check_minimum(amount):
    """Refuse an amount under Stripe's minimum charge for its currency (a field error on `amount`)."""
    minimum = MINIMUM_CHARGE.get(amount.currency)
    if minimum is not None and amount.minor < minimum:
        raise ValidationFailed(_("The amount is below the minimum a card payment can be."),
                               {"amount": {"amount": [_("At least %(amount)s.", amount=str(Money(minimum, amount.currency)))]}})


class StripeGateway:
    def __init__(self, secret_key, webhook_secret, api_base=None, timeout=20, tolerance=300, local_checkout=False):
        self.webhook_secret = webhook_secret
        self.tolerance = tolerance
        #: Development against stripe-mock: payers go to the app's own test Checkout page (app.payments.local_checkout).
        self.local_checkout = local_checkout
        self.client = stripe.StripeClient(
            secret_key, base_addresses={"api": api_base} if api_base else {},
            http_client=stripe.new_default_http_client(timeout=timeout), max_network_retries=2)

    @classmethod
    def from_config(cls, config):
        return cls(config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"], config.get("STRIPE_API_BASE"),
                   tolerance=config.get("STRIPE_WEBHOOK_TOLERANCE", 300), local_checkout=config.get("LOCAL_CHECKOUT", False))

    # Payments ----------------------------------------------------------------------------------------------------------

    def checkout(self, donation, campaign_title, success_url, cancel_url):
        """A hosted Checkout Session for the donation: `payment` mode (charged now) for keep-it-all campaigns, `setup`
        mode (the card saved, charged at the deadline if the goal is met) for all-or-nothing ones."""
        metadata = {"donation_id": str(donation.id), "campaign_id": str(donation.campaign_id)}
        params = {"success_url": success_url, "cancel_url": cancel_url, "customer_email": donation.email,
                  "client_reference_id": str(donation.id), "metadata": metadata}
        if donation.campaign.funding_model == "all_or_nothing":
            params.update(mode="setup", currency=donation.currency.lower(), customer_creation="always",
                          setup_intent_data={"metadata": metadata, "description": f"Pledge to {campaign_title}"})
        else:
            params.update(mode="payment", submit_type="donate", payment_intent_data={"metadata": metadata},
                          line_items=[{"quantity": 1, "price_data": {
                              "currency": donation.currency.lower(), "unit_amount": donation.amount_minor,
                              "product_data": {"name": f"Donation to {campaign_title}"}}}])
        session = self._call(self.client.v1.checkout.sessions.create, params, _key(donation, "checkout"), amount_field=True)
        return self._checkout_session(session, params)

    def payment_link(self, donation, campaign_title, success_url, cancel_url):
        """A Checkout Session in `payment` mode for a pledge whose off-session charge failed: the donor pays by hand."""
        metadata = {"donation_id": str(donation.id), "campaign_id": str(donation.campaign_id)}
        params = {"mode": "payment", "success_url": success_url, "cancel_url": cancel_url, "customer_email": donation.email,
                  "client_reference_id": str(donation.id), "metadata": metadata, "payment_intent_data": {"metadata": metadata},
                  "line_items": [{"quantity": 1, "price_data": {
                      "currency": donation.currency.lower(), "unit_amount": donation.amount_minor,
                      "product_data": {"name": f"Pledge to {campaign_title}"}}}]}
        session = self._call(self.client.v1.checkout.sessions.create, params, _key(donation, "pay-by-link"))
        return self._checkout_session(session, params)

    def saved_card(self, setup_intent_id):
        """(customer id, payment method id) saved by a setup-mode Checkout Session."""
        intent = self._call(self.client.v1.setup_intents.retrieve, setup_intent_id)
        customer, method = intent.customer, intent.payment_method
        return (getattr(customer, "id", customer), getattr(method, "id", method))

    def charge_pledge(self, donation):
        """Charge a pledge off-session (the donor is not there); returns the PaymentIntent id, or raises ChargeFailed."""
        params = {"amount": donation.amount_minor, "currency": donation.currency.lower(), "customer": donation.customer_id,
                  "payment_method": donation.payment_method_id, "off_session": True, "confirm": True,
                  "metadata": {"donation_id": str(donation.id), "campaign_id": str(donation.campaign_id)}}
        try:
            intent = self.client.v1.payment_intents.create(params, {"idempotency_key": _key(donation, "charge")})
        except stripe.CardError as error:
            raise ChargeFailed(error.code or "card_declined", error.user_message or str(error)) from None
        except stripe.StripeError as error:
            raise _unavailable(error) from None
        return intent.id

    def refund(self, donation):
        """Give a paid donation back in full; returns the Refund id (the donation is refunded when the webhook says so)."""
        params = {"payment_intent": donation.payment_intent_id, "reason": "requested_by_customer",
                  "metadata": {"donation_id": str(donation.id), "campaign_id": str(donation.campaign_id)}}
        return self._call(self.client.v1.refunds.create, params, _key(donation, "refund")).id

    def pool_checkout(self, pledge, campaign_title, success_url, cancel_url):
        """A hosted Checkout Session (`payment` mode) for the pledger to pay its cap in all into the match pool."""
        metadata = {"match_pledge_id": str(pledge.id), "campaign_id": str(pledge.campaign_id)}
        currency = pledge.campaign.currency
        params = {"mode": "payment", "success_url": success_url, "cancel_url": cancel_url,
                  "client_reference_id": f"match-pledge-{pledge.id}", "metadata": metadata,
                  "payment_intent_data": {"metadata": metadata, "description": f"Match pool for {campaign_title}"},
                  "line_items": [{"quantity": 1, "price_data": {
                      "currency": currency.lower(), "unit_amount": pledge.cap_total_minor,
                      "product_data": {"name": f"Match pool for {campaign_title}"}}}]}
        session = self._call(self.client.v1.checkout.sessions.create, params, _pool_key(pledge, "checkout"))
        return self._checkout_session(session, params)

    def refund_pool(self, pledge, amount_minor):
        """Give back `amount_minor` of the pool's payment (what matches did not draw); returns the Refund id."""
        params = {"payment_intent": pledge.payment_intent_id, "amount": amount_minor, "reason": "requested_by_customer",
                  "metadata": {"match_pledge_id": str(pledge.id), "campaign_id": str(pledge.campaign_id)}}
        return self._call(self.client.v1.refunds.create, params, _pool_key(pledge, "refund")).id

    def fee(self, balance_transaction_id):
        """(fee in minor units, currency) of a payment, from its balance transaction."""
        transaction = self._call(self.client.v1.balance_transactions.retrieve, balance_transaction_id)
        return transaction.fee, transaction.currency.upper()

    # Webhooks ----------------------------------------------------------------------------------------------------------

    def verify(self, payload, signature):
        """The event, if `signature` (the Stripe-Signature header) is the configured secret's HMAC of the payload, made
        within the tolerance (either way: a signature dated in the future is refused too); else InvalidWebhook."""
        try:
            stripe.WebhookSignature.verify_header(payload, signature, self.webhook_secret, self.tolerance)
            signed_at = int(dict(part.split("=", 1) for part in signature.split(",") if "=" in part)["t"])
            if signed_at > time.time() + self.tolerance:
                raise InvalidWebhook("The signature is dated in the future.")
            event = json.loads(payload)
            if not isinstance(event, dict):
                raise TypeError("not a JSON object")
            return event  # plain dicts and lists: what the handlers read
        except InvalidWebhook:
            raise
        except stripe.SignatureVerificationError as error:
            raise InvalidWebhook(str(error)) from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # a signed body that is no event
            raise InvalidWebhook(f"Not a Stripe event: {error}") from None

    # ---------------------------------------------------------------------------------------------------------------------

    def _checkout_session(self, session, params):
        if not self.local_checkout:
            return CheckoutSession(session.id, session.url)
        from app.payments.local_checkout import checkout_url  # the page lives in the blueprint that imports this module

        return CheckoutSession(session.id, checkout_url(session.id, params))

    def _call(self, method, params, idempotency_key=None, amount_field=False):
        try:
            if idempotency_key is None:
                return method(params)
            return method(params, {"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as error:
            if amount_field and error.code == "amount_too_small":
                raise ValidationFailed(_("The amount is below the minimum a card payment can be."),
                                       {"amount": {"amount": [error.user_message or _("Too small for a card payment.")]}}) from None
            raise _unavailable(error) from None
        except stripe.StripeError as error:
            raise _unavailable(error) from None


def _key(donation, purpose):
    return f"coopex-donation-{donation.id}-{purpose}"


def _pool_key(pledge, purpose):
    return f"coopex-match-pledge-{pledge.id}-{purpose}"


def _unavailable(error):
    current_app.logger.error("Stripe refused or failed: %s (%s)", error, getattr(error, "code", None))
    return PaymentUnavailable(_("The payment service is not available; nothing was charged. Please try again shortly."))


def gateway():
    """The app's gateway (built once per app from its configuration)."""
    return current_app.extensions["payments"]


def init_app(app):
    app.extensions["payments"] = StripeGateway.from_config(app.config)
