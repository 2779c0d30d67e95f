"""Speaker numbers and request numbers no database integer holds: a message or a 404, never a 500."""

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.tours.models import Speaker, TourEvent

from .test_events import EVENT_FORM


@pytest.mark.parametrize(
    "speaker_id, message",
    [
        ("2147483648", "Choose from the list."),
        ("99999", "Choose from the list."),
        ("0", "Choose a speaker from the list."),
    ],
)
def test_the_event_form_refuses_a_speaker_that_is_not_there(
    app, client, auth, frozen, coordinator, make_speaker, speaker_id, message
):
    make_speaker()
    auth.login(coordinator)
    response = client.post("/tours/manage/events/new", data=dict(EVENT_FORM, speaker_id=speaker_id))
    assert response.status_code == 200 and message in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TourEvent)) == 0


def test_a_speaker_account_beyond_the_column_is_refused(app, client, auth, frozen, coordinator):
    auth.login(coordinator)
    response = client.post(
        "/tours/manage/speakers/new",
        data={
            "user_id": "2147483648",
            "legal_name": "Invented Name",
            "name_choice": "alias",
            "alias": "Alias",
            "time_zone": "America/Denver",
        },
    )
    assert response.status_code == 200 and "Choose from the list." in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Speaker)) == 0


def test_a_request_number_beyond_the_column_is_not_found(client, auth, frozen, coordinator):
    auth.login(coordinator)
    assert client.get("/tours/manage/events/new?request=2147483648").status_code == 404
    assert client.get("/tours/manage/events/new?request=" + "9" * 5000).status_code == 200  # no number: no request
