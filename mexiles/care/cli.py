"""``flask care remind``: for cron, once a day."""
import click
from flask.cli import AppGroup

from . import services

care_cli = AppGroup("care", help="Counseling referrals.")


@care_cli.command("remind")
def remind_command() -> None:
    """Email each coordinator the referrals of their cases that need attention."""
    sent = services.remind_coordinators()
    for email, count in sent:
        click.echo(f"{email}: {count} referral(s)")
    click.echo(f"Reminders sent: {len(sent)}")


commands = [care_cli]
