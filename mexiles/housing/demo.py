"""A month of housing that looks real: invented sites and people only, dated around today."""

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ..accounts import services as accounts
from ..extensions import db
from ..people import services as people
from . import services
from .models import Site

# Invented places: no real shelter, host or address.
SITES = (
    dict(
        name="Casa Azul (host home)",
        kind="host_home",
        capacity=3,
        accepts=["families", "children", "lgbtq_friendly"],
        languages=["en", "es"],
        since=-120,
        until=None,
        address="1402 Calle Inventada, El Paso, TX (demo)",
        host_name="Familia Demo Robles",
        host_phone="+1 915 555 0140",
    ),
    dict(
        name="Casa Jacaranda (host home)",
        kind="host_home",
        capacity=2,
        accepts=["lgbtq_friendly", "single_women_only"],
        languages=["es"],
        since=-60,
        until=45,
        address="88 Camino Ficticio, Socorro, TX (demo)",
        host_name="Sra. Demo Herrera",
        host_phone="+1 915 555 0141",
    ),
    dict(
        name="Refugio Norte",
        kind="shelter",
        capacity=12,
        accepts=["children", "families", "lgbtq_friendly", "wheelchair"],
        languages=["en", "es", "indigenous"],
        since=-400,
        until=None,
        address="500 Avenida Ejemplo, El Paso, TX (demo)",
        host_name="Demo shelter desk",
        host_phone="+1 915 555 0142",
    ),
    dict(
        name="Departamento Loma Clara",
        kind="apartment",
        capacity=5,
        accepts=["children", "families", "pets"],
        languages=["es"],
        since=-90,
        until=None,
        address="Apt 3B, 20 Calle Supuesta, El Paso, TX (demo)",
        host_name="Demo property manager",
        host_phone="+1 915 555 0143",
    ),
    dict(
        name="Cuarto del Padre Demo (host home)",
        kind="host_home",
        capacity=1,
        accepts=[],
        languages=["en", "es"],
        since=-100,
        until=None,
        address="Parish house, 7 Calle Imaginaria, Anthony, NM (demo)",
        host_name="Padre Demo",
        host_phone="+1 575 555 0144",
    ),
    dict(
        name="Casa Naranja (host home)",
        kind="host_home",
        capacity=2,
        accepts=["pets", "smoking"],
        languages=["es"],
        since=0,
        until=None,
        address="9 Calle Hipotética, Horizon City, TX (demo)",
        host_name="Familia Demo Soto",
        vetting_status="new",
    ),
)

# (alias, legal name, household members, needs): invented people.
GUESTS = {
    "A1": (
        "Los Ferrer",
        "Anselmo Ferrer Quintana",
        [("Delia Ferrer", "spouse", 1989), ("Nico Ferrer", "child", 2016)],
        ["children"],
    ),
    "A2": ("Doña Chayo", "Rosario Gámez Lira", [("Beto Gámez", "child", 2012)], ["children"]),
    "A3": ("Pancho L.", "Francisco Lemus Prado", [], []),
    "J1": ("Lupita M.", "Guadalupe Montiel Vera", [], ["single_women_only"]),
    "J2": ("Yoli", "Yolanda Cervera Paz", [], ["single_women_only", "lgbtq_friendly"]),
    "J3": ("Nati R.", "Natividad Robledo Asís", [], ["single_women_only"]),
    "J4": ("Tere B.", "Teresa Bracamontes Uribe", [], ["single_women_only"]),
    "R1": (
        "Familia Olmos",
        "Ezequiel Olmos Trejo",
        [("Irma Olmos", "spouse", 1985), ("Kevin Olmos", "child", 2010), ("Dana Olmos", "child", 2014)],
        ["children"],
    ),
    "R2": ("Chuy", "Jesús Abarca Medel", [], []),
    "R3": (
        "Los Peralta",
        "Marcela Peralta Gil",
        [("Toño Peralta", "child", 2011), ("Sofi Peralta", "child", 2018)],
        ["children"],
    ),
    "R4": ("Hermanos Zúñiga", "Rubén Zúñiga Olvera", [("Abel Zúñiga", "sibling", 1995)], []),
    "R5": ("Don Fermín", "Fermín Castañeda Rey", [], ["wheelchair"]),
    "R6": (
        "Familia Lozada",
        "Aurelio Lozada Pineda",
        [
            ("Mirna Lozada", "spouse", 1983),
            ("Iván Lozada", "child", 2008),
            ("Cami Lozada", "child", 2013),
            ("Leo Lozada", "child", 2020),
        ],
        ["children"],
    ),
    "R7": ("El Güero", "Samuel Ocampo Luna", [], []),
    "R8": ("Los Mena", "Gilberto Mena Solís", [("Pati Mena", "spouse", 1990)], []),
    "L1": (
        "Familia Sarmiento",
        "Octavio Sarmiento Ruiz",
        [("Elsa Sarmiento", "spouse", 1986), ("Lalo Sarmiento", "child", 2012), ("Ximena S.", "child", 2017)],
        ["children", "pets"],
    ),
    "L2": ("Beni", "Benigno Tapia Corral", [], []),
    "L3": ("Maru", "María Eugenia Roldán Paz", [], []),
    "P1": ("Don Chema", "José María Esparza Díaz", [], []),
    "W1": ("Tina V.", "Agustina Vallejo Rocha", [], []),
    "W2": (
        "Los Quiroz",
        "Leticia Quiroz Mora",
        [("Santi Quiroz", "child", 2015), ("Emi Quiroz", "child", 2019)],
        ["children"],
    ),
    "W3": ("Pareja Duarte", "Raúl Duarte Sosa", [("Nayeli Duarte", "spouse", 1997)], []),
    "W4": ("Memo", "Guillermo Ibáñez Cano", [], ["wheelchair"]),
    "W5": ("Carmelita", "Carmen Ordóñez Fierro", [], ["single_women_only"]),
}

