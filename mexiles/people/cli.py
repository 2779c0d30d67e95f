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


@people_cli.command("remind")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to remind of (default: today in ORG_TIME_ZONE).",
)
def remind_command(day) -> None:
    """Email each user their due and overdue case deadlines; run daily (a second run sends nothing)."""
    sent = services.reminders.remind(day.date() if day else None)
    click.echo(f"Sent {sent} reminders.")


commands = [people_cli]
