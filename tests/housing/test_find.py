"""Finding a bed: sites with enough free beds on every night of the range, best fit first."""

import re

from .conftest import day


def _names_in_order(page: str, names) -> list[str]:
    fits = page.split("Sites with room on every night</caption>")[1].split("</tbody>")[0]
    return sorted((n for n in names if n in fits), key=fits.index)


def test_best_fit_first_and_why_the_others_do_not_fit(client, auth, housing):
    housing.site(name="Casa Grande", capacity=6, accepts={"families", "children"})
    housing.site(name="Casa Justa", capacity=2, accepts={"families", "children"})
    housing.site(name="Casa Media", capacity=4, accepts={"families", "children"})
    housing.site(name="Casa Sola", capacity=3)  # takes no families
    busy = housing.site(name="Casa Ocupada", capacity=5, accepts={"families", "children"})
    housing.place(housing.request(size=4, needs={"children"}), busy, 3, 6)  # full on the nights 3, 4, 5
    housing.site(name="Casa Nueva", capacity=9, accepts={"families"}, vetting="new")
    auth.login(housing.coordinator)
    page = client.get(
        "/housing/find",
        query_string={"beds": 2, "start": day(0).isoformat(), "end": day(7).isoformat(), "needs": ["children"]},
    ).data.decode()
    assert _names_in_order(
        page, ["Casa Grande", "Casa Justa", "Casa Media", "Casa Sola", "Casa Ocupada", "Casa Nueva"]
    ) == ["Casa Justa", "Casa Media", "Casa Grande"]
    assert "Casa Sola does not offer: Families, Children." in page
    assert "No free bed for 2 at Casa Ocupada on the night of Mar 13, 2026: 1 of 5 beds free." in page
    assert "Casa Nueva is not verified yet" in page

    # After the busy nights, the busy site fits exactly and comes first.
    page = client.get("/housing/find", query_string={"beds": 1, "start": day(6).isoformat()}).data.decode()
    order = _names_in_order(page, ["Casa Grande", "Casa Justa", "Casa Media", "Casa Sola", "Casa Ocupada"])
    assert order == ["Casa Justa", "Casa Sola", "Casa Media", "Casa Ocupada", "Casa Grande"]


def test_finding_a_bed_for_a_request_offers_to_place_it_there(client, auth, housing):
    site = housing.site(name="Casa Lista", capacity=2)
    request = housing.request(alias="Doña Espera")
    auth.login(housing.coordinator)
    page = client.get("/housing/find", query_string={"request": request}).data.decode()
    assert "Doña Espera" in page and "Casa Lista" in page and "Place here" in page
    form = re.search(r'<form method="post" action="(/housing/requests/\d+/place)">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(site|start|end)" value="([^"]*)"', form.group(2)))
    assert fields == {"site": str(site), "start": day(0).isoformat(), "end": ""}
    response = client.post(form.group(1), data=fields)
    assert response.status_code == 302 and "/housing/placements/" in response.headers["Location"]
    assert housing.request_status(request) == "placed"


def test_bad_search_input_is_explained(client, auth, housing):
    auth.login(housing.coordinator)
    page = client.get(
        "/housing/find", query_string={"beds": 0, "start": day(3).isoformat(), "end": day(1).isoformat()}
    ).data.decode()
    assert "A household has 1 to 30 people." in page
    assert "The move-out day must come after the move-in day." in page
    assert "Sites with room" not in page
