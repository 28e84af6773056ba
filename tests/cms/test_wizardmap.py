"""The wizard map's graph: every step, the tree and cross-link edges, the destinations, and each step's status."""

import pytest

from cms import releases, wizardmap
from cms.models import LinkCheck
from tests import factories
from wizard.models import Feedback, wizard_step_paths


def steps_by_path(found: wizardmap.Map) -> dict[str, wizardmap.Step]:
    return found.by_path()


def test_every_step_of_the_snapshot_is_on_the_map(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    assert set(steps_by_path(found)) == {"", *wizard_step_paths(wizard)}
    assert found.root.path == ""
    assert found.root.kind == "start"
    tree = {(found.steps[e.source].path, found.steps[e.target].path) for e in found.edges if e.kind == wizardmap.TREE}
    assert ("profiles", "profiles/citizen") in tree
    assert len(tree) == len(found.steps) - 1


def test_a_node_reference_is_a_cross_link_edge(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    paths = steps_by_path(found)
    cross = [(found.steps[e.source].path, found.steps[e.target].path) for e in found.edges if e.kind == "cross"]
    assert cross == [("profiles/citizen/renew", "profiles/citizen/apply")]
    assert paths["profiles/citizen/renew"].refers_to == [paths["profiles/citizen/apply"].uid]


def test_link_targets_and_urls_are_destinations_at_the_edge(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    paths = steps_by_path(found)
    assert set(found.destinations) == {"link:contact-center", "link:portal"}
    assert found.destinations["link:contact-center"].label == "Centre de contact"
    external = {(found.steps[e.source].path, e.target) for e in found.edges if e.kind == wizardmap.EXTERNAL}
    assert ("contact", "link:contact-center") in external
    assert paths["contact"].destinations == ["link:contact-center"]


def test_a_step_without_a_translation_is_marked_missing_in_that_language(wizard):
    # The factory's steps have French and Dutch titles; bodies are French only.
    found = wizardmap.build(releases.freeze(wizard))
    paths = steps_by_path(found)
    assert paths[""].missing == ["de", "en"]
    assert paths["contact"].missing == ["nl", "de", "en"]  # its body has no Dutch


def test_a_translation_made_from_an_older_french_text_is_outdated(wizard):
    factories.edit(wizard, "contact", title_fr="Un autre titre")
    found = wizardmap.build(releases.freeze(wizard))
    assert steps_by_path(found)["contact"].outdated == ["nl"]
    assert steps_by_path(found)["profiles"].outdated == []


def test_steps_changed_added_or_moved_since_the_live_release_are_marked(live_wizard):
    live = releases.live_release(live_wizard).snapshot
    factories.edit(live_wizard, "contact", body_fr="Autre chose.")
    found = wizardmap.build(releases.freeze(live_wizard), compared_to=live)
    paths = steps_by_path(found)
    assert paths["contact"].change == wizardmap.CHANGED
    assert paths["profiles"].change == ""
    snapshot = releases.freeze(live_wizard)
    snapshot["wizard"]["children"].append(factories.step("new-step", "info"))
    assert steps_by_path(wizardmap.build(snapshot, compared_to=live))["new-step"].change == wizardmap.ADDED
    assert not wizardmap.build(snapshot).compared  # nothing to compare with: nothing marked
    assert steps_by_path(wizardmap.build(snapshot))["new-step"].change == ""


def test_broken_links_and_feedback_show_on_their_step(wizard):
    LinkCheck.objects.create(url="https://www.example.org/fr/contact", status=LinkCheck.Status.BROKEN)
    contact = wizard_step_paths(wizard)["contact"]
    for helpful in (True, True, False):
        Feedback.objects.create(
            wizard_slug="demo",
            step_uid=contact.uid,
            step_path="contact",
            language="fr",
            release_number=1,
            is_helpful=helpful,
        )
    found = wizardmap.build(releases.freeze(wizard))
    step = steps_by_path(found)["contact"]
    assert step.link_problems == {"https://www.example.org/fr/contact": "broken"}
    assert (step.helpful, step.not_helpful) == (2, 1)
    assert found.destinations["link:contact-center"].status == "broken"
    assert steps_by_path(found)["profiles"].link_problems == {}


def test_a_reference_to_no_step_is_reported_as_dangling(wizard):
    snapshot = releases.freeze(wizard)
    snapshot["wizard"]["children"].append(factories.step("lost", "info", body="[Ici](node:nowhere)"))
    found = wizardmap.build(snapshot)
    assert steps_by_path(found)["lost"].dangling == ["nowhere"]
    assert steps_by_path(found)["lost"].has_problem


def test_selecting_a_step_relates_its_ancestors_descendants_and_cross_links(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    paths = steps_by_path(found)
    related = {found.steps[uid].path for uid in wizardmap.related(found, paths["profiles/citizen/apply"].uid)}
    assert related == {"", "profiles", "profiles/citizen", "profiles/citizen/apply", "profiles/citizen/renew"}
    related = {found.steps[uid].path for uid in wizardmap.related(found, paths["profiles/company"].uid)}
    assert related == {"", "profiles", "profiles/company", "profiles/company/apply"}


def test_the_layout_puts_depth_in_columns_and_parents_beside_their_children(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    wizardmap.lay_out(found, folded=set())
    paths = steps_by_path(found)
    assert paths[""].x < paths["profiles"].x < paths["profiles/citizen"].x < paths["profiles/citizen/apply"].x
    apply, renew = paths["profiles/citizen/apply"], paths["profiles/citizen/renew"]
    assert renew.y > apply.y
    assert paths["profiles/citizen"].y == (apply.y + renew.y) // 2
    boxes = {(step.x, step.y) for step in found.steps.values()}
    assert len(boxes) == len(found.steps)  # no two boxes on top of each other
    assert all(destination.x > max(s.x for s in found.steps.values()) for destination in found.destinations.values())


def test_a_folded_branch_hides_its_steps_and_its_edges_end_on_it(wizard):
    found = wizardmap.build(releases.freeze(wizard))
    citizen = steps_by_path(found)["profiles/citizen"]
    wizardmap.lay_out(found, folded={citizen.uid})
    paths = steps_by_path(found)
    assert citizen.folded
    assert citizen.hidden_below == 2
    assert not paths["profiles/citizen/apply"].visible
    assert paths["profiles/company/apply"].visible
    assert wizardmap.shown(found, paths["profiles/citizen/renew"].uid) == citizen.uid
    # The cross-link from renew to apply now lies inside the folded branch: it is not drawn.
    assert not [line for line in wizardmap.lines(found, highlighted=set()) if line.kind == wizardmap.CROSS]


def test_a_small_map_opens_with_nothing_folded(wizard):
    assert wizardmap.default_folds(wizardmap.build(releases.freeze(wizard))) == set()


def test_a_large_map_folds_as_deep_as_it_stays_readable(db):
    tasks = [factories.step(f"t{m}") for m in range(6)]
    branches = [factories.step(f"b{n}", "choice", [factories.step("c", "choice", tasks)]) for n in range(30)]
    found = wizardmap.build(releases.freeze(factories.make_wizard("deep", children=branches)))
    folds = wizardmap.default_folds(found)
    assert {found.steps[uid].path for uid in folds} == {f"b{n}/c" for n in range(30)}  # 1 + 30 + 30 steps show


def test_a_large_map_opens_folded_and_search_finds_steps_by_title_or_path(db):
    branches = [
        factories.step(f"b{n}", "choice", [factories.step(f"c{m}", "choice", [factories.step("t")]) for m in range(9)])
        for n in range(9)
    ]
    big = factories.make_wizard("big", children=branches)
    found = wizardmap.build(releases.freeze(big))
    assert len(found.steps) > wizardmap.FOLD_ABOVE
    folds = wizardmap.default_folds(found)
    # 1 + 9 steps down to the branches; 81 more at the next level would make more than FOLD_ABOVE.
    assert {found.steps[uid].path for uid in folds} == {f"b{n}" for n in range(9)}
    wizardmap.lay_out(found, folded=folds)
    assert sum(step.visible for step in found.steps.values()) == 1 + 9
    assert [found.steps[uid].path for uid in wizardmap.search(found, "B3/C4")] == ["b3/c4", "b3/c4/t"]
    assert wizardmap.search(found, "  ") == []


@pytest.mark.parametrize("word", ["Titre contact", "CONTACT"])
def test_search_reads_french_titles_and_paths(wizard, word):
    found = wizardmap.build(releases.freeze(wizard))
    assert [found.steps[uid].path for uid in wizardmap.search(found, word)] == ["contact"]
