"""Change requests in parts: the items a draft changes, what a choice of them cannot stand without, and the snapshot
they make on top of a live release.

An item is one step (`step:<uid>`) or one link target (`link:<key>`) that differs between the live release and the
draft. An editor chooses some; `closure` adds what they need (a new step's new parent, a new step or link target a
chosen text refers to, the other steps whose order a moved step's place depends on, whatever a deletion would leave
behind), and `compose` lays the chosen items' content over a release's snapshot. Every function here is pure: it
reads snapshots (the exchange format) and returns plain data, so a request's snapshot can be made again from its
stored items on top of whichever release is live (a rebase).

Inside these functions a `node:` reference names its step by uid, not by path: a chosen text keeps pointing at the
right step whether or not that step's move or rename is chosen too, and paths are written back at the end.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from cms import releases
from wizard import exchange, markdown
from wizard import references as refs
from wizard.models import MARKDOWN_FIELDS, NODE_TEXT_FIELDS

SOURCE_LANGUAGE = settings.LANGUAGE_CODE  # French: what translators translate from
Flat = releases.Flat


class PartsError(ValueError):
    """Chosen items that cannot be laid over a snapshot (a parent that is not there, say)."""


def _flatten(snapshot: dict[str, Any] | None, flat: Flat | None = None) -> Flat:
    """Each step by uid: its own fields (no children, references by uid), parent uid, path and children's uids.

    `flat` is releases.flatten(snapshot) when the caller has it already.
    """
    flat = releases.flatten(snapshot) if flat is None else flat
    own = _own_entry(flat)
    return {
        uid: {"entry": own(step["entry"]), "parent": step["parent"], "path": step["path"], "children": _children(step)}
        for uid, step in flat.items()
    }


def _own_entry(flat: Flat) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """entry → its own fields as these functions read them (no children, `node:` references by uid), for the
    entries of `flat` (releases.flatten)."""
    # path → uid, built once: refs.to_uids would invert the whole map again for each text.
    uids = {step["path"]: uid for uid, step in flat.items() if step["parent"] is not None}

    def own(entry: dict[str, Any]) -> dict[str, Any]:
        fields = {name: value for name, value in entry.items() if name != "children"}
        return _texts(fields, lambda text: refs.to_paths(text, uids))

    return own


def _children(step: dict[str, Any]) -> list[str]:
    """The uids of the children of a step of releases.flatten, in order (what walk() counts as children)."""
    children = step["entry"].get("children")
    return [child["uid"] for child in children if isinstance(child, dict)] if isinstance(children, list) else []


def _texts(entry: dict[str, Any], convert: Any) -> dict[str, Any]:
    if not any("node:" in text for name in MARKDOWN_FIELDS for text in (entry.get(name) or {}).values()):
        return entry  # most texts name no step: nothing to convert
    converted = dict(entry)
    for name in MARKDOWN_FIELDS:
        if name in entry:
            converted[name] = {lang: convert(text) for lang, text in entry[name].items()}
    return converted


def _links(snapshot: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {link["key"]: link for link in (snapshot or {}).get("links", [])}


def _refers_to(entry: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The step uids and link keys an entry's texts name."""
    steps, keys = set(), set()
    for name in MARKDOWN_FIELDS:
        for text in (entry.get(name) or {}).values():
            for ref in markdown.references(text):
                if ref.kind == "node":
                    steps.add(ref.target)
                elif ref.kind == "link":
                    keys.add(ref.target)
    return steps, keys


# The items ------------------------------------------------------------------------------------------------------


def items(
    base: dict[str, Any] | None,
    draft: dict[str, Any],
    *,
    compared: releases.Comparison | None = None,
) -> list[dict[str, Any]]:
    """Every step and link target that differs between `base` (the live release) and `draft`, in tree order.

    Each item: `id`, `kind` ("step" or "link"), `change` ("added", "removed", "changed"), `path` or `key`, `title`,
    `moved`, `reordered`, `fields` (releases.diff's field changes), `summary` (one line) and `content`: what the
    draft holds for it, enough to lay it over any release again (see `compose`). `compared` is
    releases.Comparison(base, draft) when the caller has it already.
    """
    compared = compared or releases.Comparison(base, draft)
    before, after, changes = compared.before, compared.after, compared.changes
    # Only the changed steps' entries are read: a one-field change of a large wizard converts a few texts.
    own_before, own_after = _own_entry(before), _own_entry(after)
    draft_links = _links(draft)
    found = []
    for step in changes["steps"]:
        uid = step["uid"]
        now, then = after.get(uid), before.get(uid)
        entry = own_after(now["entry"]) if now else None
        if now and then and not (step["moved"] or step["reordered"]) and entry == own_before(then["entry"]):
            continue  # only the path of a step its text names changed: the same reference, not a change
        content: dict[str, Any] = {"entry": None, "parent": None, "siblings": []}
        if now is not None:
            parent = now["parent"]
            siblings = _children(after[parent]) if parent is not None else []
            content = {"entry": entry, "parent": parent, "siblings": siblings}
        old_parent = then["parent"] if then else None
        found.append(
            {
                **step,
                "id": f"step:{uid}",
                "kind": "step",
                "key": "",
                "old_parent": old_parent,
                "summary": _summary(step),
                "content": content,
            }
        )
    for link in changes["links"]:
        found.append(
            {
                **link,
                "id": f"link:{link['key']}",
                "kind": "link",
                "uid": "",
                "path": "",
                "title": link["key"],
                "moved": False,
                "reordered": False,
                "summary": _summary(link),
                "content": {"entry": draft_links.get(link["key"])},
            }
        )
    return found


