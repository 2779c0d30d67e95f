"""Outcomes: referrals by status, time to first session, share completed; what sessions cost by month
(shown on the one staff figures page, beside what the counseling fund raised)."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from mexiles.accounts.models import User
from mexiles.audit.models import AuditEntry
from mexiles.care import services
from mexiles.care.models import Referral
from mexiles.extensions import db
from tests.care.conftest import LEGAL_NAME, REASON

CONSENT = dict(consent_date=dt.date(2026, 1, 5), consent_scopes=["counseling"])
# 11:00 in El Paso (Mountain Daylight Time).
MADE_AT = dt.datetime(2026, 9, 1, 17, 0)


@pytest.fixture
def cohort(app, make_user, make_person, make_provider, time_machine):
    """Four referrals made on 1 September 2026, each with its story, told through the services."""
    time_machine.move_to(MADE_AT, tick=False)
    coordinator = make_user("coordinator")
    person = make_person([coordinator.id], legal_name=LEGAL_NAME, **CONSENT)
    provider = make_provider(fee_cents=5000)

    with app.app_context():
        user = db.session.get(User, coordinator.id)

        def refer(cost_cents=5000, org_pays=True):
            return services.create(
                dict(
                    person_id=person,
                    provider_id=provider,
                    urgency="routine",
                    reason=REASON,
                    contact_preference="phone_call",
                    cost_per_session_cents=cost_cents,
                    org_pays=org_pays,
                ),
                by=user,
            ).id

        def act(referral_id, step, **kwargs):
            access = services.find(user, referral_id)
            if step in ("intake", "session"):
                services.schedule(access, step, kwargs["day"], kwargs.get("time", dt.time(10)), True, by=user)
            else:
                services.move(access, step, by=user, outcome=kwargs.get("outcome"))

        completed, closed, declined, new = refer(), refer(cost_cents=8000, org_pays=False), refer(), refer()
        time_machine.move_to(dt.datetime(2026, 11, 1, 18, 0), tick=False)
        for referral_id in (completed, closed, declined):
            act(referral_id, "sent")
        for referral_id in (completed, closed):
            act(referral_id, "accepted")
        # Ten days (less an hour) to the intake; the second session falls on the evening of 30
        # September in El Paso, already 1 October in UTC: it counts for September.
        act(completed, "intake", day=dt.date(2026, 9, 11))
        act(completed, "session", day=dt.date(2026, 9, 30), time=dt.time(22, 0))
        act(completed, "session", day=dt.date(2026, 10, 14))
        act(completed, "completed")
        act(closed, "intake", day=dt.date(2026, 9, 21))
        act(closed, "closed", outcome=services.Outcome(succeeded=True, closure_reason="moved_away"))
        act(declined, "declined", outcome=services.Outcome(succeeded=False, failure_reason="no_capacity"))
    return dict(coordinator=coordinator, ids=[completed, closed, declined, new])


def test_spending_by_month_counts_paid_sessions_in_the_local_calendar(app, cohort):
    with app.app_context():
        spent = services.paid_sessions_by_month(dt.date(2026, 8, 15), dt.date(2026, 11, 30))
    assert spent == {"2026-09": (2, 10000, 1), "2026-10": (1, 5000, 1)}  # (sessions, cents, people)
    with app.app_context():
        assert services.paid_sessions_by_month(dt.date(2026, 10, 1), dt.date(2026, 10, 13)) == {}


def test_the_outcomes_page(app, client, auth, cohort, record_gift):
    record_gift("counseling", 21550, dt.date(2026, 9, 15))  # set against what sessions cost
    record_gift("housing", 99900, dt.date(2026, 9, 15))  # another fund: not counted here
    auth.login(cohort["coordinator"])
    page = client.get("/care/outcomes", query_string={"since": "2026-09-01", "until": "2026-10-31"}).data.decode()
    assert "33%" in page  # one completed of three ended
    assert "67%" in page  # two of three got care
    assert "15" in page and "(2 referrals)" in page  # median of 10.0 and 20.0 days
    # What sessions cost by month is on the one staff figures page, for the same period.
    figures = "/assistance/figures?since=2026-09-01&amp;until=2026-10-31"
    assert figures in page and "Sessions paid by the organisation, by month" in page
    months = client.get(figures.replace("&amp;", "&")).data.decode().split('id="months"')[1]
    september = months.split('data-fund="counseling" data-month="2026-09"')[1].split("</tr>")[0]
    assert "Sep 2026" in september and "$215.50" in september  # raised, beside
    assert "2 sessions, 1 people: $100.00" in september
    october = months.split('data-fund="counseling" data-month="2026-10"')[1].split("</tr>")[0]
    assert "1 session, 1 people: $50.00" in october
    assert 'data-fund="housing" data-month="2026-09"' in months and "$999.00" not in september
    with app.app_context():
        report = services.outcomes(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    assert report.by_status == {"completed": 1, "closed": 1, "declined": 1, "new": 1}
    assert report.median_days_to_first_session == 15.0


def test_the_outcomes_page_in_spanish_and_a_bad_period(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    page = client.get("/care/outcomes", query_string={"since": "2026-10-01", "until": "2026-09-01"}).data.decode()
    assert "Resultados de terapia" in page and "Mediana de días" in page
    assert "El final no puede ser anterior al inicio." in page


def test_the_export_names_no_one_and_is_audited(app, client, auth, cohort):
    auth.login(cohort["coordinator"])
    response = client.get("/care/outcomes.csv", query_string={"since": "2026-09-01", "until": "2026-10-31"})
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    text = response.data.decode()
    assert LEGAL_NAME not in text and REASON not in text and "La Maestra" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["referral_id"]) for r in rows] == cohort["ids"]
    first = rows[0]
    assert (
        first["status"],
        first["sessions_held"],
        first["sessions_paid"],
        first["paid_usd"],
        first["days_to_first_session"],
        first["succeeded"],
    ) == ("completed", "3", "3", "150.00", "10.0", "yes")
    assert (rows[2]["status"], rows[2]["failure_reason"]) == ("declined", "no_capacity")
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "referrals.export").order_by(AuditEntry.id)
        ).all()
    assert {e.actor_id for e in entries} == {cohort["coordinator"].id}
    assert [int(e.subject_id) for e in entries] == cohort["ids"]


def test_odd_input_gets_a_page_not_a_crash(client, auth, make_user, make_provider):
    auth.login(make_user("admin"))
    for url in (
        "/care/referrals/?page=99999999999999999999",
        "/care/referrals/?page=-4&status=nonsense",
        "/care/providers/?page=99999999999999999999&language=xx",
        "/care/counsel/?page=abc",
        "/care/outcomes?since=0001-01-01&until=9999-12-31",
        "/care/outcomes.csv?since=0001-01-01",
    ):
        assert client.get(url).status_code in (200, 403), url
    page = client.get("/care/outcomes?since=0001-01-01").data.decode()
    assert "Choose a date between 2000 and 2100." in page


def test_the_export_cannot_run_spreadsheet_formulas(
    app, client, auth, make_user, make_person, make_provider, make_referral
):
    coordinator = make_user("coordinator")
    person_id = make_person([coordinator.id], **CONSENT)
    make_referral(person_id, make_provider(name='=HYPERLINK("http://evil.example","x")'), coordinator)
    auth.login(coordinator)
    rows = list(csv.DictReader(io.StringIO(client.get("/care/outcomes.csv").data.decode())))
    assert rows[0]["provider"].startswith("'=HYPERLINK")


def _exported(client, **period) -> list[dict]:
    response = client.get("/care/outcomes.csv", query_string=period or {"since": "2026-09-01", "until": "2026-10-31"})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def _exports(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.actor_id, e.subject_id, e.details)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "referrals.export").order_by(AuditEntry.id)
            )
        ]


def test_the_export_holds_only_the_referrals_of_the_users_own_cases(app, client, auth, make_user, cohort):
    outsider = make_user("coordinator")
    auth.login(outsider)
    assert _exported(client) == []  # the header only: none of the cohort is on their case team
    # Looking and finding nothing is in the trail too.
    assert _exports(app) == [(outsider.id, None, {"since": "2026-09-01", "until": "2026-10-31"})]
    auth.logout()

    admin = make_user("admin")
    auth.login(admin)
    assert [int(r["referral_id"]) for r in _exported(client)] == cohort["ids"]
    assert [int(subject) for actor, subject, _ in _exports(app) if actor == admin.id] == cohort["ids"]


def test_the_export_of_a_coordinator_skips_the_cases_of_others(
    app, client, auth, make_user, make_person, make_provider, make_referral, cohort
):
    other = make_user("coordinator")
    theirs = make_referral(make_person([other.id], alias="Ajena", **CONSENT), make_provider(name="Otro"), other)
    auth.login(cohort["coordinator"])
    ids = [int(r["referral_id"]) for r in _exported(client, since="2026-01-01", until="2026-12-31")]
    assert ids == cohort["ids"] and theirs not in ids
    auth.logout()
    auth.login(other)
    assert [int(r["referral_id"]) for r in _exported(client, since="2026-01-01", until="2026-12-31")] == [theirs]


def test_a_cost_left_empty_is_the_providers_fee_and_counts_in_spending(
    app, client, auth, make_user, make_person, make_provider, time_machine
):
    time_machine.move_to(dt.datetime(2026, 5, 20, 18, 0), tick=False)
    coordinator = make_user("coordinator")
    person_id = make_person([coordinator.id], **CONSENT)
    fee = make_provider(name="Consultorio de Cuota", fee_cents=6000)
    free = make_provider(name="Consultorio Gratuito", cost_model="pro_bono", fee_cents=None)
    auth.login(coordinator)
    ids = {}
    for provider_id in (fee, free):
        response = client.post(
            "/care/referrals/new",
            data={
                "person_id": person_id,
                "provider_id": provider_id,
                "urgency": "routine",
                "reason": REASON,
                "contact_preference": "email",
                "cost_per_session": "",
                "org_pays": "y",
            },
        )
        referral_id = ids[provider_id] = int(response.headers["Location"].rsplit("/", 1)[-1])
        base = f"/care/referrals/{referral_id}"
        client.post(f"{base}/step", data={"to": "sent"})
        client.post(f"{base}/step", data={"to": "accepted"})
        for kind, day in (("intake", "2026-05-04"), ("session", "2026-05-11")):
            client.post(
                f"{base}/appointments",
                data={"appt-kind": kind, "appt-day": day, "appt-time": "10:00", "appt-attendance": "held"},
            )
    with app.app_context():
        assert db.session.get(Referral, ids[fee]).cost_per_session_cents == 6000
        assert db.session.get(Referral, ids[free]).cost_per_session_cents == 0
    with app.app_context():  # two sessions at the fee; the pro bono ones cost nothing
        assert services.paid_sessions_by_month(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == {"2026-05": (2, 12000, 1)}

    # Emptying the cost later brings back the fee, too.
    client.post(f"/care/referrals/{ids[fee]}/cost", data={"cost-cost_per_session": "20", "cost-org_pays": "y"})
    client.post(f"/care/referrals/{ids[fee]}/cost", data={"cost-cost_per_session": "", "cost-org_pays": "y"})
    with app.app_context():
        assert db.session.get(Referral, ids[fee]).cost_per_session_cents == 6000
