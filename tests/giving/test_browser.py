"""Giving in Debian's chromium on a phone-sized screen, through the real app (in a thread, on its
own migrated SQLite file), localstripe's Stripe.js stand-in, and SMTP: a gift, a monthly gift
managed in the portal, and the donate page when Stripe.js is blocked."""

import re
import socket
import threading
from contextlib import contextmanager

import pytest
import stripe
from flask_migrate import upgrade
from werkzeug.serving import make_server

from mexiles import create_app
from mexiles.extensions import SESSION_OPTIONS, db
from mexiles.giving.models import Fund
from tests.mailbox import body

from .conftest import WEBHOOK_SECRET
from .localstripe import flush_localstripe, register_webhook

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_app(tmp_path, localstripe_url, mailbox):
    """The app served for real; the test's rolled-back session is set aside while it runs."""
    test_session = db.session
    db.session = db._make_scoped_session(dict(SESSION_OPTIONS))
    served = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": mailbox.host,
            "MAIL_PORT": mailbox.port,
            "STRIPE_SECRET_KEY": "sk_test_browser",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_browser",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": localstripe_url,
            "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
            "STRIPE_CSP_SCRIPT_SRC": localstripe_url,
            "STRIPE_CSP_FRAME_SRC": localstripe_url,
            "STRIPE_CSP_CONNECT_SRC": localstripe_url,
            "ORG_ADDRESS": "Apartado 17, El Paso, TX 79901",
            "ORG_CONTACT_EMAIL": "gifts@mexiles.example",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 64,
        }
    )
    with served.app_context():
        upgrade()
        db.session.add(Fund(code="counseling", name_en="Trauma counseling", name_es="Terapia de trauma"))
        db.session.commit()
    flush_localstripe(localstripe_url)
    port = _free_port()
    server = make_server("127.0.0.1", port, served, threaded=True)
    register_webhook(localstripe_url, "mexiles-browser", f"http://127.0.0.1:{port}/give/stripe/webhook", WEBHOOK_SECRET)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        register_webhook(localstripe_url, "mexiles-browser", "http://127.0.0.1:9/", WEBHOOK_SECRET, events=["none"])
        server.shutdown()
        with served.app_context():
            db.session.remove()
            db.engine.dispose()
        db.session = test_session


@contextmanager
def phone(locale):
    """A phone-sized chromium page (390 px wide)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=locale
            )
            yield context.new_page()
        finally:
            browser.close()


def _fill_card(page, number="4242424242424242"):
    for placeholder, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "79901"),
    ):
        page.get_by_placeholder(placeholder, exact=True).fill(value)


def test_when_stripe_js_is_blocked_the_page_says_so_and_offers_other_ways(live_app, localstripe_url):
    with phone("es-MX") as page:
        page.route(re.compile(r".*/js\.stripe\.com/.*"), lambda route: route.abort("blockedbyclient"))
        page.goto(f"{live_app}/give/")
        notice = page.locator("#card-unavailable")
        notice.wait_for(state="visible")
        text = notice.inner_text()
        assert "No se pudo cargar el formulario de la tarjeta." in text and "No se cobró nada" in text
        assert "Apartado 17, El Paso" in text and "Por transferencia bancaria" in text
        assert notice.get_by_role("link", name="gifts@mexiles.example").is_visible()
        assert page.locator("#donate-form").is_hidden()  # no Give button that could only fail
        box = notice.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_monthly_gift_from_a_phone_then_paused_and_cancelled_in_the_portal(live_app, localstripe_url, mailbox):
    stripe_api = stripe.StripeClient(
        "sk_test_browser", base_addresses={"api": localstripe_url}, max_network_retries=0
    ).v1
    with phone("en-US") as page:
        page.on("dialog", lambda dialog: dialog.accept())  # "Cancel your monthly gift?"
        page.goto(f"{live_app}/give/")
        page.get_by_role("radio", name="Monthly").check()
        page.get_by_role("radio", name="$25.00", exact=True).check()
        page.get_by_role("textbox", name="Your name").fill("Quinn Demo-Hale")
        page.get_by_label("Email, for your receipt").fill("quinn@example.org")
        _fill_card(page)
        page.get_by_role("button", name="Give").click()
        page.wait_for_url(f"{live_app}/give/thanks", timeout=15000)
        assert "$25.00" in body(mailbox.wait_for("quinn@example.org", timeout=15))

        mailbox.clear()
        page.goto(f"{live_app}/give/portal/signin")
        page.get_by_label("Email").fill("quinn@example.org")
        page.get_by_role("button", name="Send me a sign-in link").click()
        link = re.search(
            r"https?://\S+/give/portal/signin/\S+", body(mailbox.wait_for("quinn@example.org", timeout=15))
        )
        page.goto(link.group(0))
        page.get_by_role("button", name="Sign in to see my gifts").click()
        monthly = page.locator("section.monthly")
        assert "$25.00" in monthly.inner_text() and "Active" in monthly.inner_text()
        subscription_id = stripe_api.subscriptions.list().data[0].id

        blocked = page.context.new_page()  # the same donor, where Stripe.js cannot load
        blocked.route(re.compile(r".*/js\.stripe\.com/.*"), lambda route: route.abort("blockedbyclient"))
        blocked.goto(f"{live_app}/give/portal/")
        card_change = blocked.locator("form.card-change")
        card_change.get_by_text("The card form could not load.").wait_for()
        assert card_change.get_by_role("button", name="Save the new card").is_disabled()
        blocked.close()

        monthly.get_by_role("button", name="Pause").click()
        page.get_by_text("Your monthly gift is paused.").wait_for()
        assert "Paused" in page.locator("section.monthly").inner_text()
        assert stripe_api.subscriptions.retrieve(subscription_id).pause_collection.behavior == "void"

        page.locator("section.monthly").get_by_role("button", name="Cancel").click()
        page.get_by_text("Your monthly gift is cancelled.").wait_for()
        assert "Cancelled" in page.locator("section.monthly").inner_text()
        assert stripe_api.subscriptions.retrieve(subscription_id).status == "canceled"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_gift_from_a_phone_reaches_stripe_and_the_receipt_arrives(live_app, localstripe_url, mailbox):
    with phone("es-MX") as page:
        blocked = []
        page.on(
            "console",
            lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
        )
        response = page.goto(f"{live_app}/give/")
        policy = response.headers["content-security-policy"]
        assert localstripe_url in policy
        page.get_by_role("radio", name="Otro").check()
        page.get_by_label("Otro monto (US$)").fill("42")
        page.get_by_label("Agregar la comisión").check()
        page.get_by_text("Agrega 1,56\xa0US$").wait_for()
        page.get_by_role("textbox", name="Su nombre").fill("Greta Demo-Finch")
        page.get_by_label("Correo electrónico, para su recibo").fill("greta@example.org")
        _fill_card(page)
        page.get_by_role("button", name="Donar").click()
        page.wait_for_url(f"{live_app}/give/thanks", timeout=15000)
        thanks_policy = page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
        assert localstripe_url not in thanks_policy
        assert blocked == []
    receipt = mailbox.wait_for("greta@example.org", timeout=15)
    text = body(receipt)
    assert "43,56\xa0US$" in text
    assert "No se proporcionaron bienes ni servicios" in text
