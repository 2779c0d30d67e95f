"""What the database enforces by itself, whatever the code above it does."""
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from mexiles.extensions import db
from mexiles.tours.models import TourEvent


def _copy(event: TourEvent, **changes) -> TourEvent:
    fields = {c.name: getattr(event, c.name) for c in TourEvent.__table__.columns if c.name != "id"}
    return TourEvent(**{**fields, **changes})


@pytest.mark.postgres
def test_postgres_refuses_a_speaker_committed_twice_at_once(app, frozen, make_speaker, make_event):
    event_id = make_event(make_speaker(), steps=("offered", "accepted"))
    with app.app_context():
        event = db.session.get(TourEvent, event_id)
        db.session.add(_copy(event, starts_at=event.starts_at + dt.timedelta(minutes=30),
                             ends_at=event.ends_at + dt.timedelta(minutes=30)))
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


@pytest.mark.postgres
def test_a_booking_that_slips_past_the_check_is_refused_with_a_message(app, frozen, monkeypatch, make_speaker,
                                                                       make_event):
    """Two coordinators saving at once both pass the conflict check; the constraint stops the second."""
    from mexiles.accounts.models import User
    from mexiles.tours import services

    speaker = make_speaker()
    make_event(speaker, steps=("offered", "accepted"))
    monkeypatch.setattr(services, "find_conflicts", lambda *args, **kwargs: [])
    second = make_event(speaker, hour=20, steps=("offered",))
    with app.app_context():
        event = services.get(second)
        with pytest.raises(services.StepRefused, match="just booked for that time"):
            services.move(event, "accepted", by=db.session.get(User, speaker.user.id))
        assert db.session.get(TourEvent, second).status == "offered"
