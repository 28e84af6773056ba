"""Take docs/editors.md's screenshots of the step tree: .venv/bin/python docs/screenshots/take_tree.py [BASE_URL].

BASE_URL is a running admin with the seed wizard imported and a superuser TREE_USER (default "mapper") whose
password is TREE_PASSWORD (default "a-long-test-password"). Writes tree-open.png (the tree at 1280 px, the branches
of a save before opened again, the saved step highlighted) and tree-add-here.png (the add form its "inside"
link opens).
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", os.environ.get("TREE_USER", "mapper"))
        page.fill("#id_password", os.environ.get("TREE_PASSWORD", "a-long-test-password"))
        page.click("input[type=submit]")
        page.goto(f"{base}/admin/wizard/node/")
        for path in ("", "profiles", "profiles/legal-representative"):
            row = page.locator("#result_list tbody tr", has=page.locator(f'[data-path="{path or "egov-roles"}"]'))
            row.locator("a.treebeard-collapse").click()
            expect(row.locator("a.treebeard-expanded")).to_be_attached()
        task = page.locator(
            "#result_list tbody tr", has=page.locator('[data-path="profiles/legal-representative/activate-capacity"]')
        )
        task.locator("th a").first.click()
        page.click("input[name=_save]")
        expect(page.locator("tr.is-revealed")).to_be_visible()
        page.screenshot(path=HERE / "tree-open.png", full_page=True)
        page.locator("tr.is-revealed .add-here a").first.click()
        page.get_by_role("link", name="fr", exact=True).first.click()  # the French tab of the texts
        page.fill("#id_title_fr", "Bénéficiaire effectif")
        expect(page.locator("#id_slug")).to_have_value("beneficiaire-effectif")
        page.screenshot(path=HERE / "tree-add-here.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8280")
