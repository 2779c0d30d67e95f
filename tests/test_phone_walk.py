"""Every page each role can reach from its navigation, on a 390 px phone, in English and Spanish:
the page is never wider than the screen, and each list's key column (what the reader acts on: the
link, the status, the urgency, the safety tag) is on the screen.

One chromium, one context per role and language; the real app (in a thread, on its own migrated
SQLite file with the demo data) answers. The walk follows the header's links, the home page's tiles,
the menus inside pages (``main nav``) and the first row of each list (so detail pages are walked
too); a page reached from a list adds its own menus but not its lists' rows."""

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from flask_migrate import upgrade
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from mexiles import create_app, timeutil
from mexiles.access import Role
from mexiles.accounts import services as accounts
from mexiles.demo import PASSWORD
from mexiles.extensions import SESSION_OPTIONS, db
from mexiles.giving import services as giving
from mexiles.jobs.models import Job

pytestmark = pytest.mark.browser
WIDTH = 390
LANGUAGES = ("en", "es")
# The demo account of each role (mexiles/accounts/demo.py); None is the anonymous visitor.
ACCOUNTS = {
    Role.ADMIN: "admin@example.org",
    Role.COORDINATOR: "coordinator@example.org",
    Role.COUNSELOR: "counselor@example.org",
    Role.SPEAKER: "speaker@example.org",
    Role.DONOR: "donor@example.org",
    None: None,
}
# Each page's list(s) and the columns that must be on the screen (English labels, translated for the
# Spanish walk). A page with a list that is not here fails the walk: add it, with its key columns.
KEY_COLUMNS = {
    "people.index": ["Alias", "Safety"],
    "tours.events": ["Talk", "Status"],
    "tours.inbox": ["Host", "Status"],
    "tours.portal": ["Talk", "Status"],
    "tours.tour": ["Talk"],
    "tours.speaker_list": ["Public name"],
    "accounts.staff": ["Email", "Status"],
    "care.referrals": ["Referral", "Urgency", "Status"],
    "care.referral_detail": ["When", "What"],
    "care.providers": ["Provider", "Open places"],
    "care.attention": ["Referral", "Status", "Why"],
    "care.counsel_index": ["Referral", "Urgency", "Status"],
    "care.counsel_detail": ["When", "Took place?"],
    "housing.calendar": [],  # a grid of nights, scrolling in its own box (templates/housing/calendar.html)
    "housing.sites": ["Site", "Status"],
    "housing.site": ["Guest", "Status"],
    "housing.placements": ["Guest", "Status"],
    "housing.waitlist": ["Urgency", "Person"],
    "assistance.listing": ["Asked on", "Status"],
    "assistance.unpaid": ["Asked on", "Status"],
    "assistance.figures": ["Fund", "Balance", "Month"],
    "giving.impact": ["Month", "Fund"],
    "giving.campaign": ["Month"],
    "tours.booking_request": ["Proposed (local time)", "Answer"],
    "giving.portal": ["Amount", "Receipt"],
    "giving.staff_home": [],  # disputes, odd Stripe events and refused attempts: none in the demo
    "giving.gift_list": ["#", "Amount", "Kind"],
    "giving.donor_detail": ["#", "Amount", "Kind"],
    "giving.donor_list": ["Donor"],
    "giving.funds": ["Code", "Offered"],
    "giving.campaigns": ["Title", "Link"],
    "giving.appeal_list": ["#", "Sent"],
    "giving.stewardship_list": ["Donor", "Thanked"],
    "giving.duplicate_list": ["Keep", "Merge into it"],
    "giving.report": ["Month"],
    "audit.index": ["Who", "Action"],
    "jobs.dead_letters": ["Job"],
}
# Answers that are files, not pages.
NOT_PAGES = ("export", "receipt", "feed", "calendar_file", "ics", "poster", "qr", "download", "document_file")

