"""The waitlist: most urgent first, then whoever has waited longest, with how long each has waited."""

import datetime as dt
import re

from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db


def _at(frozen, days_ago: int, hour: int = 18):
    frozen.move_to(dt.datetime(2026, 3, 10, hour, 0, tzinfo=dt.UTC) - dt.timedelta(days=days_ago), tick=False)


def test_most_urgent_first_then_longest_waiting(client, auth, housing, frozen):
    for alias, urgency, days_ago in [
        ("Normal Viejo", "normal", 30),
        ("Alta Nueva", "high", 1),
        ("Emergencia Hoy", "emergency", 0),
        ("Alta Vieja", "high", 12),
        ("Normal Nuevo", "normal", 2),
        ("Emergencia Ayer", "emergency", 1),
    ]:
        _at(frozen, days_ago)
        housing.request(urgency=urgency, alias=alias)
    _at(frozen, 0)
    auth.login(housing.coordinator)
    page = client.get("/housing/waitlist").data.decode()
    rows = re.findall(r'<tr class="urgency-(\w+)">.*?>([^<>]+)</a>.*?(\d+ days?)</td>', page, re.S)
    assert rows == [
        ("emergency", "Emergencia Ayer", "1 day"),
        ("emergency", "Emergencia Hoy", "0 days"),
        ("high", "Alta Vieja", "12 days"),
        ("high", "Alta Nueva", "1 day"),
        ("normal", "Normal Viejo", "30 days"),
        ("normal", "Normal Nuevo", "2 days"),
    ]


def test_waiting_days_count_local_nights_not_utc_dates(client, auth, housing, frozen):
    # 9 p.m. in El Paso on March 8 is already March 9 in UTC: one local night later, it has waited 2 days.
    frozen.move_to(dt.datetime(2026, 3, 9, 4, 0, tzinfo=dt.UTC), tick=False)
    housing.request(alias="Tarde")
    _at(frozen, 0)
    auth.login(housing.coordinator)
    assert "2 days" in client.get("/housing/waitlist").data.decode()


def test_placed_and_withdrawn_requests_leave_the_waitlist(client, auth, housing):
    site = housing.site()
    placed, withdrawn = housing.request(alias="Ya Ubicada"), housing.request(alias="Ya No Espera")
    housing.request(alias="Sigue Esperando")
    housing.place(placed, site, 0, 3)
    auth.login(housing.coordinator)
    assert client.post(f"/housing/requests/{withdrawn}/withdraw", data={"confirm": "y"}).status_code == 302
    page = client.get("/housing/waitlist").data.decode()
    assert "Sigue Esperando" in page and "Ya Ubicada" not in page and "Ya No Espera" not in page


def test_opening_a_request_defaults_to_the_household_and_refuses_a_second(app, client, auth, housing, make_person):
    person = make_person(
        [housing.coordinator.id],
        alias="Familia Prueba",
        household=[{"name": "Hija Prueba", "relationship": "child", "birth_year": 2018}],
    )
    auth.login(housing.coordinator)
    form = client.get(f"/housing/requests/new?person={person}").data.decode()
    assert re.search(r'<input[^>]*name="household_size"[^>]*value="2"', form)
    assert re.search(r'value="children"[^>]*checked|checked[^>]*value="children"', form)
    data = {
        "household_size": "2",
        "needs": ["children"],
        "urgency": "high",
        "wanted_from": "2026-03-12",
        "notes": "Llega con una maleta",
    }
    response = client.post(f"/housing/requests/new?person={person}", data=data)
    assert response.status_code == 302
    again = client.post(f"/housing/requests/new?person={person}", data=data).data.decode()
    assert "Familia Prueba is already on the waitlist." in again
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "housing.request.create")).one()
        assert "Llega" not in str(entry.details) and entry.details["person"] == person


def test_bad_request_input_is_explained_and_kept(client, auth, housing, make_person):
    person = make_person([housing.coordinator.id])
    auth.login(housing.coordinator)
    page = client.post(
        f"/housing/requests/new?person={person}",
        data={"household_size": "0", "urgency": "high", "wanted_from": "", "notes": "Texto que no se pierde"},
    ).data.decode()
    assert "A household has 1 to 30 people." in page and "Give a date." in page
    assert "Texto que no se pierde" in page


def test_only_the_case_team_acts_on_a_request_others_see_the_alias(client, auth, housing, make_user):
    request = housing.request(alias="Alias Visible")
    other = make_user("coordinator")
    auth.login(other)
    page = client.get("/housing/waitlist").data.decode()
    assert "Alias Visible" in page and "case team only" in page
    assert f"/housing/requests/{request}" not in page
    assert client.get(f"/housing/requests/{request}").status_code == 403
    assert client.post(f"/housing/requests/{request}/place", data={}).status_code == 403
    assert client.get(f"/housing/find?request={request}").status_code == 403
    auth.logout()
    auth.login(make_user("admin"))
    assert client.get(f"/housing/requests/{request}").status_code == 200


def test_a_request_on_the_waitlist_can_be_changed_and_the_change_is_recorded(app, client, auth, housing):
    request = housing.request(alias="Cambia Urgencia")
    auth.login(housing.coordinator)
    form = client.get(f"/housing/requests/{request}/edit").data.decode()
    assert re.search(r'<option selected value="normal">|<option value="normal" selected>', form)
    response = client.post(
        f"/housing/requests/{request}/edit",
        data={
            "household_size": "1",
            "urgency": "emergency",
            "wanted_from": "2026-03-10",
            "notes": "Duerme en la calle",
        },
    )
    assert response.status_code == 302
    assert "Emergency: no safe place tonight" in client.get(f"/housing/requests/{request}").data.decode()
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "housing.request.update")).one()
        assert entry.details == {"fields": ["urgency", "notes"]}
