import copy
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from cms import actions, releases, review, workflow
from cms.models import LiveRelease, Release
from tests import factories
from wizard import exchange
from wizard.models import LinkTarget, Node, wizard_step_paths


def test_a_release_freezes_the_whole_wizard_in_every_language(wizard):
    release = releases.create(wizard, user=None, note="First")
    assert release.snapshot == exchange.dump(wizard)
    assert release.snapshot["wizard"]["title"] == {"fr": "Titre demo", "nl": "Titel demo"}
    assert [link["key"] for link in release.snapshot["links"]] == ["contact-center", "portal"]
    assert release.content_hash == releases.content_hash(release.snapshot)
    assert release.note == "First"


def test_releases_are_numbered_per_wizard(db):
    demo, other = factories.make_wizard(), factories.make_wizard("other")
    assert [releases.create(demo, user=None).number for _ in range(3)] == [1, 2, 3]
    assert releases.create(other, user=None).number == 1


def test_a_release_does_not_change_when_the_draft_does(wizard):
    release = releases.create(wizard, user=None)
    contact = wizard_step_paths(wizard)["contact"]
    contact.title_fr = "Changé"
    contact.save()
    release.refresh_from_db()
    assert release.snapshot["wizard"]["children"][1]["title"]["fr"] == "Titre contact"


def test_the_database_refuses_to_change_a_published_release(wizard):
    release = releases.create(wizard, user=None)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(note="rewritten")
    release.snapshot["wizard"]["title"]["fr"] = "Falsifié"
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        release.save()
    release.refresh_from_db()
    assert release.snapshot["wizard"]["title"]["fr"] == "Titre demo"


def test_the_content_hash_ignores_key_order():
    assert releases.content_hash({"a": 1, "b": {"c": 2, "d": 3}}) == releases.content_hash(
        {"b": {"d": 3, "c": 2}, "a": 1}
    )
    assert releases.content_hash({"a": 1}) != releases.content_hash({"a": 2})


def test_one_pointer_per_wizard_names_the_live_release(wizard, admin_user):
    first = releases.create(wizard, user=admin_user, note="one")
    releases.make_live(first)
    second = releases.create(wizard, user=admin_user, note="two")
    releases.make_live(second)
    pointer = LiveRelease.objects.get()
    assert pointer.release == second
    assert pointer.slug == "demo"
    assert releases.live_release(wizard) == second
    releases.make_live(first, event="rollback")
    assert releases.live_release(wizard) == first
    assert second.published_by == admin_user


def test_a_wizard_with_releases_cannot_be_deleted(live_wizard):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Node.objects.filter(pk=live_wizard.pk).delete()


def snapshot(wizard) -> dict:
    return copy.deepcopy(releases.freeze(wizard))


def find(entry: dict, slug: str) -> dict:
    for child in entry.get("children", []):
        if child["slug"] == slug:
            return child
    raise KeyError(slug)


def test_identical_snapshots_have_no_changes(wizard):
    assert releases.diff(snapshot(wizard), snapshot(wizard)) == {"steps": [], "links": [], "has_changes": False}


