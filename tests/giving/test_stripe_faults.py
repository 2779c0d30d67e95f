"""A Stripe that accepts the connection and never answers: the donor gets the page's own message
in their language within the client's timeout, as JSON for the page's script or as a page."""

import socket
import threading
import time

import pytest
from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Gift

from .conftest import gift_form


@pytest.fixture
def hung_stripe(stripe_app):
    """A loopback server that accepts connections and reads, but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    saved = {k: stripe_app.config[k] for k in ("STRIPE_API_BASE", "STRIPE_TIMEOUT_SECONDS")}
    stripe_app.config.update(
        STRIPE_API_BASE=f"http://127.0.0.1:{listener.getsockname()[1]}", STRIPE_TIMEOUT_SECONDS=0.3
    )
    yield accepted
    stripe_app.config.update(saved)
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_hung_stripe_gives_the_donor_our_message_in_their_language(stripe_app, client, funds, hung_stripe):
    started = time.monotonic()
    answer = client.post(
        "/give/pay",
        data=gift_form(payment_method="pm_card_visa"),
        headers={"Accept-Language": "es", "X-Requested-With": "fetch"},
    )
    took = time.monotonic() - started
    assert answer.status_code == 402 and answer.json["status"] == "error"
    assert "procesador de tarjetas" in answer.json["message"]
    # Three tries (two retries) of 0.3 s, with Stripe's short backoff between them: far inside 30 s.
    assert len(hung_stripe) == 3 and took < 5
    with stripe_app.app_context():
        assert db.session.scalar(select(Gift.status)) == "pending"  # not charged, kept for the retry


def test_without_the_pages_script_the_donor_gets_a_page(stripe_app, client, funds, hung_stripe):
    answer = client.post(
        "/give/pay",
        data=gift_form(payment_method="pm_card_visa"),
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    page = answer.data.decode()
    assert answer.status_code == 402 and answer.mimetype == "text/html"
    assert "could not reach the card processor" in page and "/give/" in page
