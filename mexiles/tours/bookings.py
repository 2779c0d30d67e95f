"""Booking requests from hosts: received through the public form, read in the coordinators' inbox."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from .. import mail
from ..audit import services as audit
from ..extensions import db
from .models import BookingRequest

SUBJECT = "tour_booking_request"
PAGE_SIZE = 50
FIELDS = ("organisation", "contact_name", "contact_email", "contact_phone", "starts_at", "ends_at", "time_zone",
          "other_dates", "city", "venue", "expected_audience", "topic", "language", "honorarium_cents",
          "travel_support", "message")


def receive(data: dict, host_locale: str) -> BookingRequest:
    """Keep a host's request and confirm it to them by email, in the language they wrote in."""
    request = BookingRequest(host_locale=host_locale, **{k: data.get(k) for k in FIELDS})
    db.session.add(request)
    db.session.flush()
    audit.record("tour_booking_request.receive", SUBJECT, request.id)
    db.session.commit()
    mail.send(request.contact_email, _l("We received your request for a speaker"), "tours/email/request_received.txt",
              locale=host_locale, request=request)
    return request


def inbox(page: int = 1):
    """New requests first, then the rest, newest first."""
    query = (select(BookingRequest).options(selectinload(BookingRequest.events))
             .order_by(case((BookingRequest.status == "new", 0), else_=1), BookingRequest.created_at.desc(),
                       BookingRequest.id.desc()))
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def get(request_id: int) -> BookingRequest | None:
    return db.session.get(BookingRequest, request_id, options=[selectinload(BookingRequest.events)])


def close(request: BookingRequest, by) -> None:
    """Put a request away without an event (a duplicate, or nothing we can offer)."""
    if request.status != "closed":
        request.status = "closed"
        audit.record("tour_booking_request.close", SUBJECT, request.id, actor=by)
    db.session.commit()


def reopen(request: BookingRequest, by) -> None:
    if request.status == "closed":
        request.status = "scheduled" if request.events else "new"
        audit.record("tour_booking_request.reopen", SUBJECT, request.id, actor=by)
    db.session.commit()
