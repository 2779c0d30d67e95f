"""The outbox through the app: jobs written with the change, retried, given up, sent again by an
admin, swept by ``flask jobs run`` once; /readyz tells the truth. (Faults on PostgreSQL: test_faults.)"""

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.jobs.models import Job
from tests.tours.public_data import BOOKING

NOW = dt.datetime(2030, 10, 1, 15, tzinfo=dt.UTC)
TEMPLATE = "accounts/email/reset_password.txt"
CONTEXT = {"user": SimpleNamespace(email="someone@example.org"), "link": "https://mexiles.test/x", "hours": 2}


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def _jobs(app):
    with app.app_context():
        return db.session.scalars(select(Job).order_by(Job.id)).all()


def test_a_booking_writes_its_mail_as_encrypted_jobs_in_its_transaction(app, client, frozen, mailbox, make_user):
    coordinator = make_user("coordinator")
    assert client.post("/tours/book", data=BOOKING).status_code == 302
    jobs = _jobs(app)
    assert [(j.kind, j.status, j.attempts, j.payload) for j in jobs] == [("mail", "done", 1, {})] * 2  # content gone
    assert len(mailbox.to("robin@example.org")) == 1 and len(mailbox.to(coordinator.email)) == 1


def test_a_waiting_mail_is_unreadable_in_the_table(app, client, frozen, mailbox):
    mailbox.refuse()
    client.post("/tours/book", data=BOOKING)
    [job] = _jobs(app)
    assert job.payload["to"] == "robin@example.org" and "Demo Valley College" in job.payload["body"]
    with app.app_context():  # names and addresses are not readable in the table, nor in the key
        raw = " ".join(db.session.execute(text("SELECT key || payload || last_error FROM jobs")).scalars())
    assert "robin@example.org" not in raw and "Robin" not in raw and "Demo Valley College" not in raw


def test_a_refused_mail_is_retried_with_backoff_and_the_sweep_sends_it_once(
    app, client, runner, frozen, mailbox, time_machine
):
    mailbox.refuse("robin@example.org")
    assert client.post("/tours/book", data=BOOKING).status_code == 302  # the booking is kept all the same
    [job] = _jobs(app)
    assert (job.status, job.attempts) == ("pending", 1) and "451" in job.last_error
    assert job.run_after == NOW.replace(tzinfo=None) + dt.timedelta(seconds=app.config["JOBS_RETRY_SECONDS"])
    mailbox.recover()
    assert "Jobs delivered: 0" in runner.invoke(args=["jobs", "run"]).output  # not due yet
    time_machine.move_to(NOW + dt.timedelta(minutes=1), tick=False)
    assert "Jobs delivered: 1" in runner.invoke(args=["jobs", "run"]).output
    assert "Jobs delivered: 0" in runner.invoke(args=["jobs", "run"]).output
    assert len(mailbox.to("robin@example.org")) == 1
    [job] = _jobs(app)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, None)


def _dead_booking_mail(app, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    mailbox.refuse()
    assert client.post("/tours/book", data=BOOKING).status_code == 302
    mailbox.recover()
    [job] = _jobs(app)
    assert job.status == "dead"
    return job


def test_a_job_that_fails_every_attempt_waits_on_the_admin_page_for_its_retry(
    app, client, auth, frozen, mailbox, make_user, monkeypatch
):
    job = _dead_booking_mail(app, client, mailbox, monkeypatch)
    admin = make_user("admin")
    auth.login(admin)
    page = client.get("/admin/jobs/").data.decode()
    assert "Undelivered mail and jobs" in page and f"#{job.id}" in page and "451" in page
    assert "Given up after every attempt: 1" in page
    client.post("/language", data={"locale": "es"})
    spanish = client.get("/admin/jobs/").data.decode()
    assert "Correos y tareas sin entregar" in spanish and "Intentar de nuevo" in spanish
    client.post("/language", data={"locale": "en"})

    response = client.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True)
    assert "The job is queued again." in response.data.decode()
    assert len(mailbox.to("robin@example.org")) == 1
    [job] = _jobs(app)
    assert job.status == "done"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "job.retry"))
        assert (entry.actor_id, entry.subject_id) == (admin.id, str(job.id))
    again = client.post(f"/admin/jobs/{job.id}/retry", follow_redirects=True).data.decode()
    assert "no longer waiting for a retry" in again and len(mailbox.to("robin@example.org")) == 1
    assert client.post("/admin/jobs/2147483647/retry").status_code == 404


