"""Where a person in hiding stays cannot be pieced together from the lists, and every look is recorded."""

from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db

HIDDEN_DATES = ("Mar 27, 2026", "Apr 2, 2026", "Mar 22, 2026")


def _hidden_household(app, housing, make_person):
    """A family of seven in hiding placed at Casa Discreta, and a family of six in hiding waiting."""
    family = [{"name": f"Familiar {i}", "relationship": "child", "birth_year": 2015} for i in range(6)]
    placed = make_person([housing.coordinator.id], alias="Escondida", household=family, in_hiding=True)
    site = housing.site(name="Casa Discreta", capacity=9, accepts={"families", "children"})
    request = housing.request(size=7, person_id=placed)
    placement = housing.place(request, site, 17, 23)  # Mar 27 to Apr 2
    waiting = make_person([housing.coordinator.id], alias="Oculta", household=family[:5], in_hiding=True)
    housing.request(size=6, person_id=waiting, urgency="emergency", wanted=12)
    # Someone not in hiding, so that the lists are not empty.
    housing.place(housing.request(alias="Visible"), housing.site(name="Casa Abierta"), 1, 4)
    return site, placement


def test_a_household_in_hiding_cannot_be_located_from_the_lists(app, client, auth, housing, make_user, make_person):
    site, _placement = _hidden_household(app, housing, make_person)
    auth.login(make_user("coordinator"))
    placements = client.get("/housing/placements").data.decode()
    assert "Visible" in placements and "Casa Abierta" in placements
    assert "Casa Discreta" not in placements and "Escondida" not in placements
    assert 'data-label="People">7</td>' not in placements and not any(d in placements for d in HIDDEN_DATES)
    assert "Placements of people in hiding are shown to their case team only." in placements

    site_page = client.get(f"/housing/sites/{site}").data.decode()
    assert "Escondida" not in site_page and "A guest in hiding" not in site_page
    assert 'data-label="People">7</td>' not in site_page and not any(d in site_page for d in HIDDEN_DATES)

    waitlist = client.get("/housing/waitlist").data.decode()
    assert "A household in hiding" in waitlist and "Oculta" not in waitlist
    assert 'data-label="People">6</td>' not in waitlist and "A family" not in waitlist
    assert "Mar 22, 2026" not in waitlist
    assert "Emergency" in waitlist
    assert "0 days" in waitlist  # how long they have waited is shown

    auth.logout()
    auth.login(housing.coordinator)  # their case team sees everything
    placements = client.get("/housing/placements").data.decode()
    assert "Escondida" in placements and "Casa Discreta" in placements and "Mar 27, 2026" in placements
    waitlist = client.get("/housing/waitlist").data.decode()
    assert "Oculta" in waitlist and 'data-label="People">6</td>' in waitlist and "Mar 22, 2026" in waitlist


def _entries(app, action):
    with app.app_context():
        return [
            (e.subject_id, e.details)
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        ]


def test_looking_at_placements_is_recorded(app, client, auth, housing, make_user, make_person):
    site, hidden = _hidden_household(app, housing, make_person)
    mine = housing.place(housing.request(alias="Mía"), site, 0, 3)
    auth.login(housing.coordinator)
    assert client.get(f"/housing/placements/{mine}").status_code == 200
    assert _entries(app, "housing.placement.view") == [
        (str(mine), {"person": housing.person_of(housing.placement(mine).request_id)})
    ]

    client.get(f"/housing/sites/{site}")
    assert sorted(e[0] for e in _entries(app, "housing.placement.list")) == sorted([str(mine), str(hidden)])
    assert all(e[1] == {"site": site} for e in _entries(app, "housing.placement.list"))

    auth.logout()
    other = make_user("coordinator")
    auth.login(other)
    before = len(_entries(app, "housing.placement.list"))
    client.get("/housing/placements")
    seen = [e[0] for e in _entries(app, "housing.placement.list")[before:]]
    assert str(hidden) not in seen and str(mine) in seen and len(seen) == 2  # Mía and Visible, not the hidden one
    assert client.get(f"/housing/placements/{hidden}").status_code == 403
