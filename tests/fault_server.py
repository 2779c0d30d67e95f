"""The app in a process of its own (``gunicorn tests.fault_server:app``), for tests that kill it or
cut what it depends on. Configured from the environment like production, plus
MEXILES_TEST_OVERRIDES (JSON), and without CSRF tokens, as the suite's own app."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _make_app():
    from mexiles import create_app

    return create_app({"WTF_CSRF_ENABLED": False, **json.loads(os.environ.get("MEXILES_TEST_OVERRIDES", "{}"))})


if os.environ.get("MEXILES_TEST_OVERRIDES") is not None:
    app = _make_app()


def child_env(app, mailbox, **extra) -> dict:
    """The environment of a process that uses the suite's database, keys and mailbox."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI")}
    env.update(
        MEXILES_ENV="testing",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        FIELD_ENCRYPTION_KEYS=",".join(app.config["FIELD_ENCRYPTION_KEYS"]),
        SEARCH_INDEX_KEY=app.config["SEARCH_INDEX_KEY"],
        MAIL_SERVER=mailbox.host,
        MAIL_PORT=str(mailbox.port),
        FLASK_APP="wsgi",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving this module's app on loopback; ``kill`` is SIGKILL for master and workers."""

    def __init__(self, env: dict, overrides: dict | None = None, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**env, "MEXILES_TEST_OVERRIDES": json.dumps(overrides or {})}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "tests.fault_server:app",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the app did not start under gunicorn")
            time.sleep(0.1)

    def client(self) -> Client:
        return Client(self.base)

    def get(self, path: str):
        return Client(self.base).get(path)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Client:
    """A browser's worth of HTTP: cookies kept, redirects not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), self._NoRedirect(), urllib.request.HTTPCookieProcessor(CookieJar())
        )

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict | None = None, body: bytes | None = None, headers: dict | None = None):
        payload = body if body is not None else urllib.parse.urlencode(data or {}).encode()
        return self._open(urllib.request.Request(self.base + path, data=payload, headers=headers or {}, method="POST"))
