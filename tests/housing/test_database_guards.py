"""What the database refuses by itself, whatever the application does (both databases)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mexiles.extensions import db
from mexiles.housing.models import Placement

from .conftest import day

INSERT = text(
    "INSERT INTO housing_placements (request_id, person_id, site_id, beds, start_on, end_on, status, "
    "created_at, updated_at) VALUES (:r, :p, :s, :beds, :start, :end, :status, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


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
            db.session.execute(
                text("UPDATE housing_placements SET end_on = :end WHERE id = :id"), {"end": day(11), "id": placement}
            )
        db.session.rollback()


@pytest.mark.parametrize(
    "column, value", [("beds", 0), ("end_on", "start_on"), ("status", "'lost'"), ("exit_destination", "'moon'")]
)
def test_impossible_placements_are_refused(app, housing, column, value):
    placement = housing.place(housing.request(), housing.site(), 0, 3)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(f"UPDATE housing_placements SET {column} = {value} WHERE id = :id"), {"id": placement}
            )
        db.session.rollback()


def test_a_person_waits_on_the_waitlist_once(app, housing):
    request = housing.request()
    with app.app_context():
        with pytest.raises(IntegrityError, match="uq_housing_requests_one_open|housing_requests.person_id"):
            db.session.execute(
                text(
                    "INSERT INTO housing_requests (person_id, household_size, needs, urgency, "
                    "wanted_from, status, opened_at) SELECT person_id, 1, needs, urgency, wanted_from, "
                    "'open', opened_at FROM housing_requests WHERE id = :id"
                ),
                {"id": request},
            )
        db.session.rollback()


def test_a_placement_the_database_guard_refuses_is_a_clear_refusal_other_faults_are_not(app, housing, monkeypatch):
    """The service's own check is skipped, as when another transaction saved a placement meanwhile."""
    from mexiles.accounts.models import User
    from mexiles.housing import services
    from mexiles.housing.models import HousingRequest
    from mexiles.housing.services import HousingRefused, placements

    site = housing.site(capacity=5)
    first = housing.request()
    housing.place(first, site, 0, 10)
    again = housing.request(person_id=housing.person_of(first))
    monkeypatch.setattr(placements, "_check_nights", lambda *args, **kwargs: None)
    with pytest.raises(HousingRefused, match="placed elsewhere for some of those nights at the same moment"):
        housing.place(again, site, 5, 12)
    with app.app_context():
        ghost = User(id=999_999, email="ghost@example.org")  # not saved: its id breaks a foreign key
        req = db.session.get(HousingRequest, housing.request())
        with pytest.raises(IntegrityError):
            services.placements.place(req, site, day(20), day(22), by=ghost)
        assert db.session.get(HousingRequest, req.id).status == "open"  # rolled back
