"""Races that only PostgreSQL shows (SQLite serialises writers), each in 20 rounds of real
concurrent requests through separate test clients."""

import threading

import pytest
from sqlalchemy import func, select

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift, RecurringGift, StripeEvent

from .conftest import WEBHOOK_SECRET, gift_form
from .signing import make_event, signed_request

pytestmark = [pytest.mark.postgres, pytest.mark.committed]
ROUNDS = 20


def _all_at_once(app, requests) -> list:
    """Post each (url, data, headers) from its own thread and client, released together."""
    start = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def post(index, url, data, headers):
        client = app.test_client()
        start.wait()
        response = client.post(url, data=data, headers=headers)
        answers[index] = (response.status_code, response.get_json(silent=True))

    threads = [threading.Thread(target=post, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_the_newest_subscription_update_wins_whatever_the_order(stripe_app, funds):
    with stripe_app.app_context():
        donor = Donor(email_key="monthly-race@example.org")
        db.session.add(donor)
        db.session.flush()
        for round_ in range(ROUNDS):
            db.session.add(
                RecurringGift(
                    donor_id=donor.id,
                    fund_id=funds.housing,
                    amount_cents=2500,
                    status="incomplete",
                    stripe_subscription_id=f"sub_race_{round_}",
                )
            )
        db.session.commit()
    lost = []
    for round_ in range(ROUNDS):
        subscription = f"sub_race_{round_}"
        events = [
            make_event(
                "customer.subscription.updated",
                {"id": subscription, "object": "subscription", "status": status},
                created=created,
            )
            for status, created in (("past_due", 1767225600), ("active", 1767225601))
        ]
        answers = _all_at_once(
            stripe_app, [("/give/stripe/webhook", *signed_request(event, WEBHOOK_SECRET)) for event in events]
        )
        assert answers == [(200, {"received": "queued"})] * 2, answers
        with stripe_app.app_context():  # each request's job applied its event as it ended
            outcomes = sorted(
                db.session.scalars(
                    select(StripeEvent.outcome).where(StripeEvent.event_id.in_([event["id"] for event in events]))
                )
            )
            assert outcomes in (["processed", "superseded"], ["processed", "processed"]), outcomes
            recurring = db.session.scalar(select(RecurringGift).filter_by(stripe_subscription_id=subscription))
            if (recurring.status, recurring.status_at) != ("active", 1767225601):
                lost.append((round_, recurring.status))
    assert lost == []


@pytest.fixture
def no_rate_limit(stripe_app):
    saved = stripe_app.config["DONATION_RATE_LIMIT"]
    stripe_app.config["DONATION_RATE_LIMIT"] = "1000 per minute"
    yield
    stripe_app.config["DONATION_RATE_LIMIT"] = saved


def test_first_gifts_of_a_new_donor_paid_at_once_make_one_account(stripe_app, funds, card, no_rate_limit):
    failures = []
    for round_ in range(ROUNDS):
        email = f"new-donor-{round_}@example.org"
        gifts = [
            ("/give/pay", gift_form(email=email, payment_method=card(), amount="25"), {"X-Requested-With": "fetch"})
            for _ in range(3)
        ]
        answers = _all_at_once(stripe_app, gifts)
        if [(code, (json or {}).get("status")) for code, json in answers] != [(200, "succeeded")] * 3:
            failures.append((round_, answers))
        with stripe_app.app_context():
            donor = db.session.scalar(select(Donor).filter_by(email_key=email))
            assert db.session.scalar(select(func.count()).select_from(User).filter_by(email=email)) == 1
            assert donor.user_id is not None
            assert db.session.scalars(select(Gift.status).filter_by(donor_id=donor.id)).all() == ["succeeded"] * 3
    assert failures == []
