"""The placement rules, through the one service that enforces them, on SQLite and PostgreSQL."""

import random

import pytest

from mexiles.accounts.models import User
from mexiles.extensions import db
from mexiles.housing import services
from mexiles.housing.models import Site
from mexiles.housing.services import HousingRefused

from .conftest import day


def refusal(call, *args) -> str:
    with pytest.raises(HousingRefused) as refused:
        call(*args)
    return " ".join(refused.value.messages)


def test_the_move_out_day_is_free_for_the_next_guest(housing):
    site = housing.site(capacity=1)
    housing.place(housing.request(), site, 1, 5)
    housing.place(housing.request(), site, 5, 8)  # arrives the day the first guest leaves
    housing.place(housing.request(), site, -3, 1)  # leaves the day the first guest arrives
    message = refusal(housing.place, housing.request(), site, 4, 6)
    assert "No free bed for 1 at Refugio Prueba on the night of Mar 14, 2026: 0 of 1 bed free." in message


def test_a_household_takes_as_many_beds_as_it_has_people(housing):
    site = housing.site(capacity=4, accepts={"families", "children"})
    housing.place(housing.request(size=3), site, 0, 10)
    assert "1 of 4 beds free" in refusal(housing.place, housing.request(size=2), site, 9, 12)
    housing.place(housing.request(size=2), site, 10, 12)
    housing.place(housing.request(size=1), site, 9, 12)


def test_beds_are_never_overbooked_on_any_night_among_many_placements(housing):
    """Random placements, open ends included: the service accepts exactly those a night-by-night count allows."""
    capacity, horizon = 3, 40
    site = housing.site(capacity=capacity, accepts={"families", "children"})
    nights = [0] * (horizon + 60)
    rng = random.Random(2026)
    accepted = refused = 0
    for _attempt in range(70):
        size = rng.choice((1, 1, 1, 2))
        start = rng.randrange(0, horizon)
        end = None if rng.random() < 0.1 else start + rng.randrange(1, 12)
        span = range(start, (end if end is not None else len(nights)))
        fits = all(nights[n] + size <= capacity for n in span)
        try:
            housing.place(housing.request(size=size), site, start, end)
        except HousingRefused as no:
            assert not fits, (start, end, size)
            assert "No free bed" in no.messages[0]
            refused += 1
        else:
            assert fits, (start, end, size)
            for n in span:
                nights[n] += size
            accepted += 1
    assert max(nights) <= capacity
    assert accepted > 10 and refused > 10  # both sides of the rule were exercised


def test_an_open_ended_placement_holds_every_night_after_its_start(housing):
    site = housing.site(capacity=1)
    housing.place(housing.request(), site, 10, None)
    assert "No free bed" in refusal(housing.place, housing.request(), site, 200, 201)
    assert "No free bed" in refusal(housing.place, housing.request(), site, 8, 11)
    housing.place(housing.request(), site, 7, 10)


def test_a_person_is_never_in_two_overlapping_placements(housing):
    first, second = housing.site(name="Casa Uno", capacity=3), housing.site(name="Casa Dos", capacity=3)
    request = housing.request(alias="Doña Prueba")
    housing.place(request, first, 0, 10)
    again = housing.request(person_id=housing.person_of(request))
    message = refusal(housing.place, again, second, 5, 12)
    assert "This person already has a placement at Casa Uno from Mar 10, 2026 to Mar 20, 2026." in message
    housing.place(again, second, 10, 12)  # from the move-out day on, it is free


def test_extending_into_a_conflict_is_refused_and_changes_nothing(housing):
    site = housing.site(capacity=1)
    first = housing.place(housing.request(), site, 1, 5)
    later = housing.place(housing.request(), site, 5, 9)
    assert "No free bed" in refusal(housing.act, "extend", first, day(6))
    assert "No free bed" in refusal(housing.act, "extend", first, None)
    assert housing.placement(first).end == day(5)
    housing.act("extend", later, day(30))
    housing.act("extend", first, day(3))  # shortening frees the nights
    housing.place(housing.request(), site, 3, 5)
    assert "after the start" in refusal(housing.act, "extend", later, day(5))


def test_site_restrictions_and_the_offer_period_say_why_not(housing):
    women = housing.site(name="Casa Violeta", accepts={"single_women_only", "lgbtq_friendly"}, capacity=3)
    family = housing.request(size=3, needs={"children"})
    message = refusal(housing.place, family, women, 0, 5)
    assert "Casa Violeta takes single women only." in message
    assert "Casa Violeta does not offer: Families, Children." in message
    plain = housing.site(name="Casa Sencilla", capacity=3)
    wheelchair = housing.request(needs={"wheelchair"})
    assert "does not offer: Wheelchair access" in refusal(housing.place, wheelchair, plain, 0, 5)
    housing.place(housing.request(needs={"single_women_only"}), women, 0, 5)
    housing.place(housing.request(needs={"single_women_only"}), plain, 0, 5)  # a woman may stay anywhere

    seasonal = housing.site(name="Casa Temporal", since=5, until=30)
    assert "Casa Temporal takes guests from Mar 15, 2026." in refusal(housing.place, housing.request(), seasonal, 0, 10)
    assert "offers beds until Apr 9, 2026" in refusal(housing.place, housing.request(), seasonal, 10, None)
    assert "offers beds until" in refusal(housing.place, housing.request(), seasonal, 10, 31)
    housing.place(housing.request(), seasonal, 5, 30)


