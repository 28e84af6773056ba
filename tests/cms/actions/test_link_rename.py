"""Renaming a link target's key (cms.actions.links.rename_link_target): every use rewritten, in every language, in
one revision, audited, translations as current as before; or refused with nothing changed."""

import pytest
from reversion.models import Version

from cms import actions
from cms.actions.links import rewrite_key
from cms.models import AuditEntry
from tests import factories
from wizard import translations
from wizard.models import LinkTarget, Node, Reference, wizard_step_paths


@pytest.fixture
def used_everywhere(wizard, editor):
    """`contact-center` used in French and Dutch, in a body and a note, besides the factory's uses."""
    factories.edit(
        wizard,
        "contact",
        editor,
        body_fr="Appelez [le centre](link:contact-center).",
        body_nl="Bel [het centrum](link:contact-center).",
        note_de="Siehe <link:contact-center> und [x][cc].\n\n[cc]: link:contact-center",
    )
    return wizard


def texts(wizard: Node, path: str) -> dict[str, str]:
    node = wizard_step_paths(wizard)[path]
    return {name: getattr(node, name) for name in ("body_fr", "body_nl", "note_de")}


def test_every_use_is_rewritten_in_every_language_in_one_audited_revision(used_everywhere, editor):
    wizard = used_everywhere
    target = LinkTarget.objects.get(key="contact-center")
    actions.rename_link_target(target, key="contact", user=editor, comment="Shorter")
    target.refresh_from_db()
    assert target.key == "contact"
    assert texts(wizard, "contact") == {
        "body_fr": "Appelez [le centre](link:contact).",
        "body_nl": "Bel [het centrum](link:contact).",
        "note_de": "Siehe <link:contact> und [x][cc].\n\n[cc]: link:contact",
    }
    assert wizard_step_paths(wizard)["profiles/citizen/apply"].body_fr == "Contactez [le centre](link:contact)."
    assert not Reference.objects.filter(target_key="contact-center").exists()
    assert {node.slug for node, _columns in target.get_usages()} == {"apply", "contact"}
    revision = Version.objects.get_for_object(target).first().revision
    in_revision = {version.object_repr for version in revision.version_set.all()}
    assert in_revision == {str(target), "Titre contact", "Titre apply"}
    assert revision.user == editor
    renamed = AuditEntry.objects.get(action="link_edit")
    assert renamed.details["renamed"]["from"] == "contact-center"
    assert renamed.details["renamed"]["to"] == "contact"
    assert renamed.comment == "Shorter"
    assert AuditEntry.objects.filter(action="edit", wizard=wizard).count() == 2


def test_a_rename_leaves_up_to_date_translations_up_to_date(used_everywhere, editor):
    contact = wizard_step_paths(used_everywhere)["contact"]
    before = {(item.field, item.language): item.status for item in translations.items_of(contact)}
    actions.rename_link_target(LinkTarget.objects.get(key="contact-center"), key="contact", user=editor)
    contact.refresh_from_db()
    after = {(item.field, item.language): item.status for item in translations.items_of(contact)}
    assert after == before


@pytest.mark.parametrize(
    ("key", "message"),
    [("portal", "already taken"), ("Not A Key", "lowercase letters")],
)
def test_a_taken_or_malformed_key_is_refused_and_nothing_changes(used_everywhere, editor, key, message):
    target = LinkTarget.objects.get(key="contact-center")
    with pytest.raises(actions.ActionError, match=message):
        actions.rename_link_target(target, key=key, user=editor)
    assert texts(used_everywhere, "contact")["body_fr"] == "Appelez [le centre](link:contact-center)."
    assert LinkTarget.objects.filter(key="contact-center").exists()
    assert not AuditEntry.objects.filter(action="link_edit").exists()


def test_translators_may_not_rename(used_everywhere, db):
    translator = factories.make_user("translator", "Translators")
    with pytest.raises(actions.ActionError) as refused:
        actions.rename_link_target(LinkTarget.objects.get(key="portal"), key="portail", user=translator)
    assert refused.value.code == "forbidden"
    assert LinkTarget.objects.filter(key="portal").exists()


def test_only_references_are_rewritten():
    text = 'link:portal in prose, [a](link:portal), [b](link:portal-2), [c](link:portal "t"), <link:portal>'
    assert rewrite_key(text, "portal", "site") == (
        'link:portal in prose, [a](link:site), [b](link:portal-2), [c](link:site "t"), <link:site>'
    )
