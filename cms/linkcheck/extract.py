"""Every external URL the content uses, with where: link targets in each language, and URLs written straight into
a step's body or note, in the draft and in each live release.

A language page shows the French text where its own is empty, and links to the page `wizard.destinations` says
(its own, the page of the language editors named when the site has none in it, or the French one): each URL counts
as used by every language that is sent to it, since that is the page a citizen would reach.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from cms.models import LiveRelease
from wizard import destinations, exchange, markdown
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node
from wizard.translations import translated

DRAFT, LIVE = "draft", "live"


@dataclass(frozen=True)
class Usage:
    """One place that sends a reader to `url`."""

    url: str
    lang: str
    source: str = DRAFT  # "draft" or "live"
    wizard: str = ""  # the wizard's slug; "" for a link target itself, which belongs to no wizard
    step_path: str | None = None  # None: the link target itself; "" the wizard's start page
    step_uid: str = ""
    field: str = "url"  # "body" or "note" for a step
    link_key: str = ""  # the link target that holds the URL, when the step links through one

    @property
    def is_step(self) -> bool:
        return self.step_path is not None

    @property
    def where(self) -> str:
        """The place in words, for editors: 'step “a/b” of “demo” (body, nl, live) via link target “portal”'."""
        if not self.is_step:
            place = f"link target “{self.link_key}” ({self.lang})"
            return f"{place}, in the live release of “{self.wizard}”" if self.source == LIVE else place
        step = f"step “{self.step_path}”" if self.step_path else "start page"
        detail = ", ".join(part for part in (self.field, self.lang, self.source) if part)
        via = f" via link target “{self.link_key}”" if self.link_key else ""
        return f"{step} of “{self.wizard}” ({detail}){via}"


def is_checkable(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _per_language(values: dict[str, str]) -> dict[str, str]:
    """A translated value as each language page shows it: its own, else the French one."""
    found = {lang: translated(values, lang)[0] for lang in settings.WIZARD_LANGUAGES}
    return {lang: value for lang, value in found.items() if value}


def _linked(entry: dict[str, Any]) -> dict[str, str]:
    """A link target's URL as each language page links it (a link target entry of the exchange format)."""
    found = destinations.destinations(entry.get("url") or {}, no_page=entry.get("no_page"))
    return {lang: dest.url for lang, dest in found.items()}


def snapshot_usages(snapshot: dict[str, Any], *, source: str = LIVE, with_targets: bool = True) -> list[Usage]:
    """The URLs of one exchange document (a release's snapshot, or a draft dumped with exchange.dump)."""
    wizard = snapshot["wizard"]["slug"]
    links = {entry["key"]: _linked(entry) for entry in snapshot.get("links") or []}
    found: list[Usage] = []
    if with_targets:
        for key, urls in links.items():
            found += [Usage(url, lang, source, wizard, link_key=key) for lang, url in urls.items() if is_checkable(url)]
    for step in exchange.walk(snapshot["wizard"]):
        found += _step_usages(step.entry, step.step_path, links, source=source, wizard=wizard)
    return found


def _step_usages(
    entry: dict[str, Any], step_path: str, links: dict[str, dict[str, str]], *, source: str, wizard: str
) -> list[Usage]:
    found = []
    for name in MARKDOWN_FIELDS:
        for lang, text in _per_language(entry.get(name) or {}).items():
            where = {"source": source, "wizard": wizard, "step_path": step_path, "field": name}
            where["step_uid"] = str(entry.get("uid", ""))
            for ref in markdown.references(text):
                if ref.kind == "url" and is_checkable(ref.href):
                    found.append(Usage(ref.href, lang, **where))
                elif ref.kind == "link" and (url := links.get(ref.target, {}).get(lang)) and is_checkable(url):
                    found.append(Usage(url, lang, link_key=ref.target, **where))
    return found


def _place(usage: Usage) -> tuple[str, ...]:
    """Where a URL is used, whatever the URL: a link target's language, or a step's field and language."""
    return (usage.step_uid, usage.field, usage.lang) if usage.is_step else ("link", usage.link_key, usage.lang)


