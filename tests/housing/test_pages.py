"""Housing through its pages: sites kept confidential, placements step by step, exports, languages, access."""

import csv
import io

import pytest
from sqlalchemy import select, text

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db

from .conftest import day

SITE_FORM = {
    "name": "Casa Turquesa (host home)",
    "kind": "host_home",
    "capacity": "2",
    "address": "77 Calle Secreta, El Paso",
    "host_name": "Anfitriona Prueba",
    "host_phone": "+1 915 555 0177",
    "host_email": "anfitriona@example.org",
    "confidential_notes": "Perro en casa",
    "accepts": ["families", "children"],
    "languages": ["es", "en"],
    "available_from": "2026-03-01",
    "available_until": "",
    "vetting_status": "verified",
    "home_visit_on": "2026-02-20",
    "background_check_on": "2026-02-21",
}


def _audit(app, action):
    with app.app_context():
        return [
            (e.subject_id, e.actor_id, e.details)
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        ]


def test_a_sites_address_and_host_are_encrypted_and_every_view_is_recorded(app, client, auth, housing):
    auth.login(housing.coordinator)
    response = client.post("/housing/sites/new", data=SITE_FORM)
    assert response.status_code == 302
    site_id = response.headers["Location"].rsplit("/", 1)[-1]
    page = client.get(f"/housing/sites/{site_id}").data.decode()
    assert "77 Calle Secreta" in page and "Anfitriona Prueba" in page and "555 0177" in page
    with app.app_context():
        raw = db.session.execute(
            text(
                "SELECT address, host_name, host_phone, host_email, confidential_notes "
                "FROM housing_sites WHERE id = :id"
            ),
            {"id": site_id},
        ).one()
    assert all(value and "Secreta" not in value and "Anfitriona" not in value and "555" not in value for value in raw)
    views = _audit(app, "housing.site.view")
    assert views == [
        (
            site_id,
            housing.coordinator.id,
            {"fields": ["address", "host_name", "host_phone", "host_email", "confidential_notes"]},
        )
    ]
    assert _audit(app, "housing.site.create")[0][0] == site_id
    # Lists and the calendar name the site only.
    for path in ("/housing/sites", "/housing/", "/housing/find?beds=1&start=2026-03-12"):
        listing = client.get(path).data.decode()
        assert "Casa Turquesa" in listing and "Secreta" not in listing and "Anfitriona" not in listing, path
    assert "77 Calle Secreta" in client.get(f"/housing/sites/{site_id}/edit").data.decode()
    assert len(_audit(app, "housing.site.view")) == 2  # the edit form shows the details too
    client.post(f"/housing/sites/{site_id}/edit", data=dict(SITE_FORM, capacity="3"))
    assert _audit(app, "housing.site.update")[-1][2] == {"fields": ["capacity"]}


def test_bad_site_input_is_explained_and_nothing_typed_is_lost(client, auth, housing):
    auth.login(housing.coordinator)
    page = client.post(
        "/housing/sites/new", data=dict(SITE_FORM, capacity="0", available_until="2026-02-01")
    ).data.decode()
    assert "A site has 1 to 500 beds." in page
    assert "This day must come after the first day of the offer." in page
    assert "77 Calle Secreta" in page and "Anfitriona Prueba" in page
    page = client.post("/housing/sites/new", data=dict(SITE_FORM, background_check_on="")).data.decode()
    assert "A host home is verified only after a background check: record its date." in page
    housing.site(name="Casa Turquesa (host home)")
    page = client.post("/housing/sites/new", data=SITE_FORM).data.decode()
    assert "Another site already has that name." in page and "77 Calle Secreta" in page


def test_placing_a_household_step_by_step(app, client, auth, housing):
    site = housing.site(name="Casa Paso", capacity=1)
    other = housing.site(name="Casa Siguiente", capacity=1)
    request = housing.request(alias="Viajera")
    auth.login(housing.coordinator)
    response = client.post(
        f"/housing/requests/{request}/place", data={"site": site, "start": day(-1).isoformat(), "end": ""}
    )
    assert response.status_code == 302
    placement = response.headers["Location"].rsplit("/", 1)[-1]
    assert "Record the move-in" in client.get(f"/housing/placements/{placement}").data.decode()

    refused = client.post(
        f"/housing/requests/{housing.request()}/place",
        data={"site": site, "start": day(2).isoformat(), "end": day(4).isoformat()},
    )
    assert refused.status_code == 409
    assert "No free bed for 1 at Casa Paso on the night of Mar 12, 2026" in refused.data.decode()

    too_early = client.post(f"/housing/placements/{placement}/move-in", data={"on": day(3).isoformat()})
    assert too_early.status_code == 409 and "still to come" in too_early.data.decode()
    assert client.post(f"/housing/placements/{placement}/move-in", data={"on": day(-1).isoformat()}).status_code == 302
    assert (
        client.post(
            f"/housing/placements/{placement}/move",
            data={"site": other, "on": day(0).isoformat(), "end": day(5).isoformat()},
        ).status_code
        == 302
    )
    following = housing.placement(int(placement) + 1)
    assert (following.site_id, following.status, following.moved_from) == (other, "moved_in", int(placement))
    page = client.post(
        f"/housing/placements/{int(placement) + 1}/move-out", data={"on": day(0).isoformat(), "destination": "friends"}
    ).data.decode()
    assert "after the move-in" in page  # the same day it arrived: no night
    extended = client.post(f"/housing/placements/{int(placement) + 1}/extend", data={"end": day(9).isoformat()})
    assert extended.status_code == 302
    actions = [a for (a,) in db_actions(app) if a not in ("housing.placement.view", "housing.placement.list")]
    assert actions == [
        "housing.placement.create",
        "housing.placement.move_in",
        "housing.placement.move",
        "housing.placement.extend",
    ]


