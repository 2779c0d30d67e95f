"""Placements: every rule about who sleeps where, in one place, safe when two coordinators act at once.

The rules: on every night the people placed at a site never exceed its beds; a person is never in
two placements that overlap; only verified, unpaused sites take new placements, within their offer
period and their restrictions. Every change takes the same locks in the same order (the sites by
id, the request, the person's placements) before it reads what it checks, so that two changes of
the same beds happen one after the other. The database also refuses overlapping placements of one
person by itself (an exclusion constraint on PostgreSQL, triggers on SQLite); a change that still
loses a race gets a clear refusal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ...timeutil import today, utcnow
from ..models import HousingRequest, Placement, Site
from ..vocabulary import CURRENT, EXIT_DESTINATIONS, HOLDING
from . import occupancy
from .common import HousingRefused, day, lock_sites, may_act_for

SUBJECT = "housing_placement"
# The name of the database guard against one person in two placements on one night (migration 0004).
PERSON_NIGHTS = "ex_housing_placements_person_nights"


def get(placement_id: int) -> Placement | None:
    return db.session.get(Placement, placement_id, options=[selectinload(Placement.site)])


@dataclass
class PlacementRow:
    placement: Placement
    person: object
    full: bool  # the user is on the case team (or an admin)


@dataclass
class Guests:
    """Placements planned or under way that the user may see. Those of people in hiding whose case the
    user is not on are left out, only counted, so that where they stay, since when and with how many
    people cannot be pieced together from the lists."""

    rows: list[PlacementRow]
    left_out: int


def current(user, site_id: int | None = None) -> Guests:
    """Placements planned or under way (the oldest first), in a fixed number of queries; every row
    shown is recorded in the audit trail."""
    query = (
        select(Placement)
        .options(selectinload(Placement.site))
        .where(Placement.status.in_(CURRENT))
        .order_by(Placement.start_on, Placement.id)
    )
    if site_id is not None:
        query = query.where(Placement.site_id == site_id)
    placements = db.session.scalars(query).all()
    found = people.get_many(p.person_id for p in placements)
    rows, left_out = [], 0
    for p in placements:
        person = found[p.person_id]
        full = may_act_for(user, person)
        if not full and person.in_hiding:
            left_out += 1
        else:
            rows.append(PlacementRow(p, person, full))
    audit.record_each(
        "housing.placement.list",
        SUBJECT,
        [row.placement.id for row in rows],
        **({"site": site_id} if site_id is not None else {}),
    )
    db.session.commit()
    return Guests(rows, left_out)


def view(placement: Placement, user) -> None:
    audit.record("housing.placement.view", SUBJECT, placement.id, person=placement.person_id)
    db.session.commit()


# --- Changing placements --------------------------------------------------------------------


def place(request: HousingRequest, site_id: int, start: dt.date, end: dt.date | None, by) -> Placement:
    """Give the request's household beds at a site for the nights [start, end)."""
    _valid_range(start, end)

    def change():
        req, sites, _held = _lock(request.id, [site_id], request.person_id)
        site = _site(sites, site_id)
        if req.status != "open":
            raise HousingRefused(_("This request is no longer on the waitlist."))
        _check_new(site, req, start, end)
        _check_nights(site, req, start, end)
        placement = Placement(
            request_id=req.id,
            person_id=req.person_id,
            site_id=site.id,
            beds=req.household_size,
            start_on=start,
            end_on=end,
            status="planned",
            created_by_id=by.id,
        )
        db.session.add(placement)
        db.session.flush()
        req.status, req.placed_at = "placed", req.placed_at or utcnow()
        audit.record(
            "housing.placement.create", SUBJECT, placement.id, request=req.id, site=site.id, person=req.person_id
        )
        return placement

    return _apply(change)


