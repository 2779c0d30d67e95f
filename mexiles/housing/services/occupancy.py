"""Beds taken night by night: the arithmetic behind the rules, the search for a bed and the calendar.

Dates are half-open ranges [start, end): a placement holds the nights from its start up to, not
including, its end, so the move-out day is free for the next guest. An end of None is open.
Every function here reads the placements it needs in one query, whatever the number of sites,
placements or days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, or_, select

from ...extensions import db
from ..models import Placement, Site
from ..vocabulary import ACCEPTS, HOLDING, WOMEN_ONLY
from .common import day

Booking = tuple  # (start_on, end_on, beds), with a site_id first where several sites are read


def overlapping(start: dt.date, end: dt.date | None):
    """SQL condition: the placement holds at least one night of [start, end)."""
    condition = or_(Placement.end_on.is_(None), Placement.end_on > start)
    if end is not None:
        condition = and_(condition, Placement.start_on < end)
    return and_(Placement.status.in_(HOLDING), condition)


def bookings(start: dt.date, end: dt.date | None, site_ids=None, ignore=()) -> dict[int, list[Booking]]:
    """The beds held at each site during [start, end), read in one query."""
    query = select(Placement.site_id, Placement.start_on, Placement.end_on, Placement.beds).where(
        overlapping(start, end)
    )
    if site_ids is not None:
        query = query.where(Placement.site_id.in_(site_ids))
    if ignore:
        query = query.where(Placement.id.not_in(ignore))
    held = defaultdict(list)
    for site_id, s, e, beds in db.session.execute(query):
        held[site_id].append((s, e, beds))
    return held


def steps(rows: list[Booking], start: dt.date, end: dt.date | None) -> list[tuple[dt.date, int]]:
    """Beds taken within [start, end), as (night, beds) from each night where the number changes."""
    changes = defaultdict(int, {start: 0})
    for s, e, beds in rows:
        s = max(s, start)
        if (end is not None and s >= end) or (e is not None and e <= s):
            continue
        changes[s] += beds
        if e is not None and (end is None or e < end):
            changes[e] -= beds
    taken, out = 0, []
    for night in sorted(changes):
        taken += changes[night]
        out.append((night, taken))
    return out


def peak(rows: list[Booking], start: dt.date, end: dt.date | None) -> int:
    return max(taken for _night, taken in steps(rows, start, end))


def first_short_night(rows, start, end, capacity: int, beds: int) -> tuple[dt.date, int] | None:
    """The first night of [start, end) without ``beds`` free beds, with the number that are free."""
    for night, taken in steps(rows, start, end):
        if taken + beds > capacity:
            return night, max(0, capacity - taken)
    return None


# --- Whether a site suits a household ---------------------------------------------------------


def effective_needs(beds: int, needs) -> set[str]:
    """A household of more than one is a family, whether or not the box was ticked."""
    wanted = set(needs or ())
    if beds > 1:
        wanted.add("families")
    return wanted


def mismatches(site: Site | SimpleNamespace, beds: int, needs) -> list[str]:  # or a site as it would be
    """Why the site's restrictions turn this household away (empty when they do not)."""
    wanted = effective_needs(beds, needs)
    reasons = []
    if WOMEN_ONLY in site.accepts and WOMEN_ONLY not in wanted:
        reasons.append(_("%(site)s takes single women only.", site=site.name))
    missing = [
        str(ACCEPTS[code]) for code in ACCEPTS if code in wanted and code != WOMEN_ONLY and code not in site.accepts
    ]
    if missing:
        reasons.append(_("%(site)s does not offer: %(needs)s.", site=site.name, needs=", ".join(missing)))
    return reasons


def standing_problems(site: Site) -> list[str]:
    if site.vetting_status == "rejected":
        return [_("%(site)s was rejected in vetting.", site=site.name)]
    if site.vetting_status != "verified":
        return [_("%(site)s is not verified yet; only verified sites take placements.", site=site.name)]
    if site.paused:
        return [_("%(site)s is paused and takes no new placements.", site=site.name)]
    return []


def period_problems(site: Site, start: dt.date, end: dt.date | None) -> list[str]:
    reasons = []
    if start < site.available_from:
        reasons.append(_("%(site)s takes guests from %(date)s.", site=site.name, date=day(site.available_from)))
    if site.available_until and (end is None or end > site.available_until):
        reasons.append(
            _(
                "%(site)s offers beds until %(date)s: give an end date on or before that day.",
                site=site.name,
                date=day(site.available_until),
            )
        )
    return reasons


