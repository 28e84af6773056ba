"""What a public page shows, derived from a live (or previewed) wizard only: never from the tree.

Everything here works on `cms.live.LiveWizard` objects, so that the live site, the draft preview and the static
export share one way of turning a snapshot into pages. Derived values are memoized per release with
`LiveWizard.remember`: a release never changes, so neither does its rendered Markdown.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from cms.live import LiveWizard, Step
from cms.memo import LRU
from wizard import markdown

# A URL builder: (language, step path) → the address of that step, for the site, a preview or an export.
LinkTo = Callable[[str, str], str]

# Root steps linked from every page's footer, in this order; the legal ones are left out of the start page's list.
FOOTER_SLUGS = ("accessibility", "privacy", "contact")
LEGAL_SLUGS = ("accessibility", "privacy")
DEFINITIONS_SLUG = "definitions"
# The query parameter a cross-link (a node: link in a text) adds, naming the step it was followed from.
CAME_FROM = "from"
# A breadcrumb shows a step's title when it is short ("Je suis un …"), else its shorter label.
BREADCRUMB_TITLE_MAX = 40


def languages() -> list[str]:
    return list(settings.WIZARD_LANGUAGES)


def language_names() -> dict[str, str]:
    return dict(settings.LANGUAGES)


def step_url(wizard_slug: str, lang: str, path: str) -> str:
    """The public address of a step: /fr/egov-roles/ for the start page, /fr/egov-roles/a/b/ below it."""
    return f"/{lang}/{wizard_slug}/{path}/" if path else f"/{lang}/{wizard_slug}/"


def site_link_to(live: LiveWizard) -> LinkTo:
    return lambda lang, path: step_url(live.slug, lang, path)


def inline_text(step: Step, name: str, lang: str, *, fallback: str = "") -> SafeString:
    """A one-line field as HTML, marked lang="fr" when it falls back to French."""
    text, actual = step.text(name, lang)
    if not text and fallback:
        text, actual = step.text(fallback, lang)
    if actual != lang:
        return format_html('<span lang="{}">{}</span>', actual, text)
    return escape(text)


def plain_text(step: Step, name: str, lang: str, *, fallback: str = "") -> str:
    text, _actual = step.text(name, lang)
    if not text and fallback:
        text, _actual = step.text(fallback, lang)
    return text


def label(step: Step, lang: str) -> SafeString:
    """What a link to the step says: its label, or its title when it has none."""
    return inline_text(step, "label", lang, fallback="title")


def breadcrumb_label(step: Step, lang: str) -> SafeString:
    title = plain_text(step, "title", lang)
    if title and len(title) <= BREADCRUMB_TITLE_MAX:
        return inline_text(step, "title", lang)
    return label(step, lang)


def rich_text(
    live: LiveWizard, step: Step, name: str, lang: str, link_to: LinkTo, *, memo_key: Any, cross_links: bool = True
) -> SafeString:
    """A Markdown field as sanitized HTML, memoized per release; external URLs are those of the page's language."""

    here = step.path if cross_links else ""  # a static export has no query strings: its Back is the parent

    def compute() -> SafeString:
        text, actual = step.text(name, lang)
        if not text:
            return mark_safe("")
        html = markdown.render(
            text,
            lang=actual,
            links=live.link_destinations(lang),
            node_url=lambda path: cross_link(live, lang, path, here, link_to),
            reader=lang,
        )
        if actual != lang:
            html = format_html('<div lang="{}">{}</div>', actual, mark_safe(html))
        return mark_safe(html)

    if memo_key is None:
        return compute()
    return live.remember(("markdown", memo_key, step.path, name, lang), compute)


def cross_link(live: LiveWizard, lang: str, path: str, here: str, link_to: LinkTo) -> str | None:
    """The address of a cross-link from step `here` to step `path`: the step's own, saying where it came from.

    "Back" on the target page then leads to `here` (see `came_from`), not to the target's parent; the address stays
    one of a bounded set (a step, from a step), so pages stay cacheable, and no JavaScript is needed.
    """
    if path not in live.steps:
        return None
    url = link_to(lang, path)
    return f"{url}?{CAME_FROM}={quote(here, safe='/')}" if here and here != path else url


def came_from(live: LiveWizard, path: str, value: str) -> str | None:
    """The step a visitor followed a cross-link from, when `value` (the `from` parameter) names one.

    Only a step of this release other than the page itself counts: anything else is ignored, so the parameter can
    neither send a visitor elsewhere (it is never a URL) nor be shown back (only the step's own address is used).
    """
    value = value.strip("/")
    return value if value and value != path and value in live.steps else None


