"""A site number no database integer holds, or of no site, in the place and move forms: a message."""

import pytest
from sqlalchemy import func, select

from mexiles.extensions import db
from mexiles.housing.models import Placement

from .conftest import day


@pytest.mark.parametrize(
    "site, message",
    [("2147483648", "Choose from the list."), ("-1", "Choose from the list."), ("99999", "That site does not exist.")],
)
def test_the_place_and_move_forms_refuse_a_site_that_is_not_there(app, client, auth, housing, site, message):
    here = housing.site()
    request = housing.request()
    placement = housing.place(housing.request(), here, -2, 5)
    housing.act("move_in", placement, day(-2))
    auth.login(housing.coordinator)
    posts = {
        f"/housing/requests/{request}/place": {"site": site, "start": day(1).isoformat(), "end": ""},
        f"/housing/placements/{placement}/move": {"site": site, "on": day(1).isoformat(), "end": ""},
    }
    for path, data in posts.items():
        response = client.post(path, data=data)
        assert response.status_code in (200, 409) and message in response.data.decode(), path
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 1
    assert housing.placement(placement).site_id == here and housing.request_status(request) == "open"


def test_a_person_number_beyond_the_column_in_the_address_is_not_found(client, auth, housing):
    auth.login(housing.coordinator)
    assert client.get("/housing/requests/new?person=2147483648").status_code == 404
    assert client.get("/housing/placements/2147483648").status_code == 404
