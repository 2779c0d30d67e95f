"""Housing sites: vetting, pausing, capacity, and who sees where a site is (every look is audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ...audit import services as audit
from ...extensions import db
from ...timeutil import today
from ..models import Site
from . import guests, occupancy
from .common import HousingRefused, day, lock_sites

SUBJECT = "housing_site"
# What a form edits, in the order the audit trail names it.
FIELDS = (
    "kind",
    "name",
    "capacity",
    "address",
    "host_name",
    "host_phone",
    "host_email",
    "confidential_notes",
    "accepts",
    "languages",
    "available_from",
    "available_until",
    "vetting_status",
    "home_visit_on",
    "background_check_on",
    "paused",
)
CONFIDENTIAL = ("address", "host_name", "host_phone", "host_email", "confidential_notes")


def get(site_id: int) -> Site | None:
    return db.session.get(Site, site_id)


def choices() -> list[Site]:
    """Sites that take placements now, for a coordinator to pick from."""
    return list(
        db.session.scalars(
            select(Site).where(Site.vetting_status == "verified", Site.paused.is_(False)).order_by(Site.name)
        )
    )


@dataclass
class SiteRow:
    site: Site
    taken: int  # beds taken tonight


def listing() -> list[SiteRow]:
    """Every site with the beds taken tonight, in two queries."""
    sites = db.session.scalars(select(Site).order_by(Site.vetting_status != "verified", Site.name)).all()
    tonight = today()
    held = occupancy.bookings(tonight, tonight + dt.timedelta(days=1))
    return [SiteRow(s, sum(beds for _s, _e, beds in held.get(s.id, []))) for s in sites]


def view(site: Site, user) -> None:
    """Record that the user saw the site's address and host contact."""
    audit.record("housing.site.view", SUBJECT, site.id, fields=[f for f in CONFIDENTIAL if getattr(site, f)])
    db.session.commit()


def create(data: dict, by) -> Site:
    data = _tidy(data)
    _check_vetting(data)
    site = Site(**{k: data[k] for k in FIELDS if k in data})
    if site.vetting_status != "new":
        site.vetted_by_id = by.id
    db.session.add(site)
    _flush_unique_name()
    audit.record("housing.site.create", SUBJECT, site.id, fields=[k for k in FIELDS if data.get(k)])
    db.session.commit()
    return site


def update_site(site: Site, data: dict, by) -> list[str]:
    """Save changes. The site is locked and read afresh first, so that what is checked (the beds booked,
    the guests it holds) is what the change is saved against, whatever another coordinator did meanwhile."""
    data = _tidy(data)
    try:
        site = lock_sites([site.id])[site.id]
    except OperationalError:
        db.session.rollback()
        raise HousingRefused(
            _("Someone else was changing these beds at the same moment. Nothing was saved; please try again.")
        ) from None
    try:
        _check_vetting({**{k: getattr(site, k) for k in FIELDS}, **data})
        changed = [k for k in FIELDS if k in data and getattr(site, k) != data[k]]
        if "capacity" in changed and data["capacity"] < site.capacity:
            _check_capacity_cut(site, data["capacity"])
        guests.check_site_change(site, data, changed, by)
    except HousingRefused:
        db.session.rollback()
        raise
    if not changed:
        db.session.rollback()  # releases the lock
        return []
    for key in changed:
        setattr(site, key, data[key])
    if "vetting_status" in changed:
        site.vetted_by_id = None if site.vetting_status == "new" else by.id
    _flush_unique_name()
    audit.record("housing.site.update", SUBJECT, site.id, fields=changed)
    db.session.commit()
    return changed


def _tidy(data: dict) -> dict:
    """Lists of codes are kept sorted and without repeats, so that an unchanged form changes nothing."""
    return {k: sorted(set(v)) if k in ("accepts", "languages") else v for k, v in data.items()}


def _check_vetting(data: dict) -> None:
    """A site is verified only after a home visit, and a host home also after a background check."""
    if data.get("vetting_status") != "verified":
        return
    if not data.get("home_visit_on"):
        raise HousingRefused(
            _("Record the date of the home visit before marking the site verified."), field="home_visit_on"
        )
    if data.get("kind") == "host_home" and not data.get("background_check_on"):
        raise HousingRefused(
            _("A host home is verified only after a background check: record its date."), field="background_check_on"
        )


def _check_capacity_cut(site: Site, capacity: int) -> None:
    """Fewer beds than are booked on some night from tonight on is refused (the site is locked already)."""
    tonight = today()
    rows = occupancy.bookings(tonight, None, site_ids=[site.id]).get(site.id, [])
    for night, taken in occupancy.steps(rows, tonight, None):
        if taken > capacity:
            raise HousingRefused(
                _(
                    "%(taken)s beds are booked on the night of %(date)s: the site cannot have fewer beds than that.",
                    taken=taken,
                    date=day(night),
                ),
                field="capacity",
            )


def _flush_unique_name() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise HousingRefused(_("Another site already has that name."), field="name") from None
