import pytest

from cms import actions
from cms.models import AuditEntry
from wizard.models import LinkTarget, Node, wizard_step_paths


def test_a_link_target_is_created_edited_and_deleted_with_audit_entries(wizard, editor):
    target = actions.create_link_target(
        LinkTarget(key="forms", name_fr="Formulaires", url_fr="https://example.org/forms"), user=editor
    )
    base = actions.link_target_state(target)
    target.url_nl = "https://example.org/nl/forms"
    actions.edit_link_target(target, user=editor, base=base)
    actions.delete_link_target(target, user=editor)
    assert not LinkTarget.objects.filter(key="forms").exists()
    entries = AuditEntry.objects.filter(wizard=None).order_by("pk")
    assert [(entry.action, entry.user) for entry in entries] == [
        ("link_create", editor),
        ("link_edit", editor),
        ("link_delete", editor),
    ]
    assert entries[1].details["fields"] == ["url_nl"]


def test_a_used_link_target_cannot_be_deleted_and_none_of_a_batch_goes(wizard, editor):
    unused = LinkTarget.objects.create(key="unused", name_fr="Inutilisé", url_fr="https://example.org/")
    with pytest.raises(actions.ActionError, match="still used by steps: portal"):
        actions.delete_link_targets(LinkTarget.objects.filter(key__in=["portal", "unused"]), user=editor)
    assert LinkTarget.objects.filter(pk=unused.pk).exists()


def test_where_a_link_target_is_used_comes_from_the_index(wizard, editor):
    target = LinkTarget.objects.get(key="contact-center")
    assert {node.slug: columns for node, columns in target.get_usages()} == {"apply": "body_fr", "contact": "body_fr"}
    contact = wizard_step_paths(wizard)["contact"]
    contact.note_nl = "[Bel](link:contact-center)"
    actions.edit_step(contact, user=editor)
    assert {node.slug: columns for node, columns in target.get_usages()}["contact"] == "body_fr, note_nl"


def test_editing_a_used_key_renames_it_and_rewrites_its_uses(wizard, editor):
    target = LinkTarget.objects.get(key="portal")
    target.key = "portal-2"
    actions.edit_link_target(target, user=editor)
    assert not LinkTarget.objects.filter(key="portal").exists()
    users = Node.objects.filter(references__target_key="portal-2").distinct()
    assert users
    assert all("link:portal)" not in (step.body_fr or "") for step in users)
    assert not Node.objects.filter(references__target_key="portal").exists()
