"""Withdrawing a request and cancelling a placement need their box ticked; the placement page's
forms each have ids of their own."""

import re

from tests.pages import duplicate_ids


def test_a_withdrawal_without_the_box_ticked_changes_nothing_and_says_why(client, auth, housing):
    req = housing.request(alias="Sigue Esperando")
    auth.login(housing.coordinator)
    page = client.get(f"/housing/requests/{req}").data.decode()
    assert re.search(r'<input[^>]*required[^>]*name="confirm"|<input[^>]*name="confirm"[^>]*required', page)
    refused = client.post(f"/housing/requests/{req}/withdraw")
    assert refused.status_code == 400 and "Tick the box to confirm. Nothing was changed." in refused.data.decode()
    assert housing.request_status(req) == "open"
    assert client.post(f"/housing/requests/{req}/withdraw", data={"confirm": "y"}).status_code == 302
    assert housing.request_status(req) == "withdrawn"


def test_a_cancellation_without_the_box_ticked_changes_nothing_and_says_why(client, auth, housing):
    placement = housing.place(housing.request(), housing.site(), 1, 4)
    auth.login(housing.coordinator)
    refused = client.post(f"/housing/placements/{placement}/cancel").data.decode()
    assert "Tick the box to confirm. Nothing was changed." in refused
    assert housing.placement(placement).status == "planned"
    client.post("/language", data={"locale": "es"})
    refused = client.post(f"/housing/placements/{placement}/cancel").data.decode()
    assert "Marque la casilla para confirmar. No se cambió nada." in refused
    assert housing.placement(placement).status == "planned"
    client.post(f"/housing/placements/{placement}/cancel", data={"confirm": "y"})
    assert housing.placement(placement).status == "cancelled"


def test_the_placement_page_has_no_id_twice(client, auth, housing):
    site = housing.site(capacity=3)
    housing.site(name="Otro Refugio")
    planned = housing.place(housing.request(), site, 0, 4)
    moved_in = housing.place(housing.request(alias="Ya Llegó"), site, 0, 5)
    housing.act("move_in", moved_in, housing.placement(moved_in).start)
    auth.login(housing.coordinator)
    for placement in (planned, moved_in):
        page = client.get(f"/housing/placements/{placement}").data.decode()
        assert 'id="move-out-on"' in page or 'id="move-in-on"' in page
        assert duplicate_ids(page) == []
