"""The donor portal: a single-use emailed sign-in link, the donor's own gifts and monthly gift.

Every function takes the signed-in donor and only ever touches that donor's records; a gift or
monthly gift of someone else is "not found" (404), never shown.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask import abort, current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import mail
from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...jobs import services as jobs
from ...timeutil import utcnow
from . import checkout, donors, receipts
from ..models import Donor, Gift, RecurringGift
from .stripe_gateway import InvalidRequestError, configured, idempotent, v1

PURPOSE = "donor-signin"


def link_max_age() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["DONOR_LINK_HOURS"])


def donor_only(user) -> bool:
    """Sign-in links are for donors alone: staff sign in on the usual page, with their password
    (and whatever else protects their accounts), never by an emailed link."""
    return user is not None and user.roles == frozenset({Role.DONOR})


def signin_link(donor: Donor, next_endpoint: str = "giving.portal") -> str | None:
    """A single-use sign-in link, or None when the donor's account is also a staff account."""
    user = donors.ensure_account(donor)
    db.session.commit()
    if not donor_only(user):
        return None
    return url_for("giving.portal_signin", token=accounts.make_token(user, PURPOSE),
                   next=url_for(next_endpoint), _external=True)


def card_update_link(donor: Donor) -> str:
    return signin_link(donor, "giving.portal") or url_for("accounts.login", _external=True)


SIGNIN_JOB = "giving.signin_link"


def request_signin_link(email: str, site: str | None) -> None:
    """Queue a sign-in link for the donor with this address, if any. The request writes the same
    job, in the same time, whether or not a donor has the address: the job looks it up."""
    request_id = secrets.token_hex(16)
    jobs.enqueue(SIGNIN_JOB, {"email": email, "request": request_id, "site": site}, key=f"{SIGNIN_JOB}:{request_id}")
    db.session.commit()


@jobs.handler(SIGNIN_JOB, commits=True)
def _send_signin_link(payload: dict) -> None:
    with jobs.links_to(payload["site"]):
        send_signin_link(payload["email"], payload["request"])


def send_signin_link(email: str, request_id: str) -> None:
    """Mail a sign-in link to the donor with this address, if there is one (a donor-only account);
    once per request, however often the job runs."""
    donor = donors.find(email)
    link = signin_link(donor) if donor is not None else None
    if link is not None and mail.send(donor.email_key, _l("Your sign-in link"), "giving/email/signin.txt",
                                      locale=donor.locale, link=link, hours=current_app.config["DONOR_LINK_HOURS"],
                                      key=f"donor-signin:{request_id}"):
        audit.record("donor.signin_link", "donor", donor.id)
    db.session.commit()


def peek_signin_token(token: str):
    """The donor-only user a sign-in link is for, without spending it (the confirm page)."""
    user = accounts.user_for_token(token, PURPOSE, link_max_age())
    if not donor_only(user):
        raise accounts.AccountError(_l("Staff accounts sign in on the usual sign-in page."))
    return user


def use_signin_token(token: str):
    """The user behind a sign-in link; the link is spent (the session token changes, which also
    ends the donor's sessions on other devices, as a password change does)."""
    user = peek_signin_token(token)
    accounts.renew_session_token(user)
    audit.record("donor.signin", "user", user.id, actor=user)
    db.session.commit()
    return user


def donor_or_404(user) -> Donor:
    return donors.for_user(user) or abort(404)


def own_gift(donor: Donor, gift_id: int) -> Gift:
    gift = db.session.get(Gift, gift_id)
    if gift is None or gift.donor_id != donor.id:
        abort(404)
    return gift


def own_recurring(donor: Donor, recurring_id: int) -> RecurringGift:
    recurring = db.session.get(RecurringGift, recurring_id)
    if recurring is None or recurring.donor_id != donor.id:
        abort(404)
    return recurring


def gifts(donor: Donor) -> list[Gift]:
    return list(db.session.scalars(select(Gift).where(Gift.donor_id == donor.id, Gift.status != "pending")
                                   .order_by(Gift.received_at.desc(), Gift.id.desc())))


def monthly_gifts(donor: Donor) -> list[RecurringGift]:
    return list(db.session.scalars(select(RecurringGift).where(RecurringGift.donor_id == donor.id,
                                                               RecurringGift.status != "incomplete")
                                   .order_by(RecurringGift.id.desc())))


