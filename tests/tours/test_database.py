"""What the database enforces by itself, whatever the code above it does."""

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from mexiles.extensions import db
from mexiles.tours.models import TourEvent


def _copy(event: TourEvent, **changes) -> TourEvent:
    fields = {c.name: getattr(event, c.name) for c in TourEvent.__table__.columns if c.name != "id"}
    return TourEvent(**{**fields, **changes})


@pytest.mark.parametrize("steps", [(), ("offered",), ("offered", "accepted"), ("offered", "accepted", "confirmed")])
def test_the_database_refuses_a_speaker_held_twice_at_once(app, frozen, make_speaker, make_event, steps):
    """Exclusion constraint on PostgreSQL, triggers on SQLite: every status that holds the time."""
    event_id = make_event(make_speaker(), steps=steps)
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        db.session.add(
            _copy(
                event,
                status="requested",
                starts_at=event.ends_at - dt.timedelta(minutes=1),
                ends_at=event.ends_at + dt.timedelta(minutes=30),
            )
        )
        with pytest.raises(IntegrityError, match="ex_tour_events_speaker_busy"):
            db.session.flush()
        db.session.rollback()


def test_the_database_lets_one_talk_begin_as_the_last_ends(app, frozen, make_speaker, make_event):
    event_id = make_event(make_speaker(), steps=("offered", "accepted"))
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        db.session.add(
            _copy(event, status="requested", starts_at=event.ends_at, ends_at=event.ends_at + dt.timedelta(minutes=30))
        )
        db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("steps", [("offered", "declined"), ("cancelled",)])
def test_an_event_that_holds_nothing_may_overlap(app, frozen, make_speaker, make_event, steps):
    event_id = make_event(make_speaker(), steps=steps)
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        db.session.add(_copy(event, status="requested"))
        db.session.flush()
        db.session.rollback()


def test_an_update_into_another_events_time_is_refused(app, frozen, make_speaker, make_event):
    speaker = make_speaker()
    first = make_event(speaker)
    second = make_event(speaker, hour=21)
    with app.app_context():
        event = db.session.get(TourEvent, second)
        event.starts_at = db.session.get(TourEvent, first).starts_at
        with pytest.raises(IntegrityError, match="ex_tour_events_speaker_busy"):
            db.session.flush()
        db.session.rollback()


def test_the_end_must_follow_the_start(app, frozen, make_speaker, make_event):
    event_id = make_event(make_speaker())
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        db.session.add(_copy(event, ends_at=event.starts_at))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_booking_that_slips_past_the_check_is_refused_with_a_message(
    app, frozen, monkeypatch, make_speaker, make_event, coordinator
):
    """Should the conflict check ever miss a booking saved at the same moment, the database stops it."""
    from mexiles.accounts.models import User
    from mexiles.tours.services import events as services

    speaker = make_speaker()
    first = make_event(speaker, steps=("offered",))
    monkeypatch.setattr(services, "find_conflicts", lambda *args, **kwargs: [])
    with app.app_context():
        event = db.session.get(TourEvent, first)
        data = {k: getattr(event, k) for k in services.EVENT_FIELDS}
        with pytest.raises(services.StepRefused, match="just booked for that time"):
            services.save(None, dict(data, title="Slipped through"), by=db.session.get(User, coordinator.id))
        assert db.session.scalar(db.select(TourEvent).where(TourEvent.title == "Slipped through")) is None
