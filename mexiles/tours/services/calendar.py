"""iCalendar files for calendar apps (Google, Apple, Outlook) and the QR code for the room.

Times go out in the event's own zone, DTSTART and DTEND each with its TZID, and one VTIMEZONE per zone
written with yearly RRULEs (the tz database's current rule, so valid without an end year): clients that
build the zone from the file, rather than look the name up, read the same instants. The UID stays the
same for the life of an event and SEQUENCE grows with each change, so calendars update an event rather
than duplicate it. A cancelled event stays in the feed marked STATUS:CANCELLED, so that calendars remove
it visibly.
"""

from __future__ import annotations

import datetime as dt
import io

import segno
from flask import current_app, url_for
from icalendar import Calendar, Event

from ...timeutil import utcnow, vtimezone
from . import timing
from .speakers import public_name

PRODID = "-//mexiles//speaking tours//EN"
ICAL_STATUS = {
    "offered": "TENTATIVE",
    "accepted": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "done": "CONFIRMED",
    "declined": "CANCELLED",
    "cancelled": "CANCELLED",
    "requested": "TENTATIVE",
}


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def uid(event) -> str:
    return f"tour-event-{event.id}@mexiles"


def _vevent(event, for_speaker: bool) -> Event:
    vevent = Event()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", utcnow().replace(tzinfo=dt.UTC))
    vevent.add("last-modified", event.updated_at.replace(tzinfo=dt.UTC))
    vevent.add("sequence", event.sequence)
    vevent.add("status", ICAL_STATUS[event.status])
    vevent.add("dtstart", timing.local(event.starts_at, event.time_zone))
    vevent.add("dtend", timing.local(event.ends_at, event.time_zone))
    vevent.add("summary", f"{event.title} — {event.organisation}")
    vevent.add("location", f"{event.venue}, {event.city}")
    if for_speaker:
        # The speaker's own calendar: the host's contact details help on the day.
        vevent.add("description", f"{event.host_name} <{event.host_email}>")
        vevent.add("url", url_for("tours.my_event", event_id=event.id, _external=True))
    else:
        vevent.add("description", public_name(event.speaker))
    return vevent


def _to_bytes(cal: Calendar, events) -> bytes:
    # The zones first: some readers resolve a TZID only against the VTIMEZONEs they have already seen.
    cal.subcomponents[:0] = [vtimezone(zone) for zone in sorted({e.time_zone for e in events})]
    return cal.to_ical()


def feed(speaker, events) -> bytes:
    """The speaker's private calendar: every event offered to them, cancelled ones included."""
    cal = _calendar(f"{current_app.config['ORG_NAME']} — {public_name(speaker)}")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for event in events:
        cal.add_component(_vevent(event, for_speaker=True))
    return _to_bytes(cal, events)


def event_file(event, for_speaker: bool) -> bytes:
    """One event as an .ics file: for the speaker's download, or attached to the host's email."""
    cal = _calendar()
    cal.add_component(_vevent(event, for_speaker))
    return _to_bytes(cal, [event])


def qr_svg(url: str) -> bytes:
    """A QR code of ``url`` as SVG, large and with a quiet zone, to print for the room."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=4, xmldecl=True, title=url)
    return out.getvalue()
