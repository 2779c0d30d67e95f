"""A private localstripe (a fake Stripe API) for the test session, and a receiver for its webhooks."""

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The plugin patches localstripe (see its docstring) and starts it; run with -P, since this
# folder (first on its path otherwise) has a localstripe.py of its own.
PLUGIN = str(Path(__file__).with_name("localstripe_plugin.py"))


def free_port():
    """A currently free TCP port (localstripe binds '::', dual-stack)."""
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::", 0))
    except OSError:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
    with s:
        return s.getsockname()[1]


def _no_proxy_open(req, timeout=2):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(req, timeout=timeout)


def start_localstripe(port=None, python=sys.executable, timeout=15.0, log_path=None):
    """Start localstripe on 127.0.0.1:<port>; returns (Popen, base_url)."""
    port = port or free_port()
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [python, "-P", PLUGIN, "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
    )
    if log_path:
        log.close()  # the child keeps its own descriptor
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"localstripe exited early (rc={proc.returncode})")
        try:  # this route needs no API key
            with _no_proxy_open(base + "/js.stripe.com/v3/", timeout=1) as r:
                if r.status == 200:
                    return proc, base
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_localstripe(proc)
            raise RuntimeError("localstripe did not answer in time")
        time.sleep(0.05)


def stop_localstripe(proc, timeout=5.0):
    if proc.poll() is None:
        proc.terminate()  # aiohttp run_app exits cleanly on SIGTERM
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def flush_localstripe(base_url):
    """DELETE /_config/data: wipes every object. Registered webhooks stay."""
    req = urllib.request.Request(base_url + "/_config/data", method="DELETE")
    with _no_proxy_open(req) as r:
        assert r.status == 200


def set_shape(base_url, shape, api_version=None):
    """Make localstripe answer in the current API shape ("current") or its own ("old")."""
    req = urllib.request.Request(
        base_url + "/_config/shape",
        method="POST",
        data=json.dumps({"shape": shape, "api_version": api_version}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with _no_proxy_open(req) as r:
        assert r.status == 200


def register_webhook(base_url, hook_id, url, secret, events=None):
    """POST /_config/webhooks/<id>. Re-posting the same id replaces it; there
    is no unregister (point it at a dead URL or filter with `events`)."""
    body = {"url": url, "secret": secret}
    if events is not None:
        body["events"] = list(events)
    req = urllib.request.Request(
        f"{base_url}/_config/webhooks/{hook_id}",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with _no_proxy_open(req) as r:
        assert r.status == 200


class WebhookReceiver:
    """Tiny threaded HTTP server collecting (headers, raw body) of POSTs."""

    def __init__(self):
        self.requests = []
        self._cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer._cond:
                    outer.requests.append((dict(self.headers), body))
                    outer._cond.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, predicate, timeout=5.0):
        """Wait until predicate(json_event) matches one received request;
        returns (headers, raw_body). localstripe delays each webhook by 1 s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for headers, body in self.requests:
                    if predicate(json.loads(body)):
                        return headers, body
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("webhook not received")
                self._cond.wait(left)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def lists_asked(base_url):
    """The list calls localstripe answered since the last look: their created filter and ids answered."""
    with _no_proxy_open(base_url + "/_config/lists") as r:
        return json.loads(r.read())


def backdate(base_url, object_id, created: int):
    """Make an object look as if Stripe made it at ``created`` (seconds)."""
    req = urllib.request.Request(
        f"{base_url}/_config/created/{object_id}",
        method="POST",
        data=json.dumps({"created": created}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with _no_proxy_open(req) as r:
        assert r.status == 200
