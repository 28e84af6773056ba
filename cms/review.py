"""What a reviewer reads: a diff of two snapshots laid out per step and per language, changed words marked."""

import difflib
import re
from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cms import releases

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
