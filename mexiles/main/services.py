"""Readiness: can this process do its work? The database, Redis and the depth of the outbox."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..jobs import services as jobs


def readiness() -> tuple[dict, bool]:
    """What /readyz reports, and whether the app can serve at all (it cannot without its database).
    Redis down only degrades it: rate limits count per process, jobs run in the app."""
    report: dict[str, object] = {"database": "ok", "redis": "not configured", "jobs": None}
    try:
        db.session.execute(text("SELECT 1"))
        report["jobs"] = jobs.depth()
    except SQLAlchemyError:
        db.session.rollback()
        report["database"] = "unreachable"
    if current_app.config["REDIS_URL"]:
        report["redis"] = "ok" if jobs.redis_reachable() else "unreachable"
    serving = report["database"] == "ok"
    report["status"] = "ok" if serving and report["redis"] != "unreachable" else ("degraded" if serving else "down")
    return report, serving