def short_of_beds(site: Site, rows, beds: int, start, end) -> list[str]:
    short = first_short_night(rows, start, end, site.capacity, beds)
    if short is None:
        return []
    night, free = short
    return [
        ngettext(
            "No free bed for %(count)s at %(site)s on the night of %(date)s: %(free)s of %(num)s bed free.",
            "No free bed for %(count)s at %(site)s on the night of %(date)s: %(free)s of %(num)s beds free.",
            site.capacity,
            count=beds,
            site=site.name,
            date=day(night),
            free=free,
        )
    ]


# --- Finding a bed ----------------------------------------------------------------------------


@dataclass
class Candidate:
    site: Site
    free: int  # beds free on the fullest night of the range
    spare: int  # beds still free then, once this household is in
    reasons: list[str] = field(default_factory=list)
    speaks: bool | None = None  # whether the site lists the person's language (None: not asked)


def find_beds(beds: int, start: dt.date, end: dt.date | None, needs=(), language: str | None = None):
    """Sites with ``beds`` free beds on every night of [start, end), best fit first (the fewest
    beds left over, so that large rooms stay free for large families), and the others with why not."""
    sites = db.session.scalars(select(Site).where(Site.vetting_status != "rejected").order_by(Site.name)).all()
    held = bookings(start, end, site_ids=[s.id for s in sites])
    fits: list[Candidate] = []
    others: list[Candidate] = []
    for site in sites:
        rows = held.get(site.id, [])
        free = site.capacity - peak(rows, start, end)
        reasons = (
            standing_problems(site)
            + mismatches(site, beds, needs)
            + period_problems(site, start, end)
            + short_of_beds(site, rows, beds, start, end)
        )
        speaks = None if not language else language in (site.languages or [])
        candidate = Candidate(site, free, free - beds, reasons, speaks)
        (others if reasons else fits).append(candidate)
    fits.sort(key=lambda c: (c.spare, not c.speaks, c.site.name))
    return fits, others


# --- The calendar -----------------------------------------------------------------------------


@dataclass
class Cell:
    night: dt.date
    taken: int
    capacity: int
    offered: bool

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken) if self.offered else 0

    @property
    def css(self) -> str:
        if self.taken > self.capacity:
            return "cal-over"
        if self.taken >= self.capacity:
            return "cal-full"
        if not self.offered:
            return "cal-off" if not self.taken else "cal-some"
        return "cal-some" if self.taken else "cal-free"


@dataclass
class CalendarRow:
    site: Site
    cells: list[Cell]


@dataclass
class Calendar:
    nights: list[dt.date]
    rows: list[CalendarRow]
    totals: list[tuple[int, int]]  # (taken, offered) per night


def offered_on(site: Site, night: dt.date) -> bool:
    return (
        site.takes_placements
        and site.available_from <= night
        and (site.available_until is None or night < site.available_until)
    )


def beds_offered(site: Site, night: dt.date, taken: int) -> int:
    """The beds a site counts as offered on a night: a site that still holds guests (paused, past its
    offer period) offers at least theirs, so that occupancy never tops what is taken."""
    return site.capacity if taken or offered_on(site, night) else 0


def calendar(first: dt.date, days: int) -> Calendar:
    """Sites by nights: beds taken and free from ``first`` for ``days`` nights, in two queries.
    Rejected sites show only while they still hold guests in those nights."""
    nights = [first + dt.timedelta(days=i) for i in range(days)]
    end = first + dt.timedelta(days=days)
    held = bookings(first, end)
    sites = db.session.scalars(
        select(Site)
        .where(or_(Site.vetting_status != "rejected", Site.id.in_(list(held))))
        .order_by(Site.kind, Site.name)
    ).all()
    rows = []
    for site in sites:
        taken = taken_per_night(held.get(site.id, []), first, days)
        rows.append(
            CalendarRow(
                site, [Cell(n, t, site.capacity, offered_on(site, n)) for n, t in zip(nights, taken, strict=True)]
            )
        )
    totals = [
        (
            sum(r.cells[i].taken for r in rows),
            sum(beds_offered(r.site, r.cells[i].night, r.cells[i].taken) for r in rows),
        )
        for i in range(days)
    ]
    return Calendar(nights, rows, totals)


def taken_per_night(rows: list[Booking], first: dt.date, days: int) -> list[int]:
    """Beds taken on each of ``days`` nights from ``first`` (a running sum over start and end marks)."""
    marks = [0] * (days + 1)
    for s, e, beds in rows:
        lo = max(0, (s - first).days)
        hi = days if e is None else min(days, (e - first).days)
        if lo < hi:
            marks[lo] += beds
            marks[hi] -= beds
    out, running = [], 0
    for i in range(days):
        running += marks[i]
        out.append(running)
    return out
