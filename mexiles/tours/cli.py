import click
from flask.cli import AppGroup

from ..jobs import services as jobs
from .services import reminders

tours_cli = AppGroup("tours", help="Speaking tours.")


@tours_cli.command("remind")
def remind_command():
    """Email speakers and hosts TOURS_REMINDER_DAYS before each confirmed event (run daily from cron)."""
    jobs.hold_here()  # delivered by this command, so that it can say what went out
    queued = reminders.send_reminders()
    outcome = jobs.deliver_held()
    line = f"Reminders sent: {outcome['done']}."
    if queued > outcome["done"]:
        line += f" Waiting for the mail server: {queued - outcome['done']} (flask jobs run sends them)."
    click.echo(line)


commands = [tours_cli]
