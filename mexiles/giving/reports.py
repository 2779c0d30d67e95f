"""Staff reports. Each figure is one aggregate query over counted gifts (succeeded, not fully refunded),
so the page costs the same number of queries whatever the number of gifts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from .models import Campaign, Fund, Gift, RecurringGift
from .services import COUNTED, month_key, month_label, raised_by_month


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
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


def _in_year(year: int):
    start, end = _window(year)
    return COUNTED, Gift.received_at >= start, Gift.received_at < end


def _totals(*columns):
    return (*columns, func.count(Gift.id), func.coalesce(func.sum(Gift.amount_cents), 0),
            func.coalesce(func.sum(Gift.net_cents), 0))


def by_fund(year: int) -> list:
    # Aggregate first, then join the few funds: the group-by runs on the gifts index alone.
    sums = (select(Gift.fund_id, func.count(Gift.id).label("n"), func.sum(Gift.amount_cents).label("gross"),
                   func.sum(Gift.net_cents).label("net")).where(*_in_year(year)).group_by(Gift.fund_id).subquery())
    return db.session.execute(select(Fund, sums.c.n, sums.c.gross, sums.c.net).join(sums, sums.c.fund_id == Fund.id)
                              .order_by(Fund.position, Fund.id)).all()


def by_campaign(year: int) -> list:
    sums = (select(Gift.campaign_id, func.count(Gift.id).label("n"), func.sum(Gift.amount_cents).label("gross"),
                   func.sum(Gift.net_cents).label("net")).where(*_in_year(year), Gift.campaign_id.is_not(None))
            .group_by(Gift.campaign_id).subquery())
    return db.session.execute(select(Campaign, sums.c.n, sums.c.gross, sums.c.net)
                              .join(sums, sums.c.campaign_id == Campaign.id).order_by(Campaign.id)).all()


def by_month(year: int) -> list:
    month = month_key(Gift.received_at)
    rows = db.session.execute(select(*_totals(month)).where(*_in_year(year)).group_by(month).order_by(month))
    return [(month_label(key), *rest) for key, *rest in rows]


def by_source(year: int) -> list:
    return db.session.execute(select(*_totals(Gift.source)).where(*_in_year(year)).group_by(Gift.source)
                              .order_by(Gift.source)).all()


def recurring_revenue() -> tuple[int, int]:
    """(active monthly gifts, their monthly total in cents)."""
    count, total = db.session.execute(select(func.count(RecurringGift.id),
                                             func.coalesce(func.sum(RecurringGift.amount_cents), 0))
                                      .where(RecurringGift.status.in_(("active", "past_due")))).one()
    return count, int(total)


def donor_retention(year: int) -> dict:
    """New, retained, and lapsed donors: LYBUNT (gave Last Year But Unfortunately Not This) and
    SYBUNT (Some Year But Unfortunately Not This, nor last year)."""
    this_start, next_start = _window(year)
    last_start = dt.datetime(year - 1, 1, 1)
    per_donor = (select(
        func.max(case((Gift.received_at >= this_start, 1), else_=0)).label("this"),
        func.max(case(((Gift.received_at >= last_start) & (Gift.received_at < this_start), 1), else_=0)).label("last"),
        func.min(Gift.received_at).label("first"))
        .where(COUNTED, Gift.received_at < next_start).group_by(Gift.donor_id).subquery())
    row = db.session.execute(select(
        func.coalesce(func.sum(case(((per_donor.c.this == 1) & (per_donor.c.first >= this_start), 1), else_=0)), 0),
        func.coalesce(func.sum(case(((per_donor.c.this == 1) & (per_donor.c.last == 1), 1), else_=0)), 0),
        func.coalesce(func.sum(case(((per_donor.c.this == 0) & (per_donor.c.last == 1), 1), else_=0)), 0),
        func.coalesce(func.sum(case(((per_donor.c.this == 0) & (per_donor.c.last == 0), 1), else_=0)), 0),
    )).one()
    return {"new": int(row[0]), "retained": int(row[1]), "lybunt": int(row[2]), "sybunt": int(row[3])}


def average_and_median(year: int) -> tuple[int, int, int]:
    count, total = db.session.execute(select(func.count(Gift.id), func.coalesce(func.sum(Gift.amount_cents), 0))
                                      .where(*_in_year(year))).one()
    if not count:
        return 0, 0, 0
    if db.engine.dialect.name == "postgresql":
        median = db.session.scalar(select(func.percentile_cont(0.5).within_group(Gift.amount_cents))
                                   .where(*_in_year(year)))
    else:
        middle = select(Gift.amount_cents).where(*_in_year(year)).order_by(Gift.amount_cents)
        values = list(db.session.scalars(middle.offset((count - 1) // 2).limit(2 - count % 2)))
        median = sum(values) / len(values)
    return count, round(total / count), round(median)


def build(year: int) -> Report:
    count, average, median = average_and_median(year)
    since, until = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Report(year=year, by_fund=by_fund(year), by_campaign=by_campaign(year), by_month=by_month(year),
                  by_source=by_source(year), recurring=recurring_revenue(), donors=donor_retention(year),
                  average_cents=average, median_cents=median, count=count,
                  programme_months={code: raised_by_month(code, since, until) for code in ("counseling", "housing")})
