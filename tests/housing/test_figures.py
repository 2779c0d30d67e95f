"""Figures for the board: nights of shelter per month, people housed, occupancy, stays and waits."""

import datetime as dt
import re
import sqlite3

from sqlalchemy.exc import OperationalError

from mexiles.housing import services
from mexiles.housing.services import occupancy

from .conftest import day


def test_nights_of_shelter_per_month_count_people_and_only_nights_already_given(app, housing):
    site = housing.site(capacity=6, accepts={"families", "children"})
    family = housing.place(housing.request(size=3), site, -15, -5)  # Feb 23 to Mar 5: 6 nights in Feb, 4 in Mar
    housing.act("move_in", family, day(-15))
    housing.act("move_out", family, day(-5), "own_home")
    still_there = housing.place(housing.request(size=2), site, -3, None)  # since Mar 7, open
    housing.act("move_in", still_there, day(-3))
    housing.place(housing.request(), site, -8, -6)  # planned but never moved in: no night given
    housing.place(housing.request(), site, 2, 9)  # to come
    with app.app_context():
        nights = services.housing_nights_by_month(dt.date(2026, 1, 15), dt.date(2026, 5, 1))
        assert nights == {"2026-01": 0, "2026-02": 3 * 6, "2026-03": 3 * 4 + 2 * 3, "2026-04": 0}
        assert services.housing_nights_by_month(dt.date(2026, 3, 1), dt.date(2026, 3, 3)) == {"2026-03": 3 * 2}


def test_the_figures_page(client, auth, housing, make_user, record_gift):
    record_gift("housing", 12345, day(-3))  # set against the nights given
    record_gift("counseling", 99900, day(-3))  # another fund: not counted here
    here, there = housing.site(name="Casa A", capacity=4, accepts={"families"}), housing.site(name="Casa B", capacity=2)
    moved = housing.place(housing.request(size=1), here, -20, None)
    housing.act("move_in", moved, day(-20))
    following = housing.act("move", moved, there, day(-12), None)
    housing.act("move_out", following, day(-2), "other_city")  # one stay of 18 nights across two sites
    short = housing.place(housing.request(size=2), here, -6, -2)
    housing.act("move_in", short, day(-6))
    housing.act("move_out", short, day(-2), "friends")  # 4 nights
    tonight = housing.place(housing.request(size=2), here, -1, 3)
    housing.act("move_in", tonight, day(-1))
    housing.request()
    auth.login(housing.coordinator)
    page = " ".join(client.get("/housing/figures").data.decode().split())
    assert "<strong>28</strong><span>nights of shelter given</span>" in page  # 18 + 2×4 + 2×1
    assert "/assistance/figures" in page and "beside what the housing fund raised" in page
    assert "<strong>5</strong><span>people housed, in 3 households</span>" in page
    assert "<strong>33 %</strong> <span>occupied tonight: 2 of 6 beds</span>" in page
    assert "<strong>11.0</strong> <span>nights, the average stay (median 11.0; 2 stays ended)</span>" in page
    assert "<strong>1</strong> <span>on the waitlist; median wait so far 0.0 days</span>" in page
    # By month, beside what the housing fund raised: on the one staff figures page.
    months = " ".join(client.get("/assistance/figures").data.decode().split()).split('id="months"')[1]
    rows = [row.split("</tr>")[0] for row in months.split('data-fund="housing"')[1:]]
    assert sum(int(n) for row in rows for n in re.findall(r"(\d+) nights?,", row)) == 28
    gift_month = next(row for row in rows if f'data-month="{day(-3).isoformat()[:7]}"' in row)
    assert "$123.45" in gift_month and "$999.00" not in gift_month


def test_the_calendar_shows_free_and_taken_beds_night_by_night(client, auth, housing):
    site = housing.site(name="Casa Calendario", capacity=2)
    housing.place(housing.request(), site, 1, 3)
    housing.place(housing.request(), site, 2, 4)
    housing.site(name="Casa Pausada", capacity=1, paused=True)
    auth.login(housing.coordinator)
    page = client.get("/housing/", query_string={"start": day(0).isoformat(), "weeks": 1}).data.decode()
    row = page.split("Casa Calendario</a>")[1].split("</tr>")[0]
    cells = [c.split('"')[0] for c in row.split('<td class="')[1:]]
    assert cells == ["cal-free", "cal-some", "cal-full", "cal-some", "cal-free", "cal-free", "cal-free"]
    paused = page.split("Casa Pausada</a>")[1].split("</tr>")[0]
    assert paused.count('class="cal-off"') == 7
    assert "<svg" in page and "<script" not in page.split("</head>")[1]
    bad = client.get("/housing/", query_string={"weeks": 40}).data.decode()
    assert "Show 1 to 8 weeks." in bad


def test_a_lost_race_is_a_clear_refusal_not_an_error(client, auth, housing, monkeypatch):
    site, request = housing.site(), housing.request()

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE housing_sites", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(occupancy, "bookings", locked)
    auth.login(housing.coordinator)
    response = client.post(f"/housing/requests/{request}/place", data={"site": site, "start": day(0).isoformat()})
    assert response.status_code == 409
    assert "Someone else was changing these beds at the same moment. Nothing was saved" in response.data.decode()
    assert housing.request_status(request) == "open"


def test_months_are_named_in_the_users_language(client, auth, housing):
    auth.login(housing.coordinator)
    page = client.get("/housing/figures").data.decode()
    assert ">Jan 2026<" in page and ">Apr 2025<" in page and "2026-01" not in page
    client.post("/language", data={"locale": "es"})
    page = client.get("/housing/figures").data.decode()
    assert ">ene 2026<" in page and ">abr 2025<" in page


def test_the_one_staff_figures_page_keeps_its_queries_whatever_the_placements(
    client, auth, housing, record_gift, count_queries
):
    record_gift("housing", 10_00, day(-40))
    site = housing.site(capacity=20, accepts={"families"})
    auth.login(housing.coordinator)

    def counted():
        with count_queries() as queries:
            assert client.get("/assistance/figures").status_code == 200
        return len(queries)

    before = counted()
    for i in range(4):
        placed = housing.place(housing.request(size=2), site, -30 - i, -2)
        housing.act("move_in", placed, day(-30 - i))
    assert counted() == before


def test_nights_of_shelter_are_public_only_for_five_households(client, housing, record_gift):
    record_gift("housing", 50_00, day(-5))
    site = housing.site(capacity=10, accepts={"families"})

    def house():
        placed = housing.place(housing.request(size=1), site, -4, None)
        housing.act("move_in", placed, day(-4))

    for _i in range(4):
        house()
    page = client.get("/give/impact").data.decode()
    assert "night of shelter" not in page and "nights of shelter" not in page  # 4 households: left out
    assert "Figures about fewer than 5 people are left out" in page
    house()
    assert "20 nights of shelter" in client.get("/give/impact").data.decode()  # 5 households, 4 nights each
