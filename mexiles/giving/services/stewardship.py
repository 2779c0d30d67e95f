"""Stewardship: the donors to call or write to (lapsed, new and not yet thanked, the largest gifts),
and the thanks staff record. Each list is a page of rows in a fixed number of queries, and every
donor a list or an export shows is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import Response
from sqlalchemy import Select, case, func, select

from ... import timeutil
from ...audit import services as audit
from ...extensions import db
from ...http import csv_response
from ..models import Donor, Gift, Thanks
from .gifts import COUNTED
from .reports import _window

PAGE_SIZE = 50
LISTS = ("lybunt", "sybunt", "first", "large")
DEFAULT_THRESHOLD_CENTS = 1_000_00
EXPORT_MAX = 10_000  # rows in one CSV: more than any list of this organisation holds


@dataclass
class Row:
    donor: Donor
    gift: Gift | None  # the large gift (the "large" list), else None
    gifts: int
    total_cents: int
    first_at: dt.datetime
    last_at: dt.datetime
    thanks: Thanks | None = None  # the latest thanks (of the gift, on the "large" list)


@dataclass
class Page:
    """What the pager macro reads."""

    items: list[Row]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / PAGE_SIZE))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _per_donor(year: int):
    """One row per donor with counted gifts up to the end of ``year``: did they give this year, last
    year, when first and last, how many and how much."""
    this_start, next_start = _window(year)
    last_start = _window(year - 1)[0]
    return (
        select(
            Gift.donor_id.label("donor_id"),
            func.max(case((Gift.received_at >= this_start, 1), else_=0)).label("this"),
            func.max(case(((Gift.received_at >= last_start) & (Gift.received_at < this_start), 1), else_=0)).label(
                "last"
            ),
            func.min(Gift.received_at).label("first_at"),
            func.max(Gift.received_at).label("last_at"),
            func.count(Gift.id).label("gifts"),
            func.coalesce(func.sum(Gift.net_cents), 0).label("total"),
        )
        .where(COUNTED, Gift.received_at < next_start)
        .group_by(Gift.donor_id)
        .subquery()
    )


def _donor_statement(kind: str, year: int) -> Select[Any]:
    per = _per_donor(year)
    this_start = _window(year)[0]
    statement = select(Donor, per.c.gifts, per.c.total, per.c.first_at, per.c.last_at).join(
        per, per.c.donor_id == Donor.id
    )
    if kind == "lybunt":
        statement = statement.where(per.c.this == 0, per.c.last == 1)
    elif kind == "sybunt":
        statement = statement.where(per.c.this == 0, per.c.last == 0)
    else:  # first: their first gift is this year's, and nobody has thanked them since
        thanked = select(Thanks.id).where(Thanks.donor_id == Donor.id, Thanks.thanked_at >= per.c.first_at).exists()
        statement = statement.where(per.c.first_at >= this_start, ~thanked)
    return statement.order_by(per.c.total.desc(), Donor.id)


def _large_statement(year: int, threshold_cents: int) -> Select[Any]:
    start, end = _window(year)
    return (
        select(Gift)
        .where(COUNTED, Gift.amount_cents >= threshold_cents, Gift.received_at >= start, Gift.received_at < end)
        .order_by(Gift.amount_cents.desc(), Gift.id)
    )


def _rows(kind: str, year: int, threshold_cents: int, offset: int, limit: int) -> tuple[list[Row], int]:
    statement: Select[Any]
    if kind == "large":
        statement = _large_statement(year, threshold_cents)
        total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        gifts = db.session.scalars(statement.offset(offset).limit(limit)).all()
        rows = [Row(g.donor, g, 1, g.amount_cents, g.received_at, g.received_at) for g in gifts]
    else:
        statement = _donor_statement(kind, year)
        total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
        found: Sequence[Any] = db.session.execute(statement.offset(offset).limit(limit)).all()
        rows = [Row(donor, None, gifts, int(net), first, last) for donor, gifts, net, first, last in found]
    _attach_thanks(rows, by_gift=kind == "large")
    return rows, total or 0


def _attach_thanks(rows: list[Row], by_gift: bool) -> None:
    """The latest thanks of each row, in one query."""
    if not rows:
        return
    column = Thanks.gift_id if by_gift else Thanks.donor_id
    wanted = [r.gift.id if by_gift and r.gift else r.donor.id for r in rows]
    latest: dict[int, Thanks] = {}
    for thanks in db.session.scalars(select(Thanks).where(column.in_(wanted)).order_by(Thanks.thanked_at, Thanks.id)):
        latest[thanks.gift_id if by_gift else thanks.donor_id] = thanks  # type: ignore[index]
    for row, key in zip(rows, wanted, strict=True):
        row.thanks = latest.get(key)


def listing(kind: str, year: int, threshold_cents: int, page: int, actor) -> Page:
    rows, total = _rows(kind, year, threshold_cents, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    audit.record_each(f"donors.stewardship.{kind}", "donor", sorted({r.donor.id for r in rows}), actor=actor, year=year)
    db.session.commit()
    return Page(rows, page, total)


EXPORT_COLUMNS = [
    "donor_id",
    "name",
    "email",
    "locale",
    "gift_id",
    "gifts",
    "total_cents",
    "first_gift",
    "last_gift",
    "thanked_at",
    "thanked_how",
]


def export_csv(kind: str, year: int, threshold_cents: int, actor) -> Response:
    rows, _total = _rows(kind, year, threshold_cents, 0, EXPORT_MAX)
    audit.record_each(
        f"donors.stewardship.{kind}.export",
        "donor",
        sorted({r.donor.id for r in rows}),
        actor=actor,
        year=year,
        fields=EXPORT_COLUMNS,
    )
    db.session.commit()
    return csv_response(
        EXPORT_COLUMNS,
        (
            (
                r.donor.id,
                r.donor.name or "",
                r.donor.email_key,
                r.donor.locale,
                r.gift.id if r.gift else "",
                r.gifts,
                r.total_cents,
                timeutil.local_day(r.first_at).isoformat(),
                timeutil.local_day(r.last_at).isoformat(),
                timeutil.local_day(r.thanks.thanked_at).isoformat() if r.thanks else "",
                r.thanks.method if r.thanks else "",
            )
            for r in rows
        ),
        f"donors-{kind}-{year}.csv",
    )


def thank(donor: Donor, method: str, gift: Gift | None, actor) -> Thanks:
    """Record that ``actor`` thanked ``donor`` (for ``gift``, if one) by ``method``."""
    thanks = Thanks(donor_id=donor.id, gift_id=gift.id if gift else None, method=method, by_user_id=actor.id)
    db.session.add(thanks)
    db.session.flush()
    audit.record("donor.thanked", "donor", donor.id, actor=actor, method=method, gift_id=thanks.gift_id)
    db.session.commit()
    return thanks


def thanks_of(donor: Donor) -> list[Thanks]:
    return list(
        db.session.scalars(select(Thanks).where(Thanks.donor_id == donor.id).order_by(Thanks.thanked_at.desc()))
    )
