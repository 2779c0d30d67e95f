"""Faults as a production week brings them, on PostgreSQL, against the app under gunicorn: a mail
server that takes messages and never answers, a process killed between the commit and the send,
Redis gone mid-test. Nothing is lost and nothing is sent twice; requests answer fast."""

from __future__ import annotations

import secrets
import socket
import threading
import time

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from mexiles.extensions import db
from mexiles.giving.models import Donor, Gift
from mexiles.jobs.models import Job
from tests.fault_server import Server, child_env
from tests.giving.conftest import WEBHOOK_SECRET, funds, localstripe_url  # noqa: F401 (fixtures)
from tests.giving.signing import make_event, signed_request
from tests.tours.public_data import BOOKING

pytestmark = pytest.mark.committed
REDIS = "redis://127.0.0.1:6379/0"


def _pending_gift(app, funds, email="avery@example.org", intent="pi_fault_1"):
    with app.app_context():
        donor = Donor(email_key=email, name="Avery Demo", locale="es")
        db.session.add(donor)
        db.session.flush()
        gift = Gift(
            donor_id=donor.id,
            fund_id=funds.counseling,
            amount_cents=5000,
            status="pending",
            stripe_payment_intent_id=intent,
        )
        db.session.add(gift)
        db.session.commit()
        return gift.id


def _intent_succeeded(intent="pi_fault_1"):
    return make_event(
        "payment_intent.succeeded",
        {
            "id": intent,
            "object": "payment_intent",
            "amount": 5000,
            "amount_received": 5000,
            "status": "succeeded",
            "created": 1767225600,
            "metadata": {},
            "latest_charge": {
                "id": "ch_" + intent,
                "object": "charge",
                "balance_transaction": {"id": "txn_1", "fee": 175, "net": 4825},
            },
        },
    )


