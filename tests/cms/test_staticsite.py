import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cms import staticsite

LANGUAGES = ["fr", "nl", "de", "en"]


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)


def test_every_page_of_every_language_is_written_with_its_stylesheet(live_wizard, tmp_path):
    done = staticsite.export(tmp_path)
    assert (done.wizards, done.pages) == (1, 8 * 4)
    for lang in LANGUAGES:
        assert (tmp_path / lang / "demo" / "profiles" / "citizen" / "apply" / "index.html").is_file()
        assert (tmp_path / lang / "index.html").is_file()
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "static" / "wizard" / "site.css").read_text().startswith("/* The public wizard site.")


def test_links_are_relative_and_all_lead_somewhere(live_wizard, tmp_path):
    staticsite.export(tmp_path)
    pages = list(tmp_path.rglob("*.html"))
    for page in pages:
        html = page.read_text()
        for href in links(html):
            if href.startswith(("https://", "#")):
                continue
            assert not href.startswith("/"), f"{page}: {href} is not relative"
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), f"{page}: {href} leads nowhere"
    assert "<form" not in (tmp_path / "fr/demo/profiles/citizen/apply/index.html").read_text()


def test_the_exported_page_is_the_live_one(live_wizard, tmp_path, client):
    staticsite.export(tmp_path)
    exported = (tmp_path / "nl/demo/profiles/citizen/apply/index.html").read_text()
    served = client.get("/nl/demo/profiles/citizen/apply/").text
    heading = re.compile(r"<h1>.*</h1>")
    assert heading.search(exported).group() == heading.search(served).group()
    assert 'href="https://www.example.org/nl/contact"' in exported
    assert '<html lang="nl">' in exported


def test_a_base_url_makes_alternates_absolute_and_adds_a_sitemap(live_wizard, tmp_path):
    staticsite.export(tmp_path, base_url="https://example.org/wizards/")
    html = (tmp_path / "de/demo/contact/index.html").read_text()
    assert '<link rel="alternate" hreflang="fr" href="https://example.org/wizards/fr/demo/contact/">' in html
    assert '<link rel="canonical" href="https://example.org/wizards/de/demo/contact/">' in html
    assert "https://example.org/wizards/en/demo/contact/" in (tmp_path / "sitemap.xml").read_text()


def test_the_command_reports_what_it_wrote(live_wizard, tmp_path, capsys):
    call_command("exportstatic", str(tmp_path / "out"))
    assert "Exported 1 wizard(s), 32 page(s)" in capsys.readouterr().out


def test_the_command_refuses_bad_usage(db, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="Not a directory") as error:
        call_command("exportstatic", str(tmp_path / "file"))
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="No wizard is live"):
        call_command("exportstatic", str(tmp_path / "empty"))
    assert not list(Path(tmp_path / "empty").glob("*/*/index.html"))