def test_a_changed_field_is_reported_per_language_with_old_and_new(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    contact = find(new["wizard"], "contact")
    contact["title"]["nl"] = "Contacteer ons"
    contact["note"] = {"de": "Hinweis"}
    [step] = releases.diff(old, new)["steps"]
    assert (step["change"], step["path"], step["moved"], step["reordered"]) == ("changed", "contact", False, False)
    assert step["fields"] == [
        {"field": "title", "lang": "nl", "old": "Titel contact", "new": "Contacteer ons"},
        {"field": "note", "lang": "de", "old": "", "new": "Hinweis"},
    ]


def test_added_removed_moved_and_reordered_steps(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    profiles = find(new["wizard"], "profiles")
    citizen, company = profiles["children"]
    renew = citizen["children"].pop(1)
    company["children"].append(renew)  # moved to another parent
    profiles["children"].reverse()  # company before citizen
    new["wizard"]["children"].remove(find(new["wizard"], "contact"))
    new["wizard"]["children"].append(
        factories.step("new", body="Neuf") | {"uid": "00000000-0000-0000-0000-000000000001"}
    )
    changes = {step["path"]: step for step in releases.diff(old, new)["steps"]}
    assert changes["profiles/company/renew"]["moved"]
    assert changes["profiles/company/renew"]["old_path"] == "profiles/citizen/renew"
    assert [path for path, step in changes.items() if step["reordered"]] in (
        ["profiles/company"],
        ["profiles/citizen"],
    )
    assert changes["contact"]["change"] == "removed"
    assert changes["new"]["change"] == "added"
    assert {"field": "body", "lang": "fr", "old": "", "new": "Neuf"} in changes["new"]["fields"]


def test_a_renamed_step_is_the_same_step(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    find(new["wizard"], "contact")["slug"] = "contact-us"
    [step] = releases.diff(old, new)["steps"]
    assert (step["change"], step["path"], step["old_path"]) == ("changed", "contact-us", "contact")
    assert step["fields"] == [{"field": "slug", "lang": "", "old": "contact", "new": "contact-us"}]


def test_link_targets_added_removed_and_changed(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    new["links"][0]["url"]["nl"] = "https://www.example.org/nl/contacteer"
    new["links"].pop(1)
    new["links"].append({"key": "zeta", "name": {"fr": "Zêta"}, "url": {"fr": "https://z.example.org/"}})
    links = {link["key"]: link for link in releases.diff(old, new)["links"]}
    assert links["contact-center"]["change"] == "changed"
    assert links["contact-center"]["fields"] == [
        {
            "field": "url",
            "lang": "nl",
            "old": "https://www.example.org/nl/contact",
            "new": "https://www.example.org/nl/contacteer",
        }
    ]
    assert (links["portal"]["change"], links["zeta"]["change"]) == ("removed", "added")


def test_a_first_release_is_all_new(wizard):
    changes = releases.diff(None, snapshot(wizard))
    assert {step["change"] for step in changes["steps"]} == {"added"}
    assert len(changes["steps"]) == 8


def test_a_wizard_cannot_go_live_at_an_address_another_live_wizard_still_has(live_wizard):
    live_wizard.slug = "renamed"
    live_wizard.save()  # renamed in the draft; its live release still answers at /…/demo/
    newcomer = factories.make_wizard("demo")
    with pytest.raises(releases.SlugTaken, match="“demo” still belongs to another live wizard"):
        releases.make_live(releases.create(newcomer, user=None))
    assert LiveRelease.objects.get(slug="demo").wizard == live_wizard


def test_flatten_gives_each_step_its_path_parent_and_place_in_tree_order(wizard):
    document = snapshot(wizard)
    find(document["wizard"], "profiles")["children"].insert(1, "not a step")  # check()'s to report; not counted
    walked = list(exchange.walk(document["wizard"]))
    flat = releases.flatten(document)
    assert list(flat) == [step.entry["uid"] for step in walked]
    for step in walked:
        place = step.parent.children.index(step) if step.parent else 0
        parent = step.parent.entry["uid"] if step.parent else None
        assert flat[step.entry["uid"]] == {
            "entry": step.entry,
            "path": step.step_path,
            "parent": parent,
            "index": place,
        }
    assert releases.flatten(None) == {}


# The draft, read against the live release ------------------------------------------------------------------------


@pytest.fixture
def published_long_ago(db, editor):
    """A wizard written two hours ago (a version of every step: recover needs one), released an hour ago: the
    steps `draft` reuses (saves a few seconds before a release count as after it: releases.SAVE_MARGIN)."""
    return written_and_released(factories.make_wizard, editor)


def written_and_released(make: Callable[[], Node], editor) -> Node:
    with time_machine.travel(timezone.now() - timedelta(hours=2), tick=True):
        wizard = make()
        factories.record_history(wizard, editor)
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=True):
        factories.publish(wizard)
    return wizard


def at(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def unchanged(wizard: Node, editor) -> None:
    pass


def edit_a_dutch_title(wizard: Node, editor) -> None:
    factories.edit(wizard, "contact", editor, title_nl="Contact opnemen")


def rename_a_step_another_text_names(wizard: Node, editor) -> None:
    actions.rename_step(at(wizard, "profiles/citizen/apply"), slug="request", user=editor)


def rename_the_parent_of_a_step_another_text_names(wizard: Node, editor) -> None:
    actions.rename_step(at(wizard, "profiles/citizen"), slug="person", user=editor)


def move_a_step_another_text_names(wizard: Node, editor) -> None:
    actions.move_step(at(wizard, "profiles/citizen/apply"), user=editor, target=at(wizard, "contact"), position="right")


def reorder_siblings(wizard: Node, editor) -> None:
    actions.move_step(at(wizard, "contact"), user=editor, target=at(wizard, "profiles"), position="left")


def add_a_step_and_name_it(wizard: Node, editor) -> None:
    actions.create_step(Node(slug="new", kind="task", title_fr="Nouveau"), user=editor, reference=at(wizard, "contact"))
    factories.edit(wizard, "contact", editor, body_fr=f"Voir [nouveau](node:{at(wizard, 'contact/new').uid}).")


def delete_then_recover_a_step(wizard: Node, editor) -> None:
    renew = at(wizard, "profiles/citizen/renew")
    actions.delete_step(renew, user=editor)
    actions.move_step(
        at(wizard, "profiles/company"), user=editor, target=at(wizard, "profiles/citizen"), position="left"
    )
    actions.recover_step(Version.objects.get_deleted(Node).get(object_id=str(renew.pk)), user=editor)


def delete_a_subtree(wizard: Node, editor) -> None:
    actions.delete_step(at(wizard, "profiles/company"), user=editor)


def stop_using_a_link_target(wizard: Node, editor) -> None:
    factories.edit(wizard, "profiles/company/apply", editor, body_fr="Plus de portail.")


def change_a_link_target(wizard: Node, editor) -> None:
    target = LinkTarget.objects.get(key="portal")
    target.url_fr = "https://portal.example.org/nouveau"
    actions.edit_link_target(target, user=editor)


def rename_a_link_target(wizard: Node, editor) -> None:
    actions.rename_link_target(LinkTarget.objects.get(key="contact-center"), key="centre", user=editor)


def change_a_kind(wizard: Node, editor) -> None:
    factories.edit(wizard, "contact", editor, kind="task")


def several_at_once(wizard: Node, editor) -> None:
    add_a_step_and_name_it(wizard, editor)
    rename_the_parent_of_a_step_another_text_names(wizard, editor)
    actions.move_step(at(wizard, "contact"), user=editor, target=at(wizard, "profiles/person"), position="left")
    rename_a_link_target(wizard, editor)
    delete_a_subtree(wizard, editor)


def reset_the_draft(wizard: Node, editor) -> None:
    rename_the_parent_of_a_step_another_text_names(wizard, editor)
    actions.reset_draft(wizard, user=editor)


@pytest.mark.parametrize(
    "change",
    [
        unchanged,
        edit_a_dutch_title,
        rename_a_step_another_text_names,
        rename_the_parent_of_a_step_another_text_names,
        move_a_step_another_text_names,
        reorder_siblings,
        add_a_step_and_name_it,
        delete_then_recover_a_step,
        delete_a_subtree,
        stop_using_a_link_target,
        change_a_link_target,
        rename_a_link_target,
        change_a_kind,
        several_at_once,
        reset_the_draft,
    ],
)
def test_the_draft_read_against_the_live_release_is_the_frozen_draft(published_long_ago, editor, change, reused):
    live = releases.live_release(published_long_ago)
    change(published_long_ago, editor)
    assert releases.draft(published_long_ago, live) == releases.freeze(published_long_ago)
    if change is not reset_the_draft:  # a reset writes every step again
        assert reused  # some steps were taken from the release, not read


@pytest.fixture
def reused(monkeypatch) -> list[int]:
    """How many steps each `releases.draft` took from the live release instead of reading them."""
    found: list[int] = []
    reuse = exchange._reuse
    monkeypatch.setattr(
        exchange, "_reuse", lambda earlier, rows, *rest: found.append(len(rows)) or reuse(earlier, rows, *rest)
    )
    return found


def test_the_draft_reads_in_full_only_the_steps_saved_since_the_live_release(db, editor, reused):
    wizard = written_and_released(lambda: factories.grow(factories.make_wizard(), 200), editor)
    live = releases.live_release(wizard)
    edit_a_dutch_title(wizard, editor)
    with CaptureQueriesContext(connection) as queries:
        draft = releases.draft(wizard, live)
    assert reused == [Node.objects.get_tree(wizard).count() - 1]  # every step but the one saved since
    assert len(queries) == 3  # the tree's shape, the rows saved since in full, the link targets
    assert "title_nl" not in queries[0]["sql"]
    assert "title_nl" in queries[1]["sql"]
    assert draft == releases.freeze(wizard)


def test_a_release_says_since_when_the_draft_differs_from_it(published_long_ago, editor, reviewer):
    """A request of the whole draft: when it was submitted. One of some changes: the earlier of that and what the
    release before it said, so that the changes left out are still seen as the draft's."""
    first = releases.live_release(published_long_ago)
    assert first.draft_since < timezone.now() - timedelta(minutes=50)
    with time_machine.travel(timezone.now() - timedelta(minutes=30), tick=True):
        edit_a_dutch_title(published_long_ago, editor)
        whole = workflow.submit(published_long_ago, author=editor)
    second = workflow.approve(whole, reviewer=reviewer)
    assert second.draft_since == whole.submitted_at
    with time_machine.travel(timezone.now() - timedelta(minutes=20), tick=True):
        stop_using_a_link_target(published_long_ago, editor)
        change_a_kind(published_long_ago, editor)
        contact = at(published_long_ago, "contact")
        some = workflow.submit(published_long_ago, author=editor, items=[f"step:{contact.uid}"])
    third = workflow.approve(some, reviewer=reviewer)
    assert third.draft_since == second.draft_since
    assert releases.draft(published_long_ago, third) == releases.freeze(published_long_ago)
    assert workflow.has_draft_changes(published_long_ago, third)


def test_a_diff_may_name_added_and_removed_steps_without_their_texts(wizard):
    """What a page that only names them asks for (a release's page: a first release adds every step)."""
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    new["wizard"]["children"].pop()  # contact goes
    new["wizard"]["children"][0]["children"].append(
        {"uid": "6b0a3f4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b", "slug": "new", "kind": "task", "title": {"fr": "Nouveau"}}
    )
    new["wizard"]["children"][0]["title"] = {"fr": "Autre titre", "nl": "Titel profiles"}
    full, named = releases.diff(old, new), releases.diff(old, new, texts_of_whole_steps=False)
    assert [(s["path"], s["change"]) for s in named["steps"]] == [(s["path"], s["change"]) for s in full["steps"]]
    by_change = {step["change"]: step["fields"] for step in named["steps"]}
    assert by_change["added"] == by_change["removed"] == []
    assert by_change["changed"] == next(s["fields"] for s in full["steps"] if s["change"] == "changed")
    assert review.summary(named) == review.summary(full)