def shows_french(step: Step, children: list[Step], lang: str) -> bool:
    """True when the page of `step` in `lang` shows a French text because its own is not written yet.

    The page then says so once, in the reader's language, above the French text (the `lang` attribute alone
    tells a screen reader, not a reader).
    """
    own = [step.text(name, lang) for name in ("title", "body", "note")]
    labels = [child.text("label" if child.texts.get("label") else "title", lang) for child in children]
    return any(text and actual != lang for text, actual in [*own, *labels])


def ancestors(live: LiveWizard, step: Step) -> list[Step]:
    """From the wizard's root down to the step's parent."""
    found = []
    parent = step.parent
    while parent is not None:
        found.append(live.steps[parent])
        parent = live.steps[parent].parent
    return found[::-1]


def root_child(live: LiveWizard, slug: str) -> Step | None:
    """The step `slug` right under the wizard's root, if there is one (a root child's path is its slug)."""
    return live.steps.get(slug)


def restart_step(live: LiveWizard) -> Step:
    """Where "start again" leads: the wizard's first choice (the profiles), or its start page."""
    for path in live.root.children:
        if live.steps[path].kind == "choice":
            return live.steps[path]
    return live.root


def page_title(live: LiveWizard, step: Step, lang: str) -> str:
    """A unique <title>: tasks share titles across profiles, so the parent's label tells them apart."""
    parts = [plain_text(step, "title", lang)]
    if step.parent:
        parts.append(plain_text(live.steps[step.parent], "label", lang, fallback="title"))
    if step.path:
        parts.append(plain_text(live.root, "title", lang))
    return " – ".join(part for part in parts if part)


def alternates(live: LiveWizard, path: str, link_to: LinkTo, origin: str = "") -> list[dict[str, str]]:
    names = language_names()
    return [
        {"lang": code, "name": names[code], "url": link_to(code, path), "href": origin + link_to(code, path)}
        for code in languages()
    ]


def page_context(
    live: LiveWizard,
    lang: str,
    path: str,
    *,
    link_to: LinkTo,
    origin: str = "",
    memoize: bool = True,
    back_to: str | None = None,
    cross_links: bool = True,
) -> dict[str, Any]:
    """Everything the step template needs, in `lang` (call inside `translation.override(lang)`).

    `back_to` is the step a cross-link came from (checked with `came_from`): "Back" leads there, else to the parent.
    """
    step = live.steps[path]
    memo = "site" if memoize else None
    children = [live.steps[child] for child in step.children]
    if step.path == "":
        children = [child for child in children if child.slug not in LEGAL_SLUGS]
    trail = ancestors(live, step)
    definitions = root_child(live, DEFINITIONS_SLUG)
    restart = restart_step(live)
    return {
        "lang": lang,
        "live": live,
        "step": step,
        "is_start": step.path == "",
        "is_task": step.kind == "task",
        "title": page_title(live, step, lang),
        "heading": inline_text(step, "title", lang),
        "shows_french": shows_french(step, children, lang),
        "body": rich_text(live, step, "body", lang, link_to, memo_key=memo, cross_links=cross_links),
        "note": rich_text(live, step, "note", lang, link_to, memo_key=memo, cross_links=cross_links),
        "children": [
            {"url": link_to(lang, child.path), "label": label(child, lang), "primary": child.path == restart.path}
            for child in children
        ],
        "breadcrumb": [
            {"url": link_to(lang, crumb.path), "label": breadcrumb_label(crumb, lang) if crumb.path else None}
            for crumb in trail
        ],
        "current_crumb": breadcrumb_label(step, lang),
        "home_url": link_to(lang, ""),
        "back_url": link_to(lang, back_to if back_to is not None else step.parent) if step.parent is not None else None,
        "came_from": back_to,
        "restart_url": link_to(lang, restart.path) if step.path and restart.path not in {"", step.path} else None,
        "definitions": (
            {"url": link_to(lang, definitions.path), "label": label(definitions, lang)}
            if definitions and step.path not in {"", definitions.path}
            else None
        ),
        "footer": [
            {"url": link_to(lang, found.path), "label": label(found, lang), "current": found.path == step.path}
            for slug in FOOTER_SLUGS
            if (found := root_child(live, slug))
        ],
        "alternates": alternates(live, path, link_to, origin),
        "canonical": origin + link_to(lang, path),
        "wizard_name": inline_text(live.root, "title", lang),
    }


def page_cache(live: LiveWizard, origin: str) -> LRU:
    """Finished pages of one release for one origin, least recently used dropped first: a huge wizard stays bounded."""
    return live.remember("pages", lambda: LRU(settings.WIZARD_PAGE_CACHE_SIZE), origin=origin)
