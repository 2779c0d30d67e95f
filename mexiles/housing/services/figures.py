"""Figures for the board and funders, the occupancy chart, and the CSV export of placements. The
nights given by month sit beside what the housing fund raised on the staff figures page (assistance),
from ``shelter_by_month``."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ...timeutil import today
from ..models import Placement, Site
from ..vocabulary import EXIT_DESTINATIONS, HOUSED
from . import occupancy, waitlist
from .common import may_act_for


def month_key(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)


def housing_nights_by_month(since: dt.date, until: dt.date) -> dict[str, int]:
    """Nights of shelter given per month ("YYYY-MM"), for the nights from ``since`` up to ``until``.

    A night counts once per person who slept at a site (a family of three for two nights gives six).
    Only nights already spent count: those of households that moved in, and before today. Every
    month of the range is present, with 0 where nobody was housed.
    """
    return {month: nights for month, (nights, _households) in shelter_by_month(since, until).items()}


def shelter_by_month(since: dt.date, until: dt.date) -> dict[str, tuple[int, int]]:
    """{"YYYY-MM": (nights of shelter, households sheltered)} from ``since`` up to ``until``, counted
    as ``housing_nights_by_month`` counts them; these are what the housing fund paid for."""
    nights: dict[str, int] = {}
    households: dict[str, set[int]] = {}
    month = since.replace(day=1)
    while month < until:
        nights[month_key(month)], households[month_key(month)] = 0, set()
        month = next_month(month)
    stop = min(until, today())
    rows = db.session.execute(
        select(Placement.start_on, Placement.end_on, Placement.beds, Placement.person_id).where(
            Placement.status.in_(HOUSED),
            Placement.start_on < stop,
            or_(Placement.end_on.is_(None), Placement.end_on > since),
        )
    )
    for start, end, beds, person_id in rows:
        lo, hi = max(start, since), min(end or stop, stop)
        while lo < hi:
            chunk = min(hi, next_month(lo))
            nights[month_key(lo)] += beds * (chunk - lo).days
            households[month_key(lo)].add(person_id)
            lo = chunk
    return {key: (nights[key], len(households[key])) for key in nights}


@dataclass
class Figures:
    since: dt.date
    until: dt.date
    nights_by_month: dict[str, int]
    households_housed: int
    people_housed: int
    beds_taken: int
    beds_offered: int
    stays_ended: int
    average_stay: float | None
    median_stay: float | None
    waitlist_length: int
    median_wait: float | None

    @property
    def nights_total(self) -> int:
        return sum(self.nights_by_month.values())

    @property
    def occupancy_percent(self) -> int | None:
        return round(100 * self.beds_taken / self.beds_offered) if self.beds_offered else None


def figures(months: int = 12) -> Figures:
    """The last ``months`` whole and current months, and tonight."""
    tonight = today()
    since = tonight.replace(day=1)
    for _i in range(months - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    housed = db.session.execute(
        select(
            Placement.id,
            Placement.moved_from_id,
            Placement.person_id,
            Placement.beds,
            Placement.start_on,
            Placement.end_on,
            Placement.status,
        ).where(Placement.status.in_(HOUSED))
    ).all()
    in_period = [p for p in housed if p.start_on < tonight and (p.end_on is None or p.end_on > since)]
    beds_by_person: dict[int, int] = {}
    for p in in_period:
        beds_by_person[p.person_id] = max(p.beds, beds_by_person.get(p.person_id, 0))
    stays = _ended_stays(housed, since, tonight)
    sites = db.session.scalars(select(Site)).all()
    held = occupancy.bookings(tonight, tonight + dt.timedelta(days=1))
    length, wait = waitlist.waitlist_summary(tonight)
    return Figures(
        since=since,
        until=tonight,
        nights_by_month=housing_nights_by_month(since, tonight),
        households_housed=len(beds_by_person),
        people_housed=sum(beds_by_person.values()),
        beds_taken=sum(beds for rows in held.values() for _s, _e, beds in rows),
        beds_offered=sum(occupancy.beds_offered(s, tonight, sum(b for _s, _e, b in held.get(s.id, ()))) for s in sites),
        stays_ended=len(stays),
        average_stay=sum(stays) / len(stays) if stays else None,
        median_stay=statistics.median(stays) if stays else None,
        waitlist_length=length,
        median_wait=wait,
    )


def _ended_stays(housed, since: dt.date, until: dt.date) -> list[int]:
    """Nights of each stay that ended in [since, until); a move to another site continues the stay."""
    by_id = {p.id: p for p in housed}
    continued = {p.moved_from_id for p in housed if p.moved_from_id}
    lengths = []
    for p in housed:
        if p.status != "moved_out" or p.id in continued or not since <= p.end_on < until:
            continue
        first = p
        while first.moved_from_id in by_id:
            first = by_id[first.moved_from_id]
        lengths.append((p.end_on - first.start_on).days)
    return lengths


# --- Charts, drawn on the server as SVG -------------------------------------------------------


@dataclass
class Chart:
    width: int
    height: int
    taken: str  # SVG polyline points
    offered: str
    ticks: list[tuple[float, dt.date]]  # where each month begins
    top: int
    today_x: float | None
    first: dt.date
    last: dt.date
    peak_taken: int


def occupancy_chart(first: dt.date, days: int, width: int = 720, height: int = 200) -> Chart:
    """Beds taken and beds offered, night by night, from ``first`` for ``days`` nights (two queries).

    Beds offered follow each site's offer period; vetting and pauses are known as they are today.
    """
    sites = db.session.scalars(select(Site)).all()
    held = occupancy.bookings(first, first + dt.timedelta(days=days))
    nights = [first + dt.timedelta(days=i) for i in range(days)]
    taken, offered = [0] * days, [0] * days
    for site in sites:
        for i, n in enumerate(occupancy.taken_per_night(held.get(site.id, []), first, days)):
            taken[i] += n
            offered[i] += occupancy.beds_offered(site, nights[i], n)
    top = max([*taken, *offered, 1])
    step = width / max(days - 1, 1)

    def points(values):
        return " ".join(f"{i * step:.1f},{height - v * height / top:.1f}" for i, v in enumerate(values))

    ticks = [(i * step, n) for i, n in enumerate(nights) if n.day == 1]
    tonight = today()
    today_x = (tonight - first).days * step if first <= tonight < first + dt.timedelta(days=days) else None
    return Chart(width, height, points(taken), points(offered), ticks, top, today_x, first, nights[-1], max(taken))


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    month: dt.date  # its first day, for the page to name in the user's language
    nights: int


def month_bars(nights_by_month: dict[str, int], width: int = 720, height: int = 160) -> list[Bar]:
    top = max([*nights_by_month.values(), 1])
    slot = width / max(len(nights_by_month), 1)
    bars = []
    for i, (month, nights) in enumerate(nights_by_month.items()):
        h = nights * height / top
        year, number = month.split("-")
        bars.append(Bar(i * slot + slot * 0.15, height - h, slot * 0.7, h, dt.date(int(year), int(number), 1), nights))
    return bars


# --- Export -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "placement",
    "request",
    "person",
    "alias",
    "site",
    "site_kind",
    "beds",
    "start",
    "end",
    "status",
    "moved_in_on",
    "exit_group",
    "exit_destination",
    "nights",
    "moved_from",
)


def export_rows(user) -> tuple[tuple[str, ...], list[list]]:
    """The placements of the people whose case the user is on (all of them for an admin), audited."""
    placements = db.session.scalars(
        select(Placement).options(selectinload(Placement.site)).order_by(Placement.start_on, Placement.id)
    ).all()
    found = people.get_many(p.person_id for p in placements)
    placements = [p for p in placements if may_act_for(user, found.get(p.person_id))]
    tonight = today()
    rows = []
    for p in placements:
        group = EXIT_DESTINATIONS[p.exit_destination][0] if p.exit_destination else ""
        rows.append(
            [
                p.id,
                p.request_id,
                p.person_id,
                found[p.person_id].alias,
                p.site.name,
                p.site.kind,
                p.beds,
                p.start_on.isoformat(),
                p.end_on.isoformat() if p.end_on else "",
                p.status,
                p.moved_in_on.isoformat() if p.moved_in_on else "",
                group,
                p.exit_destination or "",
                p.nights(tonight),
                p.moved_from_id or "",
            ]
        )
    audit.record_each("housing.placements.export", "housing_placement", [p.id for p in placements])
    db.session.commit()
    return CSV_COLUMNS, rows
