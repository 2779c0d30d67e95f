"""Referrals through the case team's pages: consent, the allowed steps, who may see them, and the audit."""

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mexiles.audit.models import AuditEntry
from mexiles.care import services
from mexiles.care.models import Referral, ReferralEvent
from mexiles.care.services import TRANSITIONS
from mexiles.extensions import db
from tests.care.conftest import LEGAL_NAME, REASON


def _referral(app, referral_id) -> Referral:
    with app.app_context():
        return db.session.get(Referral, referral_id, options=[selectinload(Referral.appointments)])


def _events(app, referral_id):
    with app.app_context():
        return [
            (e.action, e.from_status, e.to_status, e.actor_id)
            for e in db.session.scalars(
                select(ReferralEvent).where(ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id)
            )
        ]


def _audit(app, action):
    with app.app_context():
        return [
            (e.subject_id, e.actor_id, e.details)
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        ]


def test_a_coordinator_refers_a_person_and_sends_it(app, client, auth, world):
    auth.login(world.coordinator)
    form = client.get("/care/referrals/new").data.decode()
    assert "La Maestra" in form and "Clínica Esperanza" in form
    response = client.post(
        "/care/referrals/new",
        data={
            "person_id": world.person_id,
            "provider_id": world.provider_id,
            "urgency": "urgent",
            "reason": REASON,
            "contact_preference": "whatsapp",
            "cost_per_session": "45.50",
            "org_pays": "y",
        },
    )
    assert response.status_code == 302
    referral_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/care/referrals/{referral_id}").data.decode()
    assert REASON in page and "Send to the provider" in page
    referral = _referral(app, referral_id)
    assert (referral.status, referral.urgency, referral.cost_per_session_cents) == ("new", "urgent", 4550)
    with app.app_context():
        assert referral.follow_up_on == services.today() + dt.timedelta(days=3)  # urgent: three days

    client.post(f"/care/referrals/{referral_id}/step", data={"to": "sent"})
    referral = _referral(app, referral_id)
    assert referral.status == "sent" and referral.consent_basis == "recorded" and referral.sent_at
    assert _events(app, referral_id) == [
        ("created", None, "new", world.coordinator.id),
        ("step", "new", "sent", world.coordinator.id),
    ]
    with app.app_context():
        stored = db.session.execute(text("SELECT reason FROM care_referrals")).scalar()
    assert stored.startswith("gAAAAA") and "Iguala" not in stored  # encrypted at rest


def test_the_reason_is_required_and_bad_input_keeps_what_was_typed(app, client, auth, world):
    auth.login(world.coordinator)
    response = client.post(
        "/care/referrals/new",
        data={
            "person_id": world.person_id,
            "provider_id": 0,
            "urgency": "crisis",
            "reason": "",
            "contact_preference": "email",
            "cost_per_session": "-3",
            "follow_up_on": "2026-12-01",
        },
    )
    page = response.data.decode()
    assert response.status_code == 200
    assert "Choose the provider." in page and "This field is required" in page
    assert "Give an amount between $0.00 and $100,000.00." in page
    assert 'value="2026-12-01"' in page and '<option selected value="crisis">' in page and 'value="-3"' in page
    with app.app_context():
        assert db.session.scalar(select(Referral)) is None


