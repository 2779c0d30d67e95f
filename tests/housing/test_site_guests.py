"""A site's guests hold it to what it offered them: edits that would strand a guest are refused,
and a site that still holds guests stays on the calendar and in the figures."""

import pytest

from mexiles.extensions import db
from mexiles.housing.models import Site

from .conftest import day
from .test_changes import edit_site, refusal
from .test_pages import SITE_FORM


def _site_with_guest(client, housing, end):
    response = client.post("/housing/sites/new", data=SITE_FORM)
    site = int(response.headers["Location"].rsplit("/", 1)[-1])
    placement = housing.place(housing.request(size=2, alias="Familia Huésped"), site, -3, end)
    housing.act("move_in", placement, day(-3))
    return site, placement


def test_the_last_offered_day_cannot_come_before_a_guests_end(app, client, auth, housing):
    auth.login(housing.coordinator)
    site, placement = _site_with_guest(client, housing, end=8)
    page = client.post(f"/housing/sites/{site}/edit", data=dict(SITE_FORM, available_until=day(5).isoformat()))
    text = page.data.decode()
    assert page.status_code == 200
    assert (
        "These guests stay past Mar 15, 2026: change their end dates or move them first. "
        f"Familia Huésped (placement {placement}, Mar 7, 2026 to Mar 18, 2026)."
    ) in text
    assert "Perro en casa" in text  # nothing typed is lost
    with app.app_context():
        assert db.session.get(Site, site).available_until is None
    assert (
        client.post(f"/housing/sites/{site}/edit", data=dict(SITE_FORM, available_until=day(8).isoformat())).status_code
        == 302
    )


def test_an_open_ended_guest_holds_the_offer_open(app, client, auth, housing):
    auth.login(housing.coordinator)
    site, placement = _site_with_guest(client, housing, end=None)
    message = refusal(edit_site, app, housing, site, available_until=day(60))
    assert f"(placement {placement}, Mar 7, 2026 to no set end)" in message


def test_restrictions_a_guest_does_not_meet_are_refused(app, client, auth, housing):
    auth.login(housing.coordinator)
    site, placement = _site_with_guest(client, housing, end=8)
    message = refusal(edit_site, app, housing, site, accepts=["single_women_only"])
    assert message.startswith("Current or planned guests do not meet these restrictions: Familia Huésped")
    assert edit_site(app, housing, site, accepts=["children", "families", "pets"]) == ["accepts"]


def test_a_site_with_guests_cannot_be_rejected(app, client, auth, housing):
    auth.login(housing.coordinator)
    site, _placement = _site_with_guest(client, housing, end=8)
    assert "Casa Turquesa (host home) still holds guests" in refusal(
        edit_site, app, housing, site, vetting_status="rejected"
    )
    with app.app_context():
        assert db.session.get(Site, site).vetting_status == "verified"


def test_a_guest_in_hiding_is_listed_without_the_dates_of_their_stay(
    app, client, auth, housing, make_user, make_person
):
    hidden = make_person([housing.coordinator.id], alias="Escondida", in_hiding=True)
    site = housing.site(name="Casa Discreta", capacity=2)
    housing.place(housing.request(person_id=hidden), site, 17, 23)
    other = make_user("coordinator")
    message = refusal(edit_site, app, housing, site, by_id=other.id, available_until=day(20))
    assert message.endswith("a guest in hiding.") and "Escondida" not in message and "Mar 27" not in message


@pytest.mark.parametrize(
    "change",
    [{"paused": True}, {"vetting_status": "rejected"}, {"available_until": day(-1), "available_from": day(-30)}],
)
def test_a_site_that_holds_guests_stays_on_the_calendar_and_in_the_figures(app, client, auth, housing, change):
    """Set straight in the database: data from before these rules, or a pause, which keeps the guests."""
    site = housing.site(name="Casa Llena", capacity=2, accepts={"families", "children"})
    placement = housing.place(housing.request(size=2), site, -3, 8)
    housing.act("move_in", placement, day(-3))
    with app.app_context():
        found = db.session.get(Site, site)
        for key, value in change.items():
            setattr(found, key, value)
        db.session.commit()
    auth.login(housing.coordinator)
    figures = client.get("/housing/figures").data.decode()
    assert "100 %" in figures and "occupied tonight: 2 of 2 beds" in figures
    calendar = client.get("/housing/?weeks=1").data.decode()
    assert "Casa Llena" in calendar and "<td>2/2</td>" in calendar
