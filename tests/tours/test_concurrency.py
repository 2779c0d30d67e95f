"""Coordinators booking one speaker at the same moment, in real concurrent requests (PostgreSQL only)."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.tours.models import TourEvent

from .test_events import EVENT_FORM

pytestmark = [pytest.mark.postgres, pytest.mark.committed]

COORDINATORS = 16
ROUNDS = 20


def _signed_in_clients(app, make_user, count):
    """One browser per coordinator, each from its own address (the sign-in limit counts per address);
    every other one works in Spanish."""
    clients = []
    for n in range(count):
        user = make_user("coordinator", name=f"Coordinadora {n}", locale="es" if n % 2 else "en")
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        response = client.post("/account/login", data={"email": user.email, "password": user.password})
        assert response.status_code == 302
        clients.append(client)
    return clients


def _all_at_once(clients, forms):
    """Each client posts its form in its own thread, all released together; the responses in order."""
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def post(index):
        barrier.wait(timeout=10)
        responses[index] = clients[index].post("/tours/manage/events/new", data=forms[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_coordinators_booking_one_speaker_at_once_save_exactly_one_event(app, frozen, make_user, make_speaker):
    speaker = make_speaker()
    clients = _signed_in_clients(app, make_user, COORDINATORS)
    for round_ in range(ROUNDS):
        day = (dt.date(2030, 11, 10) + dt.timedelta(days=round_)).isoformat()
        # Each coordinator's talk overlaps every other's: they start a minute apart within the hour.
        forms = [
            dict(
                EVENT_FORM,
                speaker_id=speaker.id,
                day=day,
                starts=f"19:{n:02d}",
                ends="20:30",
                title=f"Round {round_} talk {n}",
            )
            for n in range(COORDINATORS)
        ]
        responses = _all_at_once(clients, forms)
        codes = sorted(r.status_code for r in responses)
        assert codes == [302] + [409] * (COORDINATORS - 1), (round_, codes)
        for n, response in enumerate(responses):
            if response.status_code == 409:
                assert (
                    "ya tiene un compromiso a esa hora" if n % 2 else "is already booked at that time"
                ) in response.data.decode()
        with app.app_context():
            saved = db.session.scalar(
                select(func.count()).select_from(TourEvent).where(TourEvent.title.like(f"Round {round_} talk %"))
            )
            assert saved == 1, round_
            db.session.remove()
