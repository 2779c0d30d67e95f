"""The counselor sees only the referrals sent to their own provider, and only the minimum about the person."""

import datetime as dt

import pytest
from sqlalchemy import select

from mexiles.care.models import Provider, Referral
from mexiles.extensions import db
from tests.care.conftest import HEARING_DATE, HOUSEHOLD, LEGAL_NAME, NOTE, REASON, SENSITIVE

# 11:00 in El Paso: after every appointment these tests record as held.
NOW = dt.datetime(2026, 2, 20, 18, 0)

# The hearing date as pages in English or Spanish could write it.
HEARING_FORMS = (
    HEARING_DATE.isoformat(),
    "Mar 18, 2027",
    "March 18, 2027",
    "18 mar 2027",
    "18 de marzo de 2027",
    "3/18/27",
)
# What a counselor must never see of the person: every confidential field of their record (see
# SENSITIVE in conftest.py), parts of them, the household, and the referral's reason.
NEVER = (
    LEGAL_NAME,
    "Montoya",
    REASON,
    "Iguala",
    SENSITIVE["phone"],
    "555 0199",
    SENSITIVE["email"],
    "graciela.privado",
    SENSITIVE["current_city"],
    "Sunland",
    SENSITIVE["state_of_origin"],
    SENSITIVE["safety_notes"],
    "cousin of the husband",
    NOTE,
    "ranch",
    HOUSEHOLD[0]["name"],
    "Pablito",
    *HEARING_FORMS,
)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _assert_minimum(page: str) -> None:
    leaked = [s for s in NEVER if s in page]
    assert leaked == []


def _status(app, referral_id):
    with app.app_context():
        return db.session.scalar(select(Referral.status).where(Referral.id == referral_id))


def test_the_case_team_sees_what_the_counselor_must_not(client, auth, world):
    """The values below are really on the person's record: the counselor tests could fail."""
    auth.login(world.coordinator)
    page = client.get(f"/people/{world.person_id}").data.decode()
    shown = [
        s
        for s in (
            LEGAL_NAME,
            SENSITIVE["phone"],
            SENSITIVE["email"],
            SENSITIVE["current_city"],
            SENSITIVE["safety_notes"],
            NOTE,
            HOUSEHOLD[0]["name"],
            "Guerrero",
        )
        if s in page
    ]
    assert len(shown) == 8, shown
    assert any(form in page for form in HEARING_FORMS)  # the hearing date, in a form the list knows


