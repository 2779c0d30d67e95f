"""Fund balances, the staff figures and the public impact page agree with the gifts and the spending
to the cent (run on SQLite and on PostgreSQL); no public cell is about fewer than five people."""

import csv
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
