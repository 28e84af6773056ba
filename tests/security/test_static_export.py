"""`exportstatic --base-url` with characters that mean something in XML or in a URL (issue 17, item 9)."""

import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from cms import staticsite

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/w?a=1&b=2",  # the adversarial run's: a query cannot be followed by a page's path
        "https://example.org/w#top",
        "https://user:secret@example.org/w",
        "https://example.org/a b",
        "https://example.org/w\x00",
        "https:///no-host",
        "javascript:alert(1)",
        "example.org/w",
    ],
)
def test_a_base_url_that_cannot_prefix_page_addresses_is_refused(live_wizard, tmp_path, url):
    with pytest.raises(CommandError, match="--base-url") as error:
        call_command("exportstatic", str(tmp_path / "out"), "--base-url", url)
    assert error.value.returncode == 2
    assert not (tmp_path / "out").exists()


def test_an_ampersand_in_the_base_url_gives_a_well_formed_sitemap(live_wizard, tmp_path):
    call_command("exportstatic", str(tmp_path), "--base-url", "https://example.org/a&b<c>/")
    text = (tmp_path / "sitemap.xml").read_text()
    assert "&amp;" in text
    locs = [loc.text for loc in ET.fromstring(text.encode()).iter(f"{SITEMAP}loc")]
    assert "https://example.org/a&b<c>/fr/demo/contact/" in locs
    assert len(locs) == 32  # 8 steps × 4 languages
    html = (tmp_path / "fr/demo/contact/index.html").read_text()
    assert 'href="https://example.org/a&amp;b&lt;c&gt;/fr/demo/contact/"' in html


def test_the_check_keeps_a_plain_folder_address():
    assert staticsite.check_base_url("https://example.org/wizards/") == "https://example.org/wizards"
