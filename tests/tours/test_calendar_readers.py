"""The feed and the .ics files as other clients read them: two parsers that do not write them. vobject
builds each zone from the file's VTIMEZONE (as Thunderbird or Outlook do); ics-py looks the IANA name
up (as Google or Apple do)."""

import datetime as dt
import re

import ics
import pytest
import vobject
from icalendar import Calendar

from .conftest import feed_url

# (title, zone, local day, local hour, minutes, UTC start, UTC end). 9 March 2031 is the second
# Sunday of March: 01:00 MST to 04:00 MDT is two hours. Mexico City keeps -06:00 all year since 2022.
CASES = [
    ("Denver summer", "America/Denver", dt.date(2031, 7, 10), 19, 90, (2031, 7, 11, 1, 0), (2031, 7, 11, 2, 30)),
    ("Denver winter", "America/Denver", dt.date(2031, 1, 15), 19, 90, (2031, 1, 16, 2, 0), (2031, 1, 16, 3, 30)),
    ("Chicago summer", "America/Chicago", dt.date(2031, 7, 20), 18, 60, (2031, 7, 20, 23, 0), (2031, 7, 21, 0, 0)),
    ("Chicago winter", "America/Chicago", dt.date(2031, 1, 25), 18, 60, (2031, 1, 26, 0, 0), (2031, 1, 26, 1, 0)),
    ("CDMX summer", "America/Mexico_City", dt.date(2031, 7, 30), 12, 60, (2031, 7, 30, 18, 0), (2031, 7, 30, 19, 0)),
    ("CDMX winter", "America/Mexico_City", dt.date(2031, 2, 5), 12, 60, (2031, 2, 5, 18, 0), (2031, 2, 5, 19, 0)),
    ("Across the change", "America/Denver", dt.date(2031, 3, 9), 1, 120, (2031, 3, 9, 8, 0), (2031, 3, 9, 10, 0)),
]
CITIES = {"America/Denver": "Denver, CO", "America/Chicago": "Chicago, IL", "America/Mexico_City": "CDMX"}


def utc(parts):
    return dt.datetime(*parts, tzinfo=dt.UTC)


def read_with_vobject(body: bytes) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cal = vobject.readOne(body.decode())
    return {
        str(e.summary.value).split(" — ")[0]: (e.dtstart.value.astimezone(dt.UTC), e.dtend.value.astimezone(dt.UTC))
        for e in cal.vevent_list
    }


def read_with_ics(body: bytes) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cal = ics.Calendar(body.decode())
    return {e.name.split(" — ")[0]: (e.begin.to("utc").datetime, e.end.to("utc").datetime) for e in cal.events}


READERS = pytest.mark.parametrize(
    "read",
    [read_with_vobject, read_with_ics],
    ids=["vobject", "ics-py"],
)


@pytest.fixture
def events(frozen, make_speaker, make_event):
    speaker = make_speaker()
    ids = {
        title: make_event(
            speaker, day=day, hour=hour, minutes=minutes, zone=zone, city=CITIES[zone], steps=("offered",), title=title
        )
        for title, zone, day, hour, minutes, *_ in CASES
    }
    return speaker, ids


@READERS
def test_the_feed_reads_at_the_right_instants(client, auth, events, read):
    speaker, _ = events
    auth.login(speaker.user)
    url = feed_url(client)
    auth.logout()
    got = read(client.get(url).data)
    assert got == {title: (utc(start), utc(end)) for title, *_, start, end in CASES}


@READERS
def test_each_event_file_reads_at_the_right_instant(client, auth, events, read):
    speaker, ids = events
    auth.login(speaker.user)
    for title, *_, start, end in CASES:
        assert read(client.get(f"/tours/me/events/{ids[title]}.ics").data) == {title: (utc(start), utc(end))}


def test_zones_are_yearly_rules_without_an_end(client, auth, events):
    speaker, ids = events
    auth.login(speaker.user)
    body = client.get(feed_url(client)).data
    assert b"2038" not in body and b"RDATE" not in body
    zones = {str(tz["TZID"]): tz for tz in Calendar.from_ical(body).walk("VTIMEZONE")}
    assert set(zones) == set(CITIES)
    for name in ("America/Denver", "America/Chicago"):
        rules = {c.name: c["RRULE"].to_ical().decode() for c in zones[name].subcomponents}
        assert rules == {"DAYLIGHT": "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "STANDARD": "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"}
    (mexico,) = zones["America/Mexico_City"].subcomponents
    assert mexico.name == "STANDARD" and "RRULE" not in mexico
    # Both ends of the span that crosses the change carry the zone: each is read in its own offset.
    crossing = Calendar.from_ical(client.get(f"/tours/me/events/{ids['Across the change']}.ics").data)
    (event,) = crossing.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == "America/Denver"
    assert event.decoded("DTSTART").tzname() == "MST" and event.decoded("DTEND").tzname() == "MDT"


def test_pages_name_both_zones_of_a_span_across_the_change(client, auth, coordinator, events):
    speaker, ids = events
    crossing, summer = ids["Across the change"], ids["Denver summer"]
    auth.login(coordinator)
    page = client.get(f"/tours/manage/events/{crossing}").data.decode()
    assert re.search(r"1:00\s?AM MST – 4:00\s?AM MDT", page)
    # An ordinary span names its zone once.
    assert re.search(r"7:00\s?PM – 8:30\s?PM MDT", client.get(f"/tours/manage/events/{summer}").data.decode())
    auth.logout()
    auth.login(speaker.user)
    client.post("/language", data={"locale": "es"})
    page = client.get(f"/tours/me/events/{crossing}").data.decode()
    assert "domingo, 9 de marzo de 2031 · 1:00 MST – 4:00 MDT" in page