def _summary(item: dict[str, Any]) -> str:
    """One line: "added", "removed", or what changed ("title (fr, nl), body (de); moved from a/b")."""
    if item["change"] == "added":
        return _("added")
    if item["change"] == "removed":
        return _("removed")
    by_field: dict[str, list[str]] = {}
    for field in item["fields"]:
        by_field.setdefault(field["field"], []).append(field["lang"])
    parts = [f"{name} ({', '.join(langs)})" if any(langs) else name for name, langs in by_field.items()]
    if item.get("moved"):
        parts.append(_("moved from %(path)s") % {"path": item["old_path"] or "/"})
    elif item.get("reordered"):
        parts.append(_("another place among its siblings"))
    return "; ".join(parts)


def is_translation(item: dict[str, Any]) -> bool:
    """Whether an item changes only texts in languages other than the source (French): what translators submit."""
    if item["change"] != "changed" or item.get("moved") or item.get("reordered"):
        return False
    return all(field["lang"] and field["lang"] != SOURCE_LANGUAGE for field in item["fields"])


# The closure ----------------------------------------------------------------------------------------------------


def closure(
    base: dict[str, Any] | None,
    draft: dict[str, Any],
    chosen: Iterable[str],
    *,
    compared: releases.Comparison | None = None,
) -> tuple[list[str], list[dict[str, str]]]:
    """The chosen item ids and every item they cannot stand without, and for each added item why (`id`, `reason`).

    - a new step needs its parent when the parent is new too (a step moved under a new parent likewise);
    - a chosen text needs the new steps and new link targets it refers to;
    - a moved or reordered step needs the other reordered steps under its parent: their order is one thing;
    - a deleted step needs its children's deletion or move, and the changes of the steps whose texts referred to it;
    - a removed link target needs the changes of the steps whose texts referred to it.

    `compared` is releases.Comparison(base, draft) when the caller has it already.
    """
    compared = compared or releases.Comparison(base, draft)
    by_id = {item["id"]: item for item in items(base, draft, compared=compared)}
    before, after = _flatten(base, compared.before), _flatten(draft, compared.after)
    base_links = _links(base)
    wanted = [item_id for item_id in chosen if item_id in by_id]
    kept = set(wanted)
    added: list[dict[str, str]] = []

    def need(item_id: str, reason: str) -> None:
        if item_id in by_id and item_id not in kept:
            kept.add(item_id)
            wanted.append(item_id)
            added.append({"id": item_id, "reason": reason})

    def named(uid: str) -> str:
        step = after.get(uid) or before.get(uid)
        return f"“{step['path'] or '/'}”" if step else uid

    def referring(target_uid: str = "", key: str = "") -> list[str]:
        found = []
        for uid, step in before.items():
            steps, keys = _refers_to(step["entry"])
            if (target_uid and target_uid in steps) or (key and key in keys):
                found.append(uid)
        return found

    position = 0
    while position < len(wanted):
        item = by_id[wanted[position]]
        position += 1
        if item["kind"] == "link":
            if item["change"] == "removed":
                for uid in referring(key=item["key"]):
                    need(f"step:{uid}", _("its text referred to the removed link target “%(key)s”") % item)
            continue
        uid = item["uid"]
        if item["change"] == "removed":
            for child in before[uid]["children"]:
                reason = (
                    _("it was under the deleted step %(step)s")
                    if child not in after
                    else _("it was moved out of the deleted step %(step)s")
                )
                need(f"step:{child}", reason % {"step": named(uid)})
            for referrer in referring(target_uid=uid):
                need(f"step:{referrer}", _("its text referred to the deleted step %(step)s") % {"step": named(uid)})
            continue
        now = after[uid]
        parent = now["parent"]
        if parent is not None and parent not in before:
            need(f"step:{parent}", _("it is the new parent of %(step)s") % {"step": named(uid)})
        steps, keys = _refers_to(now["entry"])
        for target in sorted(steps):
            if target in after and target not in before:
                need(f"step:{target}", _("the text of %(step)s refers to this new step") % {"step": named(uid)})
        for key in sorted(keys):
            if key not in base_links:
                need(f"link:{key}", _("the text of %(step)s refers to this new link target") % {"step": named(uid)})
        if item["moved"] or item["reordered"]:
            for sibling in after[parent]["children"] if parent is not None else []:
                other = by_id.get(f"step:{sibling}")
                if other is not None and other["reordered"]:
                    need(other["id"], _("the order of the steps under %(step)s") % {"step": named(parent)})
    return wanted, added


