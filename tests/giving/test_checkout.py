"""Gifts through the real stripe library against localstripe: one-time, declined, monthly, renewals,
cancellation, refund."""

import threading

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.giving.models import Gift, RecurringGift, RefusedAttempt, StripeEvent
from tests.mailbox import body

from .conftest import DECLINE_ON_CHARGE, REQUIRES_3DS, gift_form, outcome


def _gifts(app, **where):
    with app.app_context():
        query = select(Gift).order_by(Gift.id)
        for name, value in where.items():
            query = query.where(getattr(Gift, name) == value)
        return list(db.session.scalars(query))


def test_a_one_time_gift_is_charged_recorded_and_receipted(
    stripe_app, client, funds, card, mailbox, forward, monkeypatch
):
    from mexiles.tours import services as tours

    # The tours domain says which events are public; here event 7 is, and no other.
    monkeypatch.setattr(tours, "public_event", lambda event_id: object() if event_id == 7 else None)
    form = gift_form(
        payment_method=card(),
        event="7",
        tribute_kind="memory",
        tribute_name="Abuela Demo",
        tribute_email="family@example.org",
    )
    response = client.post("/give/pay", data=form)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "succeeded"
    [gift] = _gifts(stripe_app)
    assert (gift.status, gift.amount_cents, gift.tour_event_id, gift.source) == ("succeeded", 5000, 7, "online")
    assert gift.stripe_payment_intent_id.startswith("pi_") and gift.stripe_charge_id
    assert gift.tribute_name == "Abuela Demo"
    receipt = mailbox.wait_for("avery@example.org")
    assert "No goods or services were provided" in body(receipt)
    assert [p.get_filename() for p in receipt.iter_attachments()][0].endswith(".pdf")
    assert "in memory of Abuela Demo" in body(mailbox.wait_for("family@example.org"))

    # Stripe's own webhook for the same payment changes nothing and sends no second receipt.
    answer, _event = forward("payment_intent.succeeded", gift.stripe_payment_intent_id)
    assert answer.status_code == 200
    assert len(_gifts(stripe_app)) == 1
    assert len(mailbox.to("avery@example.org")) == 1
    # The same attempt posted again (a double click) does not charge again.
    again = client.post("/give/pay", data=dict(form, payment_method=card()))
    assert again.json["status"] == "succeeded"
    assert len(_gifts(stripe_app)) == 1


def test_covering_the_fee_charges_the_exact_amount_shown(stripe_app, client, funds, card):
    shown = client.get("/give/fee?cents=5000").json
    assert shown["added"] == 180 and "$1.80" in shown["text"]
    response = client.post("/give/pay", data=gift_form(payment_method=card(), cover_fee="y"))
    assert response.json["status"] == "succeeded"
    [gift] = _gifts(stripe_app)
    assert (gift.amount_cents, gift.covered_fee_cents) == (5180, 180)


def test_a_declined_card_gets_a_clear_message_and_a_retry_charges_once(stripe_app, client, funds, card, mailbox):
    form = gift_form(payment_method=card(DECLINE_ON_CHARGE))
    declined = client.post("/give/pay", data=form)
    assert declined.status_code == 402
    assert "Your card was declined. Nothing was charged." in declined.json["message"]
    [gift] = _gifts(stripe_app)
    assert gift.status == "failed"
    assert mailbox.to("avery@example.org") == []
    with stripe_app.app_context():
        assert db.session.scalar(select(RefusedAttempt.reason)) == "declined"

    retried = client.post("/give/pay", data=dict(form, payment_method=card()))
    assert retried.json["status"] == "succeeded"
    [gift] = _gifts(stripe_app)
    assert gift.status == "succeeded"
    assert len(mailbox.to("avery@example.org")) == 1


def test_spanish_donors_get_spanish_messages_and_receipts(stripe_app, client, funds, card, mailbox):
    declined = client.post(
        "/give/pay", data=gift_form(payment_method=card(DECLINE_ON_CHARGE)), headers={"Accept-Language": "es"}
    )
    assert "Su tarjeta fue rechazada" in declined.json["message"]
    client.post(
        "/give/pay", data=gift_form(payment_method=card(), email="rocio@example.org"), headers={"Accept-Language": "es"}
    )
    receipt = mailbox.wait_for("rocio@example.org")
    assert "No se proporcionaron bienes ni servicios" in body(receipt)


