"""A move to another site planned for a later day: called off, the stay keeps its former end;
carried out, the stay it leaves is closed on the day the household arrives."""

import datetime as dt

from .conftest import day
from .test_changes import refusal


def _planned_move(housing, end_here=10, end_there=20):
    here, there = housing.site(name="Casa Aquí", capacity=1), housing.site(name="Casa Allá", capacity=1)
    stay = housing.place(housing.request(), here, -5, end_here)
    housing.act("move_in", stay, day(-5))
    following = housing.act("move", stay, there, day(3), day(end_there))
    return here, there, stay, following


def test_a_planned_move_keeps_the_former_end_and_gives_it_back_when_called_off(housing):
    _here, _there, stay, following = _planned_move(housing)
    waiting = housing.placement(stay)
    assert (waiting.end, waiting.status, waiting.destination) == (day(3), "moved_in", "another_site")
    assert housing.placement(following).status == "planned"
    housing.act("cancel", following)
    back = housing.placement(stay)
    assert (back.end, back.status, back.destination) == (day(10), "moved_in", None)
    housing.act("extend", stay, day(12))  # an ordinary stay again


def test_an_open_end_is_given_back_too(housing):
    _here, _there, stay, following = _planned_move(housing, end_here=None)
    housing.act("cancel", following)
    assert housing.placement(stay).end is None


def test_calling_off_a_move_whose_freed_nights_were_taken_is_refused(housing):
    here, _there, stay, following = _planned_move(housing)
    housing.place(housing.request(alias="Nueva"), here, 3, 10)  # the bed freed from day 3 is taken
    assert "No free bed for 1 at Casa Aquí on the night of Mar 13, 2026" in refusal(housing.act, "cancel", following)
    assert (housing.placement(following).status, housing.placement(stay).end) == ("planned", day(3))


def test_arriving_early_at_the_new_site_closes_the_stay_it_leaves(housing):
    _here, there, stay, following = _planned_move(housing)
    housing.act("move_in", following, day(0))
    left, arrived = housing.placement(stay), housing.placement(following)
    assert (left.end, left.status, left.destination) == (day(0), "moved_out", "another_site")
    assert (arrived.site_id, arrived.start, arrived.status) == (there, day(0), "moved_in")


def test_arriving_late_at_the_new_site_keeps_the_nights_at_the_old_one(housing, frozen):
    here, _there, stay, following = _planned_move(housing)
    frozen.move_to(dt.datetime(2026, 3, 15, 18, 0, tzinfo=dt.UTC), tick=False)  # day 5
    housing.act("move_in", following, day(5))  # two nights later than planned
    left, arrived = housing.placement(stay), housing.placement(following)
    assert (left.end, left.status) == (day(5), "moved_out")
    assert (arrived.start, arrived.status) == (day(5), "moved_in")
    assert "No free bed" in refusal(housing.place, housing.request(), here, 4, 5)


def test_arriving_late_is_refused_where_the_old_bed_was_given_away(housing, frozen):
    here, _there, stay, following = _planned_move(housing)
    housing.place(housing.request(alias="Nueva"), here, 3, 10)
    frozen.move_to(dt.datetime(2026, 3, 15, 18, 0, tzinfo=dt.UTC), tick=False)
    assert "No free bed for 1 at Casa Aquí on the night of Mar 13, 2026" in refusal(
        housing.act, "move_in", following, day(5)
    )
    assert housing.placement(stay).status == "moved_in"
