"""The calendar and the lists run as many SQL queries for a few sites, placements and days as for many."""

from .conftest import day

PAGES = (
    "/housing/sites",
    "/housing/waitlist",
    "/housing/placements",
    "/housing/figures",
    "/housing/find?beds=1&start=2026-03-12",
    "/housing/find?beds=1&start=2026-03-12&end=2026-04-20",
)


def _fill(housing, sites: int, stays_per_site: int, waiting: int, first_name: int):
    """Back-to-back stays at each site (the last one open-ended), some moved in, and households waiting."""
    for s in range(sites):
        site = housing.site(name=f"Sitio {first_name + s}", capacity=4, accepts={"families", "children"})
        for n in range(stays_per_site):
            start = -20 + 5 * n
            end = None if n == stays_per_site - 1 else start + 5
            placement = housing.place(housing.request(size=1 + n % 2, alias=f"Huésped {s}-{n}"), site, start, end)
            if start <= 0 and n % 2 == 0:
                housing.act("move_in", placement, day(start))
    for w in range(waiting):
        housing.request(alias=f"Espera {first_name}-{w}", urgency=("emergency", "high", "normal")[w % 3])
    return site


def _count(client, count_queries, path) -> int:
    with count_queries() as counted:
        assert client.get(path).status_code == 200, path
    return len(counted)


def test_queries_do_not_grow_with_sites_placements_or_days(client, auth, housing, count_queries):
    auth.login(housing.coordinator)
    last = _fill(housing, sites=1, stays_per_site=1, waiting=1, first_name=0)
    small = {path: _count(client, count_queries, path) for path in PAGES}
    small["calendar"] = _count(client, count_queries, "/housing/?weeks=1")
    small["site"] = _count(client, count_queries, f"/housing/sites/{last}")

    last = _fill(housing, sites=6, stays_per_site=7, waiting=12, first_name=10)
    large = {path: _count(client, count_queries, path) for path in PAGES}
    large["calendar"] = _count(client, count_queries, "/housing/?weeks=8")
    large["site"] = _count(client, count_queries, f"/housing/sites/{last}")
    assert large == small
    assert small["calendar"] <= 8, small
