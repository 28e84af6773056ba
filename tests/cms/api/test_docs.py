import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = pytest.mark.browser


def test_the_docs_page_works_offline_under_the_sites_content_security_policy(page: Page, live_server, db):
    factories.publish(factories.make_wizard())
    problems, outside = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else outside.append(request.url))

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("Wizard CMS API"))).to_be_visible()
    operation = page.locator("#operations-wizards-listWizards")
    operation.locator(".opblock-summary").click()
    try_it = operation.get_by_role("button", name="Try it out")
    if try_it.count():
        try_it.click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text('"slug": "demo"')
    assert problems == []  # among them, any Content-Security-Policy violation
    assert outside == []  # no CDN, no font service: everything comes from this server
