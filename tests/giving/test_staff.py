"""Staff: funds and campaigns, donors and merge, offline gifts, reports, exports, constant query counts."""

import datetime as dt

from sqlalchemy import func, select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift
from tests.mailbox import body


def _fill(app, funds, donors, gifts_each, campaign_id=None):
    with app.app_context():
        start = db.session.scalar(select(func.count()).select_from(Donor))
        for n in range(donors):
            donor = Donor(email_key=f"d{start + n}@example.org", name=f"Donor {start + n}")
            db.session.add(donor)
            db.session.flush()
            for k in range(gifts_each):
                gift = Gift(
                    donor_id=donor.id,
                    fund_id=funds.counseling if k % 2 else funds.housing,
                    campaign_id=campaign_id,
                    amount_cents=1000 * (k + 1),
                    status="succeeded",
                    source="online" if k % 3 else "check",
                    received_at=dt.datetime(2026, 1 + k % 12, 3),
                )
                gift.settle()
                db.session.add(gift)
        db.session.commit()


def test_list_and_report_pages_run_a_constant_number_of_queries(
    app, client, auth, make_user, funds, count_queries, make_campaign
):
    auth.login(make_user("admin"))
    campaign_id = make_campaign()
    paths = (
        "/give/staff/donors",
        "/give/staff/gifts",
        "/give/staff/reports?year=2026",
        "/give/staff/",
        "/give/campaign/safe-homes",
        "/give/impact",
    )
    counts = []
    for size in (2, 12):
        _fill(app, funds, size, 3, campaign_id)
        sizes = []
        for path in paths:
            with count_queries() as counted:
                assert client.get(path).status_code == 200, path
            sizes.append(len(counted))
        counts.append(sizes)
    assert counts[0] == counts[1]


def test_reports_show_totals_retention_and_the_median(app, client, auth, make_user, funds):
    with app.app_context():
        for email, years in (
            ("new@example.org", [2026]),
            ("kept@example.org", [2025, 2026]),
            ("lybunt@example.org", [2025]),
            ("sybunt@example.org", [2023]),
        ):
            donor = Donor(email_key=email)
            db.session.add(donor)
            db.session.flush()
            for year in years:
                gift = Gift(
                    donor_id=donor.id,
                    fund_id=funds.counseling,
                    amount_cents=1000 * year % 7000 + 1000,
                    status="succeeded",
                    received_at=dt.datetime(year, 6, 1),
                )
                gift.settle()
                db.session.add(gift)
        db.session.commit()
        from mexiles.giving.services import reports

        assert reports.donor_retention(2026) == {"new": 1, "retained": 1, "lybunt": 1, "sybunt": 1}
    auth.login(make_user("coordinator", locale="es"))
    page = client.get("/give/staff/reports?year=2026").data.decode()
    assert "LYBUNT" in page and "Terapia de trauma" in page


def test_offline_gift_with_receipt_then_merge_and_audited_exports(app, client, auth, make_user, funds, mailbox):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post(
        "/give/staff/gifts/new",
        data={
            "email": "check@example.org",
            "name": "Check Giver",
            "locale": "es",
            "source": "in_kind",
            "amount": "120",
            "fund": funds.housing,
            "campaign": 0,
            "received_on": "2026-03-04",
            "description": "",
        },
    )
    assert "Describe the in-kind gift" in response.data.decode() and 'value="Check Giver"' in response.data.decode()
    client.post(
        "/give/staff/gifts/new",
        data={
            "email": "check@example.org",
            "name": "Check Giver",
            "locale": "es",
            "source": "in_kind",
            "amount": "120",
            "fund": funds.housing,
            "campaign": 0,
            "received_on": "2026-03-04",
            "description": "Two beds",
        },
    )
    receipt = body(mailbox.wait_for("check@example.org"))
    assert "Two beds" in receipt and "No se proporcionaron" in receipt
    assert "120" not in receipt  # an in-kind gift is described, never given a dollar amount
    client.post(
        "/give/staff/gifts/new",
        data={
            "email": "CHECK.giver@example.org",
            "source": "cash",
            "amount": "20",
            "fund": funds.housing,
            "campaign": 0,
            "received_on": "2026-03-05",
            "locale": "en",
        },
    )
    with app.app_context():
        first, duplicate = db.session.scalars(select(Donor.id).order_by(Donor.id)).all()
    assert client.post(f"/give/staff/donors/{duplicate}", data={"into": first}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Donor)) == 1
        assert db.session.scalar(select(func.count()).select_from(Gift).where(Gift.donor_id == first)) == 2
    gifts_csv = client.get("/give/staff/export/gifts.csv").data.decode()
    donors_csv = client.get("/give/staff/export/donors.csv").data.decode()
    assert gifts_csv.count("\n") == 3 and "check@example.org" in donors_csv
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"gift.export", "donor.export", "donor.merge", "gift.offline"} <= actions


