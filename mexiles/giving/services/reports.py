"""Staff reports. Each figure is one aggregate query over counted gifts (succeeded, not fully refunded),
so the page costs the same number of queries whatever the number of gifts."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from ... import timeutil
from ...extensions import db
from ..models import Campaign, Fund, Gift, RecurringGift
from . import localtime
from .gifts import COUNTED


@dataclass
class Report:
    year: int
    by_fund: list
    by_campaign: list
    by_month: list
    by_source: list
    recurring: tuple[int, int]
    donors: dict
    average_cents: int
    median_cents: int
    count: int
    programme_months: dict


def _window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The local calendar year, in UTC."""
    return localtime.bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _in_year(year: int):
    start, end = _window(year)
    return COUNTED, Gift.received_at >= start, Gift.received_at < end


def _totals(*columns):
    return (
        *columns,
        func.count(Gift.id),
        func.coalesce(func.sum(Gift.amount_cents), 0),
        func.coalesce(func.sum(Gift.net_cents), 0),
    )


def _year_rows(year: int) -> list:
    """One pass over the year's counted gifts, grouped by month, fund, campaign and source; the
    totals by each of them are summed from these few rows."""
    month = localtime.month_of(Gift.received_at, dt.date(year, 1, 1), dt.date(year, 12, 31))
    groups = (month, Gift.fund_id, Gift.campaign_id, Gift.source)
    return [
        tuple(row) for row in db.session.execute(select(*_totals(*groups)).where(*_in_year(year)).group_by(*groups))
    ]


def _sum_by(rows, index: int) -> dict:
    totals: dict = {}
    for row in rows:
        key = row[index]
        count, gross, net = totals.get(key, (0, 0, 0))
        totals[key] = (count + row[4], gross + int(row[5]), net + int(row[6]))
    return totals


def _with(model, totals: dict, order) -> list:
    if not totals:
        return []
    found: Sequence[Any] = db.session.scalars(
        select(model).where(model.id.in_([k for k in totals if k is not None])).order_by(*order)
    ).all()
    return [(item, *totals[item.id]) for item in found]


def recurring_revenue() -> tuple[int, int]:
    """(active monthly gifts, their monthly total in cents): not those whose last charge failed
    (past due), paused or ended."""
    count, total = db.session.execute(
        select(func.count(RecurringGift.id), func.coalesce(func.sum(RecurringGift.amount_cents), 0)).where(
            RecurringGift.status == "active"
        )
    ).one()
    return count, int(total)


def donor_retention(year: int) -> dict:
    """New, retained, and lapsed donors: LYBUNT (gave Last Year But Unfortunately Not This) and
    SYBUNT (Some Year But Unfortunately Not This, nor last year)."""
    this_start, next_start = _window(year)
    last_start = _window(year - 1)[0]
    per_donor = (
        select(
            func.max(case((Gift.received_at >= this_start, 1), else_=0)).label("this"),
            func.max(case(((Gift.received_at >= last_start) & (Gift.received_at < this_start), 1), else_=0)).label(
                "last"
            ),
            func.min(Gift.received_at).label("first"),
        )
        .where(COUNTED, Gift.received_at < next_start)
        .group_by(Gift.donor_id)
        .subquery()
    )
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case(((per_donor.c.this == 1) & (per_donor.c.first >= this_start), 1), else_=0)), 0),
            func.coalesce(func.sum(case(((per_donor.c.this == 1) & (per_donor.c.last == 1), 1), else_=0)), 0),
            func.coalesce(func.sum(case(((per_donor.c.this == 0) & (per_donor.c.last == 1), 1), else_=0)), 0),
            func.coalesce(func.sum(case(((per_donor.c.this == 0) & (per_donor.c.last == 0), 1), else_=0)), 0),
        )
    ).one()
    return {"new": int(row[0]), "retained": int(row[1]), "lybunt": int(row[2]), "sybunt": int(row[3])}


def average_and_median(year: int, count: int | None = None, total: int | None = None) -> tuple[int, int, int]:
    """(gift count, average, median) in cents; pass count and total when already summed."""
    if count is None or total is None:
        count, total = db.session.execute(
            select(func.count(Gift.id), func.coalesce(func.sum(Gift.amount_cents), 0)).where(*_in_year(year))
        ).one()
    if not count:
        return 0, 0, 0
    if db.engine.dialect.name == "postgresql":
        median: float = db.session.execute(
            select(func.percentile_cont(0.5).within_group(Gift.amount_cents)).where(*_in_year(year))
        ).scalar_one()
    else:
        middle = select(Gift.amount_cents).where(*_in_year(year)).order_by(Gift.amount_cents)
        values = list(db.session.scalars(middle.offset((count - 1) // 2).limit(2 - count % 2)))
        median = statistics.median(values)  # of the middle one or two, found in SQL
    return count, round(total / count), round(median)


FIRST_YEAR = 1990  # before the organisation and online giving


def years() -> range:
    """The years a report can cover: none before FIRST_YEAR, none after the next."""
    return range(FIRST_YEAR, timeutil.today().year + 2)


def build(year: int) -> Report:
    rows = _year_rows(year)
    count, average, median = average_and_median(year, sum(r[4] for r in rows), sum(int(r[5]) for r in rows))
    by_fund = _with(Fund, _sum_by(rows, 1), (Fund.position, Fund.id))
    by_campaign = _with(Campaign, _sum_by(rows, 2), (Campaign.id,))
    months = sorted(_sum_by(rows, 0).items())
    sources = sorted(_sum_by(rows, 3).items())
    programme = {
        code: _monthly(rows, fund_id)
        for code, fund_id in ((f.code, f.id) for f, *_ in by_fund if f.code in ("counseling", "housing"))
    }
    return Report(
        year=year,
        by_fund=by_fund,
        by_campaign=by_campaign,
        by_month=[(m, *t) for m, t in months],
        by_source=[(s, *t) for s, t in sources],
        recurring=recurring_revenue(),
        donors=donor_retention(year),
        average_cents=average,
        median_cents=median,
        count=count,
        programme_months={code: programme.get(code, {}) for code in ("counseling", "housing")},
    )


def _monthly(rows, fund_id: int) -> dict[str, int]:
    months: dict[str, int] = {}
    for row in rows:
        if row[1] == fund_id:
            months[row[0]] = months.get(row[0], 0) + int(row[6])
    return dict(sorted(months.items()))
