"""Monthly gifts against localstripe answering in the shape of the API version the app speaks: no
invoice names its subscription or payment at the top level, webhooks leave out an invoice's
payments, and the first invoice's client secret is its confirmation_secret."""

import pytest
import requests
from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Gift, RecurringGift, Refund
from mexiles.giving.services.stripe_gateway import API_VERSION
from tests.conftest import org_today

from .conftest import REQUIRES_3DS, gift_form, outcome
from .localstripe import set_shape


@pytest.fixture
def current_shape(stripe_app, localstripe_url):
    set_shape(localstripe_url, "current", API_VERSION)
    yield
    set_shape(localstripe_url, "old")


def _monthly(app):
    with app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
        return recurring.id, recurring.donor.stripe_customer_id, recurring.stripe_subscription_id


def test_renewals_refunds_and_reconcile_in_the_current_shape(
    current_shape, stripe_app, client, funds, card, stripe_api, forward, runner, mailbox
):
    answer = client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    assert answer.json["status"] == "succeeded", answer.json
    recurring_id, customer, subscription = _monthly(stripe_app)

    renewal = stripe_api.invoices.create(params={"customer": customer, "subscription": subscription})
    stripe_api.invoices.pay(renewal.id)
    delivered, event = forward("invoice.payment_succeeded", renewal.id)
    assert event["api_version"] == API_VERSION and "subscription" not in event["data"]["object"]
    assert "payment_intent" not in event["data"]["object"] and "payments" not in event["data"]["object"]
    assert outcome(stripe_app, delivered) == "processed"
    with stripe_app.app_context():
        gift = db.session.scalar(select(Gift).where(Gift.stripe_invoice_id == renewal.id))
        assert (gift.status, gift.amount_cents, gift.recurring_gift_id) == ("succeeded", 2500, recurring_id)
        # Linked to its payment through the invoice's payments, so that refunds and disputes find it.
        assert gift.stripe_payment_intent_id.startswith("pi_") and gift.stripe_charge_id
        renewal_gift, renewal_intent = gift.id, gift.stripe_payment_intent_id
    assert len(mailbox.to("avery@example.org")) == 2

    # A refund and a third month whose webhooks were lost: reconciliation finds both.
    refund = stripe_api.refunds.create(params={"payment_intent": renewal_intent, "amount": 1000})
    lost = stripe_api.invoices.create(params={"customer": customer, "subscription": subscription})
    stripe_api.invoices.pay(lost.id)
    result = runner.invoke(args=["giving", "reconcile", "--since", org_today(stripe_app).isoformat()])
    assert result.exit_code == 0, result.output
    assert "recorded monthly gift" in result.output and lost.id in result.output and refund.id in result.output
    with stripe_app.app_context():
        assert db.session.scalar(select(Refund.gift_id).where(Refund.stripe_refund_id == refund.id)) == renewal_gift
        found = db.session.scalar(select(Gift).where(Gift.stripe_invoice_id == lost.id))
        assert (found.status, found.recurring_gift_id) == ("succeeded", recurring_id)
        assert found.stripe_payment_intent_id
    again = runner.invoke(args=["giving", "reconcile", "--since", org_today(stripe_app).isoformat()])
    assert "Nothing to repair." in again.output


def test_a_first_monthly_charge_that_needs_authentication(
    current_shape, stripe_app, client, funds, card, localstripe_url
):
    form = gift_form(frequency="monthly", amount="25", payment_method=card(REQUIRES_3DS))
    first = client.post("/give/pay", data=form).json
    assert first["status"] == "requires_action" and "_secret_" in first["client_secret"]
    intent = first["client_secret"].split("_secret_")[0]
    answer = requests.post(
        f"{localstripe_url}/v1/payment_intents/{intent}/_authenticate",
        params={"success": "true"},
        json={"client_secret": first["client_secret"], "key": "pk_test_mexiles"},
    )
    assert answer.status_code == 200
    assert client.post("/give/pay/confirm", data={"attempt": form["attempt"]}).json["status"] == "succeeded"
    with stripe_app.app_context():
        gift = db.session.scalar(select(Gift))
        assert (gift.status, gift.stripe_payment_intent_id) == ("succeeded", intent)


def test_the_webhook_endpoint_is_made_in_the_apps_api_version(stripe_app, runner, stripe_api):
    """(Pointed at a closed loopback port: localstripe delivers to it for the rest of the session.)"""
    from mexiles.giving.services import webhooks

    result = runner.invoke(args=["giving", "webhook-endpoint", "--url", "http://127.0.0.1:9/give/stripe/webhook"])
    assert result.exit_code == 0, result.output
    assert f"(API version {API_VERSION})" in result.output
    endpoint_id = result.output.split()[2]
    endpoint = stripe_api.webhook_endpoints.retrieve(endpoint_id)
    assert endpoint.api_version == API_VERSION and endpoint.url == "http://127.0.0.1:9/give/stripe/webhook"
    assert sorted(endpoint.enabled_events) == sorted(webhooks.HANDLERS)
    assert f"STRIPE_WEBHOOK_SECRET={endpoint.secret}" in result.output
    refused = runner.invoke(args=["giving", "webhook-endpoint", "--url", ""])
    assert refused.exit_code != 0 and "Stripe refused" in refused.output