def move_in(placement: Placement, on: dt.date, by) -> Placement:
    """Record the night the household actually arrived; the stay counts from then. Arriving from a
    move to another site, the previous stay ends that same day."""
    if on > today():
        raise HousingRefused(_("A move-in cannot be recorded for a day still to come."), field="on")
    previous_site = _previous_site_id(placement)

    def change():
        req, sites, held = _lock(placement.request_id, [placement.site_id, *previous_site], placement.person_id)
        current = _placement(held, placement.id)
        if current.status != "planned":
            raise HousingRefused(_("The move-in of this placement is already recorded."))
        if current.end_on is not None and on >= current.end_on:
            raise HousingRefused(
                _("The move-in must come before the end date (%(date)s).", date=day(current.end_on)), field="on"
            )
        previous = held.get(current.moved_from_id)
        previous = previous if previous is not None and previous.awaiting_move else None
        ignore = (current.id,) + ((previous.id,) if previous else ())
        if on < current.start_on:  # they came early: only the nights before the planned start are new
            _check_added(sites[current.site_id], req, on, current.start_on, ignore=ignore, period=True, field="on")
        if previous is not None:
            if on <= previous.start_on:
                raise HousingRefused(
                    _(
                        "The move-in must come after the move-in at the previous site (%(date)s).",
                        date=day(previous.start_on),
                    ),
                    field="on",
                )
            if on > previous.end_on:  # they left the previous site later than planned
                _check_added(sites[previous.site_id], req, previous.end_on, on, ignore=ignore, field="on")
        # Save in an order in which the two stays never overlap, or the database refuses.
        first, then = (previous, current) if previous is not None and on < previous.end_on else (current, previous)
        for step in (first, then):
            if step is current:
                current.start_on, current.moved_in_on, current.status = on, on, "moved_in"
            elif step is not None:
                step.end_on, step.status, step.end_before_move = on, "moved_out", None
            db.session.flush()
        audit.record(
            "housing.placement.move_in",
            SUBJECT,
            current.id,
            fields=["start_on", "moved_in_on", "status"],
            **({"closed": previous.id} if previous else {}),
        )
        return current

    return _apply(change)


def extend(placement: Placement, end: dt.date | None, by) -> Placement:
    """Change the end date (later, earlier, or open); the nights added must be free."""

    def change():
        req, sites, held = _lock(placement.request_id, [placement.site_id], placement.person_id)
        current = _placement(held, placement.id)
        if current.status not in ("planned", "moved_in"):
            raise HousingRefused(_("Only a planned or current placement can change its end date."))
        _valid_range(current.start_on, end)
        if end == current.end_on:
            raise HousingRefused(_("That is already the end date."), field="end")
        if current.end_on is not None and (end is None or end > current.end_on):
            # Only the nights added are checked: nights already held stay held, even after the site
            # lost beds or changed its offer period since.
            _check_added(
                sites[current.site_id],
                req,
                current.end_on,
                end,
                ignore=(current.id,),
                standing=True,
                period=True,
                field="end",
            )
        current.end_on = end
        audit.record("housing.placement.extend", SUBJECT, current.id, fields=["end_on"])
        return current

    return _apply(change)


def move_out(placement: Placement, on: dt.date, destination: str, by) -> Placement:
    """Record that the household left on ``on`` (their last night was the one before) and where to."""
    if destination not in EXIT_DESTINATIONS:
        raise HousingRefused(_("Choose where the household went."), field="destination")
    if on > today():
        raise HousingRefused(
            _("A move-out cannot be recorded for a day still to come; change the end date instead."), field="on"
        )

    def change():
        req, sites, held = _lock(placement.request_id, [placement.site_id], placement.person_id)
        current = _placement(held, placement.id)
        if current.status != "moved_in":
            raise HousingRefused(_("Only a household that moved in can move out; cancel a planned placement instead."))
        if on <= current.start_on:
            raise HousingRefused(
                _(
                    "The move-out must come after the move-in (%(date)s): a stay lasts at least one night.",
                    date=day(current.start_on),
                ),
                field="on",
            )
        if current.end_on is not None and on > current.end_on:  # they stayed longer than booked
            _check_added(sites[current.site_id], req, current.end_on, on, ignore=(current.id,), field="on")
        current.end_on, current.status, current.exit_destination = on, "moved_out", destination
        audit.record(
            "housing.placement.move_out",
            SUBJECT,
            current.id,
            fields=["end_on", "status", "exit_destination"],
            destination=destination,
        )
        return current

    return _apply(change)


