"""Two coordinators at the same moment, in real concurrent transactions (PostgreSQL only)."""

import threading

import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.housing import services
from mexiles.housing.models import HousingRequest, Placement

from .conftest import day

pytestmark = [pytest.mark.postgres, pytest.mark.committed]


def _race(app, attempts):
    """Run each attempt in its own thread, app context and transaction, all released at once."""
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, attempt):
        with app.app_context():
            try:
                prepared = attempt()  # load what the coordinator's page had loaded
                barrier.wait(timeout=10)
                outcomes[index] = ("placed", prepared().id)
            except services.HousingRefused as refused:
                outcomes[index] = ("refused", " ".join(refused.messages))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _placing(coordinator_id, request_id, site_id, start, end):
    def attempt():
        user = db.session.get(User, coordinator_id)
        req = db.session.get(HousingRequest, request_id)
        return lambda: services.placements.place(req, site_id, day(start), day(end), by=user)

    return attempt


def test_two_coordinators_take_the_last_bed_at_once_and_exactly_one_gets_it(app, housing):
    site = housing.site(name="Casa Última", capacity=2)
    housing.place(housing.request(), site, 0, 10)  # one of the two beds is taken
    first, second = housing.request(alias="Primera"), housing.request(alias="Segunda")
    for _round in range(3):  # the race is real each time; repeat to be sure no overbooking slips through
        outcomes = _race(
            app,
            [_placing(housing.coordinator.id, first, site, 2, 6), _placing(housing.coordinator.id, second, site, 4, 8)],
        )
        kinds = sorted(kind for kind, _detail in outcomes)
        assert kinds == ["placed", "refused"], outcomes
        refusal = next(detail for kind, detail in outcomes if kind == "refused")
        assert "No free bed for 1 at Casa Última" in refusal
        with app.app_context():
            placed = db.session.scalars(
                db.select(Placement).where(Placement.site_id == site, Placement.status == "planned")
            ).all()
            assert len(placed) == 2
            winner = next(p for p in placed if p.request_id in (first, second))
            services.placements.cancel(winner, by=db.session.get(User, housing.coordinator.id))


def test_two_coordinators_place_one_household_at_two_sites_at_once_and_only_one_stands(app, housing):
    here, there = housing.site(name="Casa Aquí"), housing.site(name="Casa Allá")
    request = housing.request(alias="Persona Única")
    outcomes = _race(
        app,
        [
            _placing(housing.coordinator.id, request, here, 0, 10),
            _placing(housing.coordinator.id, request, there, 5, 15),
        ],
    )
    assert sorted(kind for kind, _detail in outcomes) == ["placed", "refused"], outcomes
    assert "This request is no longer on the waitlist." in [d for k, d in outcomes if k == "refused"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Placement)) == 1
