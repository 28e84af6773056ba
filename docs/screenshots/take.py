"""Take the README's screenshots of the public site: .venv/bin/python docs/screenshots/take.py [BASE_URL].

BASE_URL is a running site with the seed wizard published (default http://127.0.0.1:8150, e.g. from
`DATABASE_URL=… .venv/bin/gunicorn cms.wsgi --bind 127.0.0.1:8150`).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
TASK = "egov-roles/profiles/legal-representative/activate-capacity/"
SHOTS = {
    "task-fr.png": (f"/fr/{TASK}", 1024),
    "task-nl.png": (f"/nl/{TASK}", 1024),
    "task-nl-phone.png": (f"/nl/{TASK}", 360),
    "start-de.png": ("/de/egov-roles/", 1024),
}


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for name, (path, width) in SHOTS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(base + path)
            page.screenshot(path=HERE / name, full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8150")
