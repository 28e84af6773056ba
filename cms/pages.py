"""What a public page shows, derived from a live (or previewed) wizard only: never from the tree.

Everything here works on `cms.live.LiveWizard` objects, so that the live site, the draft preview and the static
export share one way of turning a snapshot into pages. Derived values are memoized per release with
`LiveWizard.remember`: a release never changes, so neither does its rendered Markdown.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from cms.live import LiveWizard, Step
from cms.models import Release
from wizard import exchange, markdown

# A URL builder: (language, step path) → the address of that step, for the site, a preview or an export.
LinkTo = Callable[[str, str], str]

# Root steps linked from every page's footer, in this order; the legal ones are left out of the start page's list.
FOOTER_SLUGS = ("accessibility", "privacy", "contact")
LEGAL_SLUGS = ("accessibility", "privacy")
DEFINITIONS_SLUG = "definitions"
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


def rich_text(live: LiveWizard, step: Step, name: str, lang: str, link_to: LinkTo, *, memo_key: Any) -> SafeString:
    """A Markdown field as sanitized HTML, memoized per release; external URLs are those of the page's language."""

    def compute() -> SafeString:
        text, actual = step.text(name, lang)
        if not text:
            return mark_safe("")
        html = markdown.render(
            text,
            lang=actual,
            links=live.link_urls(lang),
            node_url=lambda path: link_to(lang, path) if path in live.steps else None,
        )
        if actual != lang:
            html = format_html('<div lang="{}">{}</div>', actual, mark_safe(html))
        return mark_safe(html)

    if memo_key is None:
        return compute()
    return live.remember(("markdown", memo_key, step.path, name, lang), compute)


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
    live: LiveWizard, lang: str, path: str, *, link_to: LinkTo, origin: str = "", memoize: bool = True
) -> dict[str, Any]:
    """Everything the step template needs, in `lang` (call inside `translation.override(lang)`)."""
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
        "body": rich_text(live, step, "body", lang, link_to, memo_key=memo),
        "note": rich_text(live, step, "note", lang, link_to, memo_key=memo),
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
        "back_url": link_to(lang, step.parent) if step.parent is not None else None,
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


# Slug history: where a step that is not in the live release went.


@dataclass(frozen=True)
class Whereabouts:
    """What became of a step path that the live release does not have."""

    moved_to: str | None = None  # the step's path now, when it still exists: answer 301
    removed_from: str | None = None  # the live path of its nearest surviving ancestor, when it was removed: 410


def history(live: LiveWizard) -> tuple[dict[str, str], dict[str, str | None]]:
    """Across all releases of the wizard: every step path ever published → uid, and uid → its parent's uid.

    Read lazily, on the first unknown address after a release went live, in one query; then memoized.
    """

    def compute() -> tuple[dict[str, str], dict[str, str | None]]:
        paths: dict[str, str] = {}
        parents: dict[str, str | None] = {}
        snapshots = (
            Release.objects.filter(wizard__releases=live.release_id).order_by("number").values_list("snapshot")
            if live.release_id
            else []
        )
        for (snapshot,) in snapshots:
            # Oldest first: when two steps used one address, the latest release's step wins.
            for step in exchange.walk(snapshot["wizard"]):
                paths[step.step_path] = step.entry["uid"]
                parents[step.entry["uid"]] = step.parent.entry["uid"] if step.parent else None
        return paths, parents

    return live.remember("slug-history", compute)


def whereabouts(live: LiveWizard, path: str) -> Whereabouts:
    def compute() -> dict[str, str]:
        return {step.uid: step.path for step in live.steps.values()}

    live_paths = live.remember("uid-paths", compute)
    paths, parents = history(live)
    uid = paths.get(path)
    if uid is None:
        return Whereabouts()
    if uid in live_paths:
        return Whereabouts(moved_to=live_paths[uid])
    ancestor = parents.get(uid)
    while ancestor is not None and ancestor not in live_paths:
        ancestor = parents.get(ancestor)
    return Whereabouts(removed_from=live_paths[ancestor]) if ancestor is not None else Whereabouts()


class PageCache:
    """Finished pages of one release, least recently used dropped first, so that a huge wizard stays bounded."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.pages: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
                return self.pages[key]
        value = compute()
        with self.lock:
            self.pages[key] = value
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return value


def page_cache(live: LiveWizard) -> PageCache:
    return live.remember("pages", lambda: PageCache(settings.WIZARD_PAGE_CACHE_SIZE))
