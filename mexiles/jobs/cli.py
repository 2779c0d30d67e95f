"""``flask jobs run`` (the sweep, for cron and after a crash) and ``flask worker`` (RQ on Redis)."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import services

jobs_cli = AppGroup("jobs", help="The outbox: mail and receipts waiting to be delivered.")


@jobs_cli.command("run")
def run_command():
    """Deliver every due job now; running it again delivers nothing twice."""
    services.hold_here()  # what the delivered jobs cause is delivered by this sweep too
    outcome = services.run_due()
    click.echo(f"Jobs delivered: {outcome['done']}; to retry later: {outcome['pending']}; given up: {outcome['dead']}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Deliver what is queued, then stop (for tests and one-off runs).")
@with_appcontext
def worker_command(burst):
    """Deliver jobs from the Redis queue (REDIS_URL) until stopped."""
    from rq import SimpleWorker

    from .services import queue

    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("flask worker needs REDIS_URL; without Redis, jobs run in the app itself.")
    redis = queue.worker_connection()
    left_behind = services.due_ids()
    if left_behind:  # committed while no worker ran, or by a worker that died
        queue.push(left_behind)
        click.echo(f"Queued {len(left_behind)} job(s) left behind.")
    # One process, no fork: each job gets a fresh app context and database session of its own.
    worker = SimpleWorker([queue.queue(redis)], connection=redis)
    worker.work(burst=burst, with_scheduler=True)


commands = [jobs_cli, worker_command]