def test_only_admins_see_the_dead_letters(client, auth, make_user):
    auth.login(make_user("coordinator"))
    assert client.get("/admin/jobs/").status_code == 403
    assert client.post("/admin/jobs/1/retry").status_code == 403


def test_one_reason_reaches_one_person_once(app, mailbox):
    from mexiles import mail

    with app.test_request_context():
        assert mail.send("ana@example.org", "Hello", TEMPLATE, key="test.hello", **CONTEXT) is True
        assert mail.send("Ana@Example.org ", "Hello", TEMPLATE, key="test.hello", **CONTEXT) is False
        assert mail.send("bo@example.org", "Hello", TEMPLATE, key="test.hello", **CONTEXT) is True
        db.session.commit()
    assert len(mailbox.to("ana@example.org")) == 1 and len(mailbox.to("bo@example.org")) == 1
    with app.test_request_context(), pytest.raises(TypeError):
        mail.send("ana@example.org", "Hello", TEMPLATE, **CONTEXT)  # key= is required


def test_a_rolled_back_change_sends_nothing(app, mailbox):
    from mexiles import mail

    with app.test_request_context():
        mail.send("gone@example.org", "Hello", TEMPLATE, key="test.gone", **CONTEXT)
        db.session.rollback()
        db.session.commit()
    assert mailbox.to("gone@example.org") == [] and _jobs(app) == []


def test_readyz_reports_the_database_redis_and_the_queue(app, client, frozen, mailbox, monkeypatch):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "jobs": {"pending": 0, "dead": 0},
    }
    mailbox.refuse()
    client.post("/tours/book", data=BOOKING)
    assert client.get("/readyz").json["jobs"] == {"pending": 1, "dead": 0}

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens on the discard port
    monkeypatch.delitem(app.extensions, "jobs.redis", raising=False)
    degraded = client.get("/readyz")
    assert degraded.status_code == 200 and degraded.json["status"] == "degraded"
    assert degraded.json["redis"] == "unreachable"
    app.extensions.pop("jobs.redis", None)


def test_readyz_says_503_when_the_database_is_unreachable_while_healthz_stays_up(app, mailbox):
    """In a process of its own, pointed at a PostgreSQL port where nothing listens."""
    import json
    import subprocess
    import sys

    from tests.fault_server import ROOT, child_env, free_port

    env = child_env(
        app, mailbox, DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/gone", DATABASE_CONNECT_TIMEOUT=2
    )
    probe = (
        "from mexiles import create_app; import json; client = create_app().test_client(); "
        "print(json.dumps([client.get('/healthz').status_code, client.get('/readyz').status_code, "
        "client.get('/readyz').json]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    healthz, readyz, report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (healthz, readyz) == (200, 503)
    assert report["status"] == "down" and report["database"] == "unreachable" and report["jobs"] is None


def test_a_signed_body_that_names_no_event_is_refused_not_queued(app, client, monkeypatch):
    from tests.giving.signing import make_event, signed_request

    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_outbox")
    event = make_event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})
    body, headers = signed_request(dict(event, id="evt_" + "x" * 300), "whsec_outbox")
    assert client.post("/give/stripe/webhook", data=body, headers=headers).status_code == 400
    assert _jobs(app) == []


def test_a_batch_from_the_queue_delivers_each_job_though_one_fails_and_the_sweep_takes_that_one(
    app, client, runner, mailbox, make_user, monkeypatch
):
    from mexiles.jobs.services import outbox

    coordinator = make_user("coordinator")
    monkeypatch.setitem(app.config, "JOBS_DISPATCH", "sweep")  # left for the batch below
    assert client.post("/tours/book", data=BOOKING).status_code == 302
    first, second = (j.id for j in _jobs(app))
    deliver = outbox.deliver

    def database_gone_for_the_first(job_id):
        if job_id == first:
            raise ConnectionError("the database went away")
        return deliver(job_id)

    monkeypatch.setattr(outbox, "deliver", database_gone_for_the_first)
    with app.app_context(), pytest.raises(ConnectionError):  # RQ records the batch as failed
        outbox.deliver_batch_task([first, second])
    assert [j.status for j in _jobs(app)] == ["pending", "done"]
    monkeypatch.setattr(outbox, "deliver", deliver)
    assert "Jobs delivered: 1" in runner.invoke(args=["jobs", "run"]).output
    assert len(mailbox.to("robin@example.org")) == 1 and len(mailbox.to(coordinator.email)) == 1