def test_bad_input_is_refused_with_messages_per_field(stripe_app, client, funds):
    response = client.post(
        "/give/pay", data=gift_form(amount="other", other_amount="1", email="not-an-email", payment_method="pm_x")
    )
    assert response.status_code == 400
    errors = response.json["errors"]
    assert "other_amount" in errors and "email" in errors
    assert "$5.00" in errors["other_amount"][0]
    honeypot = client.post("/give/pay", data=gift_form(website="http://spam.example", payment_method="pm_x"))
    assert honeypot.status_code == 400
    with stripe_app.app_context():
        reasons = set(db.session.scalars(select(RefusedAttempt.reason)))
        assert reasons == {"invalid_amount", "honeypot"}
        assert db.session.scalar(select(func.count()).select_from(Gift)) == 0


def test_payment_endpoints_are_rate_limited_per_address(stripe_app, client, funds):
    stripe_app.config["DONATION_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [
            client.post("/give/pay", data=gift_form(amount="other", other_amount="1")).status_code for _ in range(4)
        ]
    finally:
        stripe_app.config["DONATION_RATE_LIMIT"] = "10 per minute;40 per hour"
    assert codes == [400, 400, 400, 429]
    with stripe_app.app_context():
        assert "rate_limited" in set(db.session.scalars(select(RefusedAttempt.reason)))


def test_a_monthly_gift_and_its_renewals_are_each_a_gift(stripe_app, client, funds, card, stripe_api, forward, mailbox):
    response = client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    assert response.json["status"] == "succeeded", response.json
    with stripe_app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
        assert (recurring.status, recurring.amount_cents) == ("active", 2500)
        assert recurring.stripe_plan_id == "mexiles-monthly-usd-2500"
        subscription, customer = recurring.stripe_subscription_id, recurring.donor.stripe_customer_id
    [first] = _gifts(stripe_app)
    assert (first.status, first.amount_cents, first.recurring_gift_id) == ("succeeded", 2500, recurring.id)
    forward("invoice.payment_succeeded", subscription)  # Stripe's word on the first charge: no second gift
    assert len(_gifts(stripe_app)) == 1

    # Next month: Stripe bills the subscription again.
    invoice = stripe_api.invoices.create(params={"customer": customer, "subscription": subscription})
    stripe_api.invoices.pay(invoice.id)
    answer, _event = forward("invoice.payment_succeeded", invoice.id)
    assert outcome(stripe_app, answer) == "processed"
    gifts = _gifts(stripe_app)
    assert [g.amount_cents for g in gifts] == [2500, 2500]
    assert gifts[1].stripe_invoice_id == invoice.id
    assert len(mailbox.to("avery@example.org")) == 2

    # A second donor choosing the same amount reuses the same plan.
    again = client.post(
        "/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card(), email="blanca@example.org")
    )
    assert again.json["status"] == "succeeded"
    assert len(stripe_api.plans.list().data) == 1


def test_a_cancelled_subscription_stays_cancelled(stripe_app, client, funds, card, stripe_api, forward, post_event):
    client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    with stripe_app.app_context():
        subscription = db.session.scalar(select(RecurringGift.stripe_subscription_id))
    stripe_api.subscriptions.cancel(subscription)
    forward("customer.subscription.deleted", subscription)
    # A late "updated: active" event sent before the cancellation does not bring it back.
    post_event(
        event={
            "id": "evt_late",
            "object": "event",
            "type": "customer.subscription.updated",
            "created": 1,
            "data": {"object": {"id": subscription, "object": "subscription", "status": "active"}},
        }
    )
    with stripe_app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
        assert recurring.status == "canceled" and recurring.canceled_at is not None