MEASURE = """(width) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth} px wide`);
  for (const table of document.querySelectorAll("table.list")) {
    for (const td of table.querySelectorAll("tbody td:not([colspan]), tfoot td")) {
      if (!td.hasAttribute("data-label") && td.textContent.trim()) problems.push("a cell without its column's name");
    }
    for (const key of table.querySelectorAll(".key")) {
      const box = key.getBoundingClientRect();
      if (box.width && (box.left < 0 || box.right > width + 0.5)) {
        problems.push(`key cell "${key.dataset.label}" at ${Math.round(box.left)}-${Math.round(box.right)} px`);
      }
    }
  }
  const keys = {};
  for (const key of document.querySelectorAll("table.list .key[data-label]")) keys[key.dataset.label] = true;
  const links = (selector) => [...document.querySelectorAll(selector)].map((a) => a.href);
  return {
    problems,
    keys: Object.keys(keys),
    lists: document.querySelectorAll("table.list").length,
    nav: links(".main-nav a[href], main .tiles a[href], main .hero a[href], main nav:not(.pager) a[href]"),
    actions: links("main .page-head a[href]"),
    firsts: [...document.querySelectorAll("table.list tbody")].map((body) => {
      const link = body.querySelector("tr:first-child .key a[href]");
      return link ? link.href : null;
    }).filter(Boolean),
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_app(tmp_path_factory, mailbox):
    """The app with the demo data, served for real; the test's rolled-back session is set aside."""
    test_session = db.session
    db.session = db._make_scoped_session(dict(SESSION_OPTIONS))
    # In memory where the machine offers it: each page view writes its audit entry and commits.
    folder = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else tmp_path_factory.mktemp("walk")
    served = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'walk.sqlite3'}",
            "SEND_FILE_MAX_AGE_DEFAULT": 600,  # the stylesheet once per context, not once per page
            "RATELIMIT_STORAGE_URI": "memory://",
            # Not RATELIMIT_ENABLED=False: the limiter is one object for every app in the process,
            # and switching it off here would switch it off for the tests that follow.
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": mailbox.host,
            "MAIL_PORT": mailbox.port,
            "MFA_REQUIRED": False,  # the walk looks at pages; the second factor has tests of its own
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 64,
            "DOCUMENT_STORAGE_PATH": str(folder / "documents"),
        }
    )
    with served.app_context():
        upgrade()
    result = served.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with served.test_request_context():  # a receipt mail names links
        _seed_what_the_demo_lacks()
    port = _free_port()
    server = make_server("127.0.0.1", port, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        with served.app_context():
            db.session.remove()
            db.engine.dispose()
        db.session = test_session
        shutil.rmtree(folder, ignore_errors=True)


def _seed_what_the_demo_lacks() -> None:
    """Rows for the lists the demo leaves empty: a job given up, and a donor who gave last year only
    (the stewardship page's first list)."""
    db.session.add(
        Job(kind="mail", key="walk:dead", payload={}, status="dead", attempts=5, last_error="550 mailbox unavailable")
    )
    admin = accounts.find_by_email(ACCOUNTS[Role.ADMIN])
    giving.record_offline_gift(
        {
            "email": "lapsed-walk@example.org",
            "name": "Invented Lapsed Giver",
            "fund_id": giving.fund_by_code("counseling").id,
            "amount_cents": 5000,
            "source": "check",
            "received_on": timeutil.today().replace(year=timeutil.today().year - 1, month=3, day=1),
        },
        actor=admin,
    )
    db.session.commit()


def _endpoint(app, url: str) -> str | None:
    parts = urlsplit(url)
    try:
        endpoint, _ = app.url_map.bind("127.0.0.1").match(parts.path, method="GET")
    except HTTPException:
        return None
    return endpoint


def _labels(app, language: str) -> dict[str, list[str]]:
    with app.test_request_context(), force_locale(language):
        return {endpoint: [gettext(label) for label in labels] for endpoint, labels in KEY_COLUMNS.items()}


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/account/login", wait_until="domcontentloaded")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("main form button[type=submit]").last.click()
    assert "/account/login" not in page.url, f"{email} could not sign in"


def _speak(page, base: str, language: str) -> None:
    """The language switch of the header, as a visitor would use it."""
    page.goto(f"{base}/", wait_until="domcontentloaded")
    switch = page.locator(f".language-switch button[value={language}]:not([disabled])")
    if switch.count():
        with page.expect_navigation(wait_until="domcontentloaded"):
            switch.click()
    assert page.locator("html").get_attribute("lang") == language


HEADER = """() => {
  const row = document.querySelector(".header-row").getBoundingClientRect();
  const items = [...document.querySelectorAll(".main-nav li, .brand, .language-switch")]
    .map((e) => e.getBoundingClientRect()).filter((box) => box.height);
  const firstLine = Math.min(...items.map((box) => box.bottom));
  return {
    lines: items.some((box) => box.top >= firstLine) ? 2 : 1,
    outside: items.filter((box) => box.right > row.right + 0.5 || box.bottom > row.bottom + 0.5).length,
    button: !!document.querySelector(".menu-button").offsetWidth,
  };
}"""


def _header(page, base: str, where: str) -> list[str]:
    """On the phone: a Menu button that opens the links on the screen. At 1280 px: one line."""
    problems = []
    page.goto(f"{base}/", wait_until="domcontentloaded")
    if not page.evaluate(HEADER)["button"]:
        problems.append(f"{where}: no menu button at {WIDTH} px")
    page.locator(".menu-button").click()
    for box in [link.bounding_box() for link in page.locator(".main-nav a, .main-nav button").all()]:
        if box is None or box["x"] < 0 or box["x"] + box["width"] > WIDTH:
            problems.append(f"{where}: the opened menu does not show its links on the screen")
            break
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{base}/", wait_until="domcontentloaded")
    header = page.evaluate(HEADER)
    if header["button"] or header["lines"] != 1 or header["outside"]:
        problems.append(f"{where}: the header is not one line at 1280 px ({header})")
    return problems


def _walk(app, page, base: str, language: str, who: str, lists: dict) -> tuple[list[str], int]:
    """Walk one role's pages in one language; ``lists`` gathers the endpoints visited, those reached
    from the navigation ("nav") and those that showed their list with its key columns ("seen")."""
    labels = _labels(app, language)
    problems = []
    queue = [(f"{base}/", True)]
    visited = set()
    while queue:
        url, expand = queue.pop(0)
        url = url.split("#")[0]
        endpoint = _endpoint(app, url)
        if url in visited or not url.startswith(base) or endpoint is None or any(w in endpoint for w in NOT_PAGES):
            continue
        visited.add(url)
        lists["visited"].add(endpoint)
        if expand:
            lists["nav"].add(endpoint)
        where = f"{who}/{language} {urlsplit(url).path}"
        response = page.goto(url, wait_until="domcontentloaded")
        if response is None or response.status >= 400:
            problems.append(f"{where}: answered {response.status if response else 'nothing'}")
            continue
        found = page.evaluate(MEASURE, WIDTH)
        problems += [f"{where}: {problem}" for problem in found["problems"]]
        if found["lists"]:
            if endpoint not in KEY_COLUMNS:
                problems.append(f"{where}: a list, but {endpoint} has no key columns in KEY_COLUMNS")
            else:
                missing = [label for label in labels[endpoint] if label not in found["keys"]]
                if missing:
                    problems.append(f"{where}: key columns {missing} not marked (or the list is empty)")
                else:
                    lists["seen"].add(endpoint)
        queue += [(link, expand) for link in found["nav"]]
        if expand:
            queue += [(link, False) for link in found["actions"] + found["firsts"]]
    return problems, len(visited)


def test_every_page_of_every_role_fits_a_phone_in_both_languages(demo_app):
    playwright_api = pytest.importorskip("playwright.sync_api")
    app, base = demo_app
    started = time.monotonic()
    problems, pages, lists = [], 0, {"nav": set(), "seen": set(), "visited": set()}
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            for role, email in ACCOUNTS.items():
                signed_in = None  # the first language's sign-in serves the second one's context too
                for language in LANGUAGES:
                    context = browser.new_context(
                        viewport={"width": WIDTH, "height": 844}, is_mobile=True, storage_state=signed_in
                    )
                    page = context.new_page()
                    if email and signed_in is None:
                        _sign_in(page, base, email)
                        signed_in = context.storage_state()
                    _speak(page, base, language)
                    found, count = _walk(app, page, base, language, role or "anonymous", lists)
                    problems += found + _header(page, base, f"{role or 'anonymous'}/{language}")
                    pages += count
                    context.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
    # Every list the navigation leads to had rows somewhere, so its key columns were looked at. (A
    # detail page's list may be empty for the first row's record: the case file of a new referral.)
    empty = ({endpoint for endpoint, labels in KEY_COLUMNS.items() if labels} & lists["nav"]) - lists["seen"]
    assert not empty, f"lists the walk only saw empty (seed rows for them): {empty}"
    unreached = set(KEY_COLUMNS) - lists["visited"]
    print(f"the phone walk: {pages} pages in {time.monotonic() - started:.1f} s; not reached: {sorted(unreached)}")