@pytest.mark.parametrize(
    "standing, expected",
    [
        ({"vetting": "new"}, "is not verified yet"),
        ({"vetting": "rejected"}, "was rejected in vetting"),
        ({"paused": True}, "is paused"),
    ],
)
def test_only_verified_open_sites_take_placements(housing, standing, expected):
    site = housing.site(**standing)
    assert expected in refusal(housing.place, housing.request(), site, 0, 3)


def test_a_stay_from_move_in_to_move_out(housing):
    site = housing.site(capacity=2, accepts={"families", "children"})
    request = housing.request(size=2)
    placement = housing.place(request, site, -2, 10)
    assert housing.request_status(request) == "placed"
    assert "still to come" in refusal(housing.act, "move_in", placement, day(1))
    housing.act("move_in", placement, day(-3))  # they came a day early: the stay counts from then
    assert (housing.placement(placement).start, housing.placement(placement).status) == (day(-3), "moved_in")
    assert "Choose where" in refusal(housing.act, "move_out", placement, day(0), "nowhere")
    assert "at least one night" in refusal(housing.act, "move_out", placement, day(-3), "friends")
    housing.act("move_out", placement, day(0), "returned_to_mexico")
    moved_out = housing.placement(placement)
    assert (moved_out.end, moved_out.status, moved_out.destination) == (day(0), "moved_out", "returned_to_mexico")
    housing.place(housing.request(size=2), site, 0, 5)  # the freed nights are free again


def test_a_move_to_another_site_ends_one_placement_and_starts_the_next(housing):
    here, there = housing.site(name="Casa Aquí", capacity=1), housing.site(name="Casa Allá", capacity=1)
    placement = housing.place(housing.request(), here, -5, None)
    housing.act("move_in", placement, day(-5))
    blocker = housing.place(housing.request(), there, -1, 2)
    assert "No free bed for 1 at Casa Allá" in refusal(housing.act, "move", placement, there, day(0), None)
    assert housing.placement(placement).end is None  # nothing changed

    housing.act("extend", blocker, day(0))
    following = housing.act("move", placement, there, day(0), day(20))
    before, after = housing.placement(placement), housing.placement(following)
    assert (before.end, before.status, before.destination) == (day(0), "moved_out", "another_site")
    assert (after.site_id, after.start, after.end, after.status, after.moved_from) == (
        there,
        day(0),
        day(20),
        "moved_in",
        placement,
    )
    housing.place(housing.request(), here, 0, 3)  # the bed it left is free from the move on


def test_cancelling_a_planned_placement_puts_the_request_back_on_the_waitlist(housing):
    site = housing.site(capacity=1)
    request = housing.request()
    placement = housing.place(request, site, 3, 6)
    housing.act("cancel", placement)
    assert housing.request_status(request) == "open"
    assert housing.placement(placement).status == "cancelled"
    housing.place(housing.request(), site, 3, 6)  # a cancelled placement holds no bed
    assert "Only a planned placement" in refusal(housing.act, "cancel", placement)

    # When the person already waits with a newer request, the old one is withdrawn rather than reopened.
    placed = housing.request(alias="Dos Solicitudes")
    again = housing.place(placed, site, 10, 12)
    newer = housing.request(person_id=housing.person_of(placed))
    housing.act("cancel", again)
    assert (housing.request_status(placed), housing.request_status(newer)) == ("withdrawn", "open")


def test_a_site_cannot_shrink_below_the_beds_it_has_booked(app, housing):
    site_id = housing.site(capacity=3)
    housing.place(housing.request(size=1), site_id, -10, -5)
    housing.place(housing.request(size=1), site_id, 2, 8)
    housing.place(housing.request(size=1), site_id, 4, None)
    with app.app_context():
        site, user = db.session.get(Site, site_id), db.session.get(User, housing.coordinator.id)
        with pytest.raises(HousingRefused) as refused:
            services.sites.update_site(site, {"capacity": 1}, by=user)
        assert "2 beds are booked on the night of Mar 14, 2026" in refused.value.messages[0]
        assert services.sites.update_site(db.session.get(Site, site_id), {"capacity": 2}, by=user) == ["capacity"]