def changed_usages(
    snapshot: dict[str, Any],
    compared_to: dict[str, Any] | None,
    *,
    steps: Iterable[tuple[str, dict[str, Any]]] | None = None,
    old_steps: Iterable[tuple[str, dict[str, Any]]] | None = None,
) -> list[Usage]:
    """The uses of a URL in `snapshot` that `compared_to` (the live release) does not have at the same place.

    A new URL anywhere, and a URL that is new where it is used: a German URL given to a link target that had none,
    or a step that now links to a page it did not, even when that page is linked from elsewhere already. `steps`
    and `old_steps` ((step path, entry) pairs) limit the steps looked at, when the caller knows which changed; the
    link targets are always compared. Without them, the steps whose texts differ from `compared_to`'s are: a step
    with the same texts can only send readers somewhere new through a link target, whose own URLs are compared.
    """
    wizard = snapshot["wizard"]["slug"]
    if steps is None and compared_to is not None:
        then = {step.entry.get("uid"): step for step in exchange.walk(compared_to["wizard"])}
        steps, old_steps = [], []
        for step in exchange.walk(snapshot["wizard"]):
            before = then.get(step.entry.get("uid"))
            if before is not None and all(before.entry.get(name) == step.entry.get(name) for name in MARKDOWN_FIELDS):
                continue
            steps.append((step.step_path, step.entry))
            if before is not None:
                old_steps.append((before.step_path, before.entry))

    def found_in(document: dict[str, Any] | None, only: Iterable[tuple[str, dict[str, Any]]] | None) -> list[Usage]:
        if document is None:
            return []
        if only is None:
            return snapshot_usages(document, source=DRAFT)
        links = {entry["key"]: _linked(entry) for entry in document.get("links") or []}
        used = [
            Usage(url, lang, DRAFT, wizard, link_key=key) for key, urls in links.items() for lang, url in urls.items()
        ]
        used = [usage for usage in used if is_checkable(usage.url)]
        for path, entry in only:
            used += _step_usages(entry, path, links, source=DRAFT, wizard=wizard)
        return used

    known = {(_place(usage), usage.url) for usage in found_in(compared_to, old_steps)}
    return [usage for usage in found_in(snapshot, steps) if (_place(usage), usage.url) not in known]


def target_usages(targets: Iterable[LinkTarget]) -> list[Usage]:
    """The URLs of link targets themselves, each in every language that shows it."""
    found = []
    for target in targets:
        urls = _linked(exchange.link_entry(target))
        found += [Usage(url, lang, link_key=target.key) for lang, url in urls.items() if is_checkable(url)]
    return found


def draft_usages() -> list[Usage]:
    """Every link target (used or not) and every step of every wizard, as editors last saved them."""
    found = target_usages(LinkTarget.objects.all())
    for wizard in Node.objects.wizards():
        found += snapshot_usages(exchange.dump(wizard), source=DRAFT, with_targets=False)
    return found


def live_usages() -> list[Usage]:
    """What the public sees now: each wizard's live release, with the link targets as they were released."""
    found: list[Usage] = []
    for pointer in LiveRelease.objects.select_related("release").order_by("slug"):
        found += snapshot_usages(pointer.release.snapshot, source=LIVE)
    return found


def usages() -> list[Usage]:
    return draft_usages() + live_usages()


def urls(found: Iterable[Usage]) -> list[str]:
    """The distinct URLs, in the order they were first found."""
    return list(dict.fromkeys(usage.url for usage in found))


def node_urls(node: Node, links: dict[str, dict[str, str]] | None = None) -> list[str]:
    """The URLs one draft step sends readers to, in any language (for its status badge).

    `links` ({key: {lang: url}}) saves the link target query when many steps are shown at once.
    """
    entry: dict[str, Any] = {"slug": node.slug, "uid": str(node.uid)}
    for name in MARKDOWN_FIELDS:
        entry[name] = exchange.translations(node, name)
    if links is None:
        refs = [ref for name in MARKDOWN_FIELDS for text in entry[name].values() for ref in markdown.references(text)]
        keys = {ref.target for ref in refs if ref.kind == "link"}
        links = link_urls(LinkTarget.objects.filter(key__in=keys))
    document = {"wizard": entry, "links": [{"key": key, "url": url} for key, url in links.items()]}
    return urls(snapshot_usages(document, source=DRAFT, with_targets=False))


def link_urls(targets: Iterable[LinkTarget]) -> dict[str, dict[str, str]]:
    """{key: {lang: url}} for the given link targets: the URL each language page links to."""
    return {target.key: _linked(exchange.link_entry(target)) for target in targets}


def target_urls(target: LinkTarget) -> list[str]:
    return urls(target_usages([target]))
