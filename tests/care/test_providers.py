"""The provider directory: what coordinators record, the filters, stale capacity, counselor accounts."""

import datetime as dt

from sqlalchemy import func, select

from mexiles.care.models import CounselorMembership, Provider, Referral
from mexiles.extensions import db

NEW_PROVIDER = {
    "name": "Centro Horizonte",
    "kind": "clinic",
    "languages": ["es", "en"],
    "modalities": ["in_person", "telehealth"],
    "specialties": ["trauma", "children"],
    "cost_model": "fee",
    "fee": "85.00",
    "capacity_available": "2",
    "capacity_maximum": "6",
    "capacity_confirmed_on": "2026-11-01",
    "city": "El Paso",
    "contact_email": "citas@horizonte.example.org",
    "active": "y",
}


def test_a_coordinator_adds_and_edits_a_provider(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    response = client.post("/care/providers/new", data=NEW_PROVIDER)
    assert response.status_code == 302
    provider_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/care/providers/{provider_id}").data.decode()
    assert "Centro Horizonte" in page and "Spanish, English" in page and "$85.00" in page and "2 of 6" in page
    client.post(
        f"/care/providers/{provider_id}/edit",
        data=dict(NEW_PROVIDER, languages=["es"], specialties=["grief"], cost_model="pro_bono", fee=""),
    )
    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        assert (provider.languages, provider.specialties, provider.cost_model, provider.fee_cents) == (
            ["es"],
            ["grief"],
            "pro_bono",
            None,
        )
    form = client.get(f"/care/providers/{provider_id}/edit").data.decode()
    assert 'value="Centro Horizonte"' in form


def test_bad_provider_input_is_explained_and_kept(app, client, auth, make_user):
    auth.login(make_user("coordinator"))
    page = client.post(
        "/care/providers/new",
        data=dict(NEW_PROVIDER, fee="", capacity_available="9", languages=[], contact_email="nope"),
    ).data.decode()
    assert "Give the fee per session." in page
    assert "Open places cannot be more than the maximum." in page
    assert "Choose at least one language." in page
    assert "Invalid email address" in page
    assert 'value="Centro Horizonte"' in page and 'value="9"' in page
    with app.app_context():
        assert db.session.scalar(select(Provider)) is None


def test_the_directory_filters_by_language_modality_specialty_and_open_places(client, auth, make_user, make_provider):
    make_provider(
        "Bilingüe Abierto", languages=("es", "en"), modalities=("telehealth",), specialties=("trauma",), available=2
    )
    make_provider(
        "Solo Español Lleno", languages=("es",), modalities=("in_person",), specialties=("children",), available=0
    )
    make_provider("English Only", languages=("en",), modalities=("in_person", "telehealth"), specialties=("grief",))
    make_provider("Cerrado", active=False)
    auth.login(make_user("coordinator"))

    def names(**query):
        page = client.get("/care/providers/", query_string=query).data.decode()
        return {n for n in ("Bilingüe Abierto", "Solo Español Lleno", "English Only", "Cerrado") if n in page}

    assert names() == {"Bilingüe Abierto", "Solo Español Lleno", "English Only"}
    assert names(language="es") == {"Bilingüe Abierto", "Solo Español Lleno"}
    assert names(modality="telehealth") == {"Bilingüe Abierto", "English Only"}
    assert names(specialty="children") == {"Solo Español Lleno"}
    assert names(language="es", open_only="y") == {"Bilingüe Abierto"}
    assert names(include_inactive="y", specialty="trauma") == {"Bilingüe Abierto", "Cerrado"}
    assert names(language="klingon") == {"Bilingüe Abierto", "Solo Español Lleno", "English Only"}


def test_capacity_not_confirmed_recently_is_flagged_stale(app, client, auth, make_user, make_provider, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 18, 0), tick=False)
    stale_after = app.config["CARE_STALE_AFTER_DAYS"]
    fresh = make_provider("Confirmado", confirmed_on=dt.date(2026, 11, 23) - dt.timedelta(days=stale_after))
    stale = make_provider("Viejo", confirmed_on=dt.date(2026, 11, 22) - dt.timedelta(days=stale_after))
    auth.login(make_user("coordinator"))
    assert "Stale" not in client.get(f"/care/providers/{fresh}").data.decode()
    assert "Stale" in client.get(f"/care/providers/{stale}").data.decode()
    client.post(f"/care/providers/{stale}/capacity", data={"capacity_available": "1", "capacity_maximum": "4"})
    assert "Stale" not in client.get(f"/care/providers/{stale}").data.decode()


