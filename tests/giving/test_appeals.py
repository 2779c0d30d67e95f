"""Appeals by email, through a real SMTP server: who gets them (consent, unsubscribes, bounces,
the segment), in which language, with which headers; the one-click unsubscribe; the opt-in."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.giving.models import Appeal, Donor, Gift, RecurringGift
from mexiles.jobs.models import Job
from tests.mailbox import body

from .conftest import gift_form

NOW = dt.datetime(2026, 6, 15, 18)
APPEAL = {
    "subject_en": "Coats for winter",
    "body_en": "Dear friend, the nights are cold.",
    "subject_es": "Abrigos para el invierno",
    "body_es": "Querida amiga, las noches son frías.",
}


def _donor(email, locale="en", opted=True, fund=None, **extra) -> int:
    donor = Donor(email_key=email, name=email.split("@")[0].title(), locale=locale, **extra)
    if opted:
        donor.opted_in_at = NOW - dt.timedelta(days=30)
    db.session.add(donor)
    db.session.flush()
    if fund:
        gift = Gift(donor_id=donor.id, fund_id=fund, amount_cents=5000, status="succeeded", received_at=NOW)
        gift.settle()
        db.session.add(gift)
    return donor.id


@pytest.fixture
def donors(app, funds, time_machine):
    time_machine.move_to(NOW, tick=False)
    with app.app_context():
        ids = {
            "en": _donor("emma@example.org", fund=funds.housing),
            "es": _donor("elena@example.org", locale="es", fund=funds.housing),
            "unsubscribed": _donor("ulises@example.org", fund=funds.housing, unsubscribed_at=NOW),
            "bounced": _donor("bruno@example.org", fund=funds.housing, bounced_at=NOW),
            "never_asked": _donor("nadia@example.org", opted=False, fund=funds.housing),
            "other_fund": _donor("otto@example.org", fund=funds.counseling),
            "monthly": _donor("mona@example.org", locale="es"),
        }
        db.session.add(
            RecurringGift(donor_id=ids["monthly"], fund_id=funds.general, amount_cents=2500, status="active")
        )
        db.session.commit()
        return ids


def _write(client, segment="fund", fund=None) -> int:
    response = client.post("/give/staff/appeals", data=dict(APPEAL, segment=segment, fund=fund or 0))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_an_appeal_reaches_only_consenting_working_addresses_in_their_language(
    app, client, auth, make_user, funds, donors, mailbox
):
    auth.login(make_user("coordinator"))
    appeal = _write(client, fund=funds.housing)
    preview = client.get(f"/give/staff/appeals/{appeal}").get_data(as_text=True)
    assert "It reaches 2 donors" in preview and "1 in English, 1 in Spanish" in preview
    assert "Coats for winter" in preview and "Abrigos para el invierno" in preview
    assert "Para no recibir más" in preview  # the Spanish message rendered in Spanish
    assert mailbox.messages == []  # a preview sends nothing
    assert client.post(f"/give/staff/appeals/{appeal}").status_code == 302
    english, spanish = mailbox.wait_for("emma@example.org"), mailbox.wait_for("elena@example.org")
    assert english["Subject"] == "Coats for winter" and "the nights are cold" in body(english)
    assert spanish["Subject"] == "Abrigos para el invierno" and "las noches son frías" in body(spanish)
    assert "To get no more" in body(english) and "Para no recibir más" in body(spanish)
    for message in (english, spanish):
        url = re.fullmatch(r"<(https://[^>]+)>", message["List-Unsubscribe"].strip()).group(1)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert url in body(message)
    assert {m["To"] for m in mailbox.messages} == {"emma@example.org", "elena@example.org"}
    # Sending again reaches nobody twice.
    assert client.post(f"/give/staff/appeals/{appeal}", follow_redirects=True).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == "mail")) == 2
        sent = db.session.get(Appeal, appeal)
        assert sent.sent_count == 2 and sent.sent_at is not None
        audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appeal.send")).all()
        assert [a.details["queued"] for a in audits] == [2, 0]
    assert len(mailbox.messages) == 2


@pytest.mark.parametrize(
    ("segment", "reached"),
    [("opted_in", {"en", "es", "other_fund", "monthly"}), ("monthly", {"monthly"}), ("lybunt", set())],
)
def test_each_segment_counts_its_donors(app, client, auth, make_user, funds, donors, segment, reached):
    auth.login(make_user("coordinator"))
    appeal = _write(client, segment=segment)
    page = client.get(f"/give/staff/appeals/{appeal}").get_data(as_text=True)
    assert f"It reaches {len(reached)} donor" in page


def test_an_appeal_to_a_fund_needs_its_fund(app, client, auth, make_user, funds, donors):
    auth.login(make_user("coordinator"))
    response = client.post("/give/staff/appeals", data=dict(APPEAL, segment="fund", fund=0))
    assert response.status_code == 200 and "Choose a fund" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Appeal.id))) == 0


def test_one_click_unsubscribes_without_signing_in_and_a_get_only_asks(
    app, client, auth, make_user, funds, donors, mailbox
):
    auth.login(make_user("coordinator"))
    client.post(f"/give/staff/appeals/{_write(client, fund=funds.housing)}")
    path = urlsplit(re.search(r"<([^>]+)>", mailbox.wait_for("emma@example.org")["List-Unsubscribe"]).group(1)).path
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "<button" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Donor, donors["en"]).unsubscribed_at is None  # a link scanner changes nothing
    # What a mail program sends (RFC 8058): a POST with no session and no CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        done = visitor.post(path, data={"List-Unsubscribe": "One-Click"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 200 and "Unsubscribed" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Donor, donors["en"]).unsubscribed_at is not None
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "donor.unsubscribe")) == 1
    assert visitor.post(path[:-3] + "abc").status_code == 404  # a forged token
    assert visitor.get("/give/unsubscribe/not-a-token").status_code == 404
    # Unsubscribed, and still receipted.
    mailbox.clear()
    appeal = _write(client, segment="opted_in")
    client.post(f"/give/staff/appeals/{appeal}")
    client.post(
        "/give/staff/gifts/new",
        data={
            "email": "emma@example.org",
            "source": "check",
            "amount": "20",
            "fund": funds.general,
            "campaign": 0,
            "received_on": "2026-06-15",
            "locale": "en",
        },
    )
    assert [m["Subject"] for m in mailbox.to("emma@example.org")] == ["Your receipt from " + app.config["ORG_NAME"]]


def test_staff_and_the_cli_record_bounces_and_bounced_addresses_get_no_appeal(
    app, client, runner, auth, make_user, funds, donors, mailbox
):
    auth.login(make_user("coordinator"))
    assert client.post(f"/give/staff/donors/{donors['en']}/bounced", data={"bounced": "y"}).status_code == 302
    result = runner.invoke(args=["giving", "bounced", "elena@example.org", "nobody@example.org"])
    assert "marked as bouncing" in result.output and "No donor has the address nobody@example.org" in result.output
    appeal = _write(client, fund=funds.housing)
    assert "It reaches 0 donors" in client.get(f"/give/staff/appeals/{appeal}").get_data(as_text=True)
    client.post(f"/give/staff/donors/{donors['en']}/bounced", data={})  # the address works again
    client.post(f"/give/staff/appeals/{appeal}")
    assert {m["To"] for m in mailbox.messages} == {"emma@example.org"}
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"donor.bounced", "donor.bounce_cleared"} <= actions


@pytest.mark.parametrize("role", ["counselor", "speaker", "donor"])
def test_other_roles_cannot_reach_appeals_on_direct_urls(app, client, auth, make_user, funds, donors, role):
    with app.app_context():
        appeal = Appeal(**APPEAL, segment="opted_in")
        db.session.add(appeal)
        db.session.commit()
        appeal_id = appeal.id
    auth.login(make_user(role))
    for method, url in (
        ("get", "/give/staff/appeals"),
        ("post", "/give/staff/appeals"),
        ("get", f"/give/staff/appeals/{appeal_id}"),
        ("post", f"/give/staff/appeals/{appeal_id}"),
        ("post", f"/give/staff/donors/{donors['en']}/bounced"),
    ):
        assert getattr(client, method)(url, data=dict(APPEAL, segment="opted_in")).status_code == 403, url
    with app.app_context():
        assert db.session.scalar(select(func.count(Job.id))) == 0


def test_the_donate_form_offers_the_opt_in_unticked(stripe_app, client, funds):
    page = client.get("/give/").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="opted_in"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box


def test_a_gift_with_the_box_ticked_opts_in_and_shows_on_the_wall(stripe_app, client, funds, card, make_campaign):
    make_campaign()
    for email, extra in (
        ("opts@example.org", {"opted_in": "y", "listed": "y", "amount_shown": "y", "name": "Olga Opts"}),
        ("quiet@example.org", {"listed": "y", "name": "Quinn Quiet"}),
        ("hidden@example.org", {"anonymous": "y", "listed": "y", "name": "Hana Hidden"}),
    ):
        form = gift_form(payment_method=card(), email=email, campaign="safe-homes", amount="100", **extra)
        assert client.post("/give/pay", data=form).get_json()["status"] == "succeeded"
    with stripe_app.app_context():
        opted = {d.email_key: d.opted_in_at is not None for d in db.session.scalars(select(Donor))}
    assert opted == {"opts@example.org": True, "quiet@example.org": False, "hidden@example.org": False}
    page = client.get("/give/campaign/safe-homes").get_data(as_text=True)
    wall = page[page.index("Who has given") :]
    assert "Olga Opts · $100.00" in wall and "Quinn Quiet" in wall and "Quinn Quiet · $" not in wall
    assert "Hana Hidden" not in page
    assert wall.index("Quinn Quiet") < wall.index("Olga Opts")  # newest first
