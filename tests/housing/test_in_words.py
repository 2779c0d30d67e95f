"""Housing in words: where someone went without "Other:", one bed as one bed, in both languages."""

import html
import re

import pytest

from .conftest import day


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.mark.parametrize(("locale", "moved"), [("en", "Moved to another city"), ("es", None)])
def test_a_move_to_another_city_reads_as_such(app, client, auth, housing, locale, moved):
    placement = housing.place(housing.request(), housing.site(), -4, None)
    housing.act("move_in", placement, day(-4))
    auth.login(housing.coordinator)
    client.post("/language", data={"locale": locale})
    client.post(
        f"/housing/placements/{placement}/move-out", data={"on": day(0).isoformat(), "destination": "other_city"}
    )
    page = _text(client.get(f"/housing/placements/{placement}"))
    assert "Other: " not in page and "Otro: " not in page and "other_city" not in page
    if moved:
        assert moved in page


@pytest.mark.parametrize(("locale", "one", "wrong"), [("en", "1 bed", "1 beds"), ("es", "1 cama", "1 camas")])
def test_a_site_with_one_bed_says_one_bed(client, auth, housing, locale, one, wrong):
    housing.site(capacity=1)
    auth.login(housing.coordinator)
    client.post("/language", data={"locale": locale})
    page = _text(client.get("/housing/"))
    assert one in page and wrong not in page
