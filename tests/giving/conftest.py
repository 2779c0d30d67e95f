"""Giving fixtures: localstripe started by the suite, the app pointed at it, signed events, funds."""

from __future__ import annotations

import json
import os
import secrets
import sys
from types import SimpleNamespace

import pytest
import stripe

from mexiles import timeutil
from mexiles.extensions import db
from mexiles.giving.models import Campaign, Fund

from .localstripe import WebhookReceiver, flush_localstripe, register_webhook, start_localstripe, stop_localstripe
from .signing import make_event, signed_request

WEBHOOK_SECRET = "whsec_test_mexiles"
VISA = "4242424242424242"
DECLINE_ON_CHARGE = "4000000000000341"
REQUIRES_3DS = "4000002500003155"


@pytest.fixture(autouse=True)
def _fresh_donate_page(app):
    """The donate page cache lives as long as the app: start each test without it."""
    app.extensions["giving.page_cache"].clear()


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    log = os.environ.get("LOCALSTRIPE_LOG") or str(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    proc, base = start_localstripe(python=sys.executable, log_path=log)
    try:
        yield base
    finally:
        stop_localstripe(proc)


@pytest.fixture(scope="session")
def localstripe_hooks(localstripe_url):
    """Collects what localstripe sends to webhooks; tests forward it to the app's endpoint."""
    receiver = WebhookReceiver()
    register_webhook(localstripe_url, "mexiles-tests", receiver.url, WEBHOOK_SECRET)
    yield receiver
    receiver.close()


@pytest.fixture
def stripe_app(app, localstripe_url, localstripe_hooks):
    """The app with Stripe keys pointing at a freshly emptied localstripe."""
    flush_localstripe(localstripe_url)
    localstripe_hooks.requests.clear()
    saved = {
        k: app.config[k]
        for k in (
            "STRIPE_SECRET_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "STRIPE_API_BASE",
            "STRIPE_JS_URL",
            "STRIPE_CSP_SCRIPT_SRC",
            "STRIPE_CSP_FRAME_SRC",
            "STRIPE_CSP_CONNECT_SRC",
        )
    }
    # localstripe serves Stripe.js, its frames and its API from one origin.
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_mexiles",
        STRIPE_PUBLISHABLE_KEY="pk_test_mexiles",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=localstripe_url,
        STRIPE_JS_URL=f"{localstripe_url}/js.stripe.com/v3/",
        STRIPE_CSP_SCRIPT_SRC=localstripe_url,
        STRIPE_CSP_FRAME_SRC=localstripe_url,
        STRIPE_CSP_CONNECT_SRC=localstripe_url,
    )
    yield app
    app.config.update(saved)


@pytest.fixture
def stripe_api(stripe_app, localstripe_url):
    """A Stripe client for doing what Stripe.js or the Stripe dashboard would do."""
    return stripe.StripeClient("sk_test_mexiles", base_addresses={"api": localstripe_url}, max_network_retries=0).v1


@pytest.fixture
def card(stripe_api):
    def make(number=VISA):
        return stripe_api.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
        ).id

    return make


@pytest.fixture
def funds(app):
    with app.app_context():
        made = {}
        for position, (code, en, es) in enumerate(
            (
                ("counseling", "Trauma counseling", "Terapia de trauma"),
                ("housing", "Housing", "Vivienda"),
                ("asylum", "Asylum cases", "Casos de asilo"),
                ("general", "Where needed most", "Donde más se necesite"),
            )
        ):
            fund = Fund(code=code, name_en=en, name_es=es, position=position)
            db.session.add(fund)
            db.session.flush()
            made[code] = fund.id
        db.session.commit()
        return SimpleNamespace(**made)


@pytest.fixture
def make_campaign(app, funds):
    import datetime as dt

    def make(slug="safe-homes", goal_cents=253_000_00, starts_on=None, ends_on=None):
        with app.app_context():
            today = timeutil.today()
            campaign = Campaign(
                slug=slug,
                title_en="Safe homes",
                title_es="Hogares seguros",
                story_en="Story",
                story_es="Historia",
                goal_cents=goal_cents,
                starts_on=starts_on or today - dt.timedelta(days=10),
                ends_on=ends_on or today + dt.timedelta(days=20),
                fund_id=funds.housing,
            )
            db.session.add(campaign)
            db.session.commit()
            return campaign.id

    return make


def gift_form(**overrides) -> dict:
    data = {
        "amount": "50",
        "frequency": "once",
        "fund": "counseling",
        "name": "Avery Demo-Donor",
        "email": "avery@example.org",
        "attempt": secrets.token_hex(16),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def post_event(client):
    """Post an event to the webhook endpoint, signed exactly as Stripe signs it."""

    def post(event_type=None, obj=None, event=None, secret=WEBHOOK_SECRET):
        event = event or make_event(event_type, obj)
        body, headers = signed_request(event, secret)
        response = client.post("/give/stripe/webhook", data=body, headers=headers)
        response.event_id = event["id"]
        return response

    return post


def outcome(app, response) -> str | None:
    """What the job that applied a posted event made of it (the webhook itself answers "queued")."""
    from sqlalchemy import select

    from mexiles.giving.models import StripeEvent

    with app.app_context():
        return db.session.scalar(select(StripeEvent.outcome).where(StripeEvent.event_id == response.event_id))


@pytest.fixture
def forward(client, localstripe_hooks):
    """Deliver to the app what localstripe sent to its webhook (its own signature, untouched)."""

    def deliver(event_type, object_id=None, timeout=6.0):
        def matches(event):
            obj = event["data"]["object"]
            return event["type"] == event_type and (
                object_id is None or object_id in (obj.get("id"), obj.get("subscription"), obj.get("payment_intent"))
            )

        headers, body = localstripe_hooks.wait_for(matches, timeout=timeout)
        response = client.post(
            "/give/stripe/webhook",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": headers["Stripe-Signature"]},
        )
        response.event_id = json.loads(body)["id"]
        return response, json.loads(body)

    return deliver
