"""Fund balances, the staff figures and the public impact page agree with the gifts and the spending
to the cent (run on SQLite and on PostgreSQL); no public cell is about fewer than five people."""

import csv
import datetime as dt
import io

from sqlalchemy import select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.giving import services as giving


def _refund(app, gift_id, cents):
    from mexiles.accounts import services as accounts
    from mexiles.giving.models import Gift
    from mexiles.giving.services import gifts

    with app.app_context():
        admin = accounts.create_user("refunder@example.org", ["admin"])
        gifts.refund(db.session.get(Gift, gift_id), cents, "Donante pidió reembolso", admin, by_card=False)


def test_the_balance_is_raised_net_of_refunds_minus_sessions_and_assistance(
    app, client, auth, aid, record_gift, paid_session, today
):
    counseling = aid.fund("counseling", 123_45)
    refunded = record_gift("counseling", 10_01, today)
    _refund(app, refunded, 3_33)  # the fund keeps $6.68 of it
    person = aid.person()
    paid_session(person, aid.coordinator, 12_34, today)
    aid.given(person, counseling, 20_07)
    promised = aid.ask(person, counseling, 5_05)
    aid.decide(promised)
    raised = 123_45 + 10_01 - 3_33
    with app.app_context():
        assert giving.raised_by_fund()[counseling] == raised  # as giving reports it
    auth.login(aid.admin)
    page = client.get("/assistance/figures").get_data(as_text=True)
    row = page.split('data-fund="counseling"')[1].split("</tr>")[0]
    balance = raised - 12_34 - 20_07
    for cents in (raised, 12_34, 20_07, balance, 5_05):
        assert f"${cents // 100:,}.{cents % 100:02d}" in row, (cents, row)
    detail = client.get(f"/assistance/{promised}").get_data(as_text=True)
    left = balance - 5_05
    assert f"${left // 100:,}.{left % 100:02d}" in detail


def test_the_staff_figures_and_their_export_add_up_by_fund_and_month(app, client, auth, aid, record_gift, today):
    general = aid.fund("general", 500_00)
    record_gift("general", 99, today)
    people = [aid.person(alias=f"Persona {i}") for i in range(3)]
    for i, person in enumerate(people):
        aid.given(person, general, 10_01 * (i + 1), category="medicine")
    aid.given(people[0], general, 7_77, category="phone")
    auth.login(aid.admin)
    export = client.get("/assistance/figures.csv")
    assert export.status_code == 200 and export.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    month = [r for r in rows if r["fund"] == "general" and r["month"] == today.strftime("%Y-%m")]
    assert len(month) == 1
    row = month[0]
    assert row["raised_usd"] == "500.99"
    assert (row["assistance_medicine_payments"], row["assistance_medicine_people"]) == ("3", "3")
    assert row["assistance_medicine_usd"] == "60.06"
    assert (row["assistance_phone_payments"], row["assistance_phone_usd"]) == ("1", "7.77")
    with app.app_context():
        exported = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "assistance.figures.export")).all()
        assert [e.actor_id for e in exported] == [aid.admin.id]


def _impact(client, path="/give/impact"):
    return client.get(path).get_data(as_text=True)


