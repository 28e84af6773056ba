"""Take docs/map.md's screenshot of the wizard map: .venv/bin/python docs/screenshots/take_map.py [BASE_URL].

BASE_URL is a running admin with the seed wizard imported and a superuser MAP_USER (default "mapper") whose
password is MAP_PASSWORD (default "a-long-test-password"); the wizard with id MAP_WIZARD (default 1) is drawn.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1600, "height": 2400})
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", os.environ.get("MAP_USER", "mapper"))
        page.fill("#id_password", os.environ.get("MAP_PASSWORD", "a-long-test-password"))
        page.click("input[type=submit]")
        wizard = os.environ.get("MAP_WIZARD", "1")
        page.goto(f"{base}/admin/wizard/node/{wizard}/map/?step=" + os.environ.get("MAP_STEP", ""))
        page.locator(".map-canvas").scroll_into_view_if_needed()
        page.locator(".map-canvas").screenshot(path=HERE / "map.png")
        page.goto(f"{base}/admin/wizard/node/{wizard}/map/")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.locator("#outline-title").scroll_into_view_if_needed()
        page.screenshot(path=HERE / "map-outline.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8901")
