"""Housing, as the person's case file tells it: requests for a bed, placements and moves."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...people.services import TimelineEntry
from ..models import HousingRequest, Placement
from ..vocabulary import REQUEST_STATUSES, destination_label


def timeline_for_person(person_id: int, viewer, limit: int) -> list[TimelineEntry]:
    """Requests, placements, moves in and out, newest first; three queries however many there are.
    Sites are named, never their address: the case file may be read far from the person."""
    entries = []
    for req in db.session.scalars(
        select(HousingRequest)
        .where(HousingRequest.person_id == person_id)
        .order_by(HousingRequest.opened_at.desc())
        .limit(limit)
    ):
        url = url_for("housing.request_detail", request_id=req.id)
        entries.append(TimelineEntry(req.opened_at, _("Housing"), _("Asked for a bed (waitlist)"), url))
        if req.closed_at and req.status == "withdrawn":
            entries.append(TimelineEntry(req.closed_at, _("Housing"), str(REQUEST_STATUSES["withdrawn"]), url))
    for stay in db.session.scalars(
        select(Placement)
        .options(selectinload(Placement.site))
        .where(Placement.person_id == person_id, Placement.status != "cancelled")
        .order_by(Placement.start_on.desc())
        .limit(limit)
    ):
        url = url_for("housing.placement", placement_id=stay.id)
        moved = _("Moved to %(site)s", site=stay.site.name) if stay.moved_from_id else None
        entries.append(
            TimelineEntry(stay.start_on, _("Housing"), moved or _("Placed at %(site)s", site=stay.site.name), url)
        )
        if stay.status == "moved_out" and stay.end_on:
            entries.append(
                TimelineEntry(
                    stay.end_on,
                    _("Housing"),
                    _(
                        "Left %(site)s: %(destination)s",
                        site=stay.site.name,
                        destination=destination_label(stay.exit_destination),
                    ),
                    url,
                )
            )
    return entries
