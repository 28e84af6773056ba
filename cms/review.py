"""What a reviewer reads: a diff of two snapshots laid out per step and per language, changed words marked."""

import difflib
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from cms import releases
from cms.models import AuditEntry, ChangeRequest

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
    """What each change request of `entries` changes, in a few words, by request id: one query for them all."""
    ids = {entry.change_request_id for entry in entries if entry.change_request_id}
    requests = ChangeRequest.objects.filter(pk__in=ids).select_related("base_release")
    found = {}
    for change in requests.only("snapshot", "base_release__snapshot"):
        base = change.base_release.snapshot if change.base_release else None
        found[change.pk] = describe(summary(releases.diff(base, change.snapshot)))
    return found
