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
PIPELINE_SIZE = 500  # the jobs left behind that a starting worker queues, in bounded pipelines
TASK = "mexiles.jobs.services.outbox.deliver_task"  # outbox.py imports this module, not the reverse


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
    """Queue these jobs: those due now in a pipeline (one round trip to Redis) per PIPELINE_SIZE."""
    target = queue()
    timeout, failure_ttl = current_app.config["JOBS_TIMEOUT_SECONDS"], 7 * 24 * 3600
    if not delay:
        options = {"timeout": timeout, "result_ttl": 0, "failure_ttl": failure_ttl}
        for start in range(0, len(ids), PIPELINE_SIZE):
            batch = ids[start : start + PIPELINE_SIZE]
            target.enqueue_many([Queue.prepare_data(TASK, (job_id,), **options) for job_id in batch])
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
