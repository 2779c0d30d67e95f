"""The demo data: a month that looks real, never overbooked, and seeded once."""

import datetime as dt

from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.housing import services
from mexiles.housing.models import HousingRequest, Placement, Site


def test_the_demo_month_fills_the_calendar_without_overbooking(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Demo housing: 6 sites" in first.output
    assert "Demo housing" not in runner.invoke(args=["demo", "seed"]).output  # only once
    with app.app_context():
        today = services.today()
        grid = services.occupancy.calendar(today - dt.timedelta(days=45), 90)
        cells = [cell for row in grid.rows for cell in row.cells]
        assert all(cell.taken <= cell.capacity for cell in cells)
        assert {cell.css for cell in cells} >= {"cal-free", "cal-some", "cal-full", "cal-off"}
        statuses = dict(db.session.execute(select(Placement.status, func.count()).group_by(Placement.status)).all())
        assert statuses["moved_in"] >= 5 and statuses["moved_out"] >= 5 and statuses["planned"] >= 3
        assert (
            db.session.scalar(select(func.count()).select_from(HousingRequest).where(HousingRequest.status == "open"))
            == 5
        )
        assert db.session.scalar(select(func.count()).select_from(Site).where(Site.paused.is_(True))) == 1
