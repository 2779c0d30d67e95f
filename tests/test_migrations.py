"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from mexiles.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context():
        context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists(app):
    with app.app_context():
        tables = set(inspect(db.session.connection()).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
