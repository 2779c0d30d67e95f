"""Taking a gift on the donate page: a PaymentIntent, or a Customer + Plan + Subscription.

The page makes an *attempt token* when it loads (and a new one when the donor edits the form).
Every Stripe write is keyed by it, and the gift row is found by it, so a retry after a network
error or a double click resumes the same payment instead of charging twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...audit import services as audit
from ...extensions import db
from ..models import Gift, RecurringGift, RefusedAttempt
from . import donors, ledger, webhooks
from .stripe_gateway import CardError, InvalidRequestError, NetworkError, StripeError, field, idempotent, v1

log = logging.getLogger(__name__)


@dataclass
class Result:
    status: str  # succeeded, requires_action, error
    message: str = ""
    client_secret: str | None = None
    gift_id: int | None = None

    def as_json(self) -> dict:
        return {"status": self.status, "message": self.message, "client_secret": self.client_secret}


def refuse(reason: str, amount_cents: int | None = None, detail: str | None = None) -> None:
    """Log a refused attempt for staff (card testing shows up here)."""
    db.session.add(
        RefusedAttempt(
            ip_address=request.remote_addr if has_request_context() else None,
            reason=reason[:32],
            amount_cents=amount_cents,
            detail=(detail or "")[:200] or None,
        )
    )
    db.session.commit()


DECLINE_MESSAGES = {
    "card_declined": lambda: _("Your card was declined. Nothing was charged. Try another card."),
    "expired_card": lambda: _("Your card has expired. Nothing was charged. Try another card."),
    "incorrect_cvc": lambda: _("The security code is not right. Nothing was charged. Check it and try again."),
    "insufficient_funds": lambda: _("Your card was declined. Nothing was charged. Try another card."),
    "processing_error": lambda: _("The card could not be processed. Nothing was charged. Try again."),
    "payment_intent_authentication_failure": lambda: _(
        "Your bank could not confirm it was you. Nothing was charged. Try again or use another card."
    ),
}


def _declined(error_code: str | None, amount: int) -> Result:
    refuse("declined", amount, error_code)
    message = DECLINE_MESSAGES.get(error_code or "", DECLINE_MESSAGES["card_declined"])()
    return Result("error", message)


def _network() -> Result:
    return Result(
        "error", _("We could not reach the card processor. You were not charged twice: press Give again to finish.")
    )


def _failure() -> Result:
    return Result(
        "error", _("Something went wrong with the payment. Nothing was charged twice: try again in a moment.")
    )


def _finish(outcome: ledger.Outcome, gift_id: int | None) -> Result:
    outcome.merge(webhooks.replay_waiting(outcome.touched))
    webhooks.queue_mail(outcome)
    db.session.commit()
    return Result("succeeded", gift_id=gift_id)


def _new_donor(data: dict):
    return donors.find_or_create(
        data["email"],
        data.get("name"),
        data.get("address"),
        data.get("locale", "en"),
        listed=bool(data.get("listed")),
        opted_in=bool(data.get("opted_in")),
        trusted=bool(data.get("own_donor")),
    )


def _insert_once(row, model, attempt: str):
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # the same attempt posted twice at once
        row = db.session.scalar(select(model).where(model.attempt_token == attempt))
    audit.record("gift.started", "donor", row.donor_id, kind=model.__tablename__)
    db.session.commit()
    return row


def _gift_terms(data: dict) -> dict:
    return dict(
        fund_id=data["fund_id"],
        campaign_id=data.get("campaign_id"),
        tour_event_id=data.get("tour_event_id"),
        covered_fee_cents=data.get("covered_fee_cents", 0),
        currency=data["currency"],
        anonymous=data.get("anonymous", False),
        amount_shown=data.get("amount_shown", False),
    )


# --- One-time gifts -----------------------------------------------------------------------


def give_once(data: dict, attempt: str, payment_method: str) -> Result:
    """Charge one attempt once. The gift row stays locked (PostgreSQL) from here until the end of
    the checkout, so two presses of Give for the same attempt run one after the other: the second
    finds the first one's PaymentIntent, paid, and charges nothing."""
    gift = db.session.scalar(select(Gift).where(Gift.attempt_token == attempt))
    if gift is None:
        donor = _new_donor(data)
        gift = _insert_once(
            Gift(
                donor_id=donor.id,
                amount_cents=data["amount_cents"],
                source="online",
                status="pending",
                attempt_token=attempt,
                tribute_kind=data.get("tribute_kind"),
                tribute_name=data.get("tribute_name"),
                tribute_notify_email=data.get("tribute_notify_email"),
                donor_name=data.get("name") or None,
                donor_address=data.get("address") or None,
                **_gift_terms(data),
            ),
            Gift,
            attempt,
        )
    gift = db.session.scalars(
        select(Gift).where(Gift.id == gift.id).with_for_update(of=Gift).execution_options(populate_existing=True)
    ).one()
    try:
        return _charge_once(gift, attempt, payment_method)
    finally:
        db.session.commit()  # keeps the PaymentIntent id, and releases the lock


