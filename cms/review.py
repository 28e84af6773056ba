"""What a reviewer reads: a diff of two snapshots laid out per step and per language, changed words marked."""

import difflib
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cms import releases
from cms.linkcheck import extract
from cms.models import AuditEntry, ChangeRequest, FieldComment, LinkCheck
from wizard import destinations, markdown
from wizard.models import MARKDOWN_FIELDS

TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def highlight(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts as HTML, the words only the old one has in <del>, those only the new one has in <ins>."""
    a, b = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    before, after = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            before.append(removed)
            after.append(added)
            continue
        if removed:
            before.append(f"<del>{removed}</del>")
        if added:
            after.append(f"<ins>{added}</ins>")
    return mark_safe("".join(before)), mark_safe("".join(after))  # noqa: S308 - every piece is escaped above


def layout(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """releases.diff with each step's field changes grouped by language and highlighted, for the template."""
    changes = releases.diff(old, new)
    order = {lang: index for index, lang in enumerate(["", *settings.WIZARD_LANGUAGES])}
    for item in [*changes["steps"], *changes["links"]]:
        rows = []
        for field in sorted(item["fields"], key=lambda field: order.get(field["lang"], len(order))):
            old_html, new_html = highlight(field["old"], field["new"])
            rows.append({**field, "old_html": old_html, "new_html": new_html})
        languages: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            languages.setdefault(row["lang"], []).append(row)
        item["languages"] = list(languages.items())
    return changes


def summary(changes: dict[str, Any]) -> dict[str, Any]:
    """A diff (releases.diff) counted: steps added, removed, moved, reordered, changed per language; link targets.

    `by_language` counts, per language, the steps whose text changed in it ("" for slug and kind).
    """
    steps = changes["steps"]
    by_language: dict[str, int] = {}
    for step in steps:
        if step["change"] == "changed":
            for lang in {field["lang"] for field in step["fields"]}:
                by_language[lang] = by_language.get(lang, 0) + 1
    order = ["", *settings.WIZARD_LANGUAGES]
    return {
        "steps": len(steps),
        "added": sum(step["change"] == "added" for step in steps),
        "removed": sum(step["change"] == "removed" for step in steps),
        "moved": sum(step["moved"] for step in steps),
        "reordered": sum(step["reordered"] for step in steps),
        "changed": sum(step["change"] == "changed" and bool(step["fields"]) for step in steps),
        "by_language": sorted(by_language.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99),
        "links": len(changes["links"]),
        "link_keys": [link["key"] for link in changes["links"]],
    }


def describe(counts: dict[str, Any]) -> str:
    """A summary in a few words: "3 steps changed (1 added, 2 edited), 1 link target changed"."""
    labels = {
        "added": gettext("%(n)d added"),
        "removed": gettext("%(n)d removed"),
        "moved": gettext("%(n)d moved"),
        "reordered": gettext("%(n)d reordered"),
        "changed": gettext("%(n)d edited"),
    }
    parts = [label % {"n": counts[key]} for key, label in labels.items() if counts[key]]
    text = []
    if counts["steps"]:
        steps = ngettext("%(n)d step changed", "%(n)d steps changed", counts["steps"]) % {"n": counts["steps"]}
        text.append(f"{steps} ({', '.join(parts)})" if parts else steps)
    if counts["links"]:
        text.append(
            ngettext("%(n)d link target changed", "%(n)d link targets changed", counts["links"])
            % {"n": counts["links"]}
        )
    return ", ".join(text) or gettext("nothing changed")


def summaries(entries: Iterable[AuditEntry]) -> dict[int, str]:
    """What each change request of `entries` changes, in a few words, by request id: one query for them all.

    Read from the counts kept at submission; a request made before they were kept is diffed (two snapshots).
    """
    ids = {entry.change_request_id for entry in entries if entry.change_request_id}
    requests = ChangeRequest.objects.filter(pk__in=ids)
    found = {pk: describe(counts) for pk, counts in requests.exclude(counts={}).values_list("pk", "counts")}
    older = requests.filter(counts={}).select_related("base_release")
    for change in older.only("snapshot", "base_release__snapshot"):
        base = change.base_release.snapshot if change.base_release else None
        found[change.pk] = describe(summary(releases.diff(base, change.snapshot)))
    return found


# What the submit and review pages show in full; beyond it, they count. A one-field change of a 5,000-step wizard
# and an import that adds them all must both stay a page a browser opens at once (bench/admin.py).
SUMMARY_STEPS = 50
SUMMARY_LINKS = 20
SUMMARY_URLS = 50
# A reorder among many siblings shows this many on each side of the step, not the whole list.
REORDER_WINDOW = 3


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _title(entry: dict[str, Any]) -> str:
    titles = entry.get("title") or {}
    return titles.get(settings.LANGUAGE_CODE) or next(iter(titles.values()), "") or entry.get("slug", "")


def _trail(flat: dict[str, dict[str, Any]], uid: str | None) -> list[str]:
    """The titles from the wizard's first level down to the step `uid` (empty for the wizard itself)."""
    titles = []
    while uid is not None and flat[uid]["parent"] is not None:
        titles.append(_title(flat[uid]["entry"]))
        uid = flat[uid]["parent"]
    return titles[::-1]


def position(flat: dict[str, dict[str, Any]], uid: str) -> dict[str, Any]:
    """Where a step stands among its siblings: "3rd of 5 under Profiles › Legal representative, after X"."""
    step = flat[uid]
    if step["parent"] is None:  # the wizard itself: its start page
        text = gettext("the start page")
        return {"index": 1, "count": 1, "under": [], "after": None, "before": None, "text": text}
    siblings = flat[step["parent"]]["entry"].get("children") or []
    index = step["index"]
    trail = _trail(flat, step["parent"])
    under = " › ".join(trail) if trail else gettext("the start page")
    previous = _title(siblings[index - 1]) if index > 0 else None
    following = _title(siblings[index + 1]) if index + 1 < len(siblings) else None
    if previous:
        where = gettext("after “%(title)s”") % {"title": previous}
    elif following:
        where = gettext("before “%(title)s”") % {"title": following}
    else:
        where = gettext("alone there")
    text = gettext("%(nth)s of %(count)d under %(under)s, %(where)s") % {
        "nth": ordinal(index + 1),
        "count": len(siblings),
        "under": under,
        "where": where,
    }
    return {
        "index": index + 1,
        "count": len(siblings),
        "under": trail,
        "after": previous,
        "before": following,
        "text": text,
    }


def _window(titles: list[str], at: int) -> list[dict[str, Any]]:
    """At most REORDER_WINDOW siblings on each side of the one at `at`, numbered from 1; a gap where some are left out
    (number None)."""
    start, end = max(0, at - REORDER_WINDOW), min(len(titles), at + REORDER_WINDOW + 1)
    gap = {"number": None, "title": "…"}
    shown = [{"number": index + 1, "title": titles[index]} for index in range(start, end)]
    return [*([gap] if start else []), *shown, *([gap] if end < len(titles) else [])]


def reorder(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], uid: str) -> dict[str, Any]:
    """The step's siblings in their order before and after the change (a window around it when there are many)."""
    lists = []
    for flat in (before, after):
        siblings = flat[flat[uid]["parent"]]["entry"].get("children") or []
        titles = [_title(entry) for entry in siblings]
        lists.append({"siblings": _window(titles, flat[uid]["index"]), "current": flat[uid]["index"] + 1})
    return {"before": lists[0], "after": lists[1]}


