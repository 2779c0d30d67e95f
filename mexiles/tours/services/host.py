"""The host's own page: a private link to their request, mailed once, to follow it (its status and
times in the host's zone, the calendar file once confirmed), withdraw it, or propose another time,
which a coordinator accepts (through the same conflict check as any change) or declines.

The link's secret is made and kept as a speaker's feed address is (services.speakers.new_secret):
only its digest is stored, with the moment the link stops working."""

from __future__ import annotations

import datetime as dt
import hmac

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from ... import mail
from ...access import Role
from ...accounts import services as accounts
from ...audit import services as audit
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import BookingRequest, TimeProposal, TourEvent
from . import calendar, events, speakers

SUBJECT = "tour_booking_request"
ARRANGING = ("requested", "offered", "accepted", "declined")


class HostLinkRefused(Refusal):
    """The host's link does not open the request: not valid, expired, or the request was withdrawn."""


class ProposalRefused(Refusal):
    """A proposal that cannot be made, accepted or declined, with the reason."""


# --- The link ------------------------------------------------------------------------------


def _expiry(ends_at: dt.datetime) -> dt.datetime:
    return ends_at + dt.timedelta(days=current_app.config["TOURS_HOST_LINK_DAYS"])


def issue_link(request: BookingRequest) -> str:
    """A new private link for the host (the caller mails it and commits); an earlier one stops working."""
    token, request.host_token_hash = speakers.new_secret()
    request.host_link_expires_at = _expiry(request.ends_at)
    return url_for("tours.host_request", request_id=request.id, token=token, _external=True)


def send_new_link(request: BookingRequest, by) -> None:
    """A coordinator mails the host a new link (theirs was lost, or never sent: the request was
    flagged as spam); the old one stops working."""
    if request.withdrawn_at is not None or request.flagged_spam:
        raise HostLinkRefused(_l("A withdrawn request, or one flagged as spam, gets no link."))
    link = issue_link(request)
    mail.send(
        request.contact_email,
        _l("The page of your request for a speaker"),
        "tours/email/host_link.txt",
        key=f"tours.host.link:{request.host_token_hash}",
        locale=request.host_locale,
        request=request,
        host_link=link,
    )
    audit.record("tour_booking_request.host_link", SUBJECT, request.id, actor=by)
    db.session.commit()


def for_link(request_id: int, token: str) -> BookingRequest:
    """The request this link opens, or a refusal that says why not. The secret must be this request's:
    another request's link, with this one's number, opens nothing."""
    request = db.session.get(BookingRequest, request_id)
    if (
        request is None
        or not request.host_token_hash
        or not token
        or len(token) > 100
        or not hmac.compare_digest(request.host_token_hash, speakers.secret_digest(token))
    ):
        raise HostLinkRefused(_l("This link is not valid. Please write to us if you need help with your request."))
    if request.withdrawn_at is not None:
        raise HostLinkRefused(_l("You withdrew this request, so its link no longer works."))
    if expires_at(request) < utcnow():
        raise HostLinkRefused(_l("This link has expired. Please write to us if you need help with your request."))
    return request


def expires_at(request: BookingRequest) -> dt.datetime:
    """When the link stops working: TOURS_HOST_LINK_DAYS after the talk, be it at the time asked for
    (or accepted from a proposal: stored) or at the time of the request's latest event, which a
    coordinator may have moved later."""
    ends = [e.ends_at for e in request.events]
    stored = request.host_link_expires_at or request.created_at
    return max([stored, *(_expiry(end) for end in ends)])


def view(request: BookingRequest) -> None:
    """The page repeats what the host typed in, their contact details among it: each look is recorded."""
    audit.record("tour_booking_request.host_view", SUBJECT, request.id)
    db.session.commit()


# --- What the host sees --------------------------------------------------------------------


def current_event(request: BookingRequest) -> TourEvent | None:
    """The event that came of the request: the latest one still going, else the latest one."""
    going = [e for e in request.events if e.status != "cancelled"] or request.events
    return going[-1] if going else None


def host_status(request: BookingRequest) -> str:
    """The request's state in the host's terms (vocabulary.HOST_STATUS_LABELS): the speaker's
    answers are ours to handle, so an offer or a refusal is all "being arranged" to the host."""
    event = current_event(request)
    if event is None:
        return "closed" if request.status == "closed" else "received"
    if event.status in ARRANGING:
        return "arranging"
    return event.status  # confirmed, done, cancelled


def open_proposal(request: BookingRequest) -> TimeProposal | None:
    return next((p for p in request.proposals if p.status == "open"), None)


def confirmed_event(request: BookingRequest) -> TourEvent | None:
    event = current_event(request)
    return event if event is not None and event.status in ("confirmed", "done") else None


def event_file(request: BookingRequest) -> bytes | None:
    """The confirmed event as an .ics file (the one attached to the confirmation email); None before."""
    event = confirmed_event(request)
    return None if event is None else calendar.event_file(event, for_speaker=False)


# --- Withdrawing and proposing -------------------------------------------------------------


