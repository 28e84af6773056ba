"""The live release of every wizard as static HTML files, for any web server or CDN.

Every link in the export is relative and names its file (…/index.html), so the export works from a sub-path of
a web server and straight from the disk (file://). The pages are the site's own templates and the same page
context as the live site, without what needs a server (the feedback form).
"""

import posixpath
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext, override

from cms import live, pages
from cms.live import LiveWizard

STYLESHEET = "wizard/site.css"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass
class Exported:
    wizards: int = 0
    pages: int = 0


def page_file(wizard_slug: str, lang: str, path: str) -> PurePosixPath:
    """Where the page of a step goes in the export: fr/egov-roles/profiles/index.html."""
    return PurePosixPath(pages.step_url(wizard_slug, lang, path).strip("/")) / "index.html"


def relative_to(current: PurePosixPath) -> Callable[[PurePosixPath], str]:
    return lambda target: posixpath.relpath(str(target), str(current.parent))


def check_base_url(url: str) -> str:
    """The address where an export will be served, without its last slash; ValueError says what is wrong with it.

    Page addresses are this one followed by a path, so it names a folder: no ?query or #fragment, no user name.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"“{url}” is not a web address: it should look like https://example.org/wizards")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError(f"“{url}” has a ?query or a #fragment: give the folder the pages are served from")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"“{url}” holds a user name or password: leave them out")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValueError(f"“{url}” holds a space or a control character")
    return url.rstrip("/")


def export(directory: Path, *, base_url: str = "") -> Exported:
    """Write every live wizard in every language into `directory`; `base_url` makes hreflang and canonical
    links absolute (search engines want them so) and adds a sitemap.xml."""
    base_url = check_base_url(base_url) if base_url else ""
    done = Exported()
    found = live.wizards()
    for wizard in found:
        done.wizards += 1
        for lang in pages.languages():
            for path in wizard.steps:
                _write(directory, wizard, lang, path, base_url)
                done.pages += 1
    for lang in pages.languages():
        _write_index(directory, found, lang)
    _write_root(directory)
    stylesheet = directory / "static" / STYLESHEET
    stylesheet.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(finders.find(STYLESHEET), stylesheet)
    if base_url:
        _write_sitemap(directory, found, base_url)
    return done


def _write(directory: Path, wizard: LiveWizard, lang: str, path: str, base_url: str) -> None:
    current = page_file(wizard.slug, lang, path)
    relative = relative_to(current)

    def link_to(to_lang: str, to_path: str) -> str:
        return relative(page_file(wizard.slug, to_lang, to_path))

    with override(lang):
        context = pages.page_context(wizard, lang, path, link_to=link_to, memoize=False, cross_links=False)
        for alternate in context["alternates"]:
            alternate["href"] = base_url + pages.step_url(wizard.slug, alternate["lang"], path) if base_url else ""
        html = render_to_string(
            "wizard/step.html",
            {
                **context,
                "canonical": base_url + pages.step_url(wizard.slug, lang, path) if base_url else "",
                "css": relative(PurePosixPath("static") / STYLESHEET),
            },
        )
    target = directory / current
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")


def _write_index(directory: Path, wizards: list[LiveWizard], lang: str) -> None:
    current = PurePosixPath(lang) / "index.html"
    relative = relative_to(current)
    items = [
        {"url": relative(page_file(w.slug, lang, "")), "label": pages.inline_text(w.root, "title", lang)}
        for w in wizards
    ]
    alternates = [
        {"lang": code, "name": name, "url": relative(PurePosixPath(code) / "index.html"), "href": ""}
        for code, name in pages.language_names().items()
    ]
    with override(lang):
        html = render_to_string(
            "wizard/index.html",
            {
                "lang": lang,
                "title": gettext("Wizards"),
                "home_url": "index.html",
                "wizards": items,
                "alternates": alternates,
                "css": relative(PurePosixPath("static") / STYLESHEET),
            },
        )
    (directory / current).parent.mkdir(parents=True, exist_ok=True)
    (directory / current).write_text(html, encoding="utf-8")


def _write_root(directory: Path) -> None:
    """The export's front door: the languages, as plain links (a static server cannot read Accept-Language)."""
    links = "".join(
        f'<li><a href="{code}/index.html" lang="{code}" hreflang="{code}">{name}</a></li>'
        for code, name in pages.language_names().items()
    )
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Wizards</title>'
        f'<link rel="stylesheet" href="static/{STYLESHEET}"></head><body><main id="main"><div class="wrap">'
        f'<h1>Wizards</h1><ul class="choices">{links}</ul></div></main></body></html>\n'
    )
    (directory / "index.html").write_text(html, encoding="utf-8")


def _write_sitemap(directory: Path, wizards: list[LiveWizard], base_url: str) -> None:
    # Built as XML, not by pasting strings: an address may hold "&" (escaped as "&amp;" in the file).
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for wizard in wizards:
        for path in wizard.steps:
            for lang in pages.languages():
                loc = ET.SubElement(ET.SubElement(urlset, "url"), "loc")
                loc.text = base_url + pages.step_url(wizard.slug, lang, path)
    body = ET.tostring(urlset, encoding="unicode")
    (directory / "sitemap.xml").write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n', encoding="utf-8")