def db_actions(app):
    with app.app_context():
        return db.session.execute(
            select(AuditEntry.action).where(AuditEntry.subject_type == "housing_placement").order_by(AuditEntry.id)
        ).all()


def test_the_move_out_form_offers_grouped_destinations(client, auth, housing):
    placement = housing.place(housing.request(), housing.site(), -4, None)
    housing.act("move_in", placement, day(-4))
    auth.login(housing.coordinator)
    page = client.get(f"/housing/placements/{placement}").data.decode()
    assert '<optgroup label="Permanent">' in page and '<optgroup label="Institutional">' in page
    response = client.post(
        f"/housing/placements/{placement}/move-out", data={"on": day(0).isoformat(), "destination": "detained"}
    )
    assert response.status_code == 302
    assert "Detained (Institutional)" in client.get(f"/housing/placements/{placement}").data.decode()


def test_the_export_holds_the_users_own_cases_and_is_recorded(app, client, auth, housing, make_user, make_person):
    site = housing.site(name="Casa Export")
    mine = housing.place(housing.request(alias="=Mía"), site, 0, 3)
    other_coordinator = make_user("coordinator")
    theirs_person = make_person([other_coordinator.id], alias="Ajena")
    theirs = housing.place(housing.request(person_id=theirs_person, by_id=other_coordinator.id), site, 3, 5)
    auth.login(housing.coordinator)
    response = client.get("/housing/placements.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert [(r["placement"], r["alias"], r["site"], r["nights"]) for r in rows] == [
        (str(mine), "'=Mía", "Casa Export", "0")
    ]  # a formula-looking alias is quoted
    assert [e[0] for e in _audit(app, "housing.placements.export")] == [str(mine)]
    auth.logout()
    auth.login(make_user("admin"))
    rows = list(csv.DictReader(io.StringIO(client.get("/housing/placements.csv").data.decode())))
    assert [r["placement"] for r in rows] == [str(mine), str(theirs)]


def test_a_guest_in_hiding_is_named_to_their_case_team_only(client, auth, housing, make_user, make_person):
    site = housing.site(name="Casa Discreta")
    person = make_person([housing.coordinator.id], alias="Escondida", in_hiding=True)
    housing.place(housing.request(person_id=person), site, 0, 5)
    auth.login(make_user("coordinator"))
    for path in (f"/housing/sites/{site}", "/housing/placements"):
        page = client.get(path).data.decode()
        assert "Escondida" not in page and "shown to their case team only" in page, path
    auth.logout()
    auth.login(housing.coordinator)
    assert "Escondida" in client.get(f"/housing/sites/{site}").data.decode()


@pytest.mark.parametrize("role", ["counselor", "speaker", "donor"])
def test_only_coordinators_and_admins_use_housing(client, auth, housing, make_user, role):
    site = housing.site()
    placement = housing.place(housing.request(), site, 0, 3)
    auth.login(make_user(role))
    for path in (
        "/housing/",
        "/housing/figures",
        "/housing/sites",
        f"/housing/sites/{site}",
        "/housing/waitlist",
        "/housing/find",
        "/housing/placements",
        f"/housing/placements/{placement}",
        "/housing/placements.csv",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/housing/placements/{placement}/cancel").status_code == 403
    assert "/housing/" not in client.get("/").data.decode()  # no menu entry, no tile


def test_housing_pages_in_spanish(client, auth, housing):
    site = housing.site(name="Casa Idioma", capacity=1)
    placement = housing.place(housing.request(alias="Hablante"), site, 0, 3)
    auth.login(housing.coordinator)
    client.post("/language", data={"locale": "es"})
    expectations = {
        "/housing/": ["Calendario de alojamiento", "Ocupación a lo largo del tiempo", "Camas ocupadas"],
        "/housing/figures": ["Cifras de alojamiento", "noches de albergue"],
        "/housing/sites": ["Sitios de alojamiento", "Verificado"],
        "/housing/waitlist": ["Lista de espera"],
        "/housing/find?beds=2&start=2026-03-12": ["Buscar una cama", "Por qué"],
        f"/housing/placements/{placement}": ["Registrar la llegada", "Cancelar la ubicación"],
    }
    for path, phrases in expectations.items():
        page = client.get(path).data.decode()
        assert 'lang="es"' in page
        for phrase in phrases:
            assert phrase in page, (path, phrase)
    refused = client.post(
        f"/housing/requests/{housing.request()}/place",
        data={"site": site, "start": day(1).isoformat(), "end": day(2).isoformat()},
    ).data.decode()
    assert "No hay cama libre para 1 en Casa Idioma la noche del 11 mar 2026" in refused


def test_the_person_page_offers_a_housing_request(client, auth, housing, make_person):
    person_id = make_person([housing.coordinator.id], alias="Con Techo")
    auth.login(housing.coordinator)
    assert f"/housing/requests/new?person={person_id}" in client.get(f"/people/{person_id}").data.decode()
