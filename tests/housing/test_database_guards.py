"""What the database refuses by itself, whatever the application does (both databases)."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mexiles.extensions import db
from mexiles.housing.models import Placement

from .conftest import day

INSERT = text("INSERT INTO housing_placements (request_id, person_id, site_id, beds, start_on, end_on, status, "
              "created_at, updated_at) VALUES (:r, :p, :s, :beds, :start, :end, :status, "
              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def test_one_person_is_never_in_two_placements_on_the_same_night(app, housing):
    site = housing.site(capacity=5)
    placement = housing.place(housing.request(), site, 0, 10)
    with app.app_context():
        row = db.session.get(Placement, placement)
        values = {"r": row.request_id, "p": row.person_id, "s": site, "beds": 1}
        db.session.execute(INSERT, dict(values, start=day(10), end=None, status="planned"))  # the move-out day
        db.session.execute(INSERT, dict(values, start=day(2), end=day(4), status="cancelled"))  # holds no night
        for start, end in ((9, 12), (-5, 1), (20, None)):
            with pytest.raises(IntegrityError, match="ex_housing_placements_person_nights"), db.session.begin_nested():
                db.session.execute(INSERT, dict(values, start=day(start), end=day(end), status="planned"))
        with pytest.raises(IntegrityError, match="ex_housing_placements_person_nights"), db.session.begin_nested():
            db.session.execute(text("UPDATE housing_placements SET end_on = :end WHERE id = :id"),
                               {"end": day(11), "id": placement})
        db.session.rollback()


@pytest.mark.parametrize("column, value", [("beds", 0), ("end_on", "start_on"), ("status", "'lost'"),
                                           ("exit_destination", "'moon'")])
def test_impossible_placements_are_refused(app, housing, column, value):
    placement = housing.place(housing.request(), housing.site(), 0, 3)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(text(f"UPDATE housing_placements SET {column} = {value} WHERE id = :id"),
                               {"id": placement})
        db.session.rollback()


def test_a_person_waits_on_the_waitlist_once(app, housing):
    request = housing.request()
    with app.app_context():
        with pytest.raises(IntegrityError, match="uq_housing_requests_one_open|housing_requests.person_id"):
            db.session.execute(text("INSERT INTO housing_requests (person_id, household_size, needs, urgency, "
                                    "wanted_from, status, opened_at) SELECT person_id, 1, needs, urgency, wanted_from, "
                                    "'open', opened_at FROM housing_requests WHERE id = :id"), {"id": request})
        db.session.rollback()
