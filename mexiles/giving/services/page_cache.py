"""The donate page's one in-memory cache: first-time visitors are served from it in front of Flask,
and the view keeps its rendered page there for visitors with a session.

When a magazine story runs, hundreds of people open the donate page at once, nearly all for the
first time: no cookie, no account, the same page per language. A view marks such a response with
``CACHE_HEADER`` (see views.donate); this WSGI middleware keeps it for GIVING_PAGE_CACHE_SECONDS
and answers the next identical request without running the app. Anything with a cookie, any other
method or path, and any response that sets a cookie or is not a 200 goes through the app as usual.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from flask import current_app
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

CACHE_HEADER = "X-Mexiles-Page-Cache"
MAX_ENTRIES = 256


class LRU:
    """A bounded mapping that forgets the least recently used entry: a flood of distinct requests
    evicts old pages one by one instead of emptying the cache."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self.entries: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def clear(self) -> None:
        self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


class AnonymousPageCache:
    """Only 200 responses marked by the view are kept, and the view answers 200 only at the
    normalised address (anything else is redirected there), so that keys stay few."""

    def __init__(self, wsgi_app, config, paths: set[str]):
        self.wsgi_app = wsgi_app
        self.config = config
        self.paths = paths
        self.entries = LRU()

    def _key(self, environ) -> tuple | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") not in self.paths
            or environ.get("HTTP_COOKIE")
            or environ.get("HTTP_AUTHORIZATION")
            or not self.config.get("GIVING_PAGE_CACHE_SECONDS")
        ):
            return None
        languages = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
        locale = languages.best_match(self.config["LANGUAGES"]) or self.config["BABEL_DEFAULT_LOCALE"]
        return (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_X_FORWARDED_PROTO"),
            environ.get("HTTP_HOST"),
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"),
            locale,
        )

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        entry = self.entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            start_response(entry[1], list(entry[2]))
            return [entry[3]]
        captured: dict[str, Any] = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None  # the app uses the returned iterable, never write()

        result = self.wsgi_app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        marked = any(name == CACHE_HEADER for name, _ in headers)
        headers = [(name, value) for name, value in headers if name != CACHE_HEADER]
        if marked and status.startswith("200") and not any(name.lower() == "set-cookie" for name, _ in headers):
            self.entries.put(key, (time.monotonic() + self.config["GIVING_PAGE_CACHE_SECONDS"], status, headers, body))
        start_response(status, headers)
        return [body]

    def clear(self) -> None:
        self.entries.clear()


def install(state) -> None:
    """Blueprint hook: wrap the app once, for the donate page of this blueprint."""
    app = state.app
    app.wsgi_app = AnonymousPageCache(app.wsgi_app, app.config, {f"{state.url_prefix}/"})
    app.extensions["giving.page_cache"] = app.wsgi_app


def entries() -> LRU:
    """The app's one page cache: the middleware's whole responses and the view's rendered pages
    (and normalised addresses), under keys of different shapes, in one bounded LRU."""
    return current_app.extensions["giving.page_cache"].entries
