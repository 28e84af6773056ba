"""The items of a draft, the closure of a choice of them, and the snapshot they make: pure functions on snapshots."""

import copy
from typing import Any

import pytest

from cms import parts, releases


def step(uid: str, slug: str, children: list | None = None, **texts: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"uid": uid, "slug": slug, "kind": "info", "title": {"fr": f"Titre {slug}"}}
    for name, text in texts.items():
        name, lang = name.rsplit("_", 1)
        entry.setdefault(name, {})[lang] = text
    if children:
        entry["children"] = children
    return entry


def snapshot(*children: dict[str, Any], links: list | None = None) -> dict[str, Any]:
    root = step("u-root", "demo", list(children))
    return {"format": "wizard-exchange/1", "wizard": root, "links": links or [], "end": "demo"}


def link(key: str, url: str = "https://example.org/") -> dict[str, Any]:
    return {"key": key, "name": {"fr": key}, "url": {"fr": url}}


def find(document: dict[str, Any], uid: str) -> dict[str, Any]:
    pending = [document["wizard"]]
    while pending:
        entry = pending.pop()
        if entry["uid"] == uid:
            return entry
        pending += entry.get("children", [])
    raise KeyError(uid)


def chosen_items(base: dict, draft: dict, ids: list[str]) -> tuple[dict, list[dict[str, str]]]:
    wanted, added = parts.closure(base, draft, ids)
    by_id = {item["id"]: item for item in parts.items(base, draft)}
    return parts.compose(base, parts.stored([by_id[item_id] for item_id in wanted])), added


@pytest.fixture
def base() -> dict[str, Any]:
    return snapshot(
        step("u-a", "a", [step("u-a1", "a1"), step("u-a2", "a2"), step("u-a3", "a3")]),
        step("u-b", "b", body_fr="Voir [le contact](link:contact) et [a2](node:a/a2)."),
        step("u-c", "c"),
        links=[link("contact")],
    )


def test_every_changed_step_and_link_target_is_an_item_with_a_summary(base):
    draft = copy.deepcopy(base)
    find(draft, "u-c")["title"] = {"fr": "Titre c", "nl": "Titel c"}
    draft["links"][0]["url"] = {"fr": "https://example.org/contact"}
    found = {item["id"]: item for item in parts.items(base, draft)}
    assert set(found) == {"step:u-c", "link:contact"}
    assert found["step:u-c"]["summary"] == "title (nl)"
    assert parts.is_translation(found["step:u-c"])
    assert not parts.is_translation(found["link:contact"])  # the French address


def test_choosing_everything_gives_the_draft(base):
    draft = copy.deepcopy(base)
    new = step("u-new", "new", [step("u-new1", "new1")])
    draft["wizard"]["children"].insert(0, new)
    moved = draft["wizard"]["children"][1]["children"].pop(0)  # a1 goes under c, first
    find(draft, "u-c")["children"] = [moved]
    find(draft, "u-b")["body"] = {"fr": "Voir [new1](node:new/new1)."}
    draft["links"] = []
    ids = [item["id"] for item in parts.items(base, draft)]
    composed, added = chosen_items(base, draft, ids)
    assert added == []
    assert releases.content_hash(composed) == releases.content_hash(draft)


def test_a_chosen_text_that_refers_to_an_unchosen_new_step_brings_it_and_its_new_parent(base):
    draft = copy.deepcopy(base)
    draft["wizard"]["children"].append(step("u-new", "new", [step("u-new1", "new1")]))
    find(draft, "u-c")["body"] = {"fr": "Voir [la suite](node:new/new1)."}
    find(draft, "u-a")["title"] = {"fr": "Autre chose, pas choisi"}
    composed, added = chosen_items(base, draft, ["step:u-c"])
    assert [entry["id"] for entry in added] == ["step:u-new1", "step:u-new"]
    assert "refers to this new step" in added[0]["reason"]
    assert "new parent" in added[1]["reason"]
    assert find(composed, "u-c")["body"]["fr"] == "Voir [la suite](node:new/new1)."
    assert find(composed, "u-new1")["slug"] == "new1"
    assert find(composed, "u-a")["title"] == {"fr": "Titre a"}  # not chosen: as live


def test_a_chosen_step_under_an_unchosen_new_parent_brings_the_parent_but_not_its_other_children(base):
    draft = copy.deepcopy(base)
    draft["wizard"]["children"].append(step("u-s", "section", [step("u-s1", "one"), step("u-s2", "two")]))
    composed, added = chosen_items(base, draft, ["step:u-s2"])
    assert added == [{"id": "step:u-s", "reason": "it is the new parent of “section/two”"}]
    assert [child["uid"] for child in find(composed, "u-s")["children"]] == ["u-s2"]


def test_a_chosen_new_text_brings_the_new_link_target_it_refers_to(base):
    draft = copy.deepcopy(base)
    find(draft, "u-c")["body"] = {"fr": "Voir [le guichet](link:guichet)."}
    draft["links"].append(link("guichet"))
    composed, added = chosen_items(base, draft, ["step:u-c"])
    assert [entry["id"] for entry in added] == ["link:guichet"]
    assert [entry["key"] for entry in composed["links"]] == ["contact", "guichet"]


