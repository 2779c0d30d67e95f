"""List pages run the same number of SQL statements however many events or requests there are."""

import datetime as dt

import pytest

from tests.tours.public_data import BOOKING


def _events(make_speaker, make_event, count, first_day):
    for n in range(count):
        speaker = make_speaker(alias=f"Voz {first_day}-{n}")
        make_event(
            speaker,
            day=dt.date(2030, 11, first_day) + dt.timedelta(days=n),
            title=f"Talk {first_day}-{n}",
            steps=("offered", "accepted", "confirmed"),
        )


@pytest.mark.parametrize("url", ["/tours/manage/events", "/tours/"])
def test_event_lists_do_not_grow_with_the_events(
    client, auth, frozen, coordinator, make_speaker, make_event, count_queries, url
):
    _events(make_speaker, make_event, 1, 1)
    auth.login(coordinator)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _events(make_speaker, make_event, 6, 10)
    with count_queries() as many:
        page = client.get(url).data.decode()
    assert "Talk 10-5" in page and "Voz 10-5" in page
    assert len(many) == len(few), "\n".join(many.statements)


def test_the_inbox_does_not_grow_with_the_requests(client, auth, frozen, coordinator, count_queries):
    client.post("/tours/book", data=dict(BOOKING, organisation="Host 0"))
    auth.login(coordinator)
    client.get("/tours/manage/requests")
    with count_queries() as few:
        assert client.get("/tours/manage/requests").status_code == 200
    auth.logout()
    for n in range(1, 5):  # the rate limit allows five an hour from one address
        client.post("/tours/book", data=dict(BOOKING, organisation=f"Host {n}"))
    auth.login(coordinator)
    with count_queries() as many:
        page = client.get("/tours/manage/requests").data.decode()
    assert "Host 4" in page
    assert len(many) == len(few), "\n".join(many.statements)