def move(placement: Placement, site_id: int, on: dt.date, end: dt.date | None, by) -> Placement:
    """Move a household to another site on ``on``: one placement ends there and the next begins, together."""
    _valid_range(on, end)
    if site_id == placement.site_id:
        raise HousingRefused(_("The household is already at that site."), field="site")

    def change():
        req, sites, held = _lock(placement.request_id, [placement.site_id, site_id], placement.person_id)
        current = _placement(held, placement.id)
        target = _site(sites, site_id)
        if current.status != "moved_in":
            raise HousingRefused(
                _("Only a household that moved in can move; change or cancel a planned placement instead.")
            )
        if on <= current.start_on:
            raise HousingRefused(
                _("The move must come after the move-in (%(date)s).", date=day(current.start_on)), field="on"
            )
        _check_new(target, req, on, end)
        if current.end_on is not None and on > current.end_on:  # they stay on here until the move
            _check_added(
                sites[current.site_id],
                req,
                current.end_on,
                on,
                ignore=(current.id,),
                standing=True,
                period=True,
                field="on",
            )
        _check_nights(target, req, on, end, ignore=(current.id,))
        arrived = on <= today()
        if not arrived:  # given back if the move is called off before it happens
            current.end_before_move = current.end_on
        current.end_on, current.exit_destination = on, "another_site"
        if arrived:
            current.status = "moved_out"
        # The first placement must end before the next begins, or PostgreSQL sees them overlap.
        db.session.flush()
        following = Placement(
            request_id=req.id,
            person_id=req.person_id,
            site_id=target.id,
            beds=current.beds,
            start_on=on,
            end_on=end,
            status="moved_in" if arrived else "planned",
            moved_in_on=on if arrived else None,
            moved_from_id=current.id,
            created_by_id=by.id,
        )
        db.session.add(following)
        db.session.flush()
        audit.record("housing.placement.move", SUBJECT, current.id, to=following.id, site=target.id)
        return following

    return _apply(change)


def cancel(placement: Placement, by) -> Placement:
    """Call off a placement before the move-in; the request goes back on the waitlist if nothing else holds.
    Calling off a move to another site gives the stay it was to end its former end date back."""
    previous_site = _previous_site_id(placement)

    def change():
        req, sites, held = _lock(placement.request_id, [placement.site_id, *previous_site], placement.person_id)
        current = _placement(held, placement.id)
        if current.status != "planned":
            raise HousingRefused(_("Only a planned placement can be cancelled; record a move-out instead."))
        previous = held.get(current.moved_from_id)
        if previous is not None and previous.awaiting_move:
            restored = previous.end_before_move
            _check_nights(sites[previous.site_id], req, previous.end_on, restored, ignore=(previous.id, current.id))
        current.status = "cancelled"
        db.session.flush()  # cancelled first, so that the stay given back never overlaps it
        if previous is not None and previous.awaiting_move:
            previous.end_on, previous.exit_destination, previous.end_before_move = restored, None, None
            audit.record(
                "housing.placement.extend",
                SUBJECT,
                previous.id,
                fields=["end_on", "exit_destination"],
                move_cancelled=current.id,
            )
        if not any(p.status in HOLDING for p in held.values() if p.request_id == req.id and p.id != current.id):
            waiting = db.session.scalar(
                select(HousingRequest.id).where(
                    HousingRequest.person_id == req.person_id, HousingRequest.status == "open"
                )
            )
            # Back on the waitlist, unless the person already waits there with a newer request.
            req.status, req.placed_at = ("withdrawn", req.placed_at) if waiting else ("open", None)
        audit.record("housing.placement.cancel", SUBJECT, current.id, fields=["status"], request=req.id)
        return current

    return _apply(change)


def _previous_site_id(placement: Placement) -> tuple[int, ...]:
    """The site of the stay a planned move comes from, to lock with the rest (sites never change)."""
    if placement.moved_from_id is None:
        return ()
    return (db.session.execute(select(Placement.site_id).where(Placement.id == placement.moved_from_id)).scalar_one(),)


# --- The rules ------------------------------------------------------------------------------


