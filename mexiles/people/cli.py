import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from . import services
from .models import Person

people_cli = AppGroup("people", help="People served.")


@people_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index of names (after SEARCH_INDEX_KEY changes)."""
    count = 0
    for person in db.session.scalars(select(Person)):
        services.reindex(person)
        count += 1
    db.session.commit()
    click.echo(f"Reindexed {count} people.")


commands = [people_cli]
