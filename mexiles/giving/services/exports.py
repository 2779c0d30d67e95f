"""CSV exports of gifts and donors for staff; every export is audited."""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from ...audit import services as audit
from ...extensions import db
from ...http import csv_response
from ...timeutil import local
from ..models import Donor, Gift

GIFT_COLUMNS = [
    "id",
    "received_at",
    "donor_id",
    "email",
    "source",
    "status",
    "amount_cents",
    "fee_cents",
    "refunded_cents",
    "dispute_lost_cents",
    "dispute_fee_cents",
    "net_cents",
    "currency",
    "fund",
    "campaign",
    "tour_event_id",
    "monthly",
    "anonymous",
    "disputed",
    "stripe_payment_intent_id",
    "stripe_invoice_id",
]
DONOR_COLUMNS = ["id", "email", "name", "address", "locale", "listed", "created_at"]


def gifts_csv(actor) -> Response:
    gifts = db.session.scalars(select(Gift).order_by(Gift.received_at, Gift.id)).all()
    rows = [
        (
            g.id,
            local(g.received_at).isoformat(timespec="seconds"),
            g.donor_id,
            g.donor.email_key,
            g.source,
            g.status,
            g.amount_cents,
            g.fee_cents,
            g.refunded_cents,
            g.dispute_lost_cents,
            g.dispute_fee_cents,
            g.net_cents,
            g.currency,
            g.fund.code,
            g.campaign.slug if g.campaign else "",
            g.tour_event_id or "",
            "yes" if g.recurring_gift_id else "no",
            "yes" if g.anonymous else "no",
            "yes" if g.disputed else "no",
            g.stripe_payment_intent_id or "",
            g.stripe_invoice_id or "",
        )
        for g in gifts
    ]
    audit.record("gift.export", "gift", None, actor=actor, rows=len(gifts))
    db.session.commit()
    return csv_response(GIFT_COLUMNS, rows, "gifts.csv")


def donors_csv(actor) -> Response:
    donors = db.session.scalars(select(Donor).order_by(Donor.id)).all()
    rows = [
        (
            d.id,
            d.email_key,
            d.name or "",
            d.address or "",
            d.locale,
            "yes" if d.listed else "no",
            local(d.created_at).isoformat(timespec="seconds"),
        )
        for d in donors
    ]
    audit.record_each("donor.export", "donor", [d.id for d in donors], actor=actor, fields=list(DONOR_COLUMNS))
    db.session.commit()
    return csv_response(DONOR_COLUMNS, rows, "donors.csv")
