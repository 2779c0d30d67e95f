"""The campaign page: its end date beside the days left, share links that carry it, no outside scripts."""

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift


def test_the_end_date_stands_beside_the_days_left_in_both_languages(client, make_campaign, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 1, 18), tick=False)
    make_campaign(slug="winter", starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 11, 30))
    page = client.get("/give/campaign/winter").get_data(as_text=True)
    assert "29 days left" in page and "ends on November 30, 2026" in page
    page = client.get("/give/campaign/winter", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Quedan 29 días" in page and "termina el 30 de noviembre de 2026" in page
    time_machine.move_to(dt.datetime(2026, 11, 29, 18), tick=False)
    assert "1 day left" in client.get("/give/campaign/winter").get_data(as_text=True)
    time_machine.move_to(dt.datetime(2026, 12, 2, 18), tick=False)
    assert "It ended on November 30, 2026" in client.get("/give/campaign/winter").get_data(as_text=True)


def test_share_links_carry_the_campaign_and_load_nothing_from_elsewhere(client, make_campaign):
    make_campaign(slug="winter")
    response = client.get("/give/campaign/winter")
    page = response.get_data(as_text=True)
    address = "http://mexiles.test/give/campaign/winter"
    found = re.findall(r'<a href="((?:mailto:|sms:|https://wa\.me/)[^"]*)"[^>]*>([^<]+)</a>', page)
    links = {label: link for link, label in found}
    assert set(links) == {"By email", "By text message", "On WhatsApp"}
    for link in links.values():
        query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        assert any(address in unquote(value) for values in query.values() for value in values), link
    assert f'value="{address}"' in page
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert all(src.startswith("/") for src in scripts), scripts
    assert "wa.me" not in response.headers["Content-Security-Policy"]


def test_the_wall_shows_listed_donors_newest_first_and_amounts_only_when_chosen(app, client, funds, make_campaign):
    campaign_id = make_campaign(slug="winter")
    with app.app_context():
        for n, (name, listed, shown, anonymous) in enumerate(
            (
                ("Wanda Wall", True, True, False),
                ("Una Unlisted", False, True, False),
                ("Ana Anonymous", True, True, True),
                ("Sam Shy", True, False, False),
            )
        ):
            donor = Donor(email_key=f"w{n}@example.org", name=name, listed=listed)
            db.session.add(donor)
            db.session.flush()
            gift = Gift(
                donor_id=donor.id,
                fund_id=funds.housing,
                campaign_id=campaign_id,
                amount_cents=12_300,
                status="succeeded",
                amount_shown=shown,
                anonymous=anonymous,
                received_at=dt.datetime(2026, 1, 1) + dt.timedelta(days=n),
            )
            gift.settle()
            db.session.add(gift)
        db.session.commit()
        assert db.session.scalar(select(Gift.id).where(Gift.amount_shown.is_(True))) is not None
    page = client.get("/give/campaign/winter").get_data(as_text=True)
    wall = page[page.index("Who has given") :]
    assert "Wanda Wall · $123.00" in wall and "Sam Shy" in wall and "Sam Shy · $" not in wall
    assert "Una Unlisted" not in page and "Ana Anonymous" not in page
    assert wall.index("Sam Shy") < wall.index("Wanda Wall")