# guest, site (index in SITES), first night and move-out day (days from today; None: open), where they went.
STAYS = (
    ("P1", 4, -90, -33, "own_home"),
    ("L1", 3, -60, None, None),
    ("L2", 3, -50, -30, "hospital"),
    ("R1", 2, -45, -15, "family_home"),
    ("A1", 0, -40, -12, "own_home"),
    ("R2", 2, -35, -20, "returned_to_mexico"),
    ("J1", 1, -30, -5, "friends"),
    ("R3", 2, -25, 5, None),
    ("J2", 1, -20, 10, None),
    ("R4", 2, -18, -2, "other_city"),
    ("R5", 2, -14, None, None),
    ("A2", 0, -10, None, None),
    ("R6", 2, -8, 25, None),
    ("R7", 2, -6, -1, "detained"),
    ("J3", 1, -3, 20, None),
    ("L3", 3, 2, 16, None),
    ("A3", 0, 3, 20, None),
    ("R8", 2, 6, 30, None),
    ("J4", 1, 12, 40, None),
)
# Still waiting: guest, urgency, days on the waitlist.
WAITING = (("W1", "emergency", 0), ("W2", "high", 4), ("W3", "normal", 12), ("W4", "high", 9), ("W5", "normal", 2))


def seed() -> list[str]:
    if db.session.scalar(select(func.count()).select_from(Site)):
        return []
    coordinators = [accounts.find_by_email(e) for e in ("coordinator@example.org", "coordinator2@example.org")]
    admin = accounts.find_by_email("admin@example.org")
    today = services.today()

    def on(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    def on_or_open(offset: int | None) -> dt.date | None:
        return None if offset is None else on(offset)

    sites = []
    for record in SITES:
        data: dict[str, Any] = dict(record)
        data["available_from"], data["available_until"] = on_or_open(data.pop("since")), on_or_open(data.pop("until"))
        data.setdefault("vetting_status", "verified")
        if data["vetting_status"] == "verified":
            data["home_visit_on"] = data["background_check_on"] = on(-130)
        sites.append(services.sites.create(data, by=admin))

    def request_for(code: str, index: int, urgency: str, opened: dt.date):
        alias, legal_name, household, needs = GUESTS[code]
        by = coordinators[index % 2]
        person = people.create(
            {
                "legal_name": legal_name,
                "alias": alias,
                "language": "es",
                "consent_date": opened,
                "consent_scopes": ["housing"],
            },
            [{"name": n, "relationship": r, "birth_year": y} for n, r, y in household],
            by=by,
        )
        req = services.waitlist.open_request(
            person,
            {"household_size": 1 + len(household), "needs": needs, "urgency": urgency, "wanted_from": opened},
            by=by,
        )
        req.opened_at = dt.datetime.combine(opened, dt.time(17, 30))  # as if opened back then
        db.session.commit()
        return req, by

    for index, (code, site, first, last, destination) in enumerate(STAYS):
        req, by = request_for(code, index, ("emergency", "high", "normal")[index % 3], on(first - 1 - index % 4))
        placement = services.placements.place(req, sites[site].id, on(first), on_or_open(last), by=by)
        if first <= 0:
            placement = services.placements.move_in(placement, on(first), by=by)
        if code == "J3":  # moved on to the shelter two days later
            services.placements.move(placement, sites[2].id, on(first + 2), None, by=by)
        elif destination and last is not None:  # every stay that ended has its last day
            services.placements.move_out(placement, on(last), destination, by=by)
    for index, (code, urgency, waited) in enumerate(WAITING):
        request_for(code, index, urgency, on(-waited))
    services.sites.update_site(sites[4], {"paused": True}, by=admin)  # the priest is away for a while
    return [f"Demo housing: {len(SITES)} sites, {len(STAYS)} stays, {len(WAITING)} households waiting"]