def test_the_public_page_shows_a_cell_only_for_five_people_or_more(app, client, aid, record_gift, today):
    general = aid.fund("general", 1_000_00)
    aid.fund("asylum", 1_000_00)
    asylum = aid.fund("asylum")
    # medicine: 1 person; food: 4 people; transport: 5 people (one of them twice).
    aid.given(aid.person(alias="Sola"), general, 31_17, category="medicine")
    for i in range(4):
        aid.given(aid.person(alias=f"Cuatro {i}"), general, 11_00 + i, category="food")
    five = [aid.person(alias=f"Cinco {i}") for i in range(5)]
    for i, person in enumerate(five):
        aid.given(person, asylum, 20_00 + i, category="filing_fee")
    aid.given(five[0], asylum, 1_00, category="filing_fee")
    page = _impact(client)
    assert "Filing fee: 6 times ($101.10)" in page  # 5 people: shown, with its sum
    assert "Medicine" not in page and "$31.17" not in page
    assert "Food" not in page and "$44.06" not in page and "$11.0" not in page
    assert "Figures about fewer than 5 people are left out" in page
    for alias in ("Sola", "Cuatro", "Cinco", "Inventada"):
        assert alias not in page
    spanish = client.get("/give/impact", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Tarifa de trámite: 6 veces" in spanish and "Medicinas" not in spanish


def test_a_fifth_person_makes_the_cell_public(app, client, aid, today):
    general = aid.fund("general", 1_000_00)
    for i in range(4):
        aid.given(aid.person(alias=f"Persona {i}"), general, 10_00, category="rent")
    assert "Rent:" not in _impact(client)
    aid.given(aid.person(alias="Quinta"), general, 10_00, category="rent")
    assert "Rent: 5 times ($50.00)" in _impact(client)


def test_counseling_sessions_are_public_only_for_five_people(app, client, aid, paid_session, today):
    aid.fund("counseling", 1_000_00)
    persons = [aid.person(alias=f"Terapia {i}") for i in range(5)]
    for person in persons[:4]:
        paid_session(person, aid.coordinator, 50_00, today)
    assert "counseling session" not in _impact(client)
    paid_session(persons[4], aid.coordinator, 50_01, today)
    assert "5 counseling sessions ($250.01)" in _impact(client)


def test_a_campaign_page_shows_the_same_for_its_fund_only(app, client, aid, today):
    from mexiles.giving.models import Campaign

    general, asylum = aid.fund("general", 1_000_00), aid.fund("asylum", 500_00)
    for i in range(5):
        aid.given(aid.person(alias=f"P{i}"), general, 10_00, category="translation")
        aid.given(aid.person(alias=f"Q{i}"), asylum, 3_00, category="food")
    with app.app_context():
        db.session.add(
            Campaign(
                slug="otras-necesidades",
                title_en="Other needs",
                title_es="Otras necesidades",
                goal_cents=100_000,
                starts_on=today,
                ends_on=today,
                fund_id=general,
            )
        )
        db.session.commit()
    page = _impact(client, "/give/campaign/otras-necesidades")
    assert "Translation: 5 times ($50.00)" in page and "Food" not in page


def test_the_list_and_figures_pages_keep_their_number_of_queries(app, client, auth, aid, count_queries):
    general = aid.fund("general", 1_000_00)

    def counted(url):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    aid.given(aid.person(alias="Una"), general, 1_00)
    aid.decide(aid.ask(aid.person(alias="Dos"), general, 1_00))  # approved, not paid
    auth.login(aid.admin)
    before = [counted(u) for u in ("/assistance/", "/assistance/unpaid", "/assistance/figures")]
    public_before = counted("/give/impact")
    for i in range(6):
        request_id = aid.ask(aid.person(alias=f"Más {i}"), general, 2_00, category=("food", "rent")[i % 2])
        aid.decide(request_id)
        if i % 2:
            aid.pay(request_id)
    assert [counted(u) for u in ("/assistance/", "/assistance/unpaid", "/assistance/figures")] == before
    assert counted("/give/impact") == public_before


# --- The one staff figures page ----------------------------------------------------------------


def _month_row(page: str, fund: str, month) -> str:
    months = " ".join(page.split()).split('id="months"')[1]
    return months.split(f'data-fund="{fund}" data-month="{month.isoformat()[:7]}"')[1].split("</tr>")[0]


def test_the_one_staff_page_shows_every_figure_in_full_to_the_cent(
    app, client, auth, make_user, aid, record_gift, paid_session, today
):
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    record_gift("counseling", 100_01, today)
    record_gift("counseling", 33_33, last_month)
    general = aid.fund("general", 250_50)
    one, two = aid.person(alias="Una"), aid.person(alias="Dos")
    paid_session(one, aid.coordinator, 12_34, today)
    paid_session(two, aid.coordinator, 7_89, last_month)
    aid.given(one, general, 31_17, category="medicine")  # one person: left out in public, shown here
    aid.given(two, general, 5_55, category="transport", on=last_month)
    aid.given(two, general, 4_45, category="transport", on=last_month)
    auth.login(aid.coordinator)  # staff, not only admins
    home = client.get("/").get_data(as_text=True)
    assert 'href="/assistance/figures"' in home  # in the staff navigation
    page = client.get("/assistance/figures").get_data(as_text=True)
    now = _month_row(page, "counseling", today)
    assert "$100.01" in now and "1 session, 1 people: $12.34" in now
    before = _month_row(page, "counseling", last_month)
    assert "$33.33" in before and "1 session, 1 people: $7.89" in before
    assert "Medicine: 1 payment, 1 people, $31.17" in _month_row(page, "general", today)
    assert "$250.50" in _month_row(page, "general", today)
    transport = _month_row(page, "general", last_month)
    assert (
        "Bus fare or transport: 2 payments, 1 people, $10.00" in transport
        and 'data-label="Spent">$10.00</td>' in transport
    )
    with app.app_context():  # what giving says each fund raised, to the cent
        raised = giving.raised_by_fund()
        counseling = giving.fund_by_code("counseling").id
    assert raised[counseling] == 133_34 and raised[general] == 250_50
    # A period: only its months; a wrong one gets a message and the last twelve months.
    first = last_month.replace(day=1)
    only = client.get(f"/assistance/figures?since={first}&until={today.replace(day=1) - dt.timedelta(days=1)}")
    months = only.get_data(as_text=True).split('id="months"')[1]
    assert f'data-month="{first.isoformat()[:7]}"' in months and f'data-month="{today.isoformat()[:7]}"' not in months
    wrong = client.get(f"/assistance/figures?since={today}&until={first}").get_data(as_text=True)
    assert "The end cannot be before the start." in wrong and "$31.17" in wrong
    assert client.get("/assistance/figures?since=abc&until=1900-01-01").status_code == 200
    auth.logout()
    auth.login(make_user("coordinator", locale="es"))
    spanish = client.get("/assistance/figures").get_data(as_text=True)
    assert "Medicinas: 1 pago, 1 personas" in " ".join(spanish.split())


def test_the_one_page_keeps_its_number_of_queries_whatever_the_figures(
    app, client, auth, aid, record_gift, paid_session, count_queries, today
):
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    general = aid.fund("general", 10_00)
    record_gift("counseling", 1_00, today)
    auth.login(aid.admin)

    def counted():
        with count_queries() as queries:
            assert client.get("/assistance/figures").status_code == 200
        return len(queries)

    before = counted()
    for i, on in enumerate((today, last_month, last_month)):
        person = aid.person(alias=f"Cifra {i}")
        record_gift(("general", "counseling", "asylum")[i], 3_00 + i, on)
        paid_session(person, aid.coordinator, 20_00 + i, on)
        aid.given(person, general, 1_00 + i, category=("food", "rent", "phone")[i], on=on)
    assert counted() == before


def test_the_impact_page_agrees_with_the_gifts_and_the_spending_to_the_cent(
    app, client, aid, record_gift, paid_session, today
):
    general = aid.fund("general", 123_45)
    _refund(app, record_gift("general", 9_99, today), 3_33)  # the fund keeps $6.66 of it
    record_gift("counseling", 77_07, today)
    for i in range(5):
        person = aid.person(alias=f"Impacto {i}")
        aid.given(person, general, 10_01 + i, category="food")  # $50.15 in all
        paid_session(person, aid.coordinator, 40_00 + i, today)  # $200.10 in all
    with app.app_context():
        raised = giving.raised_by_fund()
    assert raised[general] == 130_11
    page = " ".join(_impact(client).split()).split('impact-months"')[1]
    general_row = page.split(">General<")[1].split("</tr>")[0]
    assert 'data-label="Raised">$130.11</td>' in general_row and "Food: 5 times ($50.15)" in general_row
    counseling_row = page.split(">Counseling<")[1].split("</tr>")[0]
    assert 'data-label="Raised">$77.07</td>' in counseling_row and "5 counseling sessions ($200.10)" in counseling_row


def test_one_fund_used_by_1_4_and_5_people_shows_only_the_cell_of_5(app, client, auth, aid, today):
    from mexiles.giving.models import Campaign

    general = aid.fund("general", 1_000_00)
    aid.given(aid.person(alias="Sola"), general, 13_13, category="medicine")  # 1 person
    for i in range(4):
        aid.given(aid.person(alias=f"Cuatro {i}"), general, 4_04, category="phone")  # 4 people
    for i in range(5):
        aid.given(aid.person(alias=f"Cinco {i}"), general, 5_05, category="rent")  # 5 people
    with app.app_context():
        db.session.add(
            Campaign(
                slug="fondo-general",
                title_en="General fund",
                title_es="Fondo general",
                goal_cents=100_000,
                starts_on=today,
                ends_on=today,
                fund_id=general,
            )
        )
        db.session.commit()
    for path in ("/give/impact", "/give/campaign/fondo-general"):
        page = _impact(client, path)
        assert "Rent: 5 times ($25.25)" in page, path
        assert "Medicine" not in page and "$13.13" not in page, path
        assert "Phone" not in page and "$16.16" not in page and "$4.04" not in page, path
        assert "Figures about fewer than 5 people are left out" in page, path
    # Staff see every cell of the same fund and month.
    auth.login(aid.admin)
    staff = " ".join(client.get("/assistance/figures").get_data(as_text=True).split())
    row = _month_row(staff, "general", today)
    assert "Medicine: 1 payment, 1 people, $13.13" in row
    assert "Phone: 4 payments, 4 people, $16.16" in row
    assert "Rent: 5 payments, 5 people, $25.25" in row