def test_admins_link_counselor_accounts_to_a_provider(app, client, auth, make_user, make_provider):
    first, second = make_provider("Primero"), make_provider("Segundo")
    counselor, speaker = make_user("counselor"), make_user("speaker")
    coordinator = make_user("coordinator")
    auth.login(coordinator)
    assert client.post(f"/care/providers/{first}/counselors", data={"user_id": counselor.id}).status_code == 403
    client.post("/account/logout")
    auth.login(make_user("admin"))
    client.post(f"/care/providers/{first}/counselors", data={"user_id": counselor.id})
    assert counselor.email in client.get(f"/care/providers/{first}").data.decode()
    page = client.post(f"/care/providers/{first}/counselors", data={"user_id": speaker.id}).data.decode()
    assert "Not a valid choice" in page
    client.post(f"/care/providers/{second}/counselors", data={"user_id": counselor.id})  # moves the account
    with app.app_context():
        assert db.session.get(CounselorMembership, counselor.id).provider_id == second
    client.post(f"/care/providers/{second}/counselors/{counselor.id}/remove")
    with app.app_context():
        assert db.session.get(CounselorMembership, counselor.id) is None
    assert client.post(f"/care/providers/{second}/counselors/{counselor.id}/remove").status_code == 404


def test_the_directory_runs_the_same_number_of_queries_for_more_providers(
    client, auth, make_user, make_provider, count_queries
):
    make_provider("Uno")
    auth.login(make_user("coordinator"))
    client.get("/care/providers/")
    with count_queries() as few:
        assert client.get("/care/providers/?language=es").status_code == 200
    for n in range(8):
        make_provider(f"Proveedor {n}", languages=("es", "en"), specialties=("trauma", "grief"))
    with count_queries() as many:
        page = client.get("/care/providers/?language=es").data.decode()
    assert "Proveedor 7" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_the_directory_in_spanish(client, auth, make_user, make_provider):
    make_provider("Clínica Sol", specialties=("torture",), cost_model="sliding_scale", fee_cents=3000)
    auth.login(make_user("coordinator", locale="es"))
    page = client.get("/care/providers/").data.decode()
    assert "Directorio de proveedores" in page and "Sobrevivientes de tortura" in page and "Escala variable" in page
    assert "Agregar un proveedor" in client.get("/care/providers/new").data.decode()


NOT_A_NUMBER = ("sNaN", "NaN", "Infinity", "-Infinity", "inf")


def test_an_amount_that_is_not_a_number_gets_a_message_not_a_crash(app, client, auth, make_user, world, make_referral):
    referral_id = make_referral(world.person_id, world.provider_id, world.coordinator, status="sent")
    auth.login(world.coordinator)
    forms = (
        (
            "/care/providers/new",
            "fee",
            {
                "name": "Consultorio Nuevo",
                "kind": "clinic",
                "languages": "es",
                "modalities": "in_person",
                "cost_model": "fee",
                "capacity_available": "0",
                "capacity_maximum": "0",
            },
        ),
        (
            "/care/referrals/new",
            "cost_per_session",
            {
                "person_id": world.person_id,
                "provider_id": world.provider_id,
                "urgency": "routine",
                "reason": "Pesadillas",
                "contact_preference": "email",
            },
        ),
        (f"/care/referrals/{referral_id}/cost", "cost-cost_per_session", {}),
    )
    for url, name, data in forms:
        for amount in NOT_A_NUMBER:
            response = client.post(url, data={**data, name: amount})
            page = response.data.decode()
            assert response.status_code == 200, (url, amount)
            assert "Enter an amount in US dollars, such as 45.50." in page, (url, amount)
            assert f'value="{amount}"' in page, (url, amount)  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Provider)) == 2
        assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
        assert db.session.get(Referral, referral_id).cost_per_session_cents == 5000


def test_the_amount_message_in_spanish(client, auth, make_user):
    auth.login(make_user("coordinator", locale="es"))
    page = client.post("/care/providers/new", data={"name": "X", "cost_model": "fee", "fee": "NaN"}).data.decode()
    assert "Escriba una cantidad en dólares estadounidenses, por ejemplo 45.50." in page
