"""The one place that talks to Stripe (or to localstripe in tests), through a StripeClient."""
from __future__ import annotations

import stripe
from flask import current_app

# What the donate page tells a donor for each kind of failure.
CardError = stripe.CardError
NetworkError = stripe.APIConnectionError
StripeError = stripe.StripeError
InvalidRequestError = stripe.InvalidRequestError
APIError = stripe.APIError
SignatureError = stripe.SignatureVerificationError


def configured() -> bool:
    config = current_app.config
    return bool(config["STRIPE_SECRET_KEY"] and config["STRIPE_PUBLISHABLE_KEY"])


def client() -> stripe.StripeClient:
    config = current_app.config
    options = {}
    if config["STRIPE_API_BASE"]:
        options["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    # Retries are ours to make: every write carries an idempotency key derived from the attempt.
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=0, **options)


def v1():
    return client().v1


def idempotent(key: str) -> dict:
    return {"idempotency_key": key[:255]}


def verify_event(payload: bytes, signature: str):
    return stripe.Webhook.construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])


def field(obj, name: str, default=None):
    """Read a field from a StripeObject or a plain dict (snapshots in events are dicts)."""
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def object_id(value) -> str | None:
    """An id whether Stripe sent the id or the expanded object (localstripe embeds charges)."""
    if value is None or isinstance(value, str):
        return value
    return field(value, "id")


def balance_fee(charge) -> int | None:
    """The fee of a charge, from its balance transaction when it came expanded or can be fetched."""
    transaction = field(charge, "balance_transaction")
    if isinstance(transaction, str) and configured():
        try:
            transaction = v1().balance_transactions.retrieve(transaction)
        except StripeError:
            return None
    if transaction is None or isinstance(transaction, str):
        return None
    return int(field(transaction, "fee", 0))
