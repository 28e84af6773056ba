import pytest
from django.utils import translation
from reversion.models import Version

from cms import actions
from cms.models import AuditEntry
from tests import factories
from wizard import exchange, references
from wizard.models import Node, Placement, Reference, wizard_step_paths


def step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def shown(wizard: Node, path: str, column: str = "body_fr") -> str:
    node = step(wizard, path)
    return actions.display_text(node, getattr(node, column))


@pytest.fixture
def translator(db):
    user = factories.make_user("translator", "Translators")
    return user


def test_a_reference_is_stored_by_uid_and_shown_by_path(wizard):
    apply = step(wizard, "profiles/citizen/apply")
    assert step(wizard, "profiles/citizen/renew").body_fr == f"Voir [demander](node:{apply.uid})."
    assert shown(wizard, "profiles/citizen/renew") == "Voir [demander](node:profiles/citizen/apply)."


def test_renaming_a_step_rewrites_no_one_and_references_follow(wizard, editor):
    renew = step(wizard, "profiles/citizen/renew")
    versions = Version.objects.get_for_object(renew).count()
    actions.rename_step(step(wizard, "profiles/citizen/apply"), slug="submit", user=editor)
    assert shown(wizard, "profiles/citizen/renew") == "Voir [demander](node:profiles/citizen/submit)."
    assert Version.objects.get_for_object(renew).count() == versions  # its text did not change
    assert AuditEntry.objects.filter(action="rename", user=editor, details__slug=["apply", "submit"]).exists()


def test_rename_then_revert_keeps_the_references(wizard, editor):
    apply = step(wizard, "profiles/citizen/apply")
    actions.edit_step(apply, user=editor)  # a version with the slug "apply"
    before = Version.objects.get_for_object(apply).first()
    actions.rename_step(apply, slug="submit", user=editor)
    actions.revert_step(before, user=editor)
    assert step(wizard, "profiles/citizen/apply").pk == apply.pk
    assert shown(wizard, "profiles/citizen/renew") == "Voir [demander](node:profiles/citizen/apply)."
    assert references.broken(wizard) == {}
    assert "(node:profiles/citizen/apply)" in exchange.to_text(exchange.dump(wizard))
    assert AuditEntry.objects.filter(action="revert", user=editor).exists()