def _jobs(app):
    with app.app_context():
        return db.session.scalars(select(Job).order_by(Job.id)).all()


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_hung_mail_server_and_a_killed_app_lose_nothing_and_send_nothing_twice(
    app, runner, mailbox, make_user, funds
):
    coordinator = make_user("coordinator")
    gift_id = _pending_gift(app, funds)
    # The mail server takes each message and never answers; the app would wait 30 s for it.
    mailbox.hang()
    server = Server(
        child_env(app, mailbox, MAIL_TIMEOUT=30, JOBS_DISPATCH="thread", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    )
    try:
        (status, _page), booking_took = _timed(lambda: server.client().post("/tours/book", BOOKING))
        assert status == 302
        body, headers = signed_request(_intent_succeeded(), WEBHOOK_SECRET)
        (status, answer), webhook_took = _timed(
            lambda: server.client().post("/give/stripe/webhook", body=body, headers=headers)
        )
        assert status == 200 and "queued" in answer
        assert booking_took < 5 and webhook_took < 5  # neither waited on SMTP nor on the PDF
        mailbox.wait_until_hung()  # a delivery is inside the SMTP conversation now...
    finally:
        server.kill()  # ...when the app dies
    # The booking's two mails, the Stripe event (perhaps applied already by the app's other thread)
    # and then its receipt: no mail is done, the cut attempt left no trace, the receipt is unsent.
    mails = [j for j in _jobs(app) if j.kind != "giving.stripe_event"]
    assert [j.kind for j in mails][:2] == ["mail", "mail"] and len(mails) <= 3
    assert all(j.status == "pending" and j.attempts == 0 for j in mails)
    with app.app_context():
        assert db.session.get(Gift, gift_id).receipt_sent_at is None
    assert mailbox.messages == []

    mailbox.recover()
    assert "Jobs delivered: 0" not in runner.invoke(args=["jobs", "run"]).output
    assert "Jobs delivered: 0" in runner.invoke(args=["jobs", "run"]).output
    assert all(j.status == "done" for j in _jobs(app))
    for address in ("robin@example.org", coordinator.email, "avery@example.org"):
        assert len(mailbox.to(address)) == 1, address
    [receipt] = mailbox.to("avery@example.org")
    [pdf] = receipt.iter_attachments()
    assert pdf.get_content().startswith(b"%PDF") and "recibo" in receipt["Subject"].lower()
    with app.app_context():
        assert db.session.get(Gift, gift_id).receipt_sent_at is not None
    assert "Receipts sent: 0; still unsent: 0." in runner.invoke(args=["giving", "resend-receipts"]).output
    assert len(mailbox.to("avery@example.org")) == 1


def test_a_real_rq_worker_delivers_the_jobs_and_a_redelivered_queue_entry_sends_nothing_twice(
    app, client, runner, mailbox, make_user, monkeypatch
):
    name = f"mexiles-test-{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    monkeypatch.setitem(app.config, "JOBS_DISPATCH", "")
    app.extensions.pop("jobs.redis", None)
    redis = Redis.from_url(REDIS, socket_timeout=5, socket_connect_timeout=5)
    queue = Queue(name, connection=redis)
    try:
        coordinator = make_user("coordinator")
        assert client.post("/tours/book", data=BOOKING).status_code == 302
        deadline = time.monotonic() + 10  # the app's thread hands them to Redis after the response
        while _queued_ids(queue) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        # On the queue (one RQ job carries both ids: they were committed together), not sent by the request.
        assert _queued_ids(queue) == 2 and queue.count == 1 and mailbox.messages == []
        assert all(j.status == "pending" for j in _jobs(app))

        result = runner.invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert len(mailbox.to("robin@example.org")) == 1 and len(mailbox.to(coordinator.email)) == 1
        assert all(j.status == "done" for j in _jobs(app))

        from mexiles.jobs.services import queue as job_queue

        with app.app_context():
            job_queue.push([j.id for j in _jobs(app)])  # Redis hands the same jobs out again
        runner.invoke(args=["worker", "--burst"])
        assert len(mailbox.to("robin@example.org")) == 1 and len(mailbox.to(coordinator.email)) == 1
    finally:
        queue.delete(delete_jobs=True)
        app.extensions.pop("jobs.redis", None)


def _queued_ids(queue: Queue) -> int:
    return sum(len(job.args[0]) for job in queue.get_jobs())


class RedisProxy:
    """Redis through a loopback port that the test can close, as a Redis that stops."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.open:
            try:
                near, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                near.close()
                return
            far = socket.create_connection(("127.0.0.1", 6379), timeout=5)
            self.sockets += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.open = False
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() and stops listening
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def test_with_redis_stopped_sign_in_giving_and_booking_keep_working(app, mailbox, make_user, funds, localstripe_url):
    import stripe

    proxy = RedisProxy()
    url = f"redis://127.0.0.1:{proxy.port}/0"
    user = make_user("donor")
    server = Server(
        child_env(
            app,
            mailbox,
            REDIS_URL=url,
            JOBS_QUEUE=f"mexiles-test-{secrets.token_hex(4)}",
            STRIPE_SECRET_KEY="sk_test_mexiles",
            STRIPE_PUBLISHABLE_KEY="pk_test_mexiles",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=localstripe_url,
        )
    )
    try:
        assert '"redis":"ok"' in server.get("/readyz")[1].replace(" ", "")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=1):
            pass  # Redis answers through the proxy
        assert server.client().post("/account/login", {"email": user.email, "password": user.password})[0] == 302
        proxy.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1)

        signed_in, took = _timed(
            lambda: server.client().post("/account/login", {"email": user.email, "password": user.password})
        )
        assert signed_in[0] == 302 and took < 5
        assert server.client().post("/account/reset", {"email": user.email})[0] == 302
        donor_email = f"avery-{secrets.token_hex(3)}@example.org"  # its sign-in link limit is counted per address
        assert server.client().post("/give/portal/signin", {"email": donor_email})[0] == 302
        assert server.get("/give/")[0] == 200
        card = (
            stripe.StripeClient("sk_test_mexiles", base_addresses={"api": localstripe_url}, max_network_retries=0)
            .v1.payment_methods.create(
                params={
                    "type": "card",
                    "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
                }
            )
            .id
        )
        status, answer = server.client().post(
            "/give/pay",
            {
                "amount": "50",
                "frequency": "once",
                "fund": "counseling",
                "name": "Avery Demo-Donor",
                "email": "avery@example.org",
                "attempt": secrets.token_hex(16),
                "payment_method": card,
            },
        )
        assert status == 200 and '"succeeded"' in answer
        assert server.client().post("/tours/book", BOOKING)[0] == 302
        # Jobs fell back to the app's own threads: the booking's and the gift's mail arrive.
        mailbox.wait_for("robin@example.org")
        mailbox.wait_for("avery@example.org")
        status, ready = server.get("/readyz")
        assert status == 200 and '"status":"degraded"' in ready.replace(" ", "")
        assert '"redis":"unreachable"' in ready.replace(" ", "")
    finally:
        server.kill()
        proxy.stop()