def test_a_chosen_move_keeps_references_by_identity_and_brings_its_siblings_order(base):
    draft = copy.deepcopy(base)
    a, b, c = draft["wizard"]["children"]
    a2 = a["children"].pop(1)
    draft["wizard"]["children"] = [a, c, a2, b]  # a2 moves up between c and b, which swap places
    b["body"]["fr"] = "Voir [le contact](link:contact) et [a2](node:a2)."  # what the draft shows: same target
    a["title"]["fr"] = "Pas choisi"
    found = {item["id"] for item in parts.items(base, draft)}
    assert "step:u-b" in found or "step:u-c" in found  # one of them is reordered
    composed, added = chosen_items(base, draft, ["step:u-a2"])
    assert added
    assert all(entry["reason"] == "the order of the steps under “/”" for entry in added)
    assert [child["uid"] for child in composed["wizard"]["children"]] == ["u-a", "u-c", "u-a2", "u-b"]
    assert find(composed, "u-a")["title"]["fr"] == "Titre a"
    # b's text was not chosen (nor changed): it still names a2, at its new address.
    assert find(composed, "u-b")["body"]["fr"] == "Voir [le contact](link:contact) et [a2](node:a2)."


def test_a_moved_steps_referrers_are_not_items(base):
    draft = copy.deepcopy(base)
    a2 = find(draft, "u-a")["children"].pop(1)
    find(draft, "u-c")["children"] = [a2]
    find(draft, "u-b")["body"]["fr"] = "Voir [le contact](link:contact) et [a2](node:c/a2)."
    assert [item["id"] for item in parts.items(base, draft)] == ["step:u-a2"]


def test_a_chosen_reorder_alone_places_the_step_among_the_live_siblings(base):
    draft = copy.deepcopy(base)
    children = draft["wizard"]["children"]
    draft["wizard"]["children"] = [children[2], children[0], children[1]]  # c, a, b
    composed, added = chosen_items(base, draft, ["step:u-c"])
    assert added == []
    assert [child["uid"] for child in composed["wizard"]["children"]] == ["u-c", "u-a", "u-b"]


def test_a_chosen_deletion_brings_its_steps_and_the_texts_that_referred_to_it(base):
    draft = copy.deepcopy(base)
    a = draft["wizard"]["children"].pop(0)
    find(draft, "u-c")["children"] = [a["children"][0]]  # a1 is kept, under c; a2 and a3 go with a
    find(draft, "u-b")["body"] = {"fr": "Voir [le contact](link:contact)."}
    composed, added = chosen_items(base, draft, ["step:u-a"])
    reasons = {entry["id"]: entry["reason"] for entry in added}
    assert reasons["step:u-a1"] == "it was moved out of the deleted step “a”"
    assert reasons["step:u-a2"] == "it was under the deleted step “a”"
    assert "referred to the deleted step" in reasons["step:u-b"] or "under the deleted step" in reasons["step:u-b"]
    assert [child["uid"] for child in composed["wizard"]["children"]] == ["u-b", "u-c"]
    assert [child["uid"] for child in find(composed, "u-c")["children"]] == ["u-a1"]
    assert releases.content_hash(composed) == releases.content_hash(draft)


def test_a_deletion_alone_cannot_leave_its_steps_behind(base):
    draft = copy.deepcopy(base)
    draft["wizard"]["children"].pop(0)
    items = {item["id"]: item for item in parts.items(base, draft)}
    with pytest.raises(parts.PartsError, match="leave steps under it"):
        parts.compose(base, [items["step:u-a"]])


def test_a_new_step_cannot_be_composed_on_a_release_without_its_parent(base):
    draft = copy.deepcopy(base)
    find(draft, "u-c")["children"] = [step("u-c1", "c1")]
    item = next(item for item in parts.items(base, draft) if item["id"] == "step:u-c1")
    live = copy.deepcopy(base)
    live["wizard"]["children"].pop()  # c went away meanwhile
    with pytest.raises(parts.PartsError, match="no parent"):
        parts.compose(live, parts.stored([item]))


def test_without_a_live_release_a_chosen_step_brings_the_start_page(base):
    composed, added = chosen_items(None, base, ["step:u-c"])
    assert [entry["id"] for entry in added] == ["step:u-root"]
    assert [child["uid"] for child in composed["wizard"]["children"]] == ["u-c"]


def test_items_and_closure_read_the_comparison_they_are_given(base):
    draft = copy.deepcopy(base)
    draft["wizard"]["children"].pop(0)
    find(draft, "u-c")["children"] = [step("u-c1", "c1", body_fr="Voir [c](node:c).")]
    compared = releases.Comparison(base, draft)
    assert parts.items(base, draft, compared=compared) == parts.items(base, draft)
    chosen = ["step:u-c1", "step:u-a"]
    assert parts.closure(base, draft, chosen, compared=compared) == parts.closure(base, draft, chosen)
    # What they are given is what they read: the comparison with another draft gives that draft's items.
    other = copy.deepcopy(base)
    find(other, "u-c")["title"] = {"fr": "Autre"}
    mixed = parts.items(base, draft, compared=releases.Comparison(base, other))
    assert [item["id"] for item in mixed] == ["step:u-c"]