def test_without_consent_it_cannot_be_sent_until_an_admin_overrides(
    app, client, auth, make_user, make_person, make_referral, world
):
    no_consent = make_person([world.coordinator.id], legal_name="Tomás Quiroga Leal", alias="Don Tomás")
    referral_id = make_referral(no_consent, world.provider_id, world.coordinator)
    auth.login(world.coordinator)
    response = client.post(f"/care/referrals/{referral_id}/step", data={"to": "sent"}, follow_redirects=True)
    assert "has not consented to share their details" in response.data.decode()
    assert _referral(app, referral_id).status == "new"
    # A coordinator cannot record the override.
    assert (
        client.post(
            f"/care/referrals/{referral_id}/override", data={"override-reason": "Verbal consent by phone"}
        ).status_code
        == 403
    )
    client.post("/account/logout")

    admin = make_user("admin")
    auth.login(admin)
    page = client.get(f"/care/referrals/{referral_id}").data.decode()
    assert "Consent override (admins)" in page
    too_short = client.post(f"/care/referrals/{referral_id}/override", data={"override-reason": "ok"})
    assert "Field must be between 10 and 2000 characters long." in too_short.data.decode()
    client.post(
        f"/care/referrals/{referral_id}/override",
        data={"override-reason": "He agreed by phone from detention; the form follows."},
    )
    referral = _referral(app, referral_id)
    assert referral.consent_override_by_id == admin.id and referral.consent_override_reason.startswith("He agreed")
    [(subject, actor, details)] = _audit(app, "referral.consent_override")
    assert (subject, actor, details) == (str(referral_id), admin.id, {})  # no reason text in the trail
    client.post("/account/logout")

    auth.login(world.coordinator)
    client.post(f"/care/referrals/{referral_id}/step", data={"to": "sent"})
    referral = _referral(app, referral_id)
    assert referral.status == "sent" and referral.consent_basis == "override"
    assert ("consent_override", None, None, admin.id) in _events(app, referral_id)


def test_the_refusal_is_in_spanish_for_a_spanish_speaking_coordinator(
    app, client, auth, make_user, make_person, make_referral, make_provider
):
    coordinator = make_user("coordinator", locale="es")
    person_id = make_person([coordinator.id])
    referral_id = make_referral(person_id, make_provider(), coordinator)
    auth.login(coordinator)
    page = client.post(f"/care/referrals/{referral_id}/step", data={"to": "sent"}, follow_redirects=True).data.decode()
    assert "no ha dado su consentimiento" in page
    page = client.post(
        f"/care/referrals/{referral_id}/step", data={"to": "completed"}, follow_redirects=True
    ).data.decode()
    assert "Una canalización en estado “Nueva” no puede pasar a “Concluida”." in page


@pytest.mark.parametrize("status", ["new", "sent", "accepted", "intake_scheduled", "in_care"])
def test_only_the_steps_in_the_table_are_allowed(app, client, auth, world, make_referral, status):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status=status)
    auth.login(world.coordinator)
    for wanted in ("new", "sent", "accepted", "in_care", "completed"):
        if wanted in TRANSITIONS[status]:
            continue
        page = client.post(
            f"/care/referrals/{referral_id}/step", data={"to": wanted}, follow_redirects=True
        ).data.decode()
        assert "cannot become" in page, (status, wanted)
        assert _referral(app, referral_id).status == status
    if "declined" not in TRANSITIONS[status]:
        page = client.post(f"/care/referrals/{referral_id}/decline", data={"declined-succeeded": "yes"}).data.decode()
        assert "cannot become" in page
        assert _referral(app, referral_id).status == status


def test_a_referral_followed_to_the_end_records_every_step(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="accepted")
    auth.login(world.coordinator)
    base = f"/care/referrals/{referral_id}"
    # "In care" comes only from recording the intake as held: no button, and no step from "accepted".
    page = client.post(f"{base}/step", data={"to": "in_care"}, follow_redirects=True).data.decode()
    assert "cannot become" in page and "The person is in care" not in page
    client.post(
        f"{base}/appointments",
        data={"appt-kind": "intake", "appt-day": "2026-01-10", "appt-time": "10:30", "appt-attendance": "held"},
    )
    referral = _referral(app, referral_id)
    assert referral.status == "in_care" and referral.sessions_held == 1
    assert referral.appointments[0].cost_cents == 5000 and referral.appointments[0].paid_by_org
    client.post(
        f"{base}/appointments",
        data={"appt-kind": "session", "appt-day": "2026-01-17", "appt-time": "10:30", "appt-attendance": "held"},
    )
    client.post(f"{base}/step", data={"to": "completed"})
    referral = _referral(app, referral_id)
    assert referral.status == "completed" and referral.succeeded is True and referral.follow_up_on is None
    steps = [(a, f, t) for a, f, t, _ in _events(app, referral_id) if a == "step"]
    assert steps == [
        ("step", "new", "sent"),
        ("step", "sent", "accepted"),
        ("step", "accepted", "intake_scheduled"),
        ("step", "intake_scheduled", "in_care"),
        ("step", "in_care", "completed"),
    ]
    page = client.get(base).data.decode()
    assert "This referral has ended." in page and "Carmen Coordinadora" in page


