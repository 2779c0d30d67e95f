"""On SQLite, writers take turns: two coordinators taking the last bed at once get one bed and one refusal.

The suite's own SQLite database lives in one rolled-back transaction, so this test builds a database
file of its own, with an app of its own, and races two real connections on it.
"""

import datetime as dt
import threading

import pytest
from flask_migrate import upgrade

from mexiles import create_app
from mexiles.accounts import services as accounts
from mexiles.accounts.models import User
from mexiles.extensions import SESSION_OPTIONS, db
from mexiles.housing import services
from mexiles.housing.models import HousingRequest, Placement
from mexiles.people import services as people
from tests.conftest import on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="SQLite's own locking")


def test_sqlite_writers_take_turns_for_the_last_bed(tmp_path, monkeypatch):
    # Sessions of the app's own, each on its own connection, not the suite's rolled-back transaction.
    monkeypatch.setattr(db, "session", db._make_scoped_session(dict(SESSION_OPTIONS)))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite3'}",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 64,
        }
    )
    with app.app_context():
        upgrade()
        admin = accounts.create_user("race-admin@example.org", ["admin"], password="a long enough password")
        db.session.commit()
        site = services.sites.create(
            {
                "name": "Casa Carrera",
                "kind": "shelter",
                "capacity": 1,
                "accepts": [],
                "languages": [],
                "available_from": dt.date(2020, 1, 1),
                "vetting_status": "verified",
                "home_visit_on": dt.date(2020, 1, 1),
            },
            by=admin,
        )
        requests = []
        for i in range(2):
            person = people.create(
                {"legal_name": f"Persona Carrera {i}", "alias": f"Carrera {i}", "language": "es"}, [], by=admin
            )
            request = services.waitlist.open_request(
                person,
                {"household_size": 1, "needs": [], "urgency": "normal", "wanted_from": dt.date(2027, 1, 1)},
                by=admin,
            )
            requests.append(request.id)
        site_id, admin_id = site.id, admin.id

    barrier, outcomes = threading.Barrier(2), []

    def coordinator(request_id):
        with app.app_context():
            try:
                barrier.wait(timeout=10)  # both start at the same moment; SQLite makes the second wait
                user, req = db.session.get(User, admin_id), db.session.get(HousingRequest, request_id)
                services.placements.place(req, site_id, dt.date(2027, 1, 1), dt.date(2027, 1, 5), by=user)
                outcomes.append("placed")
            except services.HousingRefused as refused:
                outcomes.append(" ".join(refused.messages))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=coordinator, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [
        "No free bed for 1 at Casa Carrera on the night of Jan 1, 2027: 0 of 1 bed free.",
        "placed",
    ]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Placement)) == 1
        db.engine.dispose()
