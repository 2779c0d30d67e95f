"""What every housing service shares: the refusal, how a date reads, who may act for a person."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from ...access import is_staff
from ...extensions import db
from ...people import services as people
from ...refusals import Refusal
from ...timeutil import local_date
from ..models import Site


class HousingRefused(Refusal):
    """A rule said no. ``messages`` tell the coordinator why, in their language; ``field`` names the
    form field at fault, when there is one."""

    def __init__(self, *messages: str, field: str | None = None):
        super().__init__(*messages)
        self.field = field


def day(value: dt.date | None) -> str:
    return local_date(value) if value else "—"


def may_use_housing(user) -> bool:
    return is_staff(user)


def may_act_for(user, person) -> bool:
    """Requests and placements belong to the person's case: their case team and admins act on them."""
    return person is not None and may_use_housing(user) and people.may_see_full(user, person)


def lock_sites(site_ids: list[int]) -> dict[int, Site]:
    """Lock sites (in id order, so that two changes never deadlock) and read them afresh.

    Every change that counts a site's beds takes this lock first, so such changes happen one
    after the other: on PostgreSQL with SELECT ... FOR UPDATE. SQLite has one writer at a time,
    and a transaction that read first and writes later loses at once ("database is locked")
    rather than waiting; so there the transaction starts afresh with a write, which waits its
    turn (busy_timeout) and then reads what the previous writer committed.
    """
    site_ids = sorted(set(site_ids))
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
        table = Site.__table__
        db.session.execute(update(table).where(table.c.id.in_(site_ids)).values(capacity=table.c.capacity))
    query = select(Site).where(Site.id.in_(site_ids)).order_by(Site.id).with_for_update()
    return {s.id: s for s in db.session.scalars(query.execution_options(populate_existing=True))}
