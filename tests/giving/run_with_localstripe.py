"""``make run STRIPE=local``: the app with localstripe (the tests' stand-in for Stripe) wired in.

Starts localstripe with the tests' plugin, points the app at it (keys, API base, Stripe.js address
and the payment pages' CSP sources), registers the webhook endpoint with ``flask giving
webhook-endpoint`` as on real Stripe, seeds the demo (its monthly gifts become subscriptions
there), then serves the app. localstripe keeps everything in memory, so this run uses a database of
its own, made afresh each time. Mail is printed to the terminal (the portal's sign-in link too).
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from .localstripe import start_localstripe, stop_localstripe

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi"]
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "5000")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop localstripe too, whoever ends the run
    database = ROOT / "instance" / "mexiles-localstripe.sqlite3"
    database.parent.mkdir(exist_ok=True)
    database.unlink(missing_ok=True)
    proc, base = start_localstripe(
        port=int(os.environ.get("LOCALSTRIPE_PORT", "8420")), log_path=str(ROOT / "instance" / "localstripe.log")
    )
    env = dict(
        os.environ,
        STRIPE_SECRET_KEY="sk_test_localstripe",
        STRIPE_PUBLISHABLE_KEY="pk_test_localstripe",
        STRIPE_API_BASE=base,
        STRIPE_JS_URL=f"{base}/js.stripe.com/v3/",
        STRIPE_CSP_SCRIPT_SRC=base,
        STRIPE_CSP_FRAME_SRC=base,
        STRIPE_CSP_CONNECT_SRC=base,
        DATABASE_URL=f"sqlite:///{database}",
        NO_PROXY="127.0.0.1,localhost",
    )
    try:
        subprocess.run([*FLASK, "db", "upgrade"], env=env, cwd=ROOT, check=True)
        endpoint = subprocess.run(
            [*FLASK, "giving", "webhook-endpoint", "--url", f"http://{HOST}:{PORT}/give/stripe/webhook"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        print(endpoint, end="")
        env["STRIPE_WEBHOOK_SECRET"] = re.search(r"STRIPE_WEBHOOK_SECRET=(\S+)", endpoint).group(1)
        subprocess.run([*FLASK, "demo", "seed"], env=env, cwd=ROOT, check=True)
        print(f"localstripe at {base} (log: instance/localstripe.log). Test card: 4242 4242 4242 4242.")
        subprocess.run([*FLASK, "run", "--host", HOST, "--port", PORT], env=env, cwd=ROOT)
    except KeyboardInterrupt:
        pass
    finally:
        stop_localstripe(proc)


if __name__ == "__main__":
    main()
