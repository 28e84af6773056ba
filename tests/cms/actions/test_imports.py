import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cms import actions
from cms.models import AuditEntry, LiveRelease, Release
from tests import factories
from wizard import exchange, xliff
from wizard.models import LinkTarget, Node, TranslationState


def write(tmp_path, document: dict) -> str:
    path = tmp_path / "wizard.yaml"
    path.write_text(exchange.to_text(document))
    return str(path)


def test_an_import_records_translation_states_and_is_audited(db, editor):
    wizard = actions.import_wizard(factories.document(), user=editor, comment="From a file")
    assert TranslationState.objects.filter(node=wizard, field="title", language="nl").exists()
    entry = AuditEntry.objects.get(action="import")
    assert (entry.wizard, entry.user, entry.comment, entry.details["created"]) == (wizard, editor, "From a file", True)


def test_an_import_refuses_who_may_not_add_steps(db, reviewer):
    with pytest.raises(actions.ActionError, match="may not import wizards"):
        actions.import_wizard(factories.document(), user=reviewer)
    assert not Node.objects.exists()


def test_importwizard_publish_records_who_and_why_and_audits(db, tmp_path):
    path = write(tmp_path, factories.document())
    call_command("importwizard", path, "--publish", "--operator", "alice", "--reason", "Launch of the new site")
    release = Release.objects.get()
    assert LiveRelease.objects.get().release == release
    assert release.note == "Launch of the new site"
    published = AuditEntry.objects.get(action="publish")
    assert (published.release, published.comment) == (release, "Launch of the new site")
    assert published.details["operator"] == "alice"
    assert AuditEntry.objects.get(action="import").details["operator"] == "alice"


def test_importwizard_publish_runs_the_review_checks(db, tmp_path):
    path = write(tmp_path, factories.document(children=[factories.step("empty", "choice")]))
    with pytest.raises(CommandError, match="nothing was imported or published. The checks found 1 error"):
        call_command("importwizard", path, "--publish")
    assert not Node.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_live_wizard_is_not_published_again_by_an_import(live_wizard, tmp_path):
    path = write(tmp_path, exchange.dump(live_wizard))
    with pytest.raises(CommandError, match="is live already"):
        call_command("importwizard", path, "--publish")
    assert Release.objects.count() == 1


def test_who_may_not_change_link_targets_cannot_change_them_by_xliff(wizard, django_user_model):
    user = factories.make_user("steps-only")
    user.user_permissions.add(*factories.permissions("wizard.change_node"))
    target = LinkTarget.objects.get(key="portal")
    data = xliff.export(wizard, "de", everything=True)
    filled = data.replace(
        b'<source xml:lang="fr">Portail</source>',
        b'<source xml:lang="fr">Portail</source><target xml:lang="de" state="translated">Portal</target>',
    )
    result = actions.import_translations(xliff.read(filled), user=user)
    refused = {outcome.unit_id for outcome in result.refused}
    assert "link:portal/name" in refused
    assert all(unit_id.startswith("link:") for unit_id in refused)
    target.refresh_from_db()
    assert not target.name_de
    assert "may not change link targets" in result.refused[0].message


def test_translations_for_another_wizard_are_refused(wizard, editor):
    other = factories.make_wizard("other")
    with pytest.raises(actions.ActionError, match="for the wizard “demo”, not “other”"):
        actions.import_translations(xliff.read(xliff.export(wizard, "de")), user=editor, wizard=other)


def test_imported_translations_are_audited(wizard, editor):
    data = xliff.export(wizard, "de").replace(
        b'<source xml:lang="fr">Titre contact</source>',
        b'<source xml:lang="fr">Titre contact</source><target xml:lang="de" state="translated">Kontakt</target>',
    )
    result = actions.import_translations(xliff.read(data), user=editor)
    assert result.count(xliff.WRITTEN) == 1
    entry = AuditEntry.objects.get(action="translate")
    assert (entry.wizard, entry.user, entry.details["written"], entry.details["language"]) == (wizard, editor, 1, "de")