# The snapshot ---------------------------------------------------------------------------------------------------


def stored(chosen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a request keeps of its items: enough to compose its snapshot again on another release, and to list them."""
    names = ("id", "kind", "uid", "key", "change", "path", "title", "moved", "reordered", "summary", "content")
    return [{name: item.get(name) for name in names} for item in chosen]


def compose(base: dict[str, Any] | None, chosen: list[dict[str, Any]]) -> dict[str, Any]:
    """`base` with the chosen items' content laid over it (items as `items` or `stored` gives them).

    Raises PartsError when an item cannot be placed: its parent is not in the result, or a removed step still has
    steps under it.
    """
    steps = _flatten(base)
    links = _links(base)
    kept_links: set[str] = set()
    placed = []
    for item in chosen:
        content = item["content"]
        if item["kind"] == "link":
            if content["entry"] is None:
                links.pop(item["key"], None)
            else:
                links[item["key"]] = content["entry"]
                kept_links.add(item["key"])
            continue
        uid = item["uid"]
        old = steps.get(uid)
        anew = old is None or old["parent"] != content["parent"] or bool(item.get("reordered"))
        if old is not None and (anew or content["entry"] is None) and old["parent"] in steps:
            steps[old["parent"]]["children"].remove(uid)
        if content["entry"] is None:
            steps.pop(uid, None)
            continue
        steps[uid] = {
            "entry": content["entry"],
            "parent": content["parent"],
            "children": old["children"] if old else [],
        }
        if anew:
            placed.append(item)
    # Each step placed anew goes right after the nearest sibling that precedes it in the draft, in draft order.
    for item in sorted(placed, key=_order):
        uid, parent = item["uid"], item["content"]["parent"]
        if parent is None:
            continue
        if parent not in steps:
            raise PartsError(_("The step “%(path)s” has no parent to go under.") % {"path": item["path"]})
        siblings = steps[parent]["children"]
        draft_order = item["content"]["siblings"]
        earlier = draft_order[: draft_order.index(uid)] if uid in draft_order else []
        at = next((siblings.index(other) + 1 for other in reversed(earlier) if other in siblings), 0)
        siblings.insert(at, uid)
    return _build(steps, links, kept_links, base)


def _order(item: dict[str, Any]) -> tuple[str, int]:
    siblings = item["content"]["siblings"]
    return (item["content"]["parent"] or "", siblings.index(item["uid"]) if item["uid"] in siblings else 0)


def _build(
    steps: Flat, links: dict[str, dict[str, Any]], kept_links: set[str], base: dict[str, Any] | None
) -> dict[str, Any]:
    roots = [uid for uid, step in steps.items() if step["parent"] is None]
    if len(roots) != 1:
        raise PartsError(_("The wizard's start page is missing."))
    for step in steps.values():
        step["children"] = [child for child in step["children"] if child in steps]
    # Paths first (children after their parent), then the entries with their references written as paths.
    paths: dict[str, str] = {}
    order = [roots[0]]
    for uid in order:
        for child in steps[uid]["children"]:
            slug = steps[child]["entry"]["slug"]
            paths[child] = f"{paths[uid]}/{slug}" if uid in paths else slug
            order.append(child)
    orphans = set(steps) - set(order)
    if orphans:
        raise PartsError(
            _("Removing a step would leave steps under it: %(steps)s.") % {"steps": ", ".join(sorted(orphans))}
        )
    entries = {}
    used = set(kept_links)
    for uid in order:
        entry = _texts(steps[uid]["entry"], lambda text: refs.to_paths(text, paths))
        entry = {name: entry[name] for name in ("uid", "slug", "kind", *NODE_TEXT_FIELDS) if name in entry}
        used |= _refers_to(entry)[1]
        entries[uid] = entry
    for uid in order:
        children = steps[uid]["children"]
        if children:
            entries[uid]["children"] = [entries[child] for child in children]
    root = entries[roots[0]]
    return {
        "format": (base or {}).get("format", exchange.FORMAT),
        "wizard": root,
        "links": [links[key] for key in sorted(used) if key in links],
        "end": root["slug"],
    }


def touched(chosen: Iterable[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in chosen}
