import importlib

from django.apps import apps

from wizard import exchange, references
from wizard.models import Node, Reference, wizard_step_paths


def test_paths_and_uids_convert_both_ways_and_leave_the_unknown_alone(wizard):
    paths = references.paths_by_uid(wizard)
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    typed = "Voir [demander](node:profiles/citizen/apply), [ailleurs](node:nowhere) et `(node:profiles)`."
    stored = references.to_uids(typed, paths)
    assert f"(node:{apply.uid})" in stored
    assert "(node:nowhere)" in stored
    assert (
        references.to_paths(stored, paths).replace(
            f"(node:{wizard_step_paths(wizard)['profiles'].uid})", "(node:profiles)"
        )
        == typed
    )


def test_the_index_says_which_field_and_language_refers_to_what(wizard):
    renew = wizard_step_paths(wizard)["profiles/citizen/renew"]
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    assert list(Reference.objects.filter(source=renew).values_list("field", "language", "target_uid")) == [
        ("body", "fr", apply.uid)
    ]
    assert Reference.objects.filter(source=apply, target_key="contact-center").exists()


def test_broken_references_come_from_the_index(wizard):
    assert references.broken(wizard) == {}
    contact = wizard_step_paths(wizard)["contact"]
    Node.objects.filter(pk=contact.pk).update(note_nl="[Weg](node:gone/away) [Kapot](link:nope)")
    references.reindex([Node.objects.get(pk=contact.pk)])
    found = references.broken(wizard)
    assert sorted(found["contact"]) == [
        "note (nl): the link target “nope” does not exist",
        "note (nl): the step “gone/away” does not exist in this wizard",
    ]
    assert set(found) == {"contact"}


def test_the_migration_stores_paths_by_uid_and_builds_the_index(wizard):
    renew = wizard_step_paths(wizard)["profiles/citizen/renew"]
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    exported = exchange.to_text(exchange.dump(wizard))
    migration = importlib.import_module("wizard.migrations.0006_references_by_identity")
    migration.store_by_path(apps, None)  # as the database was before
    assert Node.objects.get(pk=renew.pk).body_fr == "Voir [demander](node:profiles/citizen/apply)."
    Reference.objects.all().delete()
    migration.store_by_identity(apps, None)
    assert Node.objects.get(pk=renew.pk).body_fr == f"Voir [demander](node:{apply.uid})."
    assert Reference.objects.filter(source=renew, target_uid=apply.uid).exists()
    assert exchange.to_text(exchange.dump(wizard)) == exported


def test_the_paths_of_a_text_cost_two_queries_whatever_the_wizard(wizard, django_assert_max_num_queries):
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    text = f"Voir [ici](node:{apply.uid}) et [là](node:{wizard_step_paths(wizard)['contact'].uid})."
    with django_assert_max_num_queries(2):
        found = references.paths_of(text)
    assert sorted(found.values()) == ["contact", "profiles/citizen/apply"]
    assert references.to_paths(text, found) == "Voir [ici](node:profiles/citizen/apply) et [là](node:contact)."