def withdraw(request: BookingRequest) -> None:
    """The host calls it off: the request is closed for good, its events cancelled (the speaker told),
    an open proposal dropped, the coordinators told, the host sent a note (with files that take a
    confirmed talk out of their calendar); the link stops working."""
    now = utcnow()
    request.withdrawn_at, request.status = now, "closed"
    for proposal in request.proposals:
        if proposal.status == "open":
            proposal.status, proposal.decided_at = "withdrawn", now
    in_calendar = []  # confirmed talks: the host's calendar holds them, the mail's files remove them
    for event in request.events:
        confirmed = event.status == "confirmed"
        if events.cancel_for_host(event, reason=str(_l("The host withdrew the request."))) and confirmed:
            in_calendar.append(event)
    audit.record("tour_booking_request.withdraw", SUBJECT, request.id)
    mail.send(
        request.contact_email,
        _l("Your request is withdrawn"),
        "tours/email/host_withdrawn.txt",
        key=f"tours.host.withdrawn:{request.id}",
        locale=request.host_locale,
        attachments=[
            (f"event-{e.id}.ics", calendar.event_file(e, for_speaker=False), "text/calendar") for e in in_calendar
        ],
        request=request,
        in_calendar=bool(in_calendar),
    )
    subject = _l("A host withdrew a request for a speaker")
    _tell_coordinators(request, subject, "tours/email/host_withdrew.txt", f"withdrew:{request.id}")
    db.session.commit()


def propose(request: BookingRequest, starts_at: dt.datetime, ends_at: dt.datetime) -> TimeProposal:
    """Another time for the talk (naive UTC), for a coordinator to accept or decline; it replaces an
    open proposal of the host's."""
    if starts_at <= utcnow():
        raise ProposalRefused(_l("This time has passed. Choose a coming date."))
    if host_status(request) in ("done", "cancelled", "closed"):
        raise ProposalRefused(_l("This request is closed; another time can no longer be proposed."))
    now = utcnow()
    earlier = open_proposal(request)
    if earlier is not None:
        earlier.status, earlier.decided_at = "replaced", now
        db.session.flush()  # one open proposal per request: the old one is closed first
    proposal = TimeProposal(starts_at=starts_at, ends_at=ends_at)
    request.proposals.append(proposal)
    db.session.flush()
    audit.record("tour_booking_request.propose", SUBJECT, request.id, proposal=proposal.id)
    _tell_coordinators(
        request,
        _l("A host proposes another time"),
        "tours/email/host_proposed.txt",
        f"proposed:{proposal.id}",
        proposal=proposal,
    )
    db.session.commit()
    return proposal


def _tell_coordinators(request: BookingRequest, subject, template: str, key: str, **context) -> None:
    """Who set up the request's event, else every coordinator; each in their language."""
    event = current_event(request)
    people = events.coordinators_of(event) if event else accounts.users_with_role(Role.COORDINATOR)
    link = url_for("tours.booking_request", request_id=request.id, _external=True)
    for coordinator in people:
        mail.send(
            coordinator.email,
            subject,
            template,
            key=f"tours.host.{key}",
            locale=coordinator.locale,
            request=request,
            link=link,
            **context,
        )


# --- The coordinator's answer --------------------------------------------------------------


def _open(request: BookingRequest, proposal_id: int) -> TimeProposal:
    proposal = next((p for p in request.proposals if p.id == proposal_id), None)
    if proposal is None or proposal.status != "open":
        raise ProposalRefused(_l("This proposal was already answered, replaced or withdrawn."))
    return proposal


def accept(request: BookingRequest, proposal_id: int, by) -> None:
    """Move the request's event to the proposed time, through the conflict check every change goes
    through (events.save: a conflict refuses it with the reason; the speaker and the host of a
    confirmed event are told of the move as of any). Before there is an event, the request's own
    time moves."""
    proposal = _open(request, proposal_id)
    proposal.status, proposal.decided_at, proposal.decided_by_id = "accepted", utcnow(), by.id
    request.host_link_expires_at = max(request.host_link_expires_at or proposal.ends_at, _expiry(proposal.ends_at))
    audit.record("tour_booking_request.proposal_accepted", SUBJECT, request.id, actor=by, proposal=proposal.id)
    _tell_host(request, proposal, _l("Your proposed time is accepted"), "tours/email/proposal_accepted.txt")
    event = current_event(request)
    if event is None or event.status == "cancelled":
        request.starts_at, request.ends_at = proposal.starts_at, proposal.ends_at
        db.session.commit()
        return
    data = {
        "starts_at": proposal.starts_at,
        "ends_at": proposal.ends_at,
        "time_zone": event.time_zone,
        "city": event.city,
    }
    try:
        events.save(event, data, by=by)  # commits the proposal's answer with the move
    except Refusal:
        db.session.rollback()  # the proposal stays open, for the coordinator to try another way
        raise


def decline(request: BookingRequest, proposal_id: int, by, reason: str | None) -> None:
    """Keep the time as it is; the host is told, with the coordinator's reason if one is given."""
    proposal = _open(request, proposal_id)
    proposal.status, proposal.decided_at, proposal.decided_by_id = "declined", utcnow(), by.id
    proposal.reason = (reason or "").strip() or None
    audit.record("tour_booking_request.proposal_declined", SUBJECT, request.id, actor=by, proposal=proposal.id)
    _tell_host(request, proposal, _l("About the time you proposed"), "tours/email/proposal_declined.txt")
    db.session.commit()


def _tell_host(request: BookingRequest, proposal: TimeProposal, subject, template: str) -> None:
    mail.send(
        request.contact_email,
        subject,
        template,
        key=f"tours.host.{proposal.status}:{proposal.id}",
        locale=request.host_locale,
        request=request,
        proposal=proposal,
    )