class _Renderer:
    """A snapshot's Markdown as the public site renders it, with its `link:` and `node:` references named."""

    def __init__(self, snapshot: dict[str, Any] | None, flat: dict[str, dict[str, Any]]) -> None:
        self.slug = snapshot["wizard"]["slug"] if snapshot else ""
        self.links = {entry["key"]: entry for entry in (snapshot or {}).get("links", [])}
        self.flat = flat
        self._paths: dict[str, str] | None = None

    def title_at(self, path: str) -> str | None:
        if self._paths is None:  # built once, and only when a text links to a step
            self._paths = {step["path"]: uid for uid, step in self.flat.items()}
        uid = self._paths.get(path)
        return _title(self.flat[uid]["entry"]) if uid else None

    def render(self, text: str, lang: str) -> dict[str, Any]:
        if not text:
            return {"html": "", "references": []}
        found = {
            key: dest
            for key, entry in self.links.items()
            if (dest := destinations.destination(entry.get("url") or {}, lang, no_page=entry.get("no_page")))
        }

        def node_url(path: str) -> str | None:
            if self.title_at(path) is None:
                return None
            if not path:
                return reverse("cms:preview", args=[lang, self.slug])
            return reverse("cms:preview-step", args=[lang, self.slug, path])

        html = markdown.render(text, lang=lang, links=found, node_url=node_url)
        named = []
        for ref in markdown.references(text):
            if ref.kind == "link":
                names = (self.links.get(ref.target) or {}).get("name") or {}
                name = names.get(lang) or names.get(settings.LANGUAGE_CODE, "")
                dest = found.get(ref.target)
                named.append({"ref": f"link:{ref.target}", "name": name, "url": dest.url if dest else None})
            elif ref.kind == "node":
                named.append({"ref": f"node:{ref.target}", "name": self.title_at(ref.target), "url": None})
        return {"html": mark_safe(html), "references": named}  # noqa: S308 - markdown.render sanitizes


