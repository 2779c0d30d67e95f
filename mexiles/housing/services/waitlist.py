"""Housing requests and the waitlist: most urgent first, then whoever has waited longest."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...audit import services as audit
from ...extensions import db
from ...people import services as people
from ...timeutil import local_day, today, utcnow
from ..models import HousingRequest, Placement
from ..vocabulary import URGENCIES
from .common import HousingRefused, may_act_for

SUBJECT = "housing_request"
PAGE_SIZE = 50
FIELDS = ("household_size", "needs", "urgency", "wanted_from", "notes")
URGENCY_RANK = case({code: rank for rank, code in enumerate(URGENCIES)}, value=HousingRequest.urgency)


def get(request_id: int) -> HousingRequest | None:
    return db.session.get(HousingRequest, request_id)


def person_of(req: HousingRequest):
    return people.get(req.person_id)


def open_request(person, data: dict, by) -> HousingRequest:
    if not may_act_for(by, person):
        raise PermissionError
    waiting = db.session.scalar(
        select(HousingRequest.id).where(HousingRequest.person_id == person.id, HousingRequest.status == "open")
    )
    if waiting:
        raise HousingRefused(_("%(alias)s is already on the waitlist.", alias=person.alias))
    req = HousingRequest(
        person_id=person.id,
        opened_by_id=by.id,
        status="open",
        opened_at=utcnow(),
        **{k: data[k] for k in FIELDS if k in data},
    )
    db.session.add(req)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # someone opened one for the same person at the same moment
        db.session.rollback()
        raise HousingRefused(_("%(alias)s is already on the waitlist.", alias=person.alias)) from None
    audit.record("housing.request.create", SUBJECT, req.id, person=person.id, fields=[k for k in FIELDS if data.get(k)])
    db.session.commit()
    return req


def view(req: HousingRequest, user) -> None:
    audit.record("housing.request.view", SUBJECT, req.id, person=req.person_id)
    db.session.commit()


def update(req: HousingRequest, data: dict, by) -> list[str]:
    if req.status != "open":
        raise HousingRefused(_("Only a request on the waitlist can be changed."))
    changed = [k for k in FIELDS if k in data and getattr(req, k) != data[k]]
    for key in changed:
        setattr(req, key, data[key])
    if changed:
        audit.record("housing.request.update", SUBJECT, req.id, fields=changed)
    db.session.commit()
    return changed


def withdraw(req: HousingRequest, by) -> None:
    if req.status != "open":
        raise HousingRefused(_("Only a request on the waitlist can be withdrawn."))
    req.status, req.closed_at = "withdrawn", utcnow()
    audit.record("housing.request.withdraw", SUBJECT, req.id, fields=["status"])
    db.session.commit()


def placements_of(req: HousingRequest) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .options(selectinload(Placement.site))
            .where(Placement.request_id == req.id)
            .order_by(Placement.start_on, Placement.id)
        )
    )


# --- The waitlist ---------------------------------------------------------------------------


@dataclass
class WaitRow:
    request: HousingRequest
    person: Any  # the people domain's Person; its public API does not name the type
    full: bool  # the user is on the case team (or an admin) and may act on the request
    waited_days: int

    @property
    def hidden(self) -> bool:
        """A household in hiding outside the user's cases shows only its urgency and its wait."""
        return not self.full and self.person.in_hiding


def waited_days(req: HousingRequest, on: dt.date) -> int:
    return max(0, (on - local_day(req.opened_at)).days)


def waitlist(user, page: int = 1):
    """Open requests, most urgent first and then longest waiting, a page at a time (constant queries)."""
    query = (
        select(HousingRequest)
        .where(HousingRequest.status == "open")
        .order_by(URGENCY_RANK, HousingRequest.opened_at, HousingRequest.id)
    )
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    found = people.get_many(r.person_id for r in pagination.items)
    on = today()
    rows = [
        WaitRow(r, found[r.person_id], may_act_for(user, found[r.person_id]), waited_days(r, on))
        for r in pagination.items
    ]
    audit.record_each("housing.waitlist", SUBJECT, [r.id for r in pagination.items], actor=user)
    db.session.commit()
    return pagination, rows


def waitlist_summary(on: dt.date) -> tuple[int, float | None]:
    """How many requests wait, and the median of how long they have waited, in days."""
    opened = db.session.scalars(select(HousingRequest.opened_at).where(HousingRequest.status == "open")).all()
    waits = [max(0, (on - local_day(o)).days) for o in opened]
    return len(waits), statistics.median(waits) if waits else None