def test_closing_says_whether_the_person_got_care_and_why_not(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.coordinator)
    page = client.post(f"/care/referrals/{referral_id}/close", data={"closed-succeeded": "no"}).data.decode()
    assert "Say why the person did not get care." in page and "Say why the referral is closed." in page
    assert _referral(app, referral_id).status == "sent"
    client.post(
        f"/care/referrals/{referral_id}/close",
        data={
            "closed-succeeded": "no",
            "closed-failure_reason": "unreachable_person",
            "closed-closure_reason": "no_show",
        },
    )
    referral = _referral(app, referral_id)
    assert (referral.status, referral.succeeded, referral.failure_reason, referral.closure_reason) == (
        "closed",
        False,
        "unreachable_person",
        "no_show",
    )
    assert referral.follow_up_on is None


def test_an_appointment_in_the_future_cannot_have_been_held(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="accepted")
    auth.login(world.coordinator)
    page = client.post(
        f"/care/referrals/{referral_id}/appointments",
        data={"appt-kind": "intake", "appt-day": "2099-01-01", "appt-time": "09:00", "appt-attendance": "held"},
    ).data.decode()
    assert "cannot have taken place yet" in page and 'value="2099-01-01"' in page
    referral = _referral(app, referral_id)
    assert referral.status == "accepted" and referral.appointments == []


