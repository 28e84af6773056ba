"""axe-core on the editors' admin pages (WCAG 2.2 AA), in headless Chromium: append a new page to PAGES.

Each entry is a name and a function of the seed wizard that gives the page's address (after /admin/).
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories
from tests.cms.admin.test_workflow_browser import log_in
from wizard import exchange, translations
from wizard.models import LinkTarget, Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})"


def _step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


PAGES: list[tuple[str, Callable[[Node], str]]] = [
    ("step tree", lambda wizard: "wizard/node/"),
    ("step tree, a search", lambda wizard: "wizard/node/?q=profil"),
    ("step change form", lambda wizard: f"wizard/node/{_step(wizard, 'profiles/user').pk}/change/"),
    ("step add form, add here", lambda wizard: f"wizard/node/add/?treebeard_ref_node={wizard.pk}"),
    ("wizard map", lambda wizard: f"wizard/node/{wizard.pk}/map/"),
    ("admin home, what waits for me", lambda wizard: ""),
    ("submit page of one wizard", lambda wizard: f"cms/changerequest/submit/?wizard={wizard.pk}"),
    ("discard confirmation", lambda wizard: f"wizard/node/{_step(wizard, 'contact').pk}/discard/"),
    ("reset confirmation", lambda wizard: f"wizard/node/{wizard.pk}/reset/"),
    ("link target list", lambda wizard: "wizard/linktarget/"),
    ("link target change form", lambda wizard: f"wizard/linktarget/{LinkTarget.objects.order_by('key')[0].pk}/change/"),
]


@pytest.fixture
def seed(transactional_db) -> Node:
    wizard = exchange.load(exchange.read((ROOT / "fixtures" / "egov-roles.yaml").read_bytes()))
    translations.record_changed(wizard)
    editor = factories.make_user("editor", superuser=True)
    factories.publish(wizard)  # live, then one step edited: something to submit, discard or reset
    factories.edit(wizard, "contact", editor, title_nl="Contact opnemen")
    return wizard


@pytest.mark.parametrize(("name", "address"), PAGES, ids=[name for name, _address in PAGES])
def test_axe_finds_no_violation(browser: Browser, live_server, seed, name, address):
    assert AXE.exists(), "axe-core is missing: run `npm install --no-save axe-core` (bin/test does)"
    # bypass_csp lets axe-core in despite the admin's strict Content-Security-Policy.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/{address(seed)}")
    if page.locator("#result_list a.treebeard-collapse").count():
        page.locator("#result_list a.treebeard-collapse").first.click()  # the tree, a branch open
        expect(page.locator("#result_list a.treebeard-expanded").first).to_be_attached()
    if page.locator('li[aria-controls="tab_id_title_nl"] a').count():
        page.locator('li[aria-controls="tab_id_title_nl"] a').click()  # a language tab switched, as editors do
        expect(page.locator("#id_title_nl")).to_be_visible()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    context.close()
    assert len(result["passes"]) > 10, "axe did not run its rules"
    problems = [
        f"{found['id']} ({found['impact']}) on " + ", ".join(node["target"][0] for node in found["nodes"][:3])
        for found in result["violations"]
    ]
    assert not problems, f"{name}:\n" + "\n".join(problems)