def test_staff_refund_goes_through_stripe_and_the_net_follows(
    stripe_app, client, funds, card, auth, make_user, post_event, stripe_api
):
    client.post("/give/pay", data=gift_form(payment_method=card()))
    [gift] = _gifts(stripe_app)
    auth.login(make_user("admin"))
    refused = client.post(f"/give/staff/gifts/{gift.id}", data={"amount": "80", "reason": "too much"})
    assert "You can refund at most $50.00 of this gift." in refused.data.decode()
    response = client.post(f"/give/staff/gifts/{gift.id}", data={"amount": "20", "reason": "donor asked"})
    assert response.status_code == 302
    [gift] = _gifts(stripe_app)
    assert (gift.refunded_cents, gift.net_cents, gift.status) == (2000, 3000 - gift.fee_cents, "succeeded")
    [refund] = stripe_api.refunds.list(params={"payment_intent": gift.stripe_payment_intent_id}).data
    assert refund.amount == 2000
    # Stripe's charge.refunded for the same refund changes nothing.
    charge = {
        "id": gift.stripe_charge_id,
        "object": "charge",
        "payment_intent": gift.stripe_payment_intent_id,
        "amount": 5000,
        "amount_refunded": 2000,
        "refunds": {"data": [{"id": refund.id, "amount": 2000}]},
    }
    assert outcome(stripe_app, post_event("charge.refunded", charge)) == "processed"
    [gift] = _gifts(stripe_app)
    assert gift.refunded_cents == 2000
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_a_card_that_needs_authentication_is_finished_by_the_page(stripe_app, client, funds, card, localstripe_url):
    import requests

    form = gift_form(payment_method=card(REQUIRES_3DS))
    first = client.post("/give/pay", data=form).json
    assert first["status"] == "requires_action" and first["client_secret"]
    [gift] = _gifts(stripe_app)
    assert gift.status == "pending"
    # What Stripe.js's confirmCardPayment does when the donor completes 3-D Secure.
    intent = first["client_secret"].split("_secret_")[0]
    answer = requests.post(
        f"{localstripe_url}/v1/payment_intents/{intent}/_authenticate",
        params={"success": "true"},
        json={"client_secret": first["client_secret"], "key": "pk_test_mexiles"},
    )
    assert answer.status_code == 200
    finished = client.post("/give/pay/confirm", data={"attempt": form["attempt"]}).json
    assert finished["status"] == "succeeded"
    [gift] = _gifts(stripe_app)
    assert gift.status == "succeeded"


def test_a_network_error_says_so_and_the_retry_charges_once(
    stripe_app, client, funds, card, localstripe_url, stripe_api
):
    form = gift_form(payment_method=card())
    stripe_app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    try:
        failed = client.post("/give/pay", data=form)
    finally:
        stripe_app.config["STRIPE_API_BASE"] = localstripe_url
    assert failed.status_code == 402 and "could not reach the card processor" in failed.json["message"]
    assert client.post("/give/pay", data=form).json["status"] == "succeeded"
    assert len(_gifts(stripe_app)) == 1
    assert len([i for i in stripe_api.payment_intents.list().data if i.status == "succeeded"]) == 1


@pytest.mark.postgres
@pytest.mark.committed
def test_two_presses_of_give_at_the_same_moment_charge_once(stripe_app, funds, card, stripe_api, mailbox):
    """localstripe ignores idempotency keys, so only the lock on the gift keeps this to one charge."""
    form = gift_form(payment_method=card())
    start = threading.Barrier(2)
    answers = []

    def press():
        client = stripe_app.test_client()
        start.wait()
        answers.append(client.post("/give/pay", data=form).json["status"])

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["succeeded", "succeeded"]
    [gift] = _gifts(stripe_app)
    assert gift.status == "succeeded"
    assert [i.id for i in stripe_api.payment_intents.list().data] == [gift.stripe_payment_intent_id]
    assert len(mailbox.to("avery@example.org")) == 1


def test_a_retry_after_a_decline_reuses_the_payment_intent(stripe_app, client, funds, card, stripe_api):
    form = gift_form(payment_method=card(DECLINE_ON_CHARGE))
    assert client.post("/give/pay", data=form).status_code == 402
    [declined] = _gifts(stripe_app)
    assert client.post("/give/pay", data=dict(form, payment_method=card())).json["status"] == "succeeded"
    [gift] = _gifts(stripe_app)
    assert gift.stripe_payment_intent_id == declined.stripe_payment_intent_id
    assert [(i.id, i.status) for i in stripe_api.payment_intents.list().data] == [
        (gift.stripe_payment_intent_id, "succeeded")
    ]


def _existing_donor(app, **fields):
    from mexiles.giving.models import Donor

    with app.app_context():
        donor = Donor(email_key="avery@example.org", locale="en", **fields)
        db.session.add(donor)
        db.session.commit()
        return donor.id


def test_a_gift_from_the_public_form_never_rewrites_an_existing_donor(stripe_app, client, funds, card, mailbox):
    from mexiles.giving.models import Donor

    donor_id = _existing_donor(stripe_app, name="Avery Demo-Donor", listed=False)
    form = gift_form(payment_method=card(), name="Someone Else", address="9 Elsewhere Rd", listed="y")
    assert client.post("/give/pay", data=form).json["status"] == "succeeded"
    with stripe_app.app_context():
        donor = db.session.get(Donor, donor_id)
        # The blank address is filled in; the name and the listing stay the donor's own.
        assert (donor.name, donor.address, donor.listed) == ("Avery Demo-Donor", "9 Elsewhere Rd", False)
        gift = db.session.scalar(select(Gift))
        assert (gift.donor_id, gift.donor_name, gift.donor_address) == (donor_id, "Someone Else", "9 Elsewhere Rd")
    assert "Dear Someone Else," in body(mailbox.wait_for("avery@example.org"))
    second = gift_form(payment_method=card(), name="A Third Person", address="1 Other St")
    assert client.post("/give/pay", data=second).json["status"] == "succeeded"
    with stripe_app.app_context():
        assert db.session.get(Donor, donor_id).address == "9 Elsewhere Rd"


