"""Webhook burst (``make bench-webhooks``; also the end of ``make bench``).

Posts 500 distinct signed ``payment_intent.succeeded`` events, each the payment of a gift waiting
for it, to the app under gunicorn, and measures events per second beside the app's own ``/healthz``
requests per second in the same run: a webhook must cost about as much as any request (target:
at least half), since its receipt (PDF and SMTP) is only written to the outbox. Then it waits
until the real SMTP server on loopback has every receipt, once.

Environment: BENCH_DATABASE_URL (a PostgreSQL server URL), BENCH_EVENTS (500), BENCH_SECONDS,
BENCH_WORKERS, BENCH_THREADS, BENCH_CLIENTS; BENCH_REDIS_URL (default: the local Redis, a queue of
the bench's own; empty: jobs run in the app's own threads, as without Redis).
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEXILES_ENV", "testing")

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.giving_bench import SECONDS, SERVER, WORKERS, free_port, load  # noqa: E402
from tests.giving.signing import sign_payload  # noqa: E402
from tests.mailbox import Mailbox  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", 500))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")  # empty: jobs in the app's threads
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 8))
WARMUP = 40  # events, not counted
DATABASE = "mexiles_bench_webhooks"
WEBHOOK_SECRET = "whsec_bench"


def fresh_database() -> str:
    server = make_url(SERVER.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return server.set(database=DATABASE).render_as_string(hide_password=False)


def gifts_waiting_for_payment(app) -> list[str]:
    """Invented donors, each with a gift whose payment the burst will announce."""
    from flask_migrate import upgrade

    from mexiles.extensions import db
    from mexiles.giving.models import Donor, Fund, Gift

    with app.app_context():
        upgrade()
        fund = Fund(code="counseling", name_en="Trauma counseling", name_es="Terapia de trauma", position=0)
        db.session.add(fund)
        db.session.flush()
        intents = []
        for n in range(EVENTS):
            donor = Donor(email_key=f"bench-donor-{n}@example.org", name=f"Bench Donor {n}",
                          locale="es" if n % 2 else "en")
            db.session.add(donor)
            db.session.flush()
            intents.append(f"pi_bench_{n:05d}")
            db.session.add(Gift(donor_id=donor.id, fund_id=fund.id, amount_cents=5000, status="pending",
                                stripe_payment_intent_id=intents[-1]))
        db.session.commit()
        return intents


def signed_event(intent: str, kind: str = "payment_intent.succeeded") -> tuple[bytes, dict]:
    event = {"id": "evt_" + secrets.token_hex(12), "object": "event", "api_version": "2017-08-15",
             "created": int(time.time()), "livemode": False, "type": kind,
             "data": {"object": {"id": intent, "object": "payment_intent", "amount": 5000, "amount_received": 5000,
                                 "status": "succeeded", "created": int(time.time()), "metadata": {},
                                 "latest_charge": {"id": "ch_" + intent[3:], "object": "charge",
                                                   "balance_transaction": {"id": "txn_" + intent[3:], "fee": 175,
                                                                           "net": 4825}}}}}
    body = json.dumps(event, separators=(",", ":"))
    return body.encode(), {"Content-Type": "application/json",
                           "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)}


def burst(port: int, requests: list[tuple[bytes, dict]], threads: int = 8) -> tuple[float, dict]:
    """Post every event once, from a few loopback clients; events per second and the answers."""
    pending = list(reversed(requests))
    lock = threading.Lock()
    answers: dict[str, int] = {}

    def client():
        while True:
            with lock:
                if not pending:
                    return
                body, headers = pending.pop()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/give/stripe/webhook", body=body, headers=headers)
            response = conn.getresponse()
            outcome = json.loads(response.read() or b"{}").get("received", str(response.status))
            conn.close()
            with lock:
                answers[outcome] = answers.get(outcome, 0) + 1

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(requests) / (time.monotonic() - started), answers


def serve(env: dict) -> tuple[subprocess.Popen, int]:
    """The app under gunicorn as deployed: workers with a few threads each (a webhook waits on the
    database's commit; a thread lets the worker serve another request meanwhile)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", str(THREADS),
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                               cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    url = fresh_database()
    keys = {"SECRET_KEY": secrets.token_urlsafe(32), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SEARCH_INDEX_KEY": secrets.token_urlsafe(32)}
    os.environ.update(keys)
    from mexiles import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "console", "REDIS_URL": ""})
    intents = gifts_waiting_for_payment(app)
    requests = [signed_event(intent) for intent in intents]
    mailbox = Mailbox()
    env = {"DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://", 1), **keys,
           "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "MAIL_SERVER": mailbox.host, "MAIL_PORT": str(mailbox.port),
           "REDIS_URL": REDIS, "JOBS_QUEUE": f"mexiles-bench-{secrets.token_hex(4)}"}
    process, port = serve(env)
    try:
        # Warm up every worker, for both measures alike: the webhook's first requests in each worker
        # open its database connections. Those events are of a kind the app stores and ignores.
        load(port, "/healthz", 1.5, threads=CLIENTS)
        burst(port, [signed_event(f"pi_warm_{n}", "customer.created") for n in range(WARMUP)], threads=CLIENTS)
        healthz = load(port, "/healthz", SECONDS, threads=CLIENTS)
        events, answers = burst(port, requests, threads=CLIENTS)
        started = time.monotonic()
        if REDIS:  # the worker, started after the burst so that it does not share the CPU with it
            subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT,
                           env={**os.environ, **env}, check=True, timeout=600, capture_output=True)
        deadline = time.monotonic() + 300
        while len(mailbox.messages) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.2)
        drained = time.monotonic() - started
        delivered = len(mailbox.messages)
    finally:
        process.terminate()
        process.wait(10)
        mailbox.close()
    once = len({m["To"] for m in mailbox.messages}) == delivered
    dispatch = "RQ on Redis, then flask worker" if REDIS else "the app's own threads (no Redis)"
    print(f"webhook burst: gunicorn, {WORKERS} workers x {THREADS} threads, {CLIENTS} loopback clients, "
          f"jobs to {dispatch}:")
    print(f"  {EVENTS} signed events           {events:8.1f} events/s  (answers: {answers})")
    print(f"  the app's /healthz            {healthz:8.1f} requests/s")
    print(f"  ratio                         {events / healthz:8.2f}  (target >= 0.50)")
    print(f"  receipts (PDF) accepted by SMTP {delivered} of {EVENTS}, each once: {once}, "
          f"{delivered / drained:.1f}/s after the burst")
    assert answers == {"queued": EVENTS}, answers
    assert delivered == EVENTS and once, "a receipt was lost or doubled"
    assert events / healthz >= 0.5, "a webhook costs more than two /healthz"


if __name__ == "__main__":
    main()
