"""Reconciliation: ask Stripe what it has and repair what lost webhooks left missing.

Stripe is asked only for what was made since ``--since`` (``created[gte]`` on each list), not for
the account's whole history. Recording goes through the same idempotent ledger as
the webhook, so a second run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...audit import services as audit
from ...extensions import db
from ..models import REFUND_VOID, Refund
from . import ledger, receipts, webhooks
from .stripe_gateway import field, v1


def _since(listing, cutoff: int):
    return listing.list(params={"limit": 100, "created": {"gte": cutoff}}).auto_paging_iter()


def reconcile(since: dt.date) -> list[str]:
    stripe = v1()
    cutoff = int(dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC).timestamp())
    report: list[str] = []
    total = ledger.Outcome()
    for intent in _since(stripe.payment_intents, cutoff):
        if field(intent, "status") != "succeeded":
            continue
        outcome = ledger.payment_succeeded(intent)
        report += [f"recorded one-time gift #{gift_id} ({intent.id})" for gift_id in outcome.receipts]
        total.merge(outcome)
    for invoice in _since(stripe.invoices, cutoff):
        if field(invoice, "status") == "paid" and ledger.invoice_subscription(invoice):
            outcome = ledger.invoice_paid(invoice)
            if outcome.waits_for:
                report.append(f"unknown monthly gift for invoice {invoice.id} (subscription {outcome.waits_for})")
            report += [f"recorded monthly gift #{gift_id} ({invoice.id})" for gift_id in outcome.receipts]
            total.merge(outcome)
    for refund in _since(stripe.refunds, cutoff):
        known = db.session.scalar(select(Refund.status).where(Refund.stripe_refund_id == refund.id))
        status = field(refund, "status", "succeeded")
        if known is not None and (known == status or known in REFUND_VOID or status not in REFUND_VOID):
            continue
        outcome = ledger.refund_seen(refund)
        if outcome.waits_for:
            report.append(f"refund {refund.id} of an unknown payment {outcome.waits_for}")
        elif known is not None:
            report.append(f"refund {refund.id} {status}: no longer counted")
        else:
            report.append(f"recorded refund {refund.id} of {int(field(refund, 'amount', 0)) / 100:.2f}")
    total.merge(webhooks.replay_waiting(total.touched))
    if report:
        audit.record("giving.reconcile", "giving", None, since=since.isoformat(), repairs=len(report))
    webhooks.queue_mail(total)
    db.session.commit()
    unsent = receipts.resend_missing()  # receipts still waiting for the mail server, or given up
    db.session.commit()
    if unsent:
        report.append(f"{len(unsent)} receipts not yet sent are due now")
    return report
