"""``flask care remind``: for cron, once a day."""

import click
from flask import current_app
from flask.cli import AppGroup

from ..jobs import services as jobs
from . import services

care_cli = AppGroup("care", help="Counseling referrals.")


@care_cli.command("remind")
def remind_command() -> None:
    """Email each coordinator the referrals of their cases that need attention."""
    if not current_app.config.get("SERVER_NAME"):
        click.echo("BASE_URL is not set: the reminders will carry no links to the referrals.", err=True)
    jobs.hold_here()  # delivered by this command, so that it can say what went out
    queued = services.remind_coordinators()
    for email, count in queued:
        click.echo(f"{email}: {count} referral(s)")
    sent = jobs.deliver_held()["done"]
    click.echo(
        f"Reminders sent: {sent}"
        + (f"; waiting for the mail server: {len(queued) - sent}" if sent < len(queued) else "")
    )


commands = [care_cli]
