"""What other domains rely on: totals per tour event, net raised per month per fund."""

import datetime as dt

from mexiles.extensions import db
from mexiles.giving import services
from mexiles.giving.models import Donor, Gift


def _gift(donor, fund_id, cents, when, status="succeeded", event=None, fee=0, refunded=0):
    gift = Gift(
        donor_id=donor.id,
        fund_id=fund_id,
        amount_cents=cents,
        fee_cents=fee,
        refunded_cents=refunded,
        status=status,
        received_at=when,
        tour_event_id=event,
    )
    gift.settle()
    db.session.add(gift)


def test_event_totals_and_money_raised_per_month(app, funds, count_queries):
    with app.app_context():
        donor = Donor(email_key="a@example.org")
        db.session.add(donor)
        db.session.flush()
        _gift(donor, funds.counseling, 5000, dt.datetime(2026, 3, 2, 18), event=11, fee=175)
        _gift(donor, funds.counseling, 2000, dt.datetime(2026, 3, 20, 18), event=11, refunded=500)
        _gift(donor, funds.counseling, 9000, dt.datetime(2026, 3, 21, 18), event=11, refunded=9000)  # fully refunded
        _gift(donor, funds.counseling, 7000, dt.datetime(2026, 4, 1, 18), status="failed", event=12)
        _gift(donor, funds.housing, 3000, dt.datetime(2026, 4, 5, 18), event=12)
        db.session.commit()
        with count_queries() as counted:
            totals = services.event_gift_totals([11, 12, 13])
        assert len(counted) == 1
        assert totals == {11: (2, 7000, 6325), 12: (1, 3000, 3000)}
        assert services.event_gift_totals([]) == {}
        assert services.raised_by_month("counseling", dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == {"2026-03": 6325}
        assert services.raised_by_month("housing", dt.date(2026, 4, 5), dt.date(2026, 4, 5)) == {"2026-04": 3000}
        assert services.raised_by_month("housing", dt.date(2026, 4, 6), dt.date(2026, 5, 1)) == {}
