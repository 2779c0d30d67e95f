"""The staff event page: a cancellation needs its box ticked; an offered event says it waits for the speaker."""

from tests.tours.conftest import event_status


def test_a_cancellation_without_the_box_ticked_changes_nothing_and_says_why(
    app, client, auth, frozen, coordinator, make_speaker, make_event
):
    event_id = make_event(make_speaker(), steps=("offered", "accepted", "confirmed"))
    auth.login(coordinator)
    page = client.get(f"/tours/manage/events/{event_id}").data.decode()
    assert 'name="confirm"' in page and "Yes, cancel this event" in page
    refused = client.post(f"/tours/manage/events/{event_id}/step", data={"to": "cancelled", "reason": "Flooded"})
    assert refused.status_code == 409 and "Tick the box to confirm. Nothing was changed." in refused.data.decode()
    assert event_status(app, event_id) == "confirmed"
    client.post(f"/tours/manage/events/{event_id}/step", data={"to": "cancelled", "reason": "Flooded", "confirm": "y"})
    assert event_status(app, event_id) == "cancelled"


def test_the_coordinator_sees_that_an_offered_event_waits_for_the_speaker(
    client, auth, frozen, coordinator, make_speaker, make_event
):
    event_id = make_event(make_speaker(), steps=("offered",), title="Waiting talk")
    auth.login(coordinator)
    page = client.get(f"/tours/manage/events/{event_id}").data.decode()
    assert "Waiting for the speaker's answer." in page and "Cancel" in page  # both: it may still be cancelled
    listing = client.get("/tours/manage/events").data.decode()
    row = listing.split("Waiting talk")[1].split("</tr>")[0]
    assert "Waiting for the speaker's answer." in row
    client.post("/language", data={"locale": "es"})
    assert "Esperando la respuesta" in client.get("/tours/manage/events").data.decode()