def _charge_once(gift: Gift, attempt: str, payment_method: str) -> Result:
    if gift.status in ("succeeded", "refunded"):
        return Result("succeeded", gift_id=gift.id)
    stripe = v1()
    try:
        # One PaymentIntent per gift. After a decline the same one is given the new card.
        if gift.stripe_payment_intent_id:
            intent = stripe.payment_intents.retrieve(gift.stripe_payment_intent_id)
            if intent.status == "succeeded":
                return _settle_intent(intent.id, gift.id)
            if intent.status == "requires_action":
                return Result("requires_action", client_secret=intent.client_secret, gift_id=gift.id)
            if intent.status == "requires_payment_method":
                intent = stripe.payment_intents.update(
                    intent.id,
                    params={"payment_method": payment_method},
                    options=idempotent(f"gift-{attempt}-card-{payment_method}"),
                )
        else:
            intent = stripe.payment_intents.create(
                params={
                    "amount": gift.amount_cents,
                    "currency": gift.currency,
                    "payment_method": payment_method,
                    "payment_method_types": ["card"],
                    "metadata": {"gift_id": str(gift.id), "attempt": attempt},
                },
                options=idempotent(f"gift-{attempt}"),
            )
            gift.stripe_payment_intent_id = intent.id
            db.session.flush()
        if intent.status == "requires_confirmation":
            intent = stripe.payment_intents.confirm(
                intent.id, options=idempotent(f"gift-{attempt}-confirm-{payment_method}")
            )
    except CardError as error:
        ledger.payment_failed({"id": gift.stripe_payment_intent_id, "last_payment_error": {"code": error.code}})
        return _declined(error.code, gift.amount_cents)
    except NetworkError:
        return _network()
    except StripeError:
        log.exception("payment intent for gift %s", gift.id)
        return _failure()
    return _intent_result(intent, gift)


def _intent_result(intent, gift: Gift) -> Result:
    if intent.status == "succeeded":
        return _settle_intent(intent.id, gift.id)
    if intent.status == "requires_action":
        return Result("requires_action", client_secret=intent.client_secret, gift_id=gift.id)
    code = field(field(intent, "last_payment_error"), "code")
    return _declined(code, gift.amount_cents)


def _settle_intent(intent_id: str, gift_id: int) -> Result:
    try:
        intent = v1().payment_intents.retrieve(intent_id, params={"expand": ["latest_charge.balance_transaction"]})
    except StripeError:
        return Result("succeeded", gift_id=gift_id)  # paid; the webhook will record it
    return _finish(ledger.payment_succeeded(intent), gift_id)


def after_authentication(attempt: str) -> Result:
    """The page finished 3-D Secure with Stripe.js: see where the payment stands now."""
    gift = db.session.scalar(select(Gift).where(Gift.attempt_token == attempt))
    if gift is not None and gift.stripe_payment_intent_id:
        try:
            intent = v1().payment_intents.retrieve(gift.stripe_payment_intent_id)
        except NetworkError:
            return _network()
        except StripeError:
            log.exception("gift %s after authentication", gift.id)
            return _failure()
        return _intent_result(intent, gift)
    recurring = db.session.scalar(select(RecurringGift).where(RecurringGift.attempt_token == attempt))
    if recurring is not None and recurring.stripe_subscription_id:
        try:
            subscription = v1().subscriptions.retrieve(
                recurring.stripe_subscription_id, params={"expand": FIRST_INVOICE}
            )
            return _subscription_result(subscription, recurring)
        except NetworkError:
            return _network()
        except StripeError:
            log.exception("monthly gift %s after authentication", recurring.id)
            return _failure()
    return _failure()


# --- Monthly gifts ------------------------------------------------------------------------

# The first invoice comes with its confirmation secret, for Stripe.js when the bank asks the donor
# to authenticate (an invoice no longer names its PaymentIntent: see ledger.invoice_payment).
FIRST_INVOICE = ["latest_invoice.confirmation_secret"]


