"""The least the app's database role needs, and no more (PostgreSQL).

The owner of the schema runs the migrations and then ``flask db grant-app-role ROLE``; the app runs
as ROLE. ROLE may read and write the records, but may only read and add to the audit trail, and,
owning nothing, cannot drop the triggers that keep the trail append-only. The test suite runs the
app as such a role, so a grant missing here fails the tests.
"""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_cli
from sqlalchemy import text
from sqlalchemy.engine import Connection

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# {role} is a quoted identifier. Later GRANTs cover tables created by later migrations only when
# the command runs again after them: run it after every `flask db upgrade`.
APP_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    # The audit trail: read and append only. The migrations' bookkeeping: read only.
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
    # Case documents are withdrawn or purged, never deleted (the triggers of migration 0015 too).
    "REVOKE DELETE, TRUNCATE ON case_documents FROM {role}",
)


def grant_app_role(connection: Connection, role: str) -> None:
    if not ROLE_NAME.match(role):
        raise ValueError(f"not a plain role name: {role!r}")
    quoted = connection.dialect.identifier_preparer.quote_identifier(role)
    for statement in APP_ROLE_GRANTS:
        connection.execute(text(statement.format(role=quoted)))


@db_cli.command("grant-app-role")
@click.argument("role")
@with_appcontext
def grant_app_role_command(role: str) -> None:
    """Grant ROLE (which must not own the schema) what the app needs on PostgreSQL, and no more."""
    from .extensions import db

    if db.engine.dialect.name != "postgresql":
        raise click.UsageError("database roles exist on PostgreSQL only")
    try:
        with db.engine.begin() as connection:
            grant_app_role(connection, role)
    except ValueError as refused:
        raise click.BadParameter(str(refused), param_hint="ROLE") from None
    click.echo(f"Granted {role} what the app needs.")
