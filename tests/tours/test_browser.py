"""The tour page on a phone (390 px wide) in Debian's chromium: the week of free days wraps, nothing
scrolls sideways, and every free day is a link a thumb can reach."""

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.browser


def test_the_free_days_fit_a_phone(client, frozen, make_speaker, make_event, tmp_path):
    from playwright.sync_api import sync_playwright

    speaker = make_speaker(alias="Voz Teléfono", topics="Asylum today, Family separation, Work permits")
    make_event(speaker, day=dt.date(2030, 9, 25), steps=("offered", "accepted", "confirmed"))
    html = client.get(f"/tours/?speaker={speaker.id}").data.decode()
    css = client.get("/static/css/app.css").data.decode()
    # The page as served, with its stylesheet in the page: no server to run, the same layout.
    html = re.sub(r'<link rel="stylesheet"[^>]*>', lambda _: f"<style>{css}</style>", html)
    html = re.sub(r"<script[^>]*></script>", "", html)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        links = page.locator(".free-days a")
        assert links.count() > 30
        for n in (0, links.count() - 1):
            box = links.nth(n).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 44
        page.screenshot(path=str(tmp_path / "tour-390.png"), full_page=True)
        browser.close()
