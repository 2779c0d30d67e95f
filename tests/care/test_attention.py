"""Nothing falls through: the needs-attention list, the home tile and the emailed reminders, in frozen time."""

import datetime as dt
import re

from mexiles.accounts.models import User
from mexiles.audit.models import AuditEntry
from mexiles.care import services
from mexiles.care.models import Referral
from mexiles.extensions import db
from tests.care.conftest import LEGAL_NAME, REASON
from tests.mailbox import body

# 10:00 in El Paso (Mountain Standard Time).
START = dt.datetime(2026, 11, 2, 17, 0)
CONSENT = dict(consent_date=dt.date(2026, 1, 5), consent_scopes=["counseling"])


def _later(**delta):
    return START + dt.timedelta(**delta)


def _attention(client) -> str:
    response = client.get("/care/attention")
    assert response.status_code == 200
    return response.data.decode()


def _travel(time_machine, auth, user, moment) -> None:
    """Move the clock, and sign in again (sessions end after SESSION_LIFETIME_MINUTES)."""
    time_machine.move_to(moment, tick=False)
    auth.logout()
    auth.login(user)


def _line(text: str, prefix: str, referral_id: int) -> str:
    """The line of an email that names one referral ('' when none does)."""
    found = re.search(rf"^.*{re.escape(prefix)} {referral_id}\b.*$", text, re.MULTILINE)
    return found.group(0) if found else ""


def _names(text: str, prefix: str, referral_id: int) -> bool:
    return bool(_line(text, prefix, referral_id))


def _row(page: str, referral_id: int) -> str:
    """The table row of one referral on the attention page ('' when absent)."""
    marker = f'/care/referrals/{referral_id}"'
    if marker not in page:
        return ""
    start = page.index(marker)
    return page[start : page.index("</tr>", start)]