def monthly_plan_id(amount_cents: int, currency: str) -> str:
    return f"mexiles-monthly-{currency}-{amount_cents}"


def plan_for(amount_cents: int, currency: str) -> str:
    """One Stripe plan per amount and currency, found by a deterministic id, made the first time."""
    plan_id = monthly_plan_id(amount_cents, currency)
    stripe = v1()
    try:
        stripe.plans.retrieve(plan_id)
    except StripeError as error:
        if getattr(error, "http_status", None) != 404:
            raise
        name = f"{current_app.config['ORG_NAME']} monthly gift {amount_cents / 100:.2f} {currency.upper()}"
        stripe.plans.create(
            params={
                "id": plan_id,
                "amount": amount_cents,
                "currency": currency,
                "interval": "month",
                "product": {"name": name},
            },
            options=idempotent(f"plan-{plan_id}"),
        )
    return plan_id


def customer_for(donor) -> str:
    if not donor.stripe_customer_id:
        customer = v1().customers.create(
            params={"email": donor.email_key, "metadata": {"donor_id": str(donor.id)}},
            options=idempotent(f"donor-{donor.id}-customer"),
        )
        donor.stripe_customer_id = customer.id
        db.session.commit()
    return donor.stripe_customer_id


def _subscription_customer(recurring: RecurringGift, attempt: str, trusted: bool) -> str:
    """The customer the new subscription bills. Someone not signed in as the donor gets a customer
    of their own when the donor already has one: their card must not become the card the donor's
    other monthly gifts are charged to."""
    if not recurring.stripe_customer_id:
        donor = recurring.donor
        if donor.stripe_customer_id and not trusted:
            customer = v1().customers.create(
                params={
                    "email": donor.email_key,
                    "metadata": {"donor_id": str(donor.id), "recurring_gift_id": str(recurring.id)},
                },
                options=idempotent(f"monthly-{attempt}-customer"),
            )
            recurring.stripe_customer_id = customer.id
        else:
            recurring.stripe_customer_id = customer_for(donor)
        db.session.commit()
    return recurring.stripe_customer_id


def set_default_card(customer: str, payment_method: str, key: str) -> None:
    """Make this card (a PaymentMethod from Stripe.js) the one the customer's monthly charges use."""
    stripe = v1()
    stripe.payment_methods.attach(payment_method, params={"customer": customer}, options=idempotent(f"{key}-attach"))
    stripe.customers.update(
        customer,
        params={"invoice_settings": {"default_payment_method": payment_method}},
        options=idempotent(f"{key}-default"),
    )


def _monthly_attempt(data: dict, attempt: str) -> RecurringGift:
    """The monthly gift this attempt pays for. A donor who tries again with a new attempt (the page
    reloaded, the amount changed) takes back their unfinished one, with the new terms, so that
    failed attempts do not pile up as "incomplete" monthly gifts. Its subscription is kept only if
    it still fits (see ``_open_subscription``)."""
    donor = _new_donor(data)
    unfinished = db.session.scalar(
        select(RecurringGift)
        .where(RecurringGift.donor_id == donor.id, RecurringGift.status == "incomplete")
        .order_by(RecurringGift.id.desc())
        .limit(1)
        .with_for_update(of=RecurringGift)
    )
    if unfinished is None:
        return _insert_once(
            RecurringGift(
                donor_id=donor.id,
                amount_cents=data["amount_cents"],
                status="incomplete",
                attempt_token=attempt,
                donor_name=data.get("name") or None,
                donor_address=data.get("address") or None,
                **_gift_terms(data),
            ),
            RecurringGift,
            attempt,
        )
    for name, value in dict(
        amount_cents=data["amount_cents"],
        attempt_token=attempt,
        donor_name=data.get("name") or None,
        donor_address=data.get("address") or None,
        **_gift_terms(data),
    ).items():
        setattr(unfinished, name, value)
    if not data.get("own_donor"):
        unfinished.stripe_customer_id = None  # chosen again: someone else's card never bills the donor's customer
    audit.record("gift.started", "donor", donor.id, kind=RecurringGift.__tablename__)
    db.session.commit()
    return unfinished


