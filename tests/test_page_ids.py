"""Pages a browser can trust: no id names two elements (labels and links point to one), and the
favicon browsers ask for is there."""

import pytest
from sqlalchemy import select

from mexiles.accounts.demo import PASSWORD
from mexiles.care.models import Referral
from mexiles.extensions import db
from mexiles.giving.models import Gift
from mexiles.housing.models import HousingRequest, Placement
from mexiles.tours.models import TourEvent
from tests.pages import duplicate_ids


def test_the_favicon_is_served_and_linked(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data.startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/").data.decode()


def _pages(app) -> list[str]:
    """The staff pages that carry several forms, for every record of the demo."""
    with app.app_context():
        ids = {
            model: list(db.session.scalars(select(model.id).order_by(model.id)))
            for model in (Placement, HousingRequest, TourEvent, Gift, Referral)
        }
    return [
        "/",
        "/give/",
        "/tours/",
        *(f"/housing/placements/{i}" for i in ids[Placement]),
        *(f"/housing/requests/{i}" for i in ids[HousingRequest]),
        *(f"/tours/manage/events/{i}" for i in ids[TourEvent]),
        *(f"/give/staff/gifts/{i}" for i in ids[Gift][:10]),
        *(f"/care/referrals/{i}" for i in ids[Referral]),
    ]


@pytest.mark.parametrize("locale", ["en", "es"])
def test_no_page_has_an_id_twice(app, runner, locale):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    client = app.test_client()
    client.post("/account/login", data={"email": "admin@example.org", "password": PASSWORD})
    client.post("/language", data={"locale": locale})
    found = {}
    for url in _pages(app):
        response = client.get(url)
        assert response.status_code == 200, url
        if twice := duplicate_ids(response.data.decode()):
            found[url] = twice
    assert found == {}
