"""``flask demo seed``: a believable small organisation, made of invented people only.

Each domain's ``demo.seed()`` adds its part and returns lines to print; all are idempotent, so the
command can run on every start.
"""

import importlib
import importlib.util

import click
from flask.cli import AppGroup

from .domains import DOMAINS
from .extensions import db

demo_cli = AppGroup("demo", help="Demo data.")
# Every demo account's password: the demo is for looking around, never for real records.
PASSWORD = "demo-password-2026"


@demo_cli.command("seed")
def seed_command() -> None:
    """Fill the database with demo data (safe to run again)."""
    for name in DOMAINS:
        if importlib.util.find_spec(f"mexiles.{name}.demo"):
            for line in importlib.import_module(f"mexiles.{name}.demo").seed():
                click.echo(line)
            db.session.commit()
