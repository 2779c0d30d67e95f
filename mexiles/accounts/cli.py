import click
from flask.cli import AppGroup

from ..access import Role
from ..extensions import db
from ..forms import PASSWORD_MIN
from .services import users as services

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(Role.ALL))
@click.option("--name", default=None, help="The person's name.")
@click.option("--locale", default="en", type=click.Choice(["en", "es"]))
@click.password_option(help="Asked for when not given.")
def create_command(email, roles, name, locale, password):
    """Create an account with a password and roles."""
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(f"Use a password of at least {PASSWORD_MIN} characters.")
    try:
        user = services.create_user(email, roles, full_name=name, password=password, locale=locale)
    except services.AccountError as refusal:
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.roles))}")


commands = [users_cli]
