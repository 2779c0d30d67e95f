"""Speaker profiles: one public name, a protected legal name, every look and change audited."""

from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.tours.models import Speaker


def test_a_coordinator_adds_a_profile_for_a_speaker_account(app, client, auth, coordinator, make_user):
    account = make_user("speaker", email="new-speaker@example.org")
    auth.login(coordinator)
    form = client.get("/tours/manage/speakers/new").data.decode()
    assert "new-speaker@example.org" in form
    data = {
        "user_id": account.id,
        "legal_name": "Octavio Demo Larrea",
        "name_choice": "alias",
        "alias": "",
        "time_zone": "Europe/Nowhere",
        "bio_en": "Kept when the form comes back",
    }
    page = client.post("/tours/manage/speakers/new", data=data).data.decode()
    assert "Give the alias to use in public" in page and "Choose a time zone from the list." in page
    assert "Kept when the form comes back" in page
    response = client.post(
        "/tours/manage/speakers/new", data=dict(data, alias="El Maestro", time_zone="America/Denver", languages=["es"])
    )
    assert response.status_code == 302
    with app.app_context():
        speaker = db.session.scalar(select(Speaker).where(Speaker.user_id == account.id))
        assert speaker.alias == "El Maestro" and speaker.languages == ["es"]
    detail = client.get(response.headers["Location"]).data.decode()
    assert "Octavio Demo Larrea" in detail and "El Maestro" in detail
    assert "new-speaker@example.org" not in client.get("/tours/manage/speakers/new").data.decode()


def test_views_and_changes_of_a_profile_are_audited(app, client, auth, coordinator, make_speaker):
    speaker = make_speaker()
    auth.login(coordinator)
    client.get("/tours/manage/speakers")
    client.get(f"/tours/manage/speakers/{speaker.id}")
    client.post(
        f"/tours/manage/speakers/{speaker.id}/edit",
        data={
            "legal_name": "Evangelina Q. Ruvalcaba",
            "name_choice": "full",
            "alias": "La Voz",
            "time_zone": "America/Denver",
        },
    )
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.subject_type == "tour_speaker").order_by(AuditEntry.id)
        ).all()
        actions = [e.action for e in entries]
        assert "tour_speakers.list" in actions and "tour_speaker.view" in actions
        update = next(e for e in entries if e.action == "tour_speaker.update")
        assert set(update.details["fields"]) == {"legal_name", "name_choice", "languages"}
        assert "Ruvalcaba" not in str(update.details)  # names of fields, never their values
        assert update.actor_id == coordinator.id


def test_the_legal_name_is_encrypted_at_rest(app, make_speaker):
    speaker = make_speaker()
    with app.app_context():
        raw = db.session.execute(
            db.text("SELECT legal_name FROM tour_speakers WHERE id = :id"), {"id": speaker.id}
        ).scalar()
        assert "Evangelina" not in raw


def test_public_names_follow_the_speakers_choice(app, make_speaker):
    from mexiles.tours.services.speakers import get, public_name

    with app.app_context():
        assert public_name(get(make_speaker("alias", alias="La Voz").id)) == "La Voz"
        assert public_name(get(make_speaker("first", legal_name="Nayeli Demo Zamudio").id)) == "Nayeli"
        assert public_name(get(make_speaker("full", legal_name="Nayeli Demo Zamudio").id)) == "Nayeli Demo Zamudio"


def test_unknown_profiles_and_events_are_404(client, auth, coordinator):
    auth.login(coordinator)
    for url in (
        "/tours/manage/speakers/999999",
        "/tours/manage/events/999999",
        "/tours/manage/requests/999999",
        "/tours/poster/999999",
    ):
        assert client.get(url).status_code == 404, url


def test_home_city_and_unavailability_notes_are_encrypted_at_rest(app, client, auth, frozen, make_speaker):
    from sqlalchemy import text

    speaker = make_speaker(home_city="Demo Springs, NM")
    auth.login(speaker.user)
    client.post(
        "/tours/me/unavailable", data={"first_day": "2030-12-01", "last_day": "2030-12-02", "note": "Asylum hearing"}
    )
    assert "Asylum hearing" in client.get("/tours/me/unavailable").data.decode()
    with app.app_context():
        city = db.session.execute(
            text("SELECT home_city FROM tour_speakers WHERE id = :id"), {"id": speaker.id}
        ).scalar_one()
        note = db.session.execute(
            text("SELECT note FROM tour_unavailability WHERE speaker_id = :id"), {"id": speaker.id}
        ).scalar_one()
    assert city and "Demo Springs" not in city
    assert note and "hearing" not in note
