"""Assistance test helpers: funds with gifts, people on a coordinator's case, requests made and
decided through HTTP or the services, as plain ids."""

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.assistance import services
from mexiles.assistance.models import AssistanceRequest
from mexiles.care.models import Appointment
from mexiles.extensions import db
from mexiles.giving import services as giving
from mexiles.people import services as people
from tests.care.conftest import make_provider, make_referral  # noqa: F401  (fixtures)
from tests.conftest import org_today


@pytest.fixture
def today(app):
    return org_today(app)


@pytest.fixture
def aid(app, make_user, make_person, record_gift, today):
    """A coordinator with a person on their case, two admins, and helpers that act for them."""
    coordinator = make_user("coordinator", name="Cora Coordinadora")
    admin, other_admin = make_user("admin", name="Ana Admin"), make_user("admin", name="Beto Admin")

    def fund(code="general", cents=0, on=None):
        """The fund's id, after a gift of ``cents`` to it (a gift is what makes the fund)."""
        if cents:
            record_gift(code, cents, on or today)
        with app.app_context():
            return giving.fund_by_code(code).id

    def person(alias="Persona Uno", team=None):
        return make_person([(team or coordinator).id], legal_name=f"{alias} Inventada", alias=alias)

    def ask(person_id, fund_id, cents, category="transport", by=None, reason="Pasaje al juzgado."):
        with app.app_context():
            user = db.session.get(User, (by or coordinator).id)
            data = {"category": category, "amount_cents": cents, "fund_id": fund_id, "reason": reason}
            return services.requests.ask(people.get(person_id), data, by=user).id

    def decide(request_id, by=None, approve=True, **options):
        with app.app_context():
            request = services.requests.get(request_id)
            return services.requests.decide(request, db.session.get(User, (by or admin).id), approve, **options).status

    def pay(request_id, on=None, method="cash", by=None):
        with app.app_context():
            request = services.requests.get(request_id)
            services.requests.pay(request, db.session.get(User, (by or admin).id), on or today, method)

    def given(person_id, fund_id, cents, category="transport", on=None):
        """Asked, approved (with an override if the fund is short) and paid."""
        request_id = ask(person_id, fund_id, cents, category)
        decide(request_id, override=True, override_reason="La junta lo aprobó.")
        pay(request_id, on=on)
        return request_id

    def status(request_id):
        with app.app_context():
            return db.session.get(AssistanceRequest, request_id).status

    return SimpleNamespace(
        coordinator=coordinator,
        admin=admin,
        other_admin=other_admin,
        fund=fund,
        person=person,
        ask=ask,
        decide=decide,
        pay=pay,
        given=given,
        status=status,
    )


@pytest.fixture
def paid_session(app, make_provider, make_referral):  # noqa: F811
    """A counseling session the organisation paid for, held on a day, for a person."""
    provider = {}

    def add(person_id, by, cents, on: dt.date):
        if "id" not in provider:
            provider["id"] = make_provider()
        referral_id = make_referral(person_id, provider["id"], by)
        with app.app_context():
            db.session.add(
                Appointment(
                    referral_id=referral_id,
                    kind="session",
                    starts_at=dt.datetime.combine(on, dt.time(18)),  # noon in El Paso
                    time_zone="America/Denver",
                    held=True,
                    cost_cents=cents,
                    paid_by_org=True,
                    recorded_by_id=by.id,
                )
            )
            db.session.commit()
            return db.session.scalar(select(Appointment.id).order_by(Appointment.id.desc()))

    return add
