"""The README's deploy step: a wheel built from the checkout, installed outside it, serves the app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

import pytest

from .conftest import on_postgres

CHECKOUT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment outside the checkout with the wheel installed in it.

    The wheel's dependencies are borrowed from the test environment (without its editable copy of
    mexiles) so that the test needs no downloads beyond the build backend's."""
    where = tmp_path_factory.mktemp("installed")
    # Built from a clean copy: setuptools keeps a build/ folder in the tree it builds.
    source = where / "source"
    shutil.copytree(
        CHECKOUT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "instance", "*.egg-info", "__pycache__", "*.mo", "node_modules", "bench"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", where / "dist", source],
        check=True,
        cwd=where,
        timeout=240,
    )
    wheel = next((where / "dist").glob("mexiles-*.whl"))
    env_dir = where / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel],
        check=True,
        timeout=120,
    )
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A plain path line: the test environment's .pth files (its editable mexiles) are not run.
    (Path(own) / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir, where


@pytest.mark.skipif(on_postgres(), reason="packaging does not depend on the database: run once, on SQLite")
def test_installed_wheel_migrates_and_serves(installed):
    env_dir, where = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MEXILES_", "DATABASE_URL"))}
    env.update(MEXILES_ENV="development", DATABASE_URL=f"sqlite:///{where / 'app.sqlite3'}")
    bin_dir = env_dir / "bin"
    located = subprocess.run(
        [bin_dir / "python", "-c", "import mexiles; print(mexiles.__file__)"],
        cwd=where,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert str(CHECKOUT) not in located
    subprocess.run(
        [bin_dir / "python", "-m", "flask", "--app", "mexiles", "db", "upgrade"],
        cwd=where,
        env=env,
        check=True,
        timeout=120,
    )

    port = _free_port()
    server = subprocess.Popen(
        [bin_dir / "python", "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "mexiles:create_app()"],
        cwd=where,
        env=env,
    )
    try:
        pages = {}
        deadline = time.monotonic() + 60
        for language in ("en", "es"):
            while True:
                try:
                    request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept-Language": language})
                    with urllib.request.urlopen(request, timeout=5) as answer:
                        pages[language] = (answer.status, answer.read().decode())
                    break
                except OSError:
                    assert server.poll() is None, "gunicorn exited"
                    assert time.monotonic() < deadline, "the installed app never answered"
                    time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5) as answer:
            assert answer.status == 200
        missing = urllib.request.Request(f"http://127.0.0.1:{port}/no-such-page", headers={"Accept-Language": "es"})
        with pytest.raises(urllib.error.HTTPError) as not_found:
            urllib.request.urlopen(missing, timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert pages["en"][0] == pages["es"][0] == 200
    assert '<html lang="en">' in pages["en"][1] and '<html lang="es">' in pages["es"][1]
    # The Spanish catalogs were compiled into the wheel.
    assert not_found.value.code == 404
    assert "No encontramos la página" in not_found.value.read().decode()