def statement(donor: Donor, since: dt.date, until: dt.date) -> bytes:
    audit.record("donor.statement", "donor", donor.id, since=since.isoformat(), until=until.isoformat())
    db.session.commit()
    return receipts.statement_pdf(donor, since, until, receipts.statement_gifts(donor, since, until))


def receipt(donor: Donor, gift: Gift) -> bytes:
    return receipts.receipt_pdf(gift)


class MonthlyError(ValueError):
    """Why a monthly gift cannot be changed: "ended" (cancelled here, or no longer known to Stripe)
    or "offline" (no card processor set up, as in a demo without Stripe keys)."""


def _at_stripe(recurring: RecurringGift, change):
    """Run one change of the monthly gift's subscription at Stripe. A subscription Stripe no longer
    knows has ended: the monthly gift is marked so, and the donor told, instead of a network error."""
    if recurring.status == "canceled":
        raise MonthlyError("ended")
    if not configured():
        raise MonthlyError("offline")
    try:
        return change(v1())
    except InvalidRequestError as error:
        if getattr(error, "http_status", None) != 404 and getattr(error, "code", None) != "resource_missing":
            raise
    recurring.status, recurring.canceled_at = "canceled", utcnow()
    audit.record("monthly.ended", "recurring_gift", recurring.id, why="unknown to Stripe")
    db.session.commit()
    raise MonthlyError("ended")


def change_amount(recurring: RecurringGift, amount_cents: int, actor) -> None:
    def change(stripe):
        subscription = stripe.subscriptions.retrieve(recurring.stripe_subscription_id)
        plan = checkout.plan_for(amount_cents, recurring.currency)
        item = subscription["items"].data[0].id
        stripe.subscriptions.update(recurring.stripe_subscription_id, params={"items": [{"id": item, "plan": plan}]},
                                    options=idempotent(f"monthly-{recurring.id}-amount-{amount_cents}-{item}"))
        return plan

    recurring.stripe_plan_id = _at_stripe(recurring, change)
    recurring.amount_cents = amount_cents
    recurring.covered_fee_cents = 0
    audit.record("monthly.amount", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def billed_customer(recurring: RecurringGift) -> str:
    """The Stripe customer whose card this monthly gift is charged to."""
    return recurring.stripe_customer_id or checkout.customer_for(recurring.donor)


def start_card_change(recurring: RecurringGift) -> str:
    """A SetupIntent whose client secret the page confirms with Stripe.js."""
    customer = billed_customer(recurring)
    intent = v1().setup_intents.create(params={"customer": customer, "payment_method_types": ["card"]})
    return intent.client_secret


def finish_card_change(recurring: RecurringGift, setup_intent_id: str, actor) -> None:
    stripe = v1()
    intent = stripe.setup_intents.retrieve(setup_intent_id)
    customer = billed_customer(recurring)
    if intent.status != "succeeded" or intent.customer != customer:
        raise MonthlyError("setup")
    checkout.set_default_card(customer, intent.payment_method, f"card-{setup_intent_id}")
    audit.record("monthly.card", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def pause(recurring: RecurringGift, actor) -> None:
    """Stripe skips the monthly charges (each invoice voided) until the donor resumes."""
    _set_collection(recurring, {"pause_collection": {"behavior": "void"}}, "paused", "monthly.pause", actor)


def resume(recurring: RecurringGift, actor) -> None:
    _set_collection(recurring, {"pause_collection": ""}, "active", "monthly.resume", actor)


def _now_stamp() -> int:
    """Now in Stripe's time (seconds), so that an older webhook cannot undo the donor's change."""
    return int(utcnow().replace(tzinfo=dt.UTC).timestamp())


def _set_collection(recurring, params, status, action, actor) -> None:
    _at_stripe(recurring, lambda stripe: stripe.subscriptions.update(recurring.stripe_subscription_id, params=params))
    recurring.status = status
    recurring.status_at = max(recurring.status_at, _now_stamp())
    audit.record(action, "recurring_gift", recurring.id, actor=actor)
    db.session.commit()


def cancel(recurring: RecurringGift, actor) -> None:
    if recurring.status == "canceled":
        return
    _at_stripe(recurring, lambda stripe: stripe.subscriptions.cancel(recurring.stripe_subscription_id))
    recurring.status, recurring.canceled_at = "canceled", utcnow()
    recurring.status_at = max(recurring.status_at, _now_stamp())
    audit.record("monthly.cancel", "recurring_gift", recurring.id, actor=actor)
    db.session.commit()
