import datetime as dt

import click
from flask.cli import AppGroup

from .. import timeutil
from ..extensions import db
from ..jobs import services as jobs
from .services import appeals, donors, receipts, webhooks
from .services.reconcile import reconcile
from .services.stripe_gateway import API_VERSION, StripeError, v1

giving_cli = AppGroup("giving", help="Online giving: reconciliation with Stripe, statements.")


@giving_cli.command("reconcile")
@click.option(
    "--since",
    "since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Look at Stripe objects created on or after this date (YYYY-MM-DD).",
)
def reconcile_command(since):
    """Repair what lost webhooks missed; running it again changes nothing."""
    lines = reconcile(since.date())
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} repairs." if lines else "Nothing to repair.")


@giving_cli.command("webhook-endpoint")
@click.option("--url", required=True, help="The app's webhook address, https://…/give/stripe/webhook.")
def webhook_endpoint_command(url):
    """Create the Stripe webhook endpoint, in the API version the app speaks, for the events it uses."""
    try:
        endpoint = v1().webhook_endpoints.create(
            params={"url": url, "api_version": API_VERSION, "enabled_events": sorted(webhooks.HANDLERS)}
        )
    except StripeError as error:
        raise click.ClickException(f"Stripe refused: {error.user_message or error}") from None
    click.echo(f"Webhook endpoint {endpoint.id} created for {url} (API version {API_VERSION}).")
    click.echo(f"Set STRIPE_WEBHOOK_SECRET={endpoint.secret}")


@giving_cli.command("resend-receipts")
def resend_receipts_command():
    """Send now the receipts of paid gifts that have none yet (the mail server was down)."""
    jobs.hold_here()
    due = receipts.resend_missing()
    db.session.commit()
    sent = jobs.deliver_held()["done"]
    click.echo(f"Receipts sent: {sent}; still unsent: {len(due) - sent}.")


@giving_cli.command("statements")
@click.option("--year", type=int, help="A calendar year (default: last year).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Start date instead of a year.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="End date instead of a year.")
def statements_command(year, since, until):
    """Email every donor who gave in the period a statement of their gifts, with a PDF."""
    if since and until:
        start, end = since.date(), until.date()
    else:
        year = year or timeutil.today().year - 1
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    jobs.hold_here()  # delivered by this command, so that it can say what went out
    queued = [receipts.queue_statement(donor, start, end) for donor in receipts.donors_who_gave(start, end)]
    db.session.commit()
    outcome = jobs.deliver_held()
    already = queued.count(None)
    click.echo(
        f"Statements sent: {outcome['done']}; not sent: {len(queued) - already - outcome['done']}; "
        f"sent before: {already} ({start} to {end})."
    )


@giving_cli.command("bounced")
@click.argument("emails", nargs=-1, required=True)
@click.option("--clear", is_flag=True, help="Mail reaches these addresses again.")
def bounced_command(emails, clear):
    """Record that mail to these donors' addresses bounces (a mail server's report): no appeals go to them."""
    for email in emails:
        donor = donors.find(email)
        if donor is None:
            click.echo(f"No donor has the address {email}.")
            continue
        appeals.set_bounced(donor, not clear)
        click.echo(f"{email}: {'bounce cleared' if clear else 'marked as bouncing'}.")


commands = [giving_cli]
