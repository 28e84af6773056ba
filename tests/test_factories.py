"""The light factories write what the importer writes: tests built on either see the same wizard."""

from typing import Any

import pytest
from reversion.models import Version

from tests import factories
from wizard import references
from wizard.models import LinkTarget, Node, Reference, TranslationState


def database_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row a wizard is made of, without what differs by construction (ids, uids, times); `node:` references,
    stored by uid, are read by path."""
    paths = {uid: path for wizard in Node.objects.wizards() for uid, path in references.paths_by_uid(wizard).items()}
    nodes = list(Node.objects.order_by("path").values(*_columns(Node, "id", "uid", "updated_at")))
    for row in nodes:
        row.update({name: references.to_paths(value, paths) for name, value in row.items() if isinstance(value, str)})
    index = Reference.objects.values_list(
        "source__path", "field", "language", "target_uid", "target_key", "target_path"
    )
    return {
        "nodes": nodes,
        "references": sorted((*row[:3], paths.get(str(row[3]), ""), *row[4:]) for row in index),
        "links": list(LinkTarget.objects.order_by("key").values(*_columns(LinkTarget, "id", "updated_at"))),
        "states": list(
            TranslationState.objects.order_by("node__path", "link_target__key", "field", "language").values(
                "node__path", "link_target__key", *_columns(TranslationState, "id", "node", "link_target", "updated_at")
            )
        ),
    }


def _columns(model: type, *left_out: str) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.name not in left_out]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"children": [factories.step("only", "info", body="Sans lien.")]},
        {"children": [factories.step("a", "choice", [factories.step("b", body="[P](link:portal)")])], "note": "N"},
    ],
    ids=["demo", "no-link-used", "nested"],
)
def test_make_wizard_writes_the_rows_the_importer_writes(db, kwargs):
    factories.make_wizard(**kwargs)
    light = database_rows()
    Node.objects.all().delete()
    LinkTarget.objects.all().delete()
    factories.import_wizard(**kwargs)
    assert database_rows() == light
    assert light["states"]  # the comparison is not between two empty tables
    assert light["references"] or "link:" not in str(kwargs)


def test_make_wizard_leaves_a_sound_tree(db):
    factories.make_wizard()
    factories.make_wizard("other")
    assert all(not problems for problems in Node.objects.find_problems())
    assert [wizard.slug for wizard in Node.objects.wizards()] == ["demo", "other"]


def test_make_wizard_leaves_no_history_and_record_history_adds_the_import_version(db):
    wizard = factories.make_wizard()
    assert not Version.objects.exists()
    factories.record_history(wizard)
    assert Version.objects.get_for_object(wizard).count() == 1
    assert Version.objects.get_for_model(LinkTarget).count() == 2
    assert Version.objects.get_for_model(Node).count() == Node.objects.count()
