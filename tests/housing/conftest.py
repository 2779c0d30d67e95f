"""Housing test helpers: sites, requests and placements made through the services, as plain ids."""

import datetime as dt
from types import SimpleNamespace

import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.housing import services
from mexiles.housing.models import HousingRequest, Placement
from mexiles.people import services as people

# Tests freeze the clock at noon in El Paso on this day (18:00 UTC).
TODAY = dt.date(2026, 3, 10)


def day(offset: int | None) -> dt.date | None:
    return None if offset is None else TODAY + dt.timedelta(days=offset)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC), tick=False)
    return time_machine


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", name="Cora Coordinator")


@pytest.fixture
def housing(app, coordinator, make_person, frozen):
    """Factories acting as one coordinator of the case team."""

    def user(user_id=None):
        return db.session.get(User, user_id or coordinator.id)

    def site(
        name="Refugio Prueba",
        capacity=2,
        accepts=(),
        kind="shelter",
        since=-365,
        until=None,
        vetting="verified",
        paused=False,
        languages=("es",),
    ):
        with app.app_context():
            created = services.sites.create(
                {
                    "name": name,
                    "kind": kind,
                    "capacity": capacity,
                    "accepts": sorted(accepts),
                    "languages": sorted(languages),
                    "available_from": day(since),
                    "available_until": day(until),
                    "vetting_status": vetting,
                    "home_visit_on": day(-400),
                    "background_check_on": day(-400),
                    "paused": paused,
                    "address": "1 Calle de Prueba",
                },
                by=user(),
            )
            return created.id

    def request(size=1, needs=(), urgency="normal", person_id=None, alias="Invitado", by_id=None, wanted=0):
        household = [{"name": f"Acompañante {i}", "relationship": "child", "birth_year": 2015} for i in range(size - 1)]
        if person_id is None:
            person_id = make_person([coordinator.id], alias=alias, household=household)
        with app.app_context():
            req = services.waitlist.open_request(
                people.get(person_id),
                {"household_size": size, "needs": sorted(needs), "urgency": urgency, "wanted_from": day(wanted)},
                by=user(by_id),
            )
            return req.id

    def place(request_id, site_id, start, end, by_id=None):
        """Place and return the placement id; a refusal raises HousingRefused."""
        with app.app_context():
            req = db.session.get(HousingRequest, request_id)
            return services.placements.place(req, site_id, day(start), day(end), by=user(by_id)).id

    def act(name, placement_id, *args):
        with app.app_context():
            placement = db.session.get(Placement, placement_id)
            return getattr(services.placements, name)(placement, *args, by=user()).id

    def placement(placement_id):
        with app.app_context():
            p = db.session.get(Placement, placement_id)
            return SimpleNamespace(
                site_id=p.site_id,
                start=p.start_on,
                end=p.end_on,
                status=p.status,
                beds=p.beds,
                destination=p.exit_destination,
                moved_from=p.moved_from_id,
                request_id=p.request_id,
            )

    def person_of(request_id):
        with app.app_context():
            return db.session.get(HousingRequest, request_id).person_id

    def request_status(request_id):
        with app.app_context():
            return db.session.get(HousingRequest, request_id).status

    return SimpleNamespace(
        site=site,
        request=request,
        place=place,
        act=act,
        placement=placement,
        request_status=request_status,
        person_of=person_of,
        coordinator=coordinator,
    )