def test_the_counselor_sees_their_referrals_with_the_minimum_only(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent", urgency="crisis")
    auth.login(world.counselor)
    listing = client.get("/care/counsel/").data.decode()
    assert "La Maestra" in listing and "Spanish" in listing and "Crisis" in listing and "WhatsApp" in listing
    _assert_minimum(listing)
    detail = client.get(f"/care/counsel/{referral_id}").data.decode()
    assert "La Maestra" in detail and "Carmen Coordinadora" in detail and "Accept the referral" in detail
    _assert_minimum(detail)
    _assert_minimum(client.get("/").data.decode())
    # A counselor without a staff role cannot open the case team's page at all.
    response = client.get(f"/care/referrals/{referral_id}")
    assert response.status_code == 403
    _assert_minimum(response.data.decode())


def test_a_coordinator_who_is_also_the_counselor_gets_the_counselors_page(
    client, auth, make_user, world, link_counselor, make_referral
):
    """Staff outside the case team who counsel at the provider see the minimum, on the counselor's page."""
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    both = make_user("coordinator", "counselor")
    link_counselor(both.id, world.provider_id)
    auth.login(both)
    response = client.get(f"/care/referrals/{referral_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/care/counsel/{referral_id}")
    page = client.get(response.headers["Location"]).data.decode()
    assert "La Maestra" in page and "Accept the referral" in page
    _assert_minimum(page)


def test_a_counselor_on_the_case_team_gets_the_case_teams_page(
    client, auth, make_user, make_person, world, link_counselor, make_referral
):
    both = make_user("coordinator", "counselor")
    link_counselor(both.id, world.provider_id)
    person_id = make_person(
        [both.id], alias="Doña Clara", consent_date=dt.date(2026, 1, 5), consent_scopes=["counseling"]
    )
    referral_id = make_referral(person_id, world.provider_id, both, status="sent", reason="Confidential reason")
    auth.login(both)
    response = client.get(f"/care/counsel/{referral_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/care/referrals/{referral_id}")
    assert "Confidential reason" in client.get(response.headers["Location"]).data.decode()


def test_the_counselor_takes_the_referral_to_the_end(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    base = f"/care/referrals/{referral_id}"
    pages = [client.post(f"{base}/step", data={"to": "accepted"}, follow_redirects=True)]
    assert _status(app, referral_id) == "accepted"
    pages.append(
        client.post(
            f"{base}/appointments",
            data={"appt-kind": "intake", "appt-day": "2026-02-02", "appt-time": "16:00"},
            follow_redirects=True,
        )
    )
    assert _status(app, referral_id) == "intake_scheduled"
    with app.app_context():
        appointment_id = db.session.get(Referral, referral_id).appointments[0].id
    pages.append(client.post(f"{base}/appointments/{appointment_id}", data={"held": "yes"}, follow_redirects=True))
    assert _status(app, referral_id) == "in_care"
    pages.append(
        client.post(
            f"{base}/appointments",
            data={"appt-kind": "session", "appt-day": "2026-02-09", "appt-time": "16:00", "appt-attendance": "held"},
            follow_redirects=True,
        )
    )
    pages.append(
        client.post(
            f"{base}/close",
            data={"closed-succeeded": "yes", "closed-closure_reason": "moved_away"},
            follow_redirects=True,
        )
    )
    assert _status(app, referral_id) == "closed"
    for response in pages:
        assert response.request.path == f"/care/counsel/{referral_id}"
        _assert_minimum(response.data.decode())
    page = pages[-1].data.decode()
    assert "This referral has ended." in page and "Closed" in page
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.sessions_held == 2 and referral.succeeded is True and referral.failure_reason is None


def test_the_counselor_declines_with_a_reason(app, client, auth, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    page = client.post(f"/care/referrals/{referral_id}/decline", data={"declined-succeeded": "no"}).data.decode()
    assert "Say why the person did not get care." in page
    _assert_minimum(page)
    client.post(
        f"/care/referrals/{referral_id}/decline",
        data={"declined-succeeded": "no", "declined-failure_reason": "no_capacity"},
    )
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert (referral.status, referral.succeeded, referral.failure_reason) == ("declined", False, "no_capacity")


def test_the_counselor_cannot_send_or_change_what_is_the_case_teams(
    app, client, auth, world, make_person, make_referral
):
    unsent = make_referral(world.person_id, world.provider_id, world.coordinator, status="new")
    sent = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    # A referral not yet sent does not exist for the provider.
    assert client.get(f"/care/counsel/{unsent}").status_code == 404
    assert client.post(f"/care/referrals/{unsent}/step", data={"to": "sent"}).status_code == 404
    assert _status(app, unsent) == "new"
    assert f"No. {unsent}" not in client.get("/care/counsel/").data.decode()
    # Follow-up dates and costs belong to the case team.
    assert client.post(f"/care/referrals/{sent}/follow-up", data={"follow-day": "2099-01-01"}).status_code == 403
    assert client.post(f"/care/referrals/{sent}/cost", data={"cost-cost_per_session": "0"}).status_code == 403


def test_referrals_to_other_providers_are_not_found(app, client, auth, world, make_user, make_referral, link_counselor):
    theirs = make_referral(world.person_id, world.other_provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    assert "La Maestra" not in client.get("/care/counsel/").data.decode()
    assert client.get(f"/care/counsel/{theirs}").status_code == 404
    for path, data in (
        (f"/care/referrals/{theirs}/step", {"to": "accepted"}),
        (f"/care/referrals/{theirs}/decline", {"declined-succeeded": "yes"}),
        (f"/care/referrals/{theirs}/close", {"closed-succeeded": "yes", "closed-closure_reason": "withdrawn"}),
        (
            f"/care/referrals/{theirs}/appointments",
            {"appt-kind": "intake", "appt-day": "2026-01-01", "appt-time": "10:00"},
        ),
    ):
        assert client.post(path, data=data).status_code == 404, path
    assert _status(app, theirs) == "sent"
    assert client.get("/care/counsel/999999").status_code == 404


def test_a_page_past_the_end_of_the_counselors_list_says_so(client, auth, world, make_referral):
    make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    page = client.get("/care/counsel/?page=7").data.decode()
    assert "This page is past the end of the list." in page and 'href="/care/counsel/">Go to the first page' in page
    assert "No referral has been sent to your practice yet." not in page
    assert "La Maestra" in client.get("/care/counsel/").data.decode()


def test_a_counselor_without_a_provider_sees_nothing_and_is_told_why(client, auth, world, make_user, make_referral):
    make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(make_user("counselor"))
    page = client.get("/care/counsel/").data.decode()
    assert "not linked to a provider yet" in page and "La Maestra" not in page


def test_the_counselor_confirms_their_own_capacity_only(app, client, auth, world, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 18, 0), tick=False)
    auth.login(world.counselor)
    response = client.post(
        f"/care/providers/{world.provider_id}/capacity", data={"capacity_available": "1", "capacity_maximum": "8"}
    )
    assert response.status_code == 302
    bad = client.post(
        f"/care/providers/{world.provider_id}/capacity", data={"capacity_available": "9", "capacity_maximum": "8"}
    )
    assert "Open places cannot be more than the maximum." in bad.data.decode() and 'value="9"' in bad.data.decode()
    assert (
        client.post(
            f"/care/providers/{world.other_provider_id}/capacity",
            data={"capacity_available": "1", "capacity_maximum": "8"},
        ).status_code
        == 404
    )
    with app.app_context():
        mine = db.session.get(Provider, world.provider_id)
        assert (mine.capacity_available, mine.capacity_maximum, mine.capacity_confirmed_on) == (
            1,
            8,
            dt.date(2026, 11, 20),
        )


def test_the_counselor_list_runs_the_same_number_of_queries_for_more_referrals(
    client, auth, world, make_person, make_referral, count_queries
):
    make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.counselor)
    client.get("/care/counsel/")
    with count_queries() as few:
        assert client.get("/care/counsel/").status_code == 200
    for n in range(5):
        person_id = make_person(
            [world.coordinator.id],
            legal_name=f"Persona {n}",
            alias=f"Alias {n}",
            consent_date=dt.date(2026, 1, 5),
            consent_scopes=["counseling"],
        )
        make_referral(person_id, world.provider_id, world.coordinator, status=["sent", "in_care"][n % 2])
    with count_queries() as many:
        page = client.get("/care/counsel/").data.decode()
    assert "Alias 4" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_the_counselor_pages_in_spanish(client, auth, make_user, world, make_referral, link_counselor):
    counselor = make_user("counselor", locale="es")
    link_counselor(counselor.id, world.provider_id)
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(counselor)
    listing = client.get("/care/counsel/").data.decode()
    assert "Canalizaciones a mi consulta" in listing and "Español" in listing
    detail = client.get(f"/care/counsel/{referral_id}").data.decode()
    assert "Aceptar la canalización" in detail and "Forma de contacto preferida" in detail
    _assert_minimum(detail)
