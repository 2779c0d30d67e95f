"""Giving benchmark (``make bench``; not part of ``make test``).

1. Fills a PostgreSQL database of its own with 1,000,000 gifts from 100,000 donors and 10,000
   emergency assistance payments for 2,000 people over the last year (COPY).
2. Times each staff report, the staff list pages, the public campaign and impact pages and the staff
   figures of what the funds paid for (target: < 1 s each; the impact page must be, or the run fails).
3. Measures requests per second of the donate page from a warm gunicorn, and of a bare Flask
   "hello" under the same gunicorn settings, with a small loopback load generator bounded in time.

Environment: BENCH_DATABASE_URL (a PostgreSQL server URL; default postgresql://postgres@127.0.0.1:5432/postgres),
BENCH_GIFTS, BENCH_DONORS, BENCH_DISBURSEMENTS, BENCH_DATABASE, BENCH_SECONDS, BENCH_WORKERS, BENCH_REUSE=1 (skip the fill, reuse the last database).
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
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

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GIFTS = int(os.environ.get("BENCH_GIFTS", 1_000_000))
DONORS = int(os.environ.get("BENCH_DONORS", 100_000))
DISBURSEMENTS = int(os.environ.get("BENCH_DISBURSEMENTS", 10_000))
PEOPLE = 2_000
SECONDS = float(os.environ.get("BENCH_SECONDS", 8))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
DATABASE = os.environ.get("BENCH_DATABASE", "mexiles_bench")  # a name of its own when several run
SECRETS_FILE = ROOT / "bench" / "results" / "bench-secrets.json"  # bench/results/ is not committed


def bench_secrets(reuse: bool) -> dict:
    """Keys for the benchmark database; kept so that BENCH_REUSE=1 can read what it encrypted."""
    if reuse and SECRETS_FILE.exists():
        return json.loads(SECRETS_FILE.read_text())
    made = {"SECRET_KEY": secrets.token_urlsafe(32), "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SEARCH_INDEX_KEY": secrets.token_urlsafe(32)}
    SECRETS_FILE.parent.mkdir(parents=True, exist_ok=True)
    SECRETS_FILE.write_text(json.dumps(made))
    return made


def database_url(reuse: bool) -> str:
    server = make_url(SERVER.replace("postgresql://", "postgresql+psycopg://", 1))
    if reuse:
        return server.set(database=DATABASE).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return server.set(database=DATABASE).render_as_string(hide_password=False)


def fill(app) -> None:
    from flask_migrate import upgrade

    from mexiles.crypto import cipher
    from mexiles.extensions import db

    rng = random.Random(1)
    with app.app_context():
        upgrade()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("INSERT INTO giving_funds (code, name_en, name_es, active, position) VALUES "
                           "('counseling','Trauma counseling','Terapia de trauma',true,0),"
                           "('housing','Housing','Vivienda',true,1),('asylum','Asylum cases','Casos de asilo',true,2),"
                           "('general','Where needed most','Donde más se necesite',true,3)")
            today = dt.date.today()
            cursor.execute("INSERT INTO giving_campaigns (slug, title_en, title_es, story_en, story_es, goal_cents, "
                           "starts_on, ends_on, fund_id) VALUES ('safe-homes','Safe homes','Hogares seguros',"
                           "'Story','Historia',25300000,%s,%s,2)", (today - dt.timedelta(days=60),
                                                                     today + dt.timedelta(days=20)))
            name = cipher().encrypt("Bench Donor")  # one token reused: the page cost, not the crypto, is measured
            started = time.perf_counter()
            with cursor.copy("COPY giving_donors (email_key, name, locale, listed, created_at) FROM STDIN") as copy:
                now = dt.datetime.now()
                for i in range(DONORS):
                    copy.write_row((f"donor{i}@example.org", name, "en" if i % 3 else "es", i % 10 == 0, now))
            start = dt.datetime.now() - dt.timedelta(days=3 * 365)
            span = 3 * 365 * 86400
            columns = ("donor_id, fund_id, campaign_id, tour_event_id, amount_cents, fee_cents, refunded_cents, "
                       "net_cents, covered_fee_cents, currency, source, status, anonymous, disputed, received_at")
            with cursor.copy(f"COPY giving_gifts ({columns}) FROM STDIN") as copy:
                for i in range(GIFTS):
                    amount = rng.choice((1000, 2500, 2500, 5000, 5000, 10000, 25000, 100000))
                    fee = round(amount * 0.029) + 30
                    status = "succeeded" if i % 50 else ("failed" if i % 100 else "refunded")
                    refunded = amount if status == "refunded" else 0
                    when = start + dt.timedelta(seconds=rng.randrange(span))
                    copy.write_row((rng.randint(1, DONORS), rng.randint(1, 4), 1 if i % 10 == 0 else None,
                                    rng.randint(1, 500) if i % 20 == 0 else None, amount, fee, refunded,
                                    amount - fee - refunded, 0, "usd", "online" if i % 7 else "check", status,
                                    i % 13 == 0, False, when))
            cursor.execute("INSERT INTO giving_recurring_gifts (donor_id, fund_id, amount_cents, covered_fee_cents, "
                           "currency, status, anonymous, status_at, created_at) SELECT id, 1, 2500, 0, 'usd', "
                           "'active', false, 0, now() FROM giving_donors WHERE id % 20 = 0")
            fill_assistance(cursor, rng, name)
            raw.commit()
            raw.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a load
            print(f"filled {DONORS:,} donors and {GIFTS:,} gifts in {time.perf_counter() - started:.1f} s")
        finally:
            raw.close()


def fill_assistance(cursor, rng, token) -> None:
    """People served and the emergency assistance paid to them over the last year, asked by one
    coordinator and approved by one admin (ids 1 and 2)."""
    cursor.execute("INSERT INTO users (email, active, locale, session_token, failed_logins, created_at) "
                   "SELECT e, true, 'es', md5(e), 0, now() FROM "
                   "unnest(ARRAY['bench-coordinator@example.org', 'bench-approver@example.org']) AS e")
    with cursor.copy("COPY people (legal_name, alias, language, in_hiding, consent_scopes, created_at, updated_at) "
                     "FROM STDIN") as copy:
        now = dt.datetime.now()
        for _i in range(PEOPLE):
            copy.write_row((token, token, "es", False, "[]", now, now))
    columns = ("person_id, fund_id, category, amount_cents, reason, status, requested_by_id, requested_at, "
               "decided_by_id, decided_at, over_balance, paid_on, method")
    categories = ("transport", "medicine", "phone", "rent", "filing_fee", "translation", "food", "other")
    today = dt.date.today()
    with cursor.copy(f"COPY assistance_requests ({columns}) FROM STDIN") as copy:
        for _i in range(DISBURSEMENTS):
            paid = today - dt.timedelta(days=rng.randrange(365))
            asked = dt.datetime.combine(paid, dt.time(12))
            copy.write_row((rng.randint(1, PEOPLE), rng.randint(1, 4), rng.choice(categories),
                            rng.choice((2000, 4500, 6500, 12000, 85000)), token, "paid", 1, asked, 2, asked, False,
                            paid, rng.choice(("cash", "check", "card", "vendor"))))
    print(f"filled {PEOPLE:,} people and {DISBURSEMENTS:,} assistance payments")


def timed(label: str, call, runs: int = 3) -> float:
    call()  # warm the caches, as a page that staff open twice would be
    best = min(_once(call) for _ in range(runs))
    flag = "ok" if best < 1.0 else "SLOW"
    print(f"  {label:<44} {best * 1000:8.1f} ms  {flag}")
    return best


def _once(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def time_pages(app) -> None:
    from mexiles.accounts import services as accounts
    from mexiles.extensions import db
    from mexiles.giving.services import donors, gifts as services, reports

    year = dt.date.today().year
    with app.app_context():
        campaign = services.campaign_by_slug("safe-homes")
        print("staff reports (one query each) and pages, best of 3 warm runs:")
        timed("report: totals by month/fund/campaign/source", lambda: reports._year_rows(year))
        timed("report: recurring revenue", reports.recurring_revenue)
        timed("report: new/retained/LYBUNT/SYBUNT", lambda: reports.donor_retention(year))
        timed("report: average and median gift", lambda: reports.average_and_median(year))
        timed("report: counseling raised per month", lambda: services.raised_by_month(
            "counseling", dt.date(year, 1, 1), dt.date(year, 12, 31)))
        timed("report: tour event totals (500 events)", lambda: services.event_gift_totals(list(range(1, 501))))
        timed("campaign progress (query)", lambda: services.campaign_progress(campaign))
        admin = accounts.find_by_email("bench-admin@example.org") or accounts.create_user(
            "bench-admin@example.org", ["admin"], password="bench password 2026")
        db.session.commit()
        timed("donor list page 1 (query, audited)", lambda: donors.listing(1, "", admin))
    client = app.test_client()
    client.post("/account/login", data={"email": "bench-admin@example.org", "password": "bench password 2026"})
    for label, path in (("GET /give/staff/reports (whole page)", f"/give/staff/reports?year={year}"),
                        ("GET /give/staff/donors", "/give/staff/donors"),
                        ("GET /give/staff/gifts", "/give/staff/gifts"),
                        ("GET /give/campaign/safe-homes (public)", "/give/campaign/safe-homes"),
                        ("GET /assistance/figures (staff)", "/assistance/figures")):
        timed(label, lambda path=path: _ok(client.get(path)))
    impact = timed("GET /give/impact (public)", lambda: _ok(app.test_client().get("/give/impact")))
    assert impact < 1.0, f"the public impact page took {impact:.2f} s (target: under 1 s)"
    del admin


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_path: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
                                f"127.0.0.1:{port}", "--log-level", "warning", app_path],
                               cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start for {app_path}")


def load(port: int, path: str, seconds: float, threads: int = 8) -> float:
    """Requests per second that a few loopback clients get, for a bounded time."""
    done = [0] * threads
    stop = time.monotonic() + seconds

    def client(slot):
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                done[slot] += 1

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.monotonic() - started)


def throughput(url: str) -> None:
    env = {"DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://", 1),
           **{k: os.environ[k] for k in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SEARCH_INDEX_KEY")},
           "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_PUBLISHABLE_KEY": "pk_test_bench"}
    results = {}
    for app_path, paths in (("wsgi:app", ("/give/", "/healthz")), ("bench.hello_app:app", ("/",))):
        process, port = serve(app_path, env)
        try:
            for path in paths:
                load(port, path, 1.5)  # warm up every worker (and the donate page cache)
                results[path if app_path == "wsgi:app" else "hello"] = load(port, path, SECONDS)
        finally:
            process.terminate()
            process.wait(10)
    donate, hello = results["/give/"], results["hello"]
    print(f"gunicorn, {WORKERS} sync workers, 8 loopback clients (no cookies: first-time visitors), "
          f"{SECONDS:.0f} s each:")
    print(f"  donate page /give/            {donate:8.0f} requests/s")
    print(f"  bare Flask hello              {hello:8.0f} requests/s")
    print(f"  ratio                         {donate / hello:8.2f}  (target >= 0.50)")
    print(f"  for scale: the app's /healthz {results['/healthz']:8.0f} requests/s (every hook of the app, no page)")


def main() -> None:
    reuse = os.environ.get("BENCH_REUSE") == "1"  # keep the database filled by an earlier run
    url = database_url(reuse)
    os.environ.update(bench_secrets(reuse))
    from mexiles import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "MAIL_BACKEND": "console",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64,
                      "MFA_REQUIRED": False})  # the bench admin has no authenticator app
    if not reuse:
        fill(app)
    time_pages(app)
    throughput(url)


if __name__ == "__main__":
    main()
