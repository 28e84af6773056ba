"""Take docs/editors.md's screenshots of the step form's preview panel and reference chooser:
.venv/bin/python docs/screenshots/take_preview.py [BASE_URL].

BASE_URL is a running admin with the seed wizard imported and an editor SHOT_USER (default: the demo account
"editor", `manage.py demoaccounts`) whose password is SHOT_PASSWORD; the step whose slug ends SHOT_STEP is shown.
For example: DATABASE_URL=sqlite:////tmp/shots.sqlite3, then `manage.py migrate`, `manage.py importwizard
fixtures/egov-roles.yaml`, `manage.py demoaccounts` and `manage.py runserver 127.0.0.1:8260`.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

HERE = Path(__file__).resolve().parent


def show_french(page: Page) -> None:
    page.wait_for_load_state("load")  # the tabs are made by a script: wait for them
    for tab in page.get_by_role("link", name="fr", exact=True).all():
        tab.click()


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en")
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", os.environ.get("SHOT_USER", "editor"))
        page.fill("#id_password", os.environ.get("SHOT_PASSWORD", "editor-demo-password"))
        page.click("input[type=submit]")
        step = os.environ.get("SHOT_STEP", "egov-roles/profiles/local-manager/manage-role-assignments")
        page.goto(f"{base}/admin/wizard/node/?q={step.rsplit('/', 1)[-1]}")
        page.locator("#result_list a[href*='/change/']").first.click()
        show_french(page)
        frame = page.frame_locator(".step-preview-viewport iframe").last
        expect(frame.locator("h1")).to_be_visible()
        page.locator(".step-tools").scroll_into_view_if_needed()
        page.locator(".step-tools").screenshot(path=HERE / "preview-panel.png")
        page.select_option("#step-preview-lang", "nl")
        page.get_by_label("Phone").check()
        expect(frame.locator("html")).to_have_attribute("lang", "nl")
        page.locator(".step-tools").screenshot(path=HERE / "preview-phone.png")
        body = page.locator("#id_body_fr")
        body.scroll_into_view_if_needed()
        body.press("Control+End")
        body.type("\n\nVoir aussi [le centre de contact](link:contact-centre).")
        problems = page.locator("#id_body_fr-reference-problems")
        expect(problems).to_contain_text("Did you mean")
        row = body.locator("xpath=ancestor::div[contains(@class, 'form-row')][1]")
        row.screenshot(path=HERE / "preview-did-you-mean.png")
        page.locator("#id_body_fr-tools").get_by_role("button", name="Link to a step").click()
        page.get_by_role("combobox", name="Search").fill("gestionnaire local")
        expect(page.locator("dialog.reference-chooser [role=option]").first).to_contain_text("local-manager")
        page.screenshot(path=HERE / "preview-chooser.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8260")
