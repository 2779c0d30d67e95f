"""RQ on Redis: the queue that carries job ids to ``flask worker``. The rows stay the truth; the
queue only says "deliver job N now" (or at its retry time)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.defaults import DEFAULT_WORKER_TTL

UNREACHABLE = (RedisError, OSError)
# Jobs due now travel BATCH_SIZE ids to an RQ job: creating an RQ job costs the web process more
# than the webhook's own INSERT, and a burst of webhooks hands its ids over in batches anyway. Small
# enough batches that a burst still spreads over several workers.
BATCH_SIZE = 50
PIPELINE_SIZE = 10  # RQ jobs (so up to 500 ids) per round trip to Redis
# outbox.py imports this module, not the reverse
TASK = "mexiles.jobs.services.outbox.deliver_task"  # one job at its retry time
BATCH_TASK = "mexiles.jobs.services.outbox.deliver_batch_task"  # jobs due now


def connection() -> Redis:
    """One client per app, with short timeouts: a Redis that does not answer must not hold a request."""
    client = current_app.extensions.get("jobs.redis")
    if client is None:
        timeout = current_app.config["REDIS_TIMEOUT_SECONDS"]
        client = Redis.from_url(
            current_app.config["REDIS_URL"],
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=30,
        )
        current_app.extensions["jobs.redis"] = client
    return client


def worker_connection() -> Redis:
    """The worker waits on the queue with a blocking pop: its reads may last until RQ's own
    dequeue timeout, its connecting may not."""
    return Redis.from_url(
        current_app.config["REDIS_URL"],
        socket_timeout=DEFAULT_WORKER_TTL + 30,
        socket_connect_timeout=current_app.config["REDIS_TIMEOUT_SECONDS"],
    )


def queue(redis: Redis | None = None) -> Queue:
    return Queue(current_app.config["JOBS_QUEUE"], connection=redis or connection())


def push(ids: list[int], delay: float | None = None) -> None:
    """Queue these jobs: those due now in batches of ids, PIPELINE_SIZE batches per round trip to
    Redis; each batch has the time limit of all its jobs together."""
    target = queue()
    timeout, failure_ttl = current_app.config["JOBS_TIMEOUT_SECONDS"], 7 * 24 * 3600
    if not delay:
        batches = [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]
        for start in range(0, len(batches), PIPELINE_SIZE):
            target.enqueue_many(
                [
                    Queue.prepare_data(
                        BATCH_TASK, (batch,), timeout=timeout * len(batch), result_ttl=0, failure_ttl=failure_ttl
                    )
                    for batch in batches[start : start + PIPELINE_SIZE]
                ]
            )
        return
    for job_id in ids:
        target.enqueue_in(
            dt.timedelta(seconds=delay), TASK, job_id, job_timeout=timeout, result_ttl=0, failure_ttl=failure_ttl
        )


def reachable() -> bool:
    try:
        connection().ping()
    except UNREACHABLE:
        return False
    return True