def test_the_database_refuses_an_open_referral_without_a_follow_up(app, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        referral.follow_up_on = None
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_coordinators_outside_the_case_team_are_refused(app, client, auth, make_user, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(make_user("coordinator"))
    assert client.get(f"/care/referrals/{referral_id}").status_code == 403
    assert client.post(f"/care/referrals/{referral_id}/step", data={"to": "accepted"}).status_code == 403
    listing = client.get("/care/referrals/?status=").data.decode()
    assert "La Maestra" not in listing
    assert client.get("/care/referrals/999999").status_code == 404


def test_every_view_and_change_is_audited_without_the_reason(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.coordinator)
    client.get(f"/care/referrals/{referral_id}")
    client.get("/care/referrals/")
    client.post(f"/care/referrals/{referral_id}/follow-up", data={"follow-day": "2099-01-01"})
    assert _audit(app, "referral.view")[0][:2] == (str(referral_id), world.coordinator.id)
    assert _audit(app, "referrals.list")[-1][:2] == (str(referral_id), world.coordinator.id)
    assert _audit(app, "referral.follow_up")[0][2] == {"on": "2099-01-01"}
    with app.app_context():
        trail = " ".join(str(e.details) for e in db.session.scalars(select(AuditEntry)))
    assert REASON not in trail and LEGAL_NAME not in trail


def test_the_list_runs_the_same_number_of_queries_for_more_referrals(
    app, client, auth, world, make_person, make_referral, count_queries
):
    make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.coordinator)
    client.get("/care/referrals/")
    with count_queries() as few:
        assert client.get("/care/referrals/").status_code == 200
    for n in range(6):
        person_id = make_person(
            [world.coordinator.id],
            legal_name=f"Persona {n}",
            alias=f"Alias {n}",
            consent_date=dt.date(2026, 1, 5),
            consent_scopes=["counseling"],
        )
        make_referral(
            person_id,
            world.other_provider_id if n % 2 else world.provider_id,
            world.coordinator,
            status=["new", "sent", "in_care"][n % 3],
        )
    with count_queries() as many:
        page = client.get("/care/referrals/").data.decode()
    assert "Alias 5" in page and "Consultorio Otro" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_the_referral_pages_in_spanish(client, auth, make_user, make_person, make_provider, make_referral):
    coordinator = make_user("coordinator", locale="es")
    person_id = make_person([coordinator.id], consent_date=dt.date(2026, 1, 5), consent_scopes=["counseling"])
    referral_id = make_referral(person_id, make_provider(), coordinator, status="sent", urgency="crisis")
    auth.login(coordinator)
    listing = client.get("/care/referrals/").data.decode()
    assert 'lang="es"' in listing and "Canalizaciones a terapia" in listing and "Crisis" in listing
    detail = client.get(f"/care/referrals/{referral_id}").data.decode()
    assert "Motivo de la canalización" in detail and "Enviada" in detail and "Historial" in detail
    assert "Canalizar a una persona a terapia" in client.get("/care/referrals/new").data.decode()


def test_the_person_page_offers_a_referral(client, auth, world):
    auth.login(world.coordinator)
    page = client.get(f"/people/{world.person_id}").data.decode()
    assert f"/care/referrals/new?person={world.person_id}" in page
    form = client.get(f"/care/referrals/new?person={world.person_id}").data.decode()
    assert f'<option selected value="{world.person_id}">' in form


def _detail(client, referral_id) -> str:
    return client.get(f"/care/referrals/{referral_id}").data.decode()


def test_in_care_comes_only_from_recording_the_intake_as_held(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="intake_scheduled")
    auth.login(world.coordinator)
    assert 'value="in_care"' not in _detail(client, referral_id)  # no button that skips the intake
    page = client.post(
        f"/care/referrals/{referral_id}/step", data={"to": "in_care"}, follow_redirects=True
    ).data.decode()
    assert "Record the intake as held: the person is then in care." in page
    assert _referral(app, referral_id).status == "intake_scheduled"
    intake = _referral(app, referral_id).appointments[0].id
    client.post(f"/care/referrals/{referral_id}/appointments/{intake}", data={"held": "yes"})
    assert _referral(app, referral_id).status == "in_care"


def test_completed_without_a_session_after_the_intake_is_refused(app, client, auth, world, make_referral, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 18, 0), tick=False)
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="in_care")
    assert _referral(app, referral_id).sessions_held == 1  # the intake only
    auth.login(world.coordinator)
    base = f"/care/referrals/{referral_id}"
    page = client.post(f"{base}/step", data={"to": "completed"}, follow_redirects=True).data.decode()
    assert "Record at least one session held after the intake before marking the referral completed." in page
    referral = _referral(app, referral_id)
    assert referral.status == "in_care" and referral.succeeded is None
    client.post(
        f"{base}/appointments",
        data={"appt-kind": "session", "appt-day": "2026-03-10", "appt-time": "09:00", "appt-attendance": "held"},
    )
    client.post(f"{base}/step", data={"to": "completed"})
    referral = _referral(app, referral_id)
    assert (referral.status, referral.succeeded) == ("completed", True)


def test_a_declined_referral_did_not_lead_to_care(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.coordinator)
    page = _detail(client, referral_id)
    assert 'name="declined-succeeded"' not in page and "A declined referral did not lead to care" in page
    page = client.post(f"/care/referrals/{referral_id}/decline", data={"declined-succeeded": "yes"}).data.decode()
    assert "Say why the person did not get care." in page
    assert _referral(app, referral_id).status == "sent"
    # A "yes" slipped into the form changes nothing: declined means no care came of it.
    client.post(
        f"/care/referrals/{referral_id}/decline",
        data={"declined-succeeded": "yes", "declined-failure_reason": "no_capacity"},
    )
    referral = _referral(app, referral_id)
    assert (referral.status, referral.succeeded, referral.failure_reason) == ("declined", False, "no_capacity")
    [(subject, actor, details)] = [a for a in _audit(app, "referral.step") if a[2]["to_status"] == "declined"]
    assert details == {
        "from_status": "sent",
        "to_status": "declined",
        "succeeded": False,
        "failure_reason": "no_capacity",
        "closure_reason": None,
    }