def test_delete_reorder_the_siblings_then_recover_puts_it_back_under_its_former_parent(wizard, editor):
    citizen, company = step(wizard, "profiles/citizen"), step(wizard, "profiles/company")
    renew = step(wizard, "profiles/citizen/renew")
    actions.delete_step(renew, user=editor)
    # company now takes citizen's place among the profiles: the path renew's parent had names company.
    actions.move_step(company, user=editor, target=citizen, position="left")
    assert step(wizard, "profiles/company").path == citizen.path
    version = Version.objects.get_deleted(Node).get(object_id=str(renew.pk))
    recovered = actions.recover_step(version, user=editor)
    assert recovered.get_step_path() == "profiles/citizen/renew"
    assert (recovered.pk, recovered.uid) == (renew.pk, renew.uid)
    assert shown(wizard, "profiles/citizen/renew") == "Voir [demander](node:profiles/citizen/apply)."
    assert all(not problems for problems in Node.objects.find_problems())
    assert {"delete", "move", "recover"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_recovering_a_step_whose_parent_is_gone_too_says_so_and_takes_the_root(wizard, editor):
    company = step(wizard, "profiles/company")
    apply = step(wizard, "profiles/company/apply")
    actions.delete_step(company, user=editor)
    version = Version.objects.get_deleted(Node).get(object_id=str(apply.pk))
    assert actions.former_parent(version) is None
    with pytest.raises(actions.ActionError, match="gone too"):
        actions.recover_step(version, user=editor)
    root = actions.wizard_root_for(version)
    assert root == wizard
    assert actions.recover_step(version, user=editor, parent=root).get_step_path() == "apply"


def test_a_referenced_step_cannot_be_deleted_by_the_index(wizard, editor):
    apply = step(wizard, "profiles/citizen/apply")
    assert Reference.objects.filter(target_uid=apply.uid, source=step(wizard, "profiles/citizen/renew")).exists()
    with pytest.raises(actions.ActionError, match="still linked from other steps .*Titre renew"):
        actions.delete_step(apply, user=editor)
    assert Node.objects.filter(pk=apply.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()
    renew = step(wizard, "profiles/citizen/renew")
    renew.body_fr = "Plus de lien."
    actions.edit_step(renew, user=editor)
    actions.delete_step(apply, user=editor)
    assert not Node.objects.filter(pk=apply.pk).exists()
    entry = AuditEntry.objects.get(action="delete")
    assert (entry.user, entry.wizard, entry.details["path"]) == (editor, wizard, "profiles/citizen/apply")


def test_deleting_a_step_with_the_one_that_refers_to_it_is_fine(wizard, editor):
    citizen = step(wizard, "profiles/citizen")
    actions.delete_steps([step(wizard, "profiles/citizen/apply"), step(wizard, "profiles/citizen/renew")], user=editor)
    assert Node.objects.get_children(citizen).count() == 0


def test_a_step_is_created_with_its_references_stored_by_uid(wizard, editor):
    contact = step(wizard, "contact")
    node = Node(slug="new", kind="task", title_fr="Nouveau", body_fr="[Contact](node:contact)")
    created = actions.create_step(node, user=editor, reference=step(wizard, "profiles"), position="last-child")
    assert created.get_step_path() == "profiles/new"
    assert created.body_fr == f"[Contact](node:{contact.uid})"
    assert actions.referrers(contact) == [created]
    assert Placement.objects.filter(node_uid=created.uid, parent_uid=step(wizard, "profiles").uid).exists()
    assert AuditEntry.objects.filter(action="create", wizard=wizard).exists()


@pytest.mark.parametrize(
    ("position", "expected"), [("right", ["citizen", "beneficiaire-effectif", "company"]), ("left", None)]
)
def test_a_step_without_a_slug_gets_one_from_its_french_title(wizard, editor, position, expected):
    citizen = step(wizard, "profiles/citizen")
    node = Node(kind="task", title_fr="Bénéficiaire effectif", title_nl="Uiteindelijke begunstigde")
    created = actions.create_step(node, user=editor, reference=citizen, position=position)
    siblings = [child.slug for child in Node.objects.get_children(step(wizard, "profiles"))]
    assert created.slug == "beneficiaire-effectif"
    assert siblings == (expected or ["beneficiaire-effectif", "citizen", "company"])
    again = actions.create_step(Node(kind="task", title_fr="Bénéficiaire  effectif!"), user=editor, reference=citizen)
    assert again.slug == "beneficiaire-effectif"  # under citizen: no sibling has it there
    third = actions.create_step(Node(kind="task", title_fr="Bénéficiaire effectif"), user=editor, reference=citizen)
    assert third.slug == "beneficiaire-effectif-2"


def test_a_step_beside_a_wizard_is_a_new_wizard(wizard, editor):
    node = Node(kind="start", title_fr="Un autre wizard")
    created = actions.create_step(node, user=editor, reference=wizard, position="right")
    assert list(Node.objects.wizards().values_list("slug", flat=True)) == ["demo", "un-autre-wizard"]
    assert created.is_root()


def test_a_reference_to_no_step_is_refused(wizard, editor):
    contact = step(wizard, "contact")
    contact.body_fr = "[Nulle part](node:nowhere)"
    with pytest.raises(actions.ActionError, match="“nowhere”, which does not exist"):
        actions.edit_step(contact, user=editor)
    assert step(wizard, "contact").body_fr == "Appelez [le centre](link:contact-center)."


def test_a_save_merges_with_one_made_since_its_base(wizard, editor):
    base = actions.step_state(step(wizard, "contact"))
    other = step(wizard, "contact")
    other.note_fr = "Note de A"
    actions.edit_step(other, user=editor, base=base)
    stale = step(wizard, "contact")
    stale.note_fr, stale.body_nl = "", "Tekst van B"  # B's form still holds the note as it was
    actions.edit_step(stale, user=editor, base=base)
    assert (step(wizard, "contact").note_fr, step(wizard, "contact").body_nl) == ("Note de A", "Tekst van B")


def test_a_clash_raises_with_the_three_values_and_writes_nothing(wizard, editor):
    base = actions.step_state(step(wizard, "contact"))
    other = step(wizard, "contact")
    other.title_nl = "Eerst"
    actions.edit_step(other, user=editor, base=base)
    contact = step(wizard, "contact")
    contact.title_nl, contact.note_de = "Tweede", "Notiz"
    with pytest.raises(actions.MergeConflict, match="title_nl") as clash:
        actions.edit_step(contact, user=editor, base=base)
    [found] = clash.value.clashes
    assert (found.base, found.mine, found.theirs) == ("Titel contact", "Tweede", "Eerst")
    assert clash.value.theirs["title_nl"] == "Eerst"
    assert (step(wizard, "contact").title_nl, step(wizard, "contact").note_de) == ("Eerst", "")


def test_two_moves_of_one_step_clash_and_a_move_by_one_side_is_kept(wizard, editor):
    contact = step(wizard, "contact")
    base = actions.step_state(contact)
    profiles = step(wizard, "profiles")
    actions.move_step(contact, user=editor, target=profiles, position="first-child")
    stale = Node.objects.get(pk=contact.pk)
    stale.note_fr = "Note"
    actions.edit_step(stale, user=editor, base=base)  # no move asked: theirs stays
    assert step(wizard, "profiles/contact").note_fr == "Note"
    moved = step(wizard, "profiles/contact")
    with pytest.raises(actions.MergeConflict, match="place"):
        actions.edit_step(moved, user=editor, base=base, place=(wizard, "first-child"))


def test_a_translator_changes_translations_only(wizard, translator):
    contact = step(wizard, "contact")
    contact.title_nl = "Contact"
    actions.edit_step(contact, user=translator)
    contact.title_fr = "Autre"
    with pytest.raises(actions.ActionError, match="title_fr") as refused:
        actions.edit_step(contact, user=translator)
    assert refused.value.code == "forbidden"
    with pytest.raises(actions.ActionError):
        actions.move_step(contact, user=translator, target=step(wizard, "profiles"), position="left")
    with pytest.raises(actions.ActionError, match="may not delete steps"):
        actions.delete_step(contact, user=translator)


def test_a_move_stays_in_its_wizard_and_off_a_sibling_slug(wizard, editor):
    other = factories.make_wizard("other")
    with pytest.raises(actions.ActionError, match="within its own wizard"):
        actions.move_step(step(wizard, "contact"), user=editor, target=other, position="last-child")
    with pytest.raises(actions.ActionError, match="already has the slug"):
        actions.move_step(step(wizard, "profiles/citizen/apply"), user=editor, target=step(wizard, "profiles/company"))
    assert set(wizard_step_paths(wizard)) >= {"contact", "profiles/citizen/apply", "profiles/company/apply"}


@pytest.mark.parametrize(
    ("lang", "start"),
    [("fr", "Rien n’a été supprimé"), ("nl", "Er is niets verwijderd"), ("de", "Nichts wurde gelöscht")],
)
def test_a_refusal_is_told_in_the_language_active_when_it_is_shown(wizard, editor, lang, start):
    with pytest.raises(actions.ActionError) as refused:
        actions.delete_step(step(wizard, "profiles/citizen/apply"), user=editor)
    with translation.override(lang):
        assert str(refused.value).startswith(start)


@pytest.mark.parametrize(
    ("position", "parent"),
    [("first-child", "profiles"), ("last-child", "profiles"), ("left", ""), ("right", "")],
)
def test_the_parent_of_a_place_is_the_reference_or_its_parent(wizard, position, parent):
    steps = wizard_step_paths(wizard)
    found = actions.parent_for(steps["profiles"], position)
    assert found == (steps[parent] if parent else wizard)


def test_no_reference_means_no_parent(db):
    assert actions.parent_for(None, "last-child") is None
