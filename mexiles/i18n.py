"""Languages: English and Spanish on every page, message and email.

Each domain package keeps its own catalog (``mexiles/<domain>/translations``) for the messages of
its code and of ``templates/<domain>/``; ``mexiles/translations`` holds the shared ones. Flask-Babel
merges them all. ``flask translate update|compile|check`` keep them current.
"""
from __future__ import annotations

from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app, has_request_context, request, session
from flask.cli import AppGroup
from flask_login import current_user

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
TEMPLATES = ROOT / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
JINJA_OPTIONS = {"**.html": {"trimmed": "true"}, "**.txt": {"trimmed": "true"}}
SPANISH = "es"


def domains() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/translations"))


def translation_directories() -> list[str]:
    return ["translations"] + [f"{name}/translations" for name in domains()]


def _sources(catalog_dir: Path) -> list[Path]:
    if catalog_dir == PACKAGE / "translations":
        own = set(domains())
        return ([p for p in PACKAGE.glob("*.py")]
                + [p for p in PACKAGE.iterdir() if p.is_dir() and p.name not in own and p.name != "static"
                   and not p.name.startswith(("_", "."))]
                + [p for p in TEMPLATES.iterdir() if p.name not in own])
    name = catalog_dir.parent.name
    return [PACKAGE / name, TEMPLATES / name]


def extract(catalog_dir: Path) -> Catalog:
    """The messages that the code and templates behind one catalog ask for."""
    template = Catalog(project="mexiles")
    for source in _sources(catalog_dir):
        if not source.exists():
            continue
        if source.is_dir():
            found = ((source / name, *rest) for name, *rest in
                     extract_from_dir(source, METHODS, JINJA_OPTIONS, KEYWORDS, strip_comment_tags=True))
        else:
            method = "python" if source.suffix == ".py" else "jinja2"
            options = {} if method == "python" else {"trimmed": "true"}
            found = ((source, lineno, message, comments, context) for lineno, message, comments, context in
                     extract_from_file(method, source, KEYWORDS, options=options))
        for path, lineno, message, comments, context in found:
            template.add(message, None, [(str(Path(path).relative_to(ROOT)), lineno)],
                         auto_comments=comments, context=context)
    return template


def catalog_dirs() -> list[Path]:
    return [PACKAGE / d for d in translation_directories()]


def po_path(catalog_dir: Path) -> Path:
    return catalog_dir / SPANISH / "LC_MESSAGES" / "messages.po"


def read_catalog(catalog_dir: Path) -> Catalog:
    path = po_path(catalog_dir)
    if not path.exists():
        return Catalog(locale=SPANISH)
    with path.open("rb") as f:
        return read_po(f, locale=SPANISH)


def untranslated(catalog_dir: Path) -> list[str]:
    """Messages the code uses that the Spanish catalog does not translate."""
    have = read_catalog(catalog_dir)
    missing = []
    for message in extract(catalog_dir):
        if not message.id:
            continue
        known = have.get(message.id, message.context)
        strings = known.string if known else None
        done = known and not known.fuzzy and (all(strings) if isinstance(strings, tuple) else strings)
        if not done:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


translate_cli = AppGroup("translate", help="Keep the Spanish catalogs current.")


@translate_cli.command("update")
def update_command() -> None:
    """Extract messages and merge them into each Spanish catalog.

    A message that moved from one catalog to another keeps the translation it had."""
    known = {(m.context, m.id): m.string for d in catalog_dirs() for m in read_catalog(d)
             if m.id and m.string and not m.fuzzy}
    for catalog_dir in catalog_dirs():
        catalog = read_catalog(catalog_dir)
        catalog.update(extract(catalog_dir), update_header_comment=False)
        for message in catalog:
            key = (message.context, message.id)
            if key in known and (not message.string or message.fuzzy):
                message.string = known[key]
                message.flags.discard("fuzzy")
        path = po_path(catalog_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True)
        click.echo(f"{path.relative_to(ROOT)}: {len(untranslated(catalog_dir))} to translate")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the Spanish catalogs for the app to use."""
    compile_catalogs()


@translate_cli.command("check")
def check_command() -> None:
    """Fail when a message in the code has no Spanish translation."""
    missing = {str(d.relative_to(ROOT)): untranslated(d) for d in catalog_dirs()}
    missing = {k: v for k, v in missing.items() if v}
    for where, ids in missing.items():
        click.echo(f"{where}:")
        for message_id in ids:
            click.echo(f"  {message_id}")
    if missing:
        raise SystemExit(1)


def compile_catalogs() -> None:
    for catalog_dir in catalog_dirs():
        catalog = read_catalog(catalog_dir)
        path = po_path(catalog_dir).with_suffix(".mo")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_mo(f, catalog)


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