def test_admins_manage_funds_and_campaigns_and_the_public_page_follows(
    app, client, auth, make_user, funds, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 1, 12), tick=False)
    auth.login(make_user("admin"))
    client.post(
        "/give/staff/funds",
        data={"code": "legal", "name_en": "Legal aid", "name_es": "Ayuda legal", "position": 5, "active": "y"},
    )
    response = client.post(
        "/give/staff/campaigns/new",
        data={
            "slug": "winter",
            "title_en": "Winter shelter",
            "title_es": "Refugio de invierno",
            "story_en": "Cold nights.",
            "story_es": "Noches frías.",
            "goal": "1000",
            "starts_on": "2026-10-01",
            "ends_on": "2026-11-30",
            "fund": 0,
        },
    )
    assert response.status_code == 302
    _fill_campaign(app, funds)
    page = client.get("/give/campaign/winter").data.decode()
    assert "$500.00" in page and "29 days left" in page and "1 donor" in page and "1 donors" not in page
    assert "Legal aid" in client.get("/give/staff/funds").data.decode()
    time_machine.move_to(dt.datetime(2026, 12, 2, 12), tick=False)
    assert "This campaign has ended" in client.get("/give/campaign/winter").data.decode()


def _fill_campaign(app, funds):
    from mexiles.giving.models import Campaign

    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "winter"))
        donor = Donor(email_key="w@example.org", name="Listed Donor", listed=True)
        db.session.add(donor)
        db.session.flush()
        gift = Gift(
            donor_id=donor.id, fund_id=funds.general, campaign_id=campaign.id, amount_cents=50000, status="succeeded"
        )
        gift.settle()
        db.session.add(gift)
        db.session.commit()