def summarise(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    limit: int = SUMMARY_STEPS,
    link_limit: int = SUMMARY_LINKS,
    compared: releases.Comparison | None = None,
) -> dict[str, Any]:
    """What changes from `old` (the live release's snapshot, None for a first release) to `new`, for people.

    The submit page and the review page show this (templates/admin/cms/changerequest/_summary.html): each step
    added (with its place among its siblings), removed, moved (old and new place) or reordered (its siblings
    before and after), its texts per language with the words that changed marked and the Markdown rendered as the
    public will read it; the link targets that changed, URL by URL. The first `limit` steps and `link_limit` link
    targets are shown in full, the others counted. `compared` is releases.Comparison(old, new) when the caller has
    it already.
    """
    compared = compared or releases.Comparison(old, new)
    before, after, changes = compared.before, compared.after, compared.changes
    renderers = {"old": _Renderer(old, before), "new": _Renderer(new, after)}
    order = {lang: index for index, lang in enumerate(["", *settings.WIZARD_LANGUAGES])}
    rich = set(MARKDOWN_FIELDS)

    def rows(item: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
        languages: dict[str, list[dict[str, Any]]] = {}
        for field in sorted(item["fields"], key=lambda field: order.get(field["lang"], len(order))):
            old_html, new_html = highlight(field["old"], field["new"])
            row = {**field, "old_html": old_html, "new_html": new_html, "is_url": field["field"] == "url"}
            if field["field"] in rich:
                row["old_rendered"] = renderers["old"].render(field["old"], field["lang"])
                row["new_rendered"] = renderers["new"].render(field["new"], field["lang"])
            languages.setdefault(field["lang"], []).append(row)
        return list(languages.items())

    steps = []
    for step in changes["steps"][:limit]:
        uid = step["uid"]
        item = {**step, "languages": rows(step)}
        if step["change"] != "removed":
            item["position"] = position(after, uid)
        if step["change"] != "added" and (step["moved"] or step["change"] == "removed"):
            item["old_position"] = position(before, uid)
        if step["reordered"]:
            item["reorder"] = reorder(before, after, uid)
        steps.append(item)
    links = [{**link, "languages": rows(link)} for link in changes["links"][:link_limit]]
    uids = [step["uid"] for step in changes["steps"] if step["change"] != "removed"]
    counts = summary(changes)
    return {
        "counts_text": describe(counts),
        "urls": url_checks(new, old, uids=uids, before=before, after=after),
        "counts": counts,
        "steps": steps,
        "links": links,
        "more_steps": max(0, len(changes["steps"]) - limit),
        "more_links": max(0, len(changes["links"]) - link_limit),
        "has_changes": changes["has_changes"],
    }


def url_checks(
    new: dict[str, Any],
    old: dict[str, Any] | None,
    *,
    uids: list[str],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    limit: int = SUMMARY_URLS,
) -> dict[str, Any]:
    """The URLs the change sets (new, or new where they are used), each with the link checker's latest result.

    The steps looked at are the changed ones (`uids`, with their flattened entries): a one-field change of a large
    wizard reads a few texts, and the results come in one query, whatever the number of URLs.
    """
    steps = [(after[uid]["path"], after[uid]["entry"]) for uid in uids]
    old_steps = [(before[uid]["path"], before[uid]["entry"]) for uid in uids if uid in before]
    usages = extract.changed_usages(new, old, steps=steps, old_steps=old_steps)
    places: dict[str, list[extract.Usage]] = {}
    for usage in usages:
        places.setdefault(usage.url, []).append(usage)
    shown = list(places)[:limit]
    results = {check.url: check for check in LinkCheck.objects.filter(url__in=shown)}
    rows = []
    for url in shown:
        check = results.get(url)
        status = check.status if check else LinkCheck.Status.PENDING
        rows.append(
            {
                "url": url,
                "status": status,
                "label": check.get_status_display() if check else LinkCheck.Status.PENDING.label,
                "http_status": check.http_status if check else None,
                "error": check.error if check else "",
                "checked_at": check.last_checked_at if check else None,
                "where": [usage.where for usage in places[url][:3]],
                "more_places": max(0, len(places[url]) - 3),
            }
        )
    return {"rows": rows, "more": max(0, len(places) - limit)}


def attach(found: dict[str, Any], comments: Iterable[FieldComment]) -> list[FieldComment]:
    """Put each comment beside its field in a summary (row["comments"]); return those with no field shown there."""
    by_place: dict[tuple[str, str, str], list[FieldComment]] = {}
    for comment in comments:
        by_place.setdefault((comment.step_uid, comment.field, comment.lang), []).append(comment)
    for step in found["steps"]:
        for lang, rows in step["languages"]:
            for row in rows:
                row["comments"] = by_place.pop((step["uid"], row["field"], lang), [])
    return [comment for comments in by_place.values() for comment in comments]
