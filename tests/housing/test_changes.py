"""Changes to a stay check only the nights they add: nights already held never block a guest."""

import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.housing import services
from mexiles.housing.models import Site
from mexiles.housing.services import HousingRefused

from .conftest import day


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(HousingRefused) as refused:
        call(*args, **kwargs)
    return " ".join(refused.value.messages)


def edit_site(app, housing, site_id, by_id=None, **changes):
    with app.app_context():
        return services.sites.update_site(
            db.session.get(Site, site_id), changes, by=db.session.get(User, by_id or housing.coordinator.id)
        )


def _two_leave_and_the_site_shrinks(app, housing, site, remaining_end):
    """Three guests since ten nights ago; two leave three days ago; the site then keeps one bed."""
    first, second = (housing.place(housing.request(), site, -10, 10) for _i in range(2))
    remaining = housing.place(housing.request(alias="Se Queda"), site, -10, remaining_end)
    for placement in (first, second, remaining):
        housing.act("move_in", placement, day(-10))
    housing.act("move_out", first, day(-3), "friends")
    housing.act("move_out", second, day(-3), "own_home")
    edit_site(app, housing, site, capacity=1)  # from tonight on, one bed is enough
    return remaining


def test_a_guest_who_stayed_longer_can_still_move_out_after_the_site_lost_beds(app, housing):
    site = housing.site(capacity=3)
    remaining = _two_leave_and_the_site_shrinks(app, housing, site, remaining_end=-1)
    # They stayed a night longer than booked: only that night is checked, not the nights of three guests.
    housing.act("move_out", remaining, day(0), "family_home")
    assert (housing.placement(remaining).end, housing.placement(remaining).status) == (day(0), "moved_out")


def test_a_guest_can_still_extend_after_the_site_lost_beds_where_a_bed_is_free(app, housing):
    site = housing.site(capacity=3)
    remaining = _two_leave_and_the_site_shrinks(app, housing, site, remaining_end=5)
    housing.act("extend", remaining, day(8))
    assert housing.placement(remaining).end == day(8)
    housing.place(housing.request(alias="Próxima"), site, 9, 12)
    assert "No free bed for 1 at Refugio Prueba on the night of Mar 19, 2026" in refusal(
        housing.act, "extend", remaining, day(11)
    )
    assert housing.placement(remaining).end == day(8)
    housing.act("extend", remaining, day(9))


def test_a_guest_is_not_stuck_after_the_offer_period_starts_later(app, housing):
    site = housing.site(capacity=2, since=-30)
    placement = housing.place(housing.request(), site, -20, 5)
    housing.act("move_in", placement, day(-20))
    with app.app_context():  # the host's first day is moved (the data predates this rule)
        db.session.get(Site, site).available_from = day(-5)
        db.session.commit()
    housing.act("extend", placement, day(9))
    assert housing.placement(placement).end == day(9)


def test_a_move_in_before_the_sites_first_offered_day_is_refused(housing):
    site = housing.site(name="Casa Nueva", since=-2)
    placement = housing.place(housing.request(), site, 0, 5)
    assert "Casa Nueva takes guests from Mar 8, 2026." in refusal(housing.act, "move_in", placement, day(-4))
    assert housing.placement(placement).status == "planned"
    housing.act("move_in", placement, day(-2))
    assert housing.placement(placement).start == day(-2)


def test_a_move_after_the_current_end_checks_the_offer_period_of_the_site_it_leaves(housing):
    here = housing.site(name="Casa Temporal", since=-30, until=3)
    there = housing.site(name="Casa Siguiente")
    placement = housing.place(housing.request(), here, -10, 2)
    housing.act("move_in", placement, day(-10))
    assert "Casa Temporal offers beds until Mar 13, 2026" in refusal(
        housing.act, "move", placement, there, day(5), None
    )
    assert housing.placement(placement).end == day(2)
    housing.act("move", placement, there, day(3), None)
    assert housing.placement(placement).end == day(3)


@pytest.mark.parametrize(
    "standing, expected", [({"vetting_status": "rejected"}, "was rejected in vetting"), ({"paused": True}, "is paused")]
)
def test_new_nights_at_a_site_that_takes_no_placements_are_refused(app, housing, standing, expected):
    site = housing.site(name="Casa Cerrada", capacity=2)
    placement = housing.place(housing.request(), site, -5, 5)
    housing.act("move_in", placement, day(-5))
    with app.app_context():  # straight in the database: the site form refuses to reject a site with guests
        for key, value in standing.items():
            setattr(db.session.get(Site, site), key, value)
        db.session.commit()
    assert expected in refusal(housing.act, "extend", placement, day(8))
    assert expected in refusal(housing.act, "extend", placement, None)
    housing.act("extend", placement, day(3))  # shortening adds no night
    housing.act("move_out", placement, day(0), "friends")


def test_a_capacity_cut_is_judged_against_the_site_as_saved_not_as_the_form_saw_it(app, housing):
    """The coordinator's copy of the site says 2 beds; meanwhile someone made it 5 and booked 4."""
    from sqlalchemy import text

    from .test_database_guards import INSERT

    site_id = housing.site(capacity=2)
    request = housing.request(size=4, needs={"families", "children"})
    with app.app_context():
        stale = db.session.get(Site, site_id)
        assert stale.capacity == 2
        db.session.execute(text("UPDATE housing_sites SET capacity = 5 WHERE id = :id"), {"id": site_id})
        db.session.execute(
            INSERT,
            {
                "r": request,
                "p": housing.person_of(request),
                "s": site_id,
                "beds": 4,
                "start": day(1),
                "end": day(6),
                "status": "planned",
            },
        )
        with pytest.raises(HousingRefused, match="4 beds are booked on the night of Mar 11, 2026"):
            services.sites.update_site(stale, {"capacity": 3}, by=db.session.get(User, housing.coordinator.id))
        assert db.session.get(Site, site_id).capacity != 3  # nothing saved
