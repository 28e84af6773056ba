"""The tree's read functions. Moves and reference rewrites are editorial actions, tested with them."""

import pytest

from tests import factories
from wizard import tree
from wizard.models import wizard_step_paths


@pytest.mark.parametrize(
    ("position", "parent"),
    [("first-child", "profiles"), ("last-child", "profiles"), ("left", ""), ("right", "")],
)
def test_the_parent_of_a_place_is_the_reference_or_its_parent(wizard, position, parent):
    steps = wizard_step_paths(wizard)
    found = tree.parent_for(steps["profiles"], position)
    assert found == (steps[parent] if parent else wizard)


def test_no_reference_means_no_parent(db):
    assert tree.parent_for(None, "last-child") is None


def test_a_whole_wizard_has_no_broken_reference(wizard):
    assert tree.broken_references(wizard) == {}


def test_broken_references_are_listed_by_step_field_and_language(wizard):
    factories.edit(wizard, "contact", body_nl="Zie [hier](node:profiles/gone) en [daar](link:nope).")
    [(path, problems)] = tree.broken_references(wizard).items()
    assert path == "contact"
    assert len(problems) == 2
    assert all(problem.startswith("body (nl): ") for problem in problems)
