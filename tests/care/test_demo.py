"""The demo tells the whole story: every page renders with it, and the counselor sees the minimum."""

from types import SimpleNamespace

from sqlalchemy import func, select

from mexiles.accounts.demo import PASSWORD
from mexiles.care.models import Appointment, Provider, Referral
from mexiles.extensions import db


def _demo(email):
    return SimpleNamespace(email=email, password=PASSWORD)


def test_the_demo_covers_every_stage_and_every_page_renders(app, client, auth, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # idempotent
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Provider)) == 4
        statuses = set(db.session.scalars(select(Referral.status)))
        assert {"new", "sent", "accepted", "in_care", "completed", "closed"} <= statuses
        assert db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.held)) >= 6
        referral_ids = list(db.session.scalars(select(Referral.id)))
        provider_ids = list(db.session.scalars(select(Provider.id)))

    auth.login(_demo("admin@example.org"))
    for path in [
        "/",
        "/care/providers/",
        "/care/referrals/?status=",
        "/care/attention",
        "/care/outcomes",
        "/care/referrals/new",
        *[f"/care/referrals/{i}" for i in referral_ids],
        *[f"/care/providers/{i}" for i in provider_ids],
    ]:
        assert client.get(path).status_code == 200, path
    auth.logout()

    auth.login(_demo("coordinator@example.org"))
    page = client.get("/care/attention").data.decode()
    assert "Mari" in page and "Rosa T." in page  # the crisis, and the overdue follow-up
    auth.logout()

    auth.login(_demo("counselor@example.org"))
    listing = client.get("/care/counsel/").data.decode()
    assert "Rosa T." in listing and "Mari" in listing and "El Maestro" not in listing
    assert "Rosa Elvia" not in listing and "Nightmares" not in listing
    with app.app_context():
        theirs = db.session.scalars(
            select(Referral.id)
            .join(Provider)
            .where(Provider.name == "Centro de Sanación Fronteriza", Referral.sent_at.is_not(None))
        ).all()
    for referral_id in theirs:
        page = client.get(f"/care/counsel/{referral_id}").data.decode()
        assert "Rosa Elvia" not in page and "Marisol" not in page and "Nightmares" not in page and "555" not in page