def test_a_monthly_gift_from_the_public_form_never_changes_the_donors_card(stripe_app, client, funds, card, stripe_api):
    first_card = card()
    assert (
        client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=first_card)).json[
            "status"
        ]
        == "succeeded"
    )
    stranger = gift_form(frequency="monthly", amount="30", payment_method=card(), anonymous="y", name="Not Avery")
    assert client.post("/give/pay", data=stranger).json["status"] == "succeeded"
    with stripe_app.app_context():
        donors_customer = db.session.scalar(select(RecurringGift)).donor.stripe_customer_id
        own, theirs = db.session.scalars(select(RecurringGift).order_by(RecurringGift.id)).all()
    assert own.stripe_customer_id == donors_customer
    assert theirs.stripe_customer_id not in (None, donors_customer)
    customer = stripe_api.customers.retrieve(donors_customer)
    assert customer.invoice_settings.default_payment_method == first_card
    subscription = stripe_api.subscriptions.retrieve(theirs.stripe_subscription_id)
    assert subscription.customer == theirs.stripe_customer_id


def test_a_gift_is_credited_only_to_a_public_tour_event(stripe_app, client, funds, card, monkeypatch):
    from mexiles.tours import services as tours

    monkeypatch.setattr(tours, "public_event", lambda event_id: object() if event_id == 7 else None)
    assert client.post("/give/pay", data=gift_form(payment_method=card(), event="8")).json["status"] == "succeeded"
    assert [g.tour_event_id for g in _gifts(stripe_app)] == [None]


def test_failed_monthly_attempts_do_not_pile_up_on_the_donor(stripe_app, client, funds, card, stripe_api, forward):
    declined = client.post(
        "/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card(DECLINE_ON_CHARGE))
    )
    assert declined.status_code == 402, declined.json
    # The page reloaded (a new attempt), same gift, another card: the unfinished subscription is paid.
    reloaded = client.post(
        "/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card(DECLINE_ON_CHARGE))
    )
    assert reloaded.status_code == 402
    with stripe_app.app_context():
        [recurring] = db.session.scalars(select(RecurringGift)).all()
        first_subscription = recurring.stripe_subscription_id
    # Another amount: a new subscription for the same monthly gift; the unpaid one is cancelled.
    paid = client.post("/give/pay", data=gift_form(frequency="monthly", amount="30", payment_method=card()))
    assert paid.json["status"] == "succeeded", paid.json
    with stripe_app.app_context():
        [recurring] = db.session.scalars(select(RecurringGift)).all()
        assert (recurring.status, recurring.amount_cents) == ("active", 3000)
        assert recurring.stripe_subscription_id != first_subscription
    assert stripe_api.subscriptions.retrieve(first_subscription).status == "canceled"
    assert [s.id for s in stripe_api.subscriptions.list(params={"limit": 10}).data] == [
        recurring.stripe_subscription_id
    ]
    # Stripe's word that the unpaid one ended does not end the monthly gift.
    answer, _event = forward("customer.subscription.deleted", first_subscription)
    assert answer.status_code == 200
    with stripe_app.app_context():
        assert db.session.get(RecurringGift, recurring.id).status == "active"
    [gift] = _gifts(stripe_app, status="succeeded")
    assert (gift.amount_cents, gift.recurring_gift_id) == (3000, recurring.id)


def test_the_news_of_a_paid_subscriptions_creation_does_not_make_it_incomplete(
    stripe_app, client, funds, card, post_event
):
    client.post("/give/pay", data=gift_form(frequency="monthly", amount="25", payment_method=card()))
    with stripe_app.app_context():
        recurring = db.session.scalar(select(RecurringGift))
        assert recurring.status == "active"
    # Created with default_incomplete, the subscription's "created" event says incomplete; it may
    # arrive after the checkout saw the first invoice paid, stamped the same second or later.
    post_event(
        event={
            "id": "evt_created_late",
            "object": "event",
            "type": "customer.subscription.created",
            "created": 4102444800,
            "data": {
                "object": {"id": recurring.stripe_subscription_id, "object": "subscription", "status": "incomplete"}
            },
        }
    )
    with stripe_app.app_context():
        assert db.session.get(RecurringGift, recurring.id).status == "active"