def _valid_range(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end <= start:
        raise HousingRefused(
            _("The end date must come after the start date: a stay lasts at least one night."), field="end"
        )


def _check_new(site: Site, req: HousingRequest, start: dt.date, end: dt.date | None) -> None:
    """A new placement: the site is verified and open, suits the household and offers those nights."""
    problems = (
        occupancy.standing_problems(site)
        + occupancy.mismatches(site, req.household_size, req.needs)
        + occupancy.period_problems(site, start, end)
    )
    if problems:
        raise HousingRefused(*problems)


def _check_added(
    site: Site,
    req: HousingRequest,
    start: dt.date,
    end: dt.date | None,
    ignore=(),
    standing: bool = False,
    period: bool = False,
    field: str | None = None,
) -> None:
    """Nights [start, end) that a change adds to a stay: beds free and the person nowhere else, and, when
    asked, the site still taking guests (``standing``) and offering those nights (``period``)."""
    problems = []
    if standing:
        problems += occupancy.standing_problems(site)
    if period:
        problems += occupancy.period_problems(site, start, end)
    if problems:
        raise HousingRefused(*problems, field=field)
    _check_nights(site, req, start, end, ignore=ignore)


def _check_nights(site: Site, req: HousingRequest, start: dt.date, end: dt.date | None, ignore=()):
    """Beds free at the site and the person nowhere else, on every night of [start, end)."""
    ignored = tuple(ignore)
    rows = occupancy.bookings(start, end, site_ids=[site.id], ignore=ignored).get(site.id, [])
    problems = occupancy.short_of_beds(site, rows, req.household_size, start, end)
    clash = db.session.execute(
        select(Placement.start_on, Placement.end_on, Site.name)
        .join(Site, Site.id == Placement.site_id)
        .where(Placement.person_id == req.person_id, occupancy.overlapping(start, end), Placement.id.not_in(ignored))
        .order_by(Placement.start_on)
        .limit(1)
    ).first()
    if clash:
        problems.append(
            _(
                "This person already has a placement at %(site)s from %(start)s to %(end)s.",
                site=clash.name,
                start=day(clash.start_on),
                end=day(clash.end_on) if clash.end_on else _("no set end"),
            )
        )
    if problems:
        raise HousingRefused(*problems)


# --- Locks and the transaction --------------------------------------------------------------


def _lock(request_id: int, site_ids: list[int], person_id: int):
    """Lock, in one order, what a placement change reads: the sites, the request, the person's placements.

    Returns them freshly read (``populate_existing``), since another transaction may have changed them.
    """
    sites = lock_sites(site_ids)
    fresh = {"populate_existing": True}
    req = db.session.scalars(
        select(HousingRequest).where(HousingRequest.id == request_id).with_for_update().execution_options(**fresh)
    ).one()
    held = {
        p.id: p
        for p in db.session.scalars(
            select(Placement)
            .where(Placement.person_id == person_id)
            .order_by(Placement.id)
            .with_for_update()
            .execution_options(**fresh)
        )
    }
    return req, sites, held


def _site(sites: dict[int, Site], site_id: int) -> Site:
    if site_id not in sites:
        raise HousingRefused(_("That site does not exist."), field="site")
    return sites[site_id]


def _placement(held: dict[int, Placement], placement_id: int) -> Placement:
    if placement_id not in held:
        raise HousingRefused(_("That placement no longer exists."))
    return held[placement_id]


def _apply(change: Callable[[], Placement]) -> Placement:
    """Run a change and commit it; any refusal or lost race leaves nothing behind and says why."""
    try:
        result = change()
        db.session.commit()
        return result
    except HousingRefused:
        db.session.rollback()
        raise
    except IntegrityError as error:
        db.session.rollback()
        # Only the database's own guard against one person in two places (PostgreSQL's exclusion
        # constraint, SQLite's triggers) means a lost race; anything else is a fault to surface.
        if PERSON_NIGHTS not in str(error.orig):
            raise
        raise HousingRefused(
            _(
                "This person was placed elsewhere for some of those nights at the same moment. "
                "Nothing was saved; look at their placements and try again."
            )
        ) from None
    except OperationalError:
        # A lock wait that timed out or a deadlock the database broke: nothing was saved.
        db.session.rollback()
        raise HousingRefused(
            _("Someone else was changing these beds at the same moment. Nothing was saved; please try again.")
        ) from None
