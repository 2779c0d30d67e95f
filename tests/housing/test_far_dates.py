"""Dates far from today get a clear message in the user's language, never a server error."""

import pytest

from .conftest import day

FAR = ("9999-12-31", "0001-01-01", "2036-03-11")
MESSAGE = "Give a date between Mar 10, 2016 and Mar 10, 2036."


@pytest.mark.parametrize("far", FAR)
def test_the_calendar_and_the_search_for_a_bed(client, auth, housing, far):
    housing.site()
    auth.login(housing.coordinator)
    page = client.get(f"/housing/?start={far}")
    assert page.status_code == 200 and MESSAGE in page.data.decode()
    page = client.get(f"/housing/find?beds=1&start={day(1).isoformat()}&end={far}")
    assert page.status_code == 200 and MESSAGE in page.data.decode()
    page = client.get(f"/housing/find?beds=1&start={far}")
    assert page.status_code == 200 and MESSAGE in page.data.decode()


@pytest.mark.parametrize("far", FAR)
def test_placement_forms(client, auth, housing, far):
    site, other = housing.site(), housing.site(name="Casa Otra")
    request = housing.request()
    placement = housing.place(housing.request(), site, -2, 5)
    housing.act("move_in", placement, day(-2))
    auth.login(housing.coordinator)
    posts = {
        f"/housing/requests/{request}/place": {"site": site, "start": far, "end": ""},
        f"/housing/placements/{placement}/extend": {"end": far},
        f"/housing/placements/{placement}/move-out": {"on": far, "destination": "friends"},
        f"/housing/placements/{placement}/move": {"site": other, "on": far, "end": ""},
    }
    for path, data in posts.items():
        response = client.post(path, data=data)
        assert response.status_code == 200 and MESSAGE in response.data.decode(), path
    assert housing.placement(placement).end == day(5)


def test_the_message_is_in_spanish_too(client, auth, housing):
    auth.login(housing.coordinator)
    client.post("/language", data={"locale": "es"})
    page = client.get("/housing/?start=9999-12-31").data.decode()
    assert "Indique una fecha entre el 10 mar 2016 y el 10 mar 2036." in page