def test_the_impact_page_names_only_donors_who_asked(app, client, funds):
    with app.app_context():
        for email, listed, anonymous in (
            ("yes@example.org", True, False),
            ("no@example.org", False, False),
            ("anon@example.org", True, True),
        ):
            donor = Donor(email_key=email, name=email.split("@")[0].title() + " Demo", listed=listed)
            db.session.add(donor)
            db.session.flush()
            gift = Gift(
                donor_id=donor.id, fund_id=funds.general, amount_cents=1000, status="succeeded", anonymous=anonymous
            )
            gift.settle()
            db.session.add(gift)
        db.session.commit()
    page = client.get("/give/impact").data.decode()
    assert "Yes Demo" in page and "No Demo" not in page and "Anon Demo" not in page
    assert "$30.00" in page


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_the_payment_pages_allow_stripes_documented_sources(app, client, funds):
    directives = _directives(client.get("/give/").headers["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["frame-src"] == ["https://js.stripe.com", "https://hooks.stripe.com"]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert "stripe" not in client.get("/give/impact").headers["Content-Security-Policy"]


def test_only_the_payment_pages_allow_stripe_js(stripe_app, client, funds, localstripe_url):
    donate = client.get("/give/")
    directives = _directives(donate.headers["Content-Security-Policy"])
    for name in ("script-src", "frame-src", "connect-src"):
        assert localstripe_url in directives[name], name
    assert "'self'" in directives["script-src"] and "'self'" in directives["connect-src"]
    assert f'src="{localstripe_url}/js.stripe.com/v3/"' in donate.data.decode()
    for path in ("/", "/give/impact", "/give/thanks"):
        other = client.get(path)
        assert localstripe_url not in other.headers["Content-Security-Policy"], path
        assert "js.stripe.com" not in other.data.decode()


def test_a_campaign_is_open_all_evening_of_its_deadline_in_el_paso(app, client, funds, make_campaign, time_machine):
    make_campaign(slug="winter", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30))
    # 9 pm on 30 November in El Paso is already 1 December in UTC.
    time_machine.move_to(dt.datetime(2026, 12, 1, 4, tzinfo=dt.UTC), tick=False)
    page = client.get("/give/campaign/winter").data.decode()
    assert "This campaign has ended" not in page and "0 days left" in page
    assert "Your gift counts toward Safe homes" in client.get("/give/?campaign=winter").data.decode()
    time_machine.move_to(dt.datetime(2026, 12, 1, 7, 1, tzinfo=dt.UTC), tick=False)  # just past midnight there
    assert "This campaign has ended" in client.get("/give/campaign/winter").data.decode()


def _gifts_in(app, funds, amounts, year):
    with app.app_context():
        donor = Donor(email_key=f"median{year}@example.org")
        db.session.add(donor)
        db.session.flush()
        for cents in amounts:
            gift = Gift(
                donor_id=donor.id,
                fund_id=funds.general,
                amount_cents=cents,
                status="succeeded",
                received_at=dt.datetime(year, 6, 1, 18),
            )
            gift.settle()
            db.session.add(gift)
        db.session.commit()


def test_the_median_and_average_of_uneven_gifts(app, funds):
    from mexiles.giving.services import reports

    _gifts_in(app, funds, [9000, 1000, 2500], 2026)  # odd count: the middle one
    _gifts_in(app, funds, [1000, 9000, 4000, 2500], 2025)  # even count: halfway between the middle two
    with app.app_context():
        assert reports.average_and_median(2026) == (3, 4167, 2500)
        assert reports.average_and_median(2025) == (4, 4125, 3250)
        assert reports.build(2026).median_cents == 2500


def test_recurring_revenue_counts_only_active_monthly_gifts(app, funds):
    from mexiles.giving.models import RecurringGift
    from mexiles.giving.services import reports

    with app.app_context():
        donor = Donor(email_key="monthly@example.org")
        db.session.add(donor)
        db.session.flush()
        for status, cents in (("active", 2500), ("past_due", 4000), ("paused", 1000), ("canceled", 800)):
            db.session.add(RecurringGift(donor_id=donor.id, fund_id=funds.general, amount_cents=cents, status=status))
        db.session.commit()
        assert reports.recurring_revenue() == (1, 2500)


def test_a_merge_keeps_the_customer_the_duplicates_monthly_gift_bills(app, client, auth, make_user, funds):
    from mexiles.giving.models import RecurringGift
    from mexiles.giving.services import portal

    with app.app_context():
        ids = []
        for email, customer in (("one@example.org", "cus_one"), ("two@example.org", "cus_two")):
            donor = Donor(email_key=email, stripe_customer_id=customer)
            db.session.add(donor)
            db.session.flush()
            db.session.add(
                RecurringGift(
                    donor_id=donor.id,
                    fund_id=funds.general,
                    amount_cents=2500,
                    status="active",
                    stripe_subscription_id=f"sub_{customer}",
                )
            )
            ids.append(donor.id)
        db.session.commit()
    auth.login(make_user("admin"))
    assert client.post(f"/give/staff/donors/{ids[1]}", data={"into": ids[0]}).status_code == 302
    with app.app_context():
        moved = db.session.scalar(select(RecurringGift).where(RecurringGift.stripe_subscription_id == "sub_cus_two"))
        assert moved.donor_id == ids[0] and portal.billed_customer(moved) == "cus_two"
        kept = db.session.scalar(select(RecurringGift).where(RecurringGift.stripe_subscription_id == "sub_cus_one"))
        assert portal.billed_customer(kept) == "cus_one"


def test_gift_codes_read_as_words_in_the_staff_language(client, auth, make_user, record_gift):
    import datetime as dt

    gift_id = record_gift("general", 4200, dt.date(2026, 11, 2))
    auth.login(make_user("admin", locale="es"))
    page = client.get(f"/give/staff/gifts/{gift_id}").data.decode()
    assert "Efectivo · Recibida" in page and "cash" not in page.split("<main", 1)[1].split("</main>")[0]
    report = client.get("/give/staff/reports?year=2026").data.decode()
    assert "Efectivo" in report
