"""The outbox: side effects written as job rows in the caller's transaction, delivered after it.

``enqueue`` adds a job to the current transaction. Once that transaction commits, the job is
dispatched: to RQ on Redis when ``REDIS_URL`` is set (``flask worker`` runs it), else to a small
thread pool in this process, so that no request waits on SMTP or a PDF; in tests, eagerly when the
app context ends. Whatever happens to that dispatch, the row is committed: ``flask jobs run``
delivers every due job left behind.

``deliver`` takes the row under a lock (skipping rows another worker holds), performs the effect
and marks the job done in one transaction: an effect is performed at least once, and at most once
as far as its handler records it (a receipt is marked sent with its job). A failure is retried
with backoff; after JOBS_MAX_ATTEMPTS the job is dead and waits for an admin on /admin/jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...audit import services as audit
from ...crypto import EncryptedJSON
from ...extensions import db
from ...refusals import Refusal
from ...timeutil import utcnow
from ..models import Job
from . import queue

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], None]] = {}
COMMITTING: set[str] = set()  # kinds whose handler commits its own work
_NEW = "jobs.new"  # session.info: ids of the jobs this transaction wrote
_HELD = "jobs_held"  # g: ids committed in this app context, delivered here rather than dispatched
SUBJECT = "job"
PAGE_SIZE = 50
# A job dispatched for its retry time may arrive a moment early (clocks, the scheduler's tick).
EARLY_TOLERANCE = dt.timedelta(seconds=5)


def handler(kind: str, commits: bool = False):
    """Register the function that performs jobs of ``kind``; it gets the payload and raises on failure.

    By default it must not commit: its work commits with the job's "done". One that ``commits``
    must be idempotent on its own (a second run a no-op), since a crash after its commit runs it again."""

    def register(function: Callable[[dict], None]):
        HANDLERS[kind] = function
        if commits:
            COMMITTING.add(kind)
        return function

    return register


def enqueue(kind: str, payload: dict, key: str) -> int | None:
    """Add a job to the current transaction (the caller commits); returns its id. ``key`` names the
    effect: a second job with the same key is refused, and None returned (it is done, or on its way)."""
    if len(key) > 255:
        raise ValueError("job keys hold at most 255 characters")
    # One statement (webhooks write a job per request): two writers of one key, and the second
    # waits for the first, then inserts nothing.
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    job_id = db.session.scalar(
        insert(Job)
        .values(
            kind=kind,
            key=key,
            payload=payload,
            status="pending",
            attempts=0,
            run_after=now,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[Job.key])
        .returning(Job.id)
    )
    if job_id is None:
        return None
    db.session.info.setdefault(_NEW, []).append(job_id)
    return job_id


_PAYLOAD = EncryptedJSON()  # the type of Job.payload
# On the DBAPI (psycopg) connection itself: SQLAlchemy's statement execution cost a webhook more
# CPU than the database's work; psycopg prepares the statement after its first few uses.
_STORE_SQL = (
    "INSERT INTO jobs (kind, key, payload, status, attempts, run_after, created_at, updated_at)"
    " VALUES (%s, %s, %s, 'pending', 0, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id"
)


def store(kind: str, payload: dict, key: str) -> int | None:
    """``enqueue`` and commit, for a request whose only change is this job (a Stripe webhook): its
    id once it is durable, or None for a key seen before. On PostgreSQL it is one autocommitted
    statement (a single round trip to the database, committed when it returns), then dispatched
    as ``enqueue``'s jobs are after their commit."""
    if len(key) > 255:
        raise ValueError("job keys hold at most 255 characters")
    # The sessions' bind, without making this request a session it has no use for; one bound to a
    # connection (an outer transaction, as in the tests) keeps it.
    bind = db.session.session_factory.kw.get("bind") or db.engine
    if bind.dialect.driver != "psycopg" or not isinstance(bind, Engine):
        job_id = enqueue(kind, payload, key)
        db.session.commit()
        return job_id
    now = utcnow()
    # The payload encrypted as the column's own type does it, once.
    sealed = _PAYLOAD.process_bind_param(payload, bind.dialect)
    job_id = _insert_once(_store_engine(bind), (kind, key, sealed, now, now, now))
    if job_id is not None:
        dispatch([job_id])
    return job_id