def _open_subscription(recurring: RecurringGift, customer: str):
    """This monthly gift's subscription if it can still be paid as it is (same customer, same plan),
    else None. May raise StripeError."""
    if not recurring.stripe_subscription_id:
        return None
    try:
        subscription = v1().subscriptions.retrieve(recurring.stripe_subscription_id, params={"expand": FIRST_INVOICE})
    except InvalidRequestError as error:
        if getattr(error, "http_status", None) == 404:
            return None
        raise
    plan = monthly_plan_id(recurring.amount_cents, recurring.currency)
    items = field(field(subscription, "items"), "data") or []
    same_plan = bool(items) and field(field(items[0], "plan"), "id") == plan
    if subscription.status == "incomplete" and subscription.customer == customer and same_plan:
        return subscription
    return None


def give_monthly(data: dict, attempt: str, payment_method: str) -> Result:
    recurring = db.session.scalar(select(RecurringGift).where(RecurringGift.attempt_token == attempt))
    if recurring is not None and recurring.status in ("active", "paused"):
        return Result("succeeded")
    if recurring is None:
        recurring = _monthly_attempt(data, attempt)
    stripe = v1()
    key = f"monthly-{attempt}-{payment_method}"
    try:
        customer = _subscription_customer(recurring, attempt, trusted=bool(data.get("own_donor")))
        set_default_card(customer, payment_method, key)
        subscription = _open_subscription(recurring, customer)  # a retry: its first invoice is still open
        if subscription is None:
            replaced = recurring.stripe_subscription_id
            recurring.stripe_plan_id = plan_for(recurring.amount_cents, recurring.currency)
            # The first invoice waits for us to pay it with this card, below (default_incomplete).
            subscription = stripe.subscriptions.create(
                params={
                    "customer": customer,
                    "items": [{"plan": recurring.stripe_plan_id}],
                    "payment_behavior": "default_incomplete",
                    "metadata": {"recurring_gift_id": str(recurring.id)},
                    "expand": FIRST_INVOICE,
                },
                options=idempotent(f"monthly-{attempt}-subscription"),
            )
            recurring.stripe_subscription_id = subscription.id
            db.session.commit()
            if replaced:
                _end_unpaid(replaced)
        return _subscription_result(_pay_first_invoice(subscription, payment_method, key), recurring)
    except CardError as error:
        return _declined(error.code, recurring.amount_cents)
    except NetworkError:
        return _network()
    except StripeError:
        log.exception("subscription for monthly gift %s", recurring.id)
        return _failure()


def _pay_first_invoice(subscription, payment_method: str, key: str):
    """Pay the subscription's open first invoice with the donor's card; the subscription as it
    stands after. A bank asking the donor to authenticate is no decline: Stripe.js takes over with
    the invoice's confirmation secret (see ``_subscription_result``)."""
    invoice = subscription.latest_invoice
    if invoice is None or invoice.status != "open":
        return subscription
    try:
        v1().invoices.pay(invoice.id, params={"payment_method": payment_method}, options=idempotent(f"{key}-pay"))
    except CardError as error:
        if error.code != "invoice_payment_intent_requires_action":
            raise
    return v1().subscriptions.retrieve(subscription.id, params={"expand": FIRST_INVOICE})


def _end_unpaid(subscription_id: str) -> None:
    """Cancel an earlier attempt's unpaid subscription, once the monthly gift has its new one (so
    that its end, when Stripe tells of it, can no longer be taken for the monthly gift's)."""
    try:
        v1().subscriptions.cancel(subscription_id, options=idempotent(f"end-unpaid-{subscription_id}"))
    except StripeError:  # Stripe ends an unpaid first invoice's subscription itself within a day
        log.warning("could not cancel the unpaid subscription %s", subscription_id)


def _subscription_result(subscription, recurring: RecurringGift) -> Result:
    """Where a new subscription stands: paid (recorded now), waiting for the donor's bank, or
    declined. May raise StripeError (the first invoice's payment is asked of Stripe)."""
    invoice = subscription.latest_invoice
    if subscription.status in ("active", "trialing"):
        recurring.status = "active"
        outcome = ledger.invoice_paid(invoice) if invoice is not None and invoice.status == "paid" else ledger.Outcome()
        gift_id = outcome.receipts[0] if outcome.receipts else None
        return _finish(outcome, gift_id)
    intent_id, _charge = ledger.invoice_payment(invoice)
    intent = v1().payment_intents.retrieve(intent_id) if intent_id else None
    db.session.commit()
    if field(intent, "status") == "requires_action":
        return Result("requires_action", client_secret=field(field(invoice, "confirmation_secret"), "client_secret"))
    return _declined(field(field(intent, "last_payment_error"), "code"), recurring.amount_cents)
