"""The donation link of an event names the event; its poster does too, in the talk's language."""

import datetime as dt


def test_the_donate_page_reached_from_an_event_names_it(client, frozen, make_speaker, make_event):
    event_id = make_event(
        make_speaker(alias="La Voz"), steps=("offered", "accepted", "confirmed"), title="Crossing the river"
    )
    page = client.get(f"/give/?event={event_id}").data.decode()
    assert "Crossing the river" in page and "La Voz" in page and "Saturday, November 2, 2030" in page
    assert f"/tours/events/{event_id}" in page
    client.post("/language", data={"locale": "es"})
    page = client.get(f"/give/?event={event_id}").data.decode()
    assert "Su donativo se acredita a la charla “Crossing the river” de La Voz" in page
    assert "sábado, 2 de noviembre de 2030" in page


def test_an_unlisted_event_is_not_named(client, frozen, make_speaker, make_event):
    event_id = make_event(make_speaker(), steps=("offered", "accepted", "confirmed"), title="Private", listed=False)
    assert "Private" not in client.get(f"/give/?event={event_id}", follow_redirects=True).data.decode()


def test_the_poster_names_the_event_in_the_language_of_the_talk(
    client, auth, frozen, coordinator, make_speaker, make_event
):
    event_id = make_event(
        make_speaker(alias="La Voz"),
        day=dt.date(2030, 11, 9),
        steps=("offered", "accepted", "confirmed"),
        title="Cruzar el río",
        language="es",
    )
    auth.login(coordinator)  # an English-speaking coordinator prints it
    page = client.get(f"/tours/poster/{event_id}").data.decode()
    assert "Apoye esta gira" in page and "Support this tour" not in page
    assert "Cruzar el río" in page and "La Voz" in page and "sábado, 9 de noviembre de 2030" in page
    assert "Demo Hall, Denver, CO" in page