def _insert_once(engine: Engine, row: tuple) -> int | None:
    retried = False
    while True:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(_STORE_SQL, row)
            found = cursor.fetchone()
            cursor.close()
            return found[0] if found else None
        except psycopg.Error as error:
            if retried or connection.dbapi_connection is None or not connection.dbapi_connection.closed:
                raise
            # A connection that went stale (the database restarted): so did the others of the pool,
            # which is made anew (as SQLAlchemy's own pool does), and sending the statement again is
            # safe, since a key inserts at most once. (Had the first one committed after all, its
            # job waits for the sweep.)
            connection.invalidate(error)
            engine.dispose()
            retried = True
        finally:
            connection.close()  # back to the pool (an invalidated one is replaced)


def _store_engine(bind: Engine) -> Engine:
    """Autocommit connections to the app's database for ``store``, one pool per process, without
    the pre-ping (a round trip per request) that the app's own pool makes: ``store`` sends its one
    statement again instead when a connection turns out stale."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    with _pool_lock:
        pid, engine = app.extensions.get("jobs.store_engine", (None, None))
        if pid != os.getpid() or engine.url != bind.url:
            options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"], pool_pre_ping=False, isolation_level="AUTOCOMMIT")
            engine = create_engine(bind.url, **options)
            app.extensions["jobs.store_engine"] = (os.getpid(), engine)
        return engine


def by_key(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.key == key))


def make_due(job: Job) -> None:
    """Run a job again now (the caller commits): one that waits for its next try, or a dead one."""
    if job.status == "dead":
        job.attempts = 0
    job.status, job.run_after, job.done_at = "pending", utcnow(), None
    db.session.info.setdefault(_NEW, []).append(job.id)


# --- Dispatch after the commit ---------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session) -> None:
    ids = session.info.pop(_NEW, None)
    if ids and has_app_context():
        dispatch(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_NEW, None)


def dispatch_mode() -> str:
    if g.get("jobs_here"):
        return "here"
    configured = current_app.config["JOBS_DISPATCH"]
    if configured:
        return configured
    if current_app.config["REDIS_URL"]:
        return "rq"
    return "eager" if current_app.config["ENV_NAME"] == "testing" else "thread"


def dispatch(ids: list[int], delay: float | None = None) -> None:
    """Hand committed jobs to whatever delivers them here; losing this hand-over loses nothing."""
    mode = dispatch_mode()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    if mode == "sweep":  # left to the worker's sweep or cron's `flask jobs run`
        return
    if mode == "rq" and delay:  # from a thread: the request does not wait on Redis either
        _executor(app).submit(_push_in_context, app, ids, delay)
    elif mode == "rq":
        _push_soon(app, ids)
    elif mode == "thread":
        _deliver_in_threads(app, ids, delay)
    elif delay is None:  # "here", "eager": this context delivers them; retries wait for the sweep
        g.setdefault(_HELD, []).extend(ids)


# How long the push waits for more: a burst of webhooks then wakes a thread and makes a round trip
# to Redis per batch, not per event. The rows are committed meanwhile; only the hand-over waits.
PUSH_LINGER_SECONDS = 0.02


def _push_soon(app, ids: list[int]) -> None:
    """Queue ids for one of the pool's threads to push; those committed while it lingers go in
    the same pipeline."""
    with _pool_lock:
        pid, waiting = app.extensions.get("jobs.to_push", (None, []))
        if pid != os.getpid():
            waiting = []
            app.extensions["jobs.to_push"] = (os.getpid(), waiting)
        first = not waiting
        waiting.extend(ids)
    if first:  # else a push already waits for a thread and takes these too
        _executor(app).submit(_push_waiting, app)


def _push_waiting(app) -> None:
    time.sleep(PUSH_LINGER_SECONDS)
    with _pool_lock:
        waiting = app.extensions["jobs.to_push"][1]
        ids = waiting[:]
        waiting.clear()
    if ids:  # an earlier push may have taken them
        _push_in_context(app, ids, None)


def _push_in_context(app, ids: list[int], delay: float | None) -> None:
    with app.app_context():
        try:
            queue.push(ids, delay)
        except queue.UNREACHABLE as error:
            log.warning("Redis unreachable (%s): delivering %d job(s) in this process", error, len(ids))
            _deliver_in_threads(app, ids, delay)


def _deliver_in_threads(app, ids: list[int], delay: float | None) -> None:
    if delay:
        timer = threading.Timer(delay, _executor(app).submit, args=(_deliver_in_context, app, ids))
        timer.daemon = True
        timer.start()
    else:
        _executor(app).submit(_deliver_in_context, app, ids)


_pool_lock = threading.Lock()


def _executor(app) -> ThreadPoolExecutor:
    # One pool per process (gunicorn forks after the app is made).
    with _pool_lock:
        pid, pool = app.extensions.get("jobs.pool", (None, None))
        if pid != os.getpid():
            pool = ThreadPoolExecutor(max_workers=app.config["JOBS_THREADS"], thread_name_prefix="jobs")
            app.extensions["jobs.pool"] = (os.getpid(), pool)
        return pool


def _deliver_in_context(app, ids: list[int]) -> None:
    with app.app_context():  # its own context: its own database session
        for job_id in ids:
            try:
                deliver(job_id)
            except Exception:  # the row stays pending: the sweep delivers it
                log.exception("job %s could not be delivered", job_id)
                db.session.rollback()


def hold_here() -> None:
    """Commands: deliver the jobs committed from now on in this process (``deliver_held``)."""
    g.jobs_here = True


def deliver_held() -> Counter:
    """Deliver the jobs committed in this app context and not dispatched; counts by outcome."""
    ids = g.pop(_HELD, [])
    return Counter(deliver(job_id) for job_id in dict.fromkeys(ids))


def init_app(app) -> None:
    @app.teardown_appcontext
    def deliver_eagerly(exc) -> None:
        # Tests: what the request or command committed is delivered now, in a fresh context, so
        # that it sees what was committed and nothing the ending context left unfinished.
        ids = g.pop(_HELD, None)
        if not ids:
            return
        db.session.remove()
        _deliver_in_context(app, list(dict.fromkeys(ids)))


@contextmanager
def links_to(site: str | None):
    """Build the links of what a job renders (``url_for(_external=True)``) for ``site`` when the app
    has no BASE_URL, as the request that queued the job would have."""
    if current_app.config.get("SERVER_NAME") or not site or has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=site):
        yield


# --- Delivery ----------------------------------------------------------------------------------


def deliver(job_id: int) -> str | None:
    """Deliver one job if it is due and no one else holds it: "done", "pending" (to be retried),
    "dead", or None when there was nothing to do."""
    now = utcnow()
    job = db.session.scalar(select(Job).where(Job.id == job_id).with_for_update(skip_locked=True))
    if job is None or job.status != "pending" or job.run_after > now + EARLY_TOLERANCE:
        db.session.rollback()
        return None
    job.attempts += 1
    if job.kind in COMMITTING:
        return _deliver_committing(job)
    try:
        with db.session.begin_nested():
            perform = HANDLERS.get(job.kind)
            if perform is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            perform(job.payload)
    except Exception as error:  # whatever the effect raised, it is recorded and retried
        log.warning("job %s (%s) failed on attempt %d: %s", job.id, job.kind, job.attempts, error)
        return _failed(job, error)
    return _done(job)


def _deliver_committing(job: Job) -> str:
    job_id, payload = job.id, job.payload
    db.session.commit()  # the attempt counts even if the process dies in the handler
    try:
        HANDLERS[job.kind](payload)
    except Exception as error:
        log.warning("job %s (%s) failed: %s", job_id, job.kind, error)
        db.session.rollback()
        return _failed(db.session.get_one(Job, job_id), error)
    return _done(db.session.get_one(Job, job_id))


def _done(job: Job) -> str:
    # Delivered: the key stays (no second delivery), the content (names, addresses) goes.
    job.status, job.done_at, job.last_error, job.payload = "done", utcnow(), None, {}
    db.session.commit()
    return "done"


def _failed(job: Job, error: Exception) -> str:
    job.last_error = f"{type(error).__name__}: {error}"[:2000]
    config = current_app.config
    delay = None
    if job.attempts >= config["JOBS_MAX_ATTEMPTS"]:
        job.status = "dead"
    else:
        delay = min(config["JOBS_RETRY_SECONDS"] * 2 ** (job.attempts - 1), config["JOBS_RETRY_MAX_SECONDS"])
        job.run_after = utcnow() + dt.timedelta(seconds=delay)
    status, job_id = job.status, job.id
    db.session.commit()
    if delay is not None:
        dispatch([job_id], delay=delay)
    return status


def due_ids() -> list[int]:
    ids = list(
        db.session.scalars(
            select(Job.id).where(Job.status == "pending", Job.run_after <= utcnow()).order_by(Job.run_after, Job.id)
        )
    )
    db.session.rollback()
    return ids


def run_due(rounds: int = 10) -> Counter:
    """Deliver every due pending job, oldest first, then those that the delivered ones caused (a
    Stripe event's receipt): ``flask jobs run``, for cron and after a crash."""
    total: Counter[str | None] = Counter()
    for _ in range(rounds):
        outcome = Counter(deliver(job_id) for job_id in due_ids())
        total += outcome
        if not outcome["done"]:
            break
    return total


# --- Staff: depth, dead letters, retry ---------------------------------------------------------


def depth() -> dict[str, int]:
    counts = dict(
        db.session.execute(select(Job.status, func.count()).where(Job.status != "done").group_by(Job.status)).all()
    )
    return {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)}


