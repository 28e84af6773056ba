import pytest
from django.urls import reverse
from playwright.sync_api import expect

from wizard.models import wizard_step_paths

pytestmark = pytest.mark.browser


@pytest.fixture
def admin_page(page, live_server, client, admin_user):
    """A browser page logged in as the admin (the test client's session cookie, handed over)."""
    client.force_login(admin_user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    return page


def test_a_status_link_opens_the_language_tab_of_the_field_and_tabs_are_marked(admin_page, live_server, wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    step.title_fr = "Je suis citoyen"
    step.save()
    url = live_server.url + reverse("admin:wizard_node_change", args=[step.pk]) + "#id_title_nl"
    errors = []
    admin_page.on("pageerror", lambda error: errors.append(str(error)))
    admin_page.goto(url)
    expect(admin_page.locator("#id_title_nl")).to_be_focused()
    expect(admin_page.locator("#id_title_nl")).to_be_visible()
    expect(admin_page.locator('a[href="#tab_id_title_nl"]')).to_have_attribute("data-translation-status", "outdated")
    expect(admin_page.locator('a[href="#tab_id_title_de"]')).to_have_attribute("data-translation-status", "missing")
    assert admin_page.locator('a[href="#tab_id_title_fr"]').get_attribute("data-translation-status") is None
    admin_page.click('a.translation-badge[href="#id_title_de"]')
    expect(admin_page.locator("#id_title_de")).to_be_visible()
    expect(admin_page.locator("#id_title_nl")).to_be_hidden()
    assert errors == []
