"""The outbox's public API: the only part of jobs other modules import."""
from .outbox import (HANDLERS, COMMITTING, SUBJECT, PAGE_SIZE, EARLY_TOLERANCE, handler, enqueue, by_key,
                     make_due, dispatch_mode, dispatch, hold_here, deliver_held, init_app, links_to, deliver,
                     due_ids, run_due, depth, dead_letters, get, RetryRefused, retry,
                     deliver_task)
from .queue import reachable as redis_reachable

__all__ = [
    "redis_reachable",
    "deliver_task",
    "HANDLERS",
    "COMMITTING",
    "SUBJECT",
    "PAGE_SIZE",
    "EARLY_TOLERANCE",
    "handler",
    "enqueue",
    "by_key",
    "make_due",
    "dispatch_mode",
    "dispatch",
    "hold_here",
    "deliver_held",
    "init_app",
    "links_to",
    "deliver",
    "due_ids",
    "run_due",
    "depth",
    "dead_letters",
    "get",
    "RetryRefused",
    "retry",
]