def dead_letters(actor, page: int = 1):
    """The jobs given up, for an admin; their last errors may name a recipient, so the view is audited."""
    query = select(Job).where(Job.status == "dead").order_by(Job.updated_at.desc(), Job.id.desc())
    found = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    audit.record_each("jobs.list", SUBJECT, [job.id for job in found.items], actor=actor)
    db.session.commit()
    return found


def get(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


class RetryRefused(Refusal):
    pass


def retry(job: Job, actor) -> None:
    """An admin sends a dead job on again (the mail server is fixed, an address corrected)."""
    if job.status != "dead":
        raise RetryRefused(job.status)
    make_due(job)
    audit.record("job.retry", SUBJECT, job.id, actor=actor, kind=job.kind)
    db.session.commit()


def deliver_task(job_id: int) -> str | None:
    """What the RQ worker runs (``queue.TASK``), inside the app context ``flask worker`` pushed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    with app.app_context():  # a fresh session for each job
        return deliver(job_id)


def deliver_batch_task(ids: list[int]) -> Counter:
    """The RQ worker's batch of jobs due now (``queue.BATCH_TASK``): each delivered as
    ``deliver_task`` would; one that cannot be (the database gone) does not hold back the others,
    stays pending for the sweep, and fails the batch in RQ's registry once the rest are done."""
    outcome: Counter[str | None] = Counter()
    failed = None
    for job_id in ids:
        try:
            outcome[deliver_task(job_id)] += 1
        except Exception as error:  # raised again below, after the others
            log.exception("job %s could not be delivered", job_id)
            failed = error
    if failed is not None:
        raise failed
    return outcome