@pytest.mark.parametrize("status", ["new", "sent", "accepted", "intake_scheduled"])
def test_closing_before_any_appointment_took_place_records_no_care(app, client, auth, world, make_referral, status):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status=status)
    auth.login(world.coordinator)
    page = _detail(client, referral_id)
    # A scheduled intake is not said not to have taken place: it is not recorded yet (issue 13).
    says = "An appointment is not yet recorded" if status == "intake_scheduled" else "No appointment took place"
    assert 'name="closed-succeeded"' not in page and says in page
    client.post(
        f"/care/referrals/{referral_id}/close",
        data={
            "closed-succeeded": "yes",
            "closed-failure_reason": "unreachable_person",
            "closed-closure_reason": "no_show",
        },
    )
    referral = _referral(app, referral_id)
    assert (referral.status, referral.succeeded, referral.failure_reason, referral.closure_reason) == (
        "closed",
        False,
        "unreachable_person",
        "no_show",
    )
    assert _audit(app, "referral.step")[-1][2] == {
        "from_status": status,
        "to_status": "closed",
        "succeeded": False,
        "failure_reason": "unreachable_person",
        "closure_reason": "no_show",
    }


def test_closing_after_a_session_asks_whether_the_person_got_care(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="in_care")
    auth.login(world.coordinator)
    assert 'name="closed-succeeded"' in _detail(client, referral_id)
    client.post(
        f"/care/referrals/{referral_id}/close", data={"closed-succeeded": "yes", "closed-closure_reason": "moved_away"}
    )
    referral = _referral(app, referral_id)
    assert (referral.status, referral.succeeded, referral.failure_reason) == ("closed", True, None)
    assert _audit(app, "referral.step")[-1][2] == {
        "from_status": "in_care",
        "to_status": "closed",
        "succeeded": True,
        "failure_reason": None,
        "closure_reason": "moved_away",
    }


def test_attendance_cannot_be_recorded_once_the_referral_has_ended(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="intake_scheduled")
    intake = _referral(app, referral_id).appointments[0].id
    auth.login(world.coordinator)
    client.post(
        f"/care/referrals/{referral_id}/close",
        data={"closed-failure_reason": "person_refused", "closed-closure_reason": "withdrawn"},
    )
    assert _referral(app, referral_id).status == "closed"
    assert f'/appointments/{intake}"' not in _detail(client, referral_id)  # no attendance buttons left
    page = client.post(
        f"/care/referrals/{referral_id}/appointments/{intake}", data={"held": "yes"}, follow_redirects=True
    ).data.decode()
    assert "This referral has ended; its appointments can no longer change." in page
    referral = _referral(app, referral_id)
    assert referral.appointments[0].held is None and referral.status == "closed" and referral.succeeded is False


def test_the_providers_open_places_read_well_in_both_languages(client, auth, make_user, world, make_provider):
    make_provider(name="Consultorio Uno", available=1, maximum=2)
    auth.login(world.coordinator)
    form = client.get("/care/referrals/new").data.decode()
    assert "Consultorio Uno (1 open place)<" in form and "Clínica Esperanza (3 open places)<" in form
    auth.logout()
    auth.login(make_user("coordinator", locale="es"))
    form = client.get("/care/referrals/new").data.decode()
    assert "Consultorio Uno (1 lugar disponible)<" in form and "Clínica Esperanza (3 lugares disponibles)<" in form


def test_a_step_without_a_step_gets_a_message_not_a_bare_error(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="intake_scheduled")
    intake = _referral(app, referral_id).appointments[0].id
    auth.login(world.coordinator)
    response = client.post(f"/care/referrals/{referral_id}/step", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/care/referrals/{referral_id}")
    assert "Choose the step to take." in client.get(response.headers["Location"]).data.decode()
    page = client.post(
        f"/care/referrals/{referral_id}/appointments/{intake}", data={"held": "maybe"}, follow_redirects=True
    ).data.decode()
    assert "Say whether the appointment took place." in page
    referral = _referral(app, referral_id)
    assert referral.status == "intake_scheduled" and referral.appointments[0].held is None
