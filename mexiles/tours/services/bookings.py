"""Booking requests from hosts: received through the public form, read in the coordinators' inbox."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from ... import mail
from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ..models import BookingRequest
from . import availability, host

SUBJECT = host.SUBJECT  # one audit subject for a request, the host's own changes included
PAGE_SIZE = 50
FIELDS = (
    "speaker_id",
    "organisation",
    "contact_name",
    "contact_email",
    "contact_phone",
    "starts_at",
    "ends_at",
    "time_zone",
    "other_dates",
    "city",
    "venue",
    "expected_audience",
    "topic",
    "language",
    "honorarium_cents",
    "travel_support",
    "message",
)


def receive(data: dict, host_locale: str, flagged_spam: bool = False) -> BookingRequest:
    """Keep a host's request and confirm it to them by email, in the language they wrote in.

    A request that looks like a robot's is kept for review but not confirmed: our mail must not carry
    anything to an address someone else typed in. The confirmation repeats none of the free text
    typed into the form (only the organisation), so that it cannot be used to relay spam.
    A time no speaker asked for can take is refused (availability.NotFree), nothing kept."""
    availability.check_request(data)
    request = BookingRequest(host_locale=host_locale, flagged_spam=flagged_spam, **{k: data.get(k) for k in FIELDS})
    db.session.add(request)
    db.session.flush()
    audit.record("tour_booking_request.receive", SUBJECT, request.id, flagged_spam=flagged_spam)
    if not flagged_spam:  # queued with the request: sent after the commit, never lost with SMTP down
        host_link = host.issue_link(request)  # the only time its secret is known: it goes in this mail
        mail.send(
            request.contact_email,
            _l("We received your request for a speaker"),
            "tours/email/request_received.txt",
            key=f"tours.request_received:{request.id}",
            locale=host_locale,
            request=request,
            host_link=host_link,
        )
        link = url_for("tours.booking_request", request_id=request.id, _external=True)
        for coordinator in accounts.users_with_role(Role.COORDINATOR):
            mail.send(
                coordinator.email,
                _l("A new request for a speaker"),
                "tours/email/request_arrived.txt",
                key=f"tours.request_arrived:{request.id}",
                locale=coordinator.locale,
                request=request,
                link=link,
            )
    db.session.commit()
    return request


def inbox(page: int = 1, flagged_spam: bool = False):
    """New requests first, then the rest, newest first; those flagged as spam only when asked for."""
    query = (
        select(BookingRequest)
        .options(selectinload(BookingRequest.events), selectinload(BookingRequest.proposals))
        .where(BookingRequest.flagged_spam == flagged_spam)
        .order_by(
            case((BookingRequest.status == "new", 0), else_=1),
            BookingRequest.created_at.desc(),
            BookingRequest.id.desc(),
        )
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def get(request_id: int) -> BookingRequest | None:
    return db.session.get(
        BookingRequest,
        request_id,
        options=[selectinload(BookingRequest.events), selectinload(BookingRequest.proposals)],
    )


def view(request: BookingRequest) -> None:
    """Reading a request shows the host's contact details: who looked is recorded."""
    audit.record("tour_booking_request.view", SUBJECT, request.id)
    db.session.commit()


def not_spam(request: BookingRequest, by) -> None:
    """A coordinator read a flagged request and found a real host: it joins the inbox."""
    if request.flagged_spam:
        request.flagged_spam = False
        audit.record("tour_booking_request.not_spam", SUBJECT, request.id, actor=by)
    db.session.commit()


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