def test_crisis_overdue_and_unanswered_referrals_need_attention(
    app, client, auth, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    mine = make_person([coordinator.id], alias="Mía", **CONSENT)
    provider = make_provider()
    crisis = make_referral(mine, provider, coordinator, status="sent", urgency="crisis")
    unanswered = make_referral(mine, provider, coordinator, status="sent")
    fresh = make_referral(mine, provider, coordinator, status="new")
    accepted = make_referral(mine, provider, coordinator, status="accepted", urgency="crisis")
    auth.login(coordinator)

    page = _attention(client)
    assert "Crisis, not yet accepted" in _row(page, crisis)
    assert not _row(page, unanswered) and not _row(page, fresh) and not _row(page, accepted)
    assert "1 referral needs attention now." in client.get("/").data.decode()

    # Exactly CARE_UNANSWERED_DAYS after sending is not yet "more than".
    _travel(time_machine, auth, coordinator, _later(days=app.config["CARE_UNANSWERED_DAYS"]))
    assert not _row(_attention(client), unanswered)
    _travel(time_machine, auth, coordinator, _later(days=app.config["CARE_UNANSWERED_DAYS"], hours=1))
    page = _attention(client)
    assert "Sent and unanswered" in _row(page, unanswered) and "Follow-up overdue" not in _row(page, unanswered)
    assert "Follow-up overdue" in _row(page, crisis)  # its next-day follow-up passed too

    # A routine referral's follow-up is a week later; the day after, it is overdue.
    _travel(time_machine, auth, coordinator, _later(days=8))
    page = _attention(client)
    assert "Follow-up overdue" in _row(page, fresh) and "Follow-up overdue" in _row(page, accepted)
    assert "4 referrals need attention now." in client.get("/").data.decode()
    assert page.index(f'/care/referrals/{crisis}"') < page.index(f'/care/referrals/{fresh}"')  # crisis first

    # Setting the next follow-up takes it off the list; ending a referral too.
    client.post(f"/care/referrals/{fresh}/follow-up", data={"follow-day": "2026-11-20"})
    client.post(
        f"/care/referrals/{accepted}/close",
        data={
            "closed-succeeded": "no",
            "closed-failure_reason": "no_longer_needed",
            "closed-closure_reason": "withdrawn",
        },
    )
    page = _attention(client)
    assert not _row(page, fresh) and not _row(page, accepted)
    assert LEGAL_NAME not in page and REASON not in page


def test_a_follow_up_in_the_past_is_refused(
    client, auth, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    referral_id = make_referral(make_person([coordinator.id], **CONSENT), make_provider(), coordinator)
    auth.login(coordinator)
    page = client.post(f"/care/referrals/{referral_id}/follow-up", data={"follow-day": "2026-11-01"}).data.decode()
    assert "Choose today or a later date." in page and 'value="2026-11-01"' in page


def test_each_coordinator_sees_the_list_of_their_own_cases(
    client, auth, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    mine, theirs = make_user("coordinator"), make_user("coordinator")
    provider = make_provider()
    make_referral(make_person([theirs.id], alias="Ajena", **CONSENT), provider, theirs, status="sent", urgency="crisis")
    auth.login(mine)
    assert "Ajena" not in _attention(client)
    assert "No referral needs attention now." in client.get("/").data.decode()


def test_the_reminder_emails_each_coordinator_their_list_in_their_language(
    app, runner, mailbox, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    carmen = make_user("coordinator", locale="es", name="Carmen")
    diego = make_user("coordinator", locale="en", name="Diego")
    idle = make_user("coordinator", name="Nadie")
    counselor = make_user("counselor")
    provider = make_provider(name="Clínica Esperanza")
    hers = make_person([carmen.id], legal_name=LEGAL_NAME, alias="Rosa T.", **CONSENT)
    his = make_person([diego.id], legal_name="Julián Ortega Salinas", alias="El Maestro", **CONSENT)
    shared = make_person([carmen.id, diego.id], legal_name="Tomás Quiroga Leal", alias="Don Tomás", **CONSENT)
    crisis = make_referral(hers, provider, carmen, status="sent", urgency="crisis")
    unanswered = make_referral(his, provider, diego, status="sent")
    overdue = make_referral(shared, provider, diego, status="accepted")
    # Two people in care: one whose weekly follow-up (9 November) will have passed, one whose
    # coordinator set the next follow-up after the reminder's day.
    in_care_due = make_referral(hers, provider, carmen, status="in_care")
    in_care_later = make_referral(hers, provider, carmen, status="in_care")
    with app.app_context():
        carmen_user = db.session.get(User, carmen.id)
        services.set_follow_up(services.find(carmen_user, in_care_later), dt.date(2026, 11, 20), by=carmen_user)

    time_machine.move_to(_later(days=8), tick=False)
    result = runner.invoke(args=["care", "remind"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 2" in result.output

    [to_carmen] = mailbox.to(carmen.email)
    text = body(to_carmen)
    assert "Canalizaciones a terapia que requieren su atención" in to_carmen["Subject"]
    assert f"Núm. {crisis}" in text and "Rosa T." in text and "Crisis, todavía sin aceptar" in text
    assert f"Núm. {overdue}" in text and "Seguimiento vencido" in text and f"Núm. {unanswered}" not in text
    assert "http://mexiles.test/care/attention" in text
    # Each referral links to its page, absolute (BASE_URL: cron has no request).
    assert _line(text, "Núm.", crisis) and f"http://mexiles.test/care/referrals/{crisis}" in text
    assert f"http://mexiles.test/care/referrals/{overdue}" in text and f"/care/referrals/{unanswered}" not in text
    assert _names(text, "Núm.", in_care_due) and "Seguimiento vencido" in _line(text, "Núm.", in_care_due)
    assert not _names(text, "Núm.", in_care_later)

    [to_diego] = mailbox.to(diego.email)
    text = body(to_diego)
    assert to_diego["Subject"] == "Counseling referrals that need your attention"
    assert f"No. {unanswered}" in text and "Sent and unanswered" in text and f"No. {overdue}" in text
    assert f"No. {crisis}" not in text
    assert not _names(text, "No.", in_care_due) and not _names(text, "No.", in_care_later)  # not Diego's cases

    assert mailbox.to(idle.email) == [] and mailbox.to(counselor.email) == []
    everything = body(to_carmen) + body(to_diego)
    assert LEGAL_NAME not in everything and REASON not in everything and "Julián" not in everything
    with app.app_context():
        entries = db.session.query(AuditEntry).filter_by(action="referrals.reminded").all()
        assert len({e.details["to_user"] for e in entries}) == 2  # one reminder per coordinator
        assert all(e.subject_id for e in entries)  # each referral it named


def test_no_reminder_when_nothing_needs_attention(
    runner, mailbox, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    make_referral(make_person([coordinator.id], **CONSENT), make_provider(), coordinator, status="sent")
    result = runner.invoke(args=["care", "remind"])
    assert "Reminders sent: 0" in result.output and mailbox.messages == []


def test_without_base_url_the_reminder_says_it_cannot_link(app, runner):
    app.config["SERVER_NAME"] = None
    try:
        result = runner.invoke(args=["care", "remind"])
    finally:
        app.config["SERVER_NAME"] = "mexiles.test"
    assert result.exit_code == 0 and "BASE_URL is not set" in result.output


def test_the_attention_page_runs_the_same_number_of_queries_for_more_referrals(
    client, auth, make_user, make_person, make_provider, make_referral, count_queries, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    provider = make_provider()
    make_referral(make_person([coordinator.id], **CONSENT), provider, coordinator, status="sent", urgency="crisis")
    auth.login(coordinator)
    client.get("/care/attention")
    with count_queries() as few:
        _attention(client)
    for n in range(5):
        make_referral(
            make_person([coordinator.id], alias=f"Alias {n}", **CONSENT),
            provider,
            coordinator,
            status="sent",
            urgency="crisis",
        )
    with count_queries() as many:
        page = _attention(client)
    assert "Alias 4" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_a_session_held_moves_the_follow_up_forward(
    app, client, auth, make_user, make_person, make_provider, make_referral, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    referral_id = make_referral(
        make_person([coordinator.id], **CONSENT), make_provider(), coordinator, status="in_care", urgency="urgent"
    )
    _travel(time_machine, auth, coordinator, _later(days=10))  # 12 November, 10:00 in El Paso
    assert "Follow-up overdue" in _row(_attention(client), referral_id)
    client.post(
        f"/care/referrals/{referral_id}/appointments",
        data={"appt-kind": "session", "appt-day": "2026-11-12", "appt-time": "09:00", "appt-attendance": "held"},
    )
    assert not _row(_attention(client), referral_id)
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.follow_up_on == dt.date(2026, 11, 15)  # today + three days, for an urgent referral

    # A session scheduled then recorded as held moves it too, and never back to an earlier date.
    client.post(f"/care/referrals/{referral_id}/follow-up", data={"follow-day": "2026-12-01"})
    client.post(
        f"/care/referrals/{referral_id}/appointments",
        data={"appt-kind": "session", "appt-day": "2026-11-12", "appt-time": "09:30"},
    )
    with app.app_context():
        later = [a for a in db.session.get(Referral, referral_id).appointments if a.held is None][0].id
    client.post(f"/care/referrals/{referral_id}/appointments/{later}", data={"held": "yes"})
    with app.app_context():
        assert db.session.get(Referral, referral_id).follow_up_on == dt.date(2026, 12, 1)


def test_the_home_lists_the_first_referrals_that_need_attention_in_constant_queries(
    client, auth, make_user, make_person, make_provider, make_referral, count_queries, time_machine
):
    time_machine.move_to(START, tick=False)
    coordinator = make_user("coordinator")
    provider = make_provider()
    first = make_referral(
        make_person([coordinator.id], alias="Primera", **CONSENT),
        provider,
        coordinator,
        status="sent",
        urgency="crisis",
    )
    auth.login(coordinator)
    client.get("/")
    with count_queries() as few:
        home = client.get("/").data.decode()
    assert "1 referral needs attention now." in home and "Open the list" in home
    assert f'href="/care/referrals/{first}"' in home and "Primera: Crisis, not yet accepted" in home

    more = [
        make_referral(
            make_person([coordinator.id], alias=f"Alias {n}", **CONSENT),
            provider,
            coordinator,
            status="sent",
            urgency="crisis",
        )
        for n in range(7)
    ]
    with count_queries() as many:
        home = client.get("/").data.decode()
    assert len(many) == len(few), "\n".join(many.statements)
    assert "8 referrals need attention now." in home and 'href="/care/attention">See all 8' in home
    shown = [first, *more[:4]]  # five of them, the oldest first
    assert all(f'href="/care/referrals/{i}"' in home for i in shown)
    assert not any(f'href="/care/referrals/{i}"' in home for i in more[4:])
    assert LEGAL_NAME not in home and REASON not in home


def test_the_home_of_a_coordinator_with_nothing_waiting(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    home = client.get("/").data.decode()
    assert "Ninguna canalización requiere atención ahora." in home and "Ver las" not in home
