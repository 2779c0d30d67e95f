"""Languages: English and Spanish on every page, message and email.

One catalog per language, `mexiles/translations/<lang>/LC_MESSAGES/messages.po`, in Flask-Babel's
standard workflow: `pybabel extract -F babel.cfg` then `pybabel update` and `pybabel compile`.
``flask translate update|compile|check`` run those with the project's keywords, from anywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask import Flask, current_app, has_request_context, request, session
from flask.cli import AppGroup
from flask_login import current_user

PACKAGE = Path(__file__).resolve().parent
CATALOGS = PACKAGE / "translations"
SPANISH = "es"
# The functions whose strings are messages, beyond pybabel's defaults (_, gettext, ngettext, pgettext…).
KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "--quiet", *args])


def extract(template: Path) -> None:
    """Write the messages the code and templates ask for to ``template`` (a .pot file), sorted and
    without line numbers, so that moving code leaves the catalog as it was."""
    root = PACKAGE.parent
    _pybabel(
        "extract",
        "--project=mexiles",
        "--no-wrap",
        "--no-location",
        "--sort-output",
        "-F",
        str(root / "babel.cfg"),
        *(f"-k{keyword}" for keyword in KEYWORDS),
        "-o",
        str(template),
        str(root),
    )


def catalog_path(language: str = SPANISH) -> Path:
    return CATALOGS / language / "LC_MESSAGES" / "messages.po"


def untranslated(language: str = SPANISH) -> list[str]:
    """Messages the code uses that the language's catalog does not translate (or marks fuzzy)."""
    with tempfile.TemporaryDirectory() as work:
        template = Path(work) / "messages.pot"
        extract(template)
        with template.open("rb") as f:
            wanted = read_po(f)
    with catalog_path(language).open("rb") as f:
        have = read_po(f, locale=language)
    missing = []
    for message in wanted:
        if not message.id:
            continue
        known = have.get(message.id, message.context)
        strings = known.string if known else None
        done = known and not known.fuzzy and (all(strings) if isinstance(strings, tuple) else strings)
        if not done:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


translate_cli = AppGroup("translate", help="Keep the Spanish catalog current.")


@translate_cli.command("update")
def update_command() -> None:
    """Extract the messages and merge them into the catalog (new ones to translate)."""
    with tempfile.TemporaryDirectory() as work:
        template = Path(work) / "messages.pot"
        extract(template)
        _pybabel("update", "--no-wrap", "--ignore-obsolete", "-i", str(template), "-d", str(CATALOGS))
    click.echo(f"{catalog_path().relative_to(PACKAGE.parent)}: {len(untranslated())} to translate")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogs for the app to use."""
    _pybabel("compile", "-d", str(CATALOGS))


@translate_cli.command("check")
def check_command() -> None:
    """Fail when a message in the code has no Spanish translation."""
    missing = untranslated()
    for message_id in missing:
        click.echo(f"  {message_id}")
    if missing:
        raise SystemExit(1)


def select_locale() -> str:
    """The user's own choice, then the visitor's choice this session, then the browser's."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def label(code: str | None, labels: dict) -> str:
    """A code from a fixed list (a vocabulary) as its label in the user's language; an unknown code
    (Stripe adds some) is shown as it is."""
    return str(labels.get(code, code)) if code else ""


def labels(codes, labels: dict) -> str:
    """Codes as their labels, in the user's language: ``["es", "en"]`` -> "Spanish, English"."""
    return ", ".join(label(code, labels) for code in codes or ())


def init_app(app: Flask) -> None:
    app.cli.add_command(translate_cli)
    # The one code-to-label filter pair, for every domain's vocabulary.
    app.jinja_env.filters.update(label=label, labels=labels)
