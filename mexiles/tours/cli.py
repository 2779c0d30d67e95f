import click
from flask.cli import AppGroup

from . import reminders

tours_cli = AppGroup("tours", help="Speaking tours.")


@tours_cli.command("remind")
def remind_command():
    """Email speakers and hosts TOURS_REMINDER_DAYS before each confirmed event (run daily from cron)."""
    click.echo(f"Reminders sent: {reminders.send_reminders()}.")


commands = [tours_cli]
