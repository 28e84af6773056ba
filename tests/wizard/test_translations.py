import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from cms import actions, releases
from tests import factories
from wizard import exchange, translations
from wizard.models import LinkTarget, Node, TranslationState, wizard_step_paths
from wizard.translations import MISSING, OUTDATED, UP_TO_DATE


def statuses(wizard: Node) -> dict[tuple[str, str, str], str]:
    return {(item.path, item.field, item.language): item.status for item in translations.report(wizard).items}


def edit(node: Node, **columns: str) -> Node:
    """Change columns the way a save does, without recording anything."""
    for column, value in columns.items():
        setattr(node, column, value)
    node.save()
    return node


def test_an_imported_translation_is_up_to_date_and_an_absent_one_missing(wizard):
    found = statuses(wizard)
    assert found["profiles", "title", "nl"] == UP_TO_DATE
    assert found["profiles", "title", "de"] == MISSING
    assert found["profiles", "label", "nl"] == MISSING
    assert ("contact", "label", "nl") not in found  # no French label: nothing to translate
    assert found["contact-center", "name", "nl"] == UP_TO_DATE  # link targets the wizard uses count too
    assert found["portal", "url", "en"] == MISSING


def test_a_french_change_makes_its_translations_outdated_and_changing_it_back_undoes_that(wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    edit(step, title_fr="Je suis un citoyen")
    assert statuses(wizard)["profiles/citizen", "title", "nl"] == OUTDATED
    assert statuses(wizard)["profiles/citizen", "title", "de"] == MISSING
    edit(step, title_fr="Titre citizen")
    assert statuses(wizard)["profiles/citizen", "title", "nl"] == UP_TO_DATE


def test_line_ends_and_outer_spaces_are_not_a_change(wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    edit(step, title_fr="  Titre citizen\r\n")
    assert statuses(wizard)["profiles/citizen", "title", "nl"] == UP_TO_DATE


def test_a_translation_saved_with_its_source_is_up_to_date(wizard, admin_user):
    step = edit(wizard_step_paths(wizard)["contact"], body_fr="Nouveau texte.", body_nl="Nieuwe tekst.")
    translations.record_form(step, ["body_fr", "body_nl"], user=admin_user)
    assert statuses(wizard)["contact", "body", "nl"] == UP_TO_DATE
    state = TranslationState.objects.get(node=step, field="body", language="nl")
    assert state.updated_by == admin_user


def test_a_form_that_only_changed_the_french_leaves_the_translation_outdated(wizard, admin_user):
    step = edit(wizard_step_paths(wizard)["profiles"], title_fr="Profils")
    translations.record_form(step, ["title_fr"], user=admin_user)
    assert statuses(wizard)["profiles", "title", "nl"] == OUTDATED


def test_emptying_a_translation_makes_it_missing_and_forgets_its_state(wizard, admin_user):
    step = edit(wizard_step_paths(wizard)["profiles"], title_nl="")
    translations.record_form(step, ["title_nl"], user=admin_user)
    assert statuses(wizard)["profiles", "title", "nl"] == MISSING
    assert not TranslationState.objects.filter(node=step, field="title", language="nl").exists()


def test_confirming_keeps_a_translation_after_a_typo_fix(wizard, admin_user):
    step = edit(wizard_step_paths(wizard)["profiles"], title_fr="Titre profils.")
    assert statuses(wizard)["profiles", "title", "nl"] == OUTDATED
    before = TranslationState.objects.get(node=step, field="title", language="nl")
    translations.confirm(step, "title", "nl", user=admin_user)
    assert statuses(wizard)["profiles", "title", "nl"] == UP_TO_DATE
    after = TranslationState.objects.get(node=step, field="title", language="nl")
    assert after.pk == before.pk
    assert after.updated_by == admin_user
    assert after.updated_at > before.updated_at


def test_confirm_all_confirms_only_the_outdated_translations(wizard, admin_user):
    step = edit(wizard_step_paths(wizard)["profiles"], title_fr="Profils", label_fr="Allons-y")
    assert translations.confirm_all([step], user=admin_user) == 1  # the title; the label has no translation
    assert statuses(wizard)["profiles", "title", "nl"] == UP_TO_DATE
    assert statuses(wizard)["profiles", "label", "nl"] == MISSING


def test_moving_a_step_rewrites_references_without_outdating_translations(db):
    body = {"fr": "Voir [ici](node:a/b).", "nl": "Zie [hier](node:a/b)."}
    document = factories.document(
        children=[factories.step("a", "choice", [factories.step("b")]), factories.step("c", body=body)]
    )
    wizard = exchange.load(document)
    step = wizard_step_paths(wizard)["c"]
    edit(step, body_fr="Voir [ici](node:b).", body_nl="Zie [hier](node:b).")
    assert statuses(wizard)["c", "body", "nl"] == UP_TO_DATE


def test_the_report_takes_three_queries_whatever_the_size(db):
    small = factories.make_wizard("small")
    big = factories.make_wizard(
        "big", children=[factories.step(f"s{i}", "info", body=f"Texte {i} [x](link:portal)") for i in range(40)]
    )
    for wizard in (small, big):
        with CaptureQueriesContext(connection) as queries:
            translations.report(wizard).summaries()
        assert len(queries) == 3


def test_summaries_count_each_language(wizard):
    summary = {s.language: s for s in translations.report(wizard).summaries()}
    nl = summary["nl"]
    assert nl.total == nl.up_to_date + nl.missing + nl.outdated
    assert nl.up_to_date > 0
    assert nl.missing > 0
    assert nl.outdated == 0
    assert summary["de"].up_to_date == 0
    assert summary["de"].percent == 0
    assert 0 < nl.percent < 100


def test_reimporting_the_same_file_changes_no_status(wizard):
    edit(wizard_step_paths(wizard)["profiles"], title_fr="Profils")
    exchange.load(exchange.dump(wizard))
    assert statuses(wizard)["profiles", "title", "nl"] == OUTDATED


def test_an_imported_file_with_new_french_outdates_the_translations_it_keeps(wizard):
    document = exchange.dump(wizard)
    document["wizard"]["children"][0]["title"]["fr"] = "Profils"
    exchange.load(document)
    assert statuses(wizard)["profiles", "title", "nl"] == OUTDATED


def test_an_imported_file_with_new_french_and_new_translation_is_up_to_date(wizard):
    document = exchange.dump(wizard)
    document["wizard"]["children"][0]["title"] = {"fr": "Profils", "nl": "Profielen", "de": "Profile"}
    translations.record_changed(exchange.load(document))  # what an import does after loading the file
    found = statuses(wizard)
    assert found["profiles", "title", "nl"] == UP_TO_DATE
    assert found["profiles", "title", "de"] == UP_TO_DATE


def test_nodes_needing_a_language(wizard):
    paths = wizard_step_paths(wizard)
    everything = {node.pk for node in Node.objects.get_tree(wizard)}
    assert translations.nodes_needing("de") == everything  # no German at all
    needing_nl = translations.nodes_needing("nl")
    assert paths["profiles"].pk in needing_nl  # its label has no Dutch
    assert paths["profiles/company/apply"].pk in needing_nl  # its body has no Dutch
    edit(paths["profiles/citizen"], label_nl="Burger", body_nl="")
    translations.record_form(paths["profiles/citizen"], ["label_nl"], user=None)
    assert paths["profiles/citizen"].pk not in translations.nodes_needing("nl")


def test_outdated_by_names_translations_whose_french_changed_alone(wizard):
    old = releases.freeze(wizard)
    paths = wizard_step_paths(wizard)
    edit(paths["profiles/citizen"], title_fr="Citoyen", label_fr="Je suis citoyen")  # the label had no Dutch
    edit(paths["profiles/company"], title_fr="Entreprise", title_nl="Onderneming")  # both changed
    edit(paths["contact"], title_nl="Contact opnemen")  # only the translation changed
    LinkTarget.objects.filter(key="contact-center").update(name_fr="Le centre de contact")
    new = releases.freeze(wizard)
    assert translations.outdated_by(old, new) == [("profiles/citizen", "title", "nl")]
    assert ("link:contact-center", "name", "nl") in translations.outdated_by(old, new, include_links=True)


def test_outdated_by_ignores_new_steps_and_follows_a_moved_one_by_uid(wizard):
    old = releases.freeze(wizard)
    new = releases.freeze(wizard)
    moved = new["wizard"]["children"][0]["children"].pop(0)  # profiles/citizen, moved to the root
    moved["title"]["fr"] = "Citoyen"
    new["wizard"]["children"].append(moved)
    new["wizard"]["children"].append(factories.step("fresh", title={"fr": "Neuf", "nl": "Nieuw"}))
    assert translations.outdated_by(old, new) == [("citizen", "title", "nl")]


def test_missing_for_publish_lists_each_step_and_language(wizard):
    problems = translations.missing_for_publish(releases.freeze(wizard))
    assert "step “profiles” has no Nederlands (nl) label." in problems
    assert any(re.match(r"the wizard root has no Deutsch \(de\) title", problem) for problem in problems)
    assert "link target “portal” has no English (en) name, url." in problems


def test_missing_for_publish_is_empty_for_a_complete_wizard(db):
    full = dict.fromkeys(("fr", "nl", "de", "en"), "Texte")
    wizard = exchange.load(
        factories.document("full", children=[factories.step("only", "info", title=full, body=full)], title=full)
    )
    assert translations.missing_for_publish(releases.freeze(wizard)) == []


def test_publishing_with_missing_translations_is_allowed_by_default(wizard):
    assert releases.create(wizard, user=None).number == 1


def test_publishing_with_missing_translations_can_be_refused(wizard, settings):
    settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS = False
    with pytest.raises(translations.MissingTranslations, match="cannot be published with missing translations"):
        releases.create(wizard, user=None)
    assert not wizard.releases.exists()
    assert issubclass(translations.MissingTranslations, ValueError)


def test_the_migration_gives_existing_translations_a_baseline(wizard):
    TranslationState.objects.all().delete()
    edit(wizard_step_paths(wizard)["profiles"], title_fr="Profils")
    migration = importlib.import_module("wizard.migrations.0003_translation_state")
    migration.baseline(apps, None)
    assert TranslationState.objects.filter(node__isnull=False).exists()
    assert statuses(wizard)["profiles", "title", "nl"] == UP_TO_DATE  # nothing says it drifted before
    assert statuses(wizard)["profiles", "title", "de"] == MISSING


@pytest.mark.usefixtures("history")
def test_reverting_a_step_brings_its_translations_back_up_to_date(wizard, admin_user):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    imported = Version.objects.get_for_object(step).first()
    edit(step, title_fr="Citoyen", title_nl="Burger")
    translations.record_form(step, ["title_fr", "title_nl"], user=admin_user)
    edit(step, title_fr="Citoyen ou citoyenne")
    assert statuses(wizard)["profiles/citizen", "title", "nl"] == OUTDATED
    actions.revert_step(imported, user=admin_user)
    assert statuses(wizard)["profiles/citizen", "title", "nl"] == UP_TO_DATE


def test_a_url_that_the_destination_site_lacks_is_not_missing(wizard):
    portal = LinkTarget.objects.get(key="portal")
    portal.url_nl, portal.no_page = "https://portal.example.org/?lang=nl", {"en": "fr"}
    portal.save()
    found = statuses(wizard)
    assert ("portal", "url", "en") not in found  # deliberately absent: nothing to translate
    assert found["portal", "url", "de"] == MISSING  # not said: still to translate
    assert ("url", "en") not in {(item.field, item.language) for item in translations.items_of(portal)}


# Completeness: the dashboard's and the overview's counts from plain rows -----------------------------------------


def assert_completeness_is_the_report(wizard: Node) -> None:
    report = translations.report(wizard)
    done = translations.completeness(wizard)
    assert done.summaries == report.summaries()
    for lang in translations.target_languages():
        assert translations.items(done.needs[lang], lang) == report.needing(lang)


def test_completeness_counts_and_lists_what_the_report_does(wizard):
    assert_completeness_is_the_report(wizard)
    steps = wizard_step_paths(wizard)
    edit(steps["profiles/citizen"], title_fr="Je suis citoyen")  # outdated in Dutch
    edit(steps["contact"], body_fr="Appelez [le centre](link:contact-center) ou [le portail](link:portal).")
    edit(steps["profiles"], title_nl="  ")  # blank: missing
    portal = LinkTarget.objects.get(key="portal")
    portal.name_fr, portal.no_page = "Le portail", {"en": "fr"}  # its English URL is not missing: no page
    portal.save()
    wizard = factories.grow(wizard, 12)
    report = translations.report(wizard)
    assert {item.status for item in report.items} == {UP_TO_DATE, MISSING, OUTDATED}
    assert_completeness_is_the_report(wizard)


def test_the_overview_counts_each_wizard_as_its_dashboard_does(wizard):
    other = factories.make_wizard("other", children=[factories.step("a", "info", body="[x](link:portal)")])
    edit(wizard_step_paths(other)["a"], body_fr="[y](link:portal)")
    done = translations.overview()
    assert [each.wizard for each in done] == [wizard, other]
    assert [each.summaries for each in done] == [translations.report(w).summaries() for w in (wizard, other)]


def test_completeness_takes_three_queries_and_the_overview_four_whatever_the_size(db):
    small = factories.make_wizard("small")
    with CaptureQueriesContext(connection) as queries:
        translations.overview()
    assert len(queries) == 4
    big = factories.make_wizard(
        "big", children=[factories.step(f"s{i}", "info", body=f"Texte {i} [x](link:portal)") for i in range(40)]
    )
    for wizard in (small, big):
        with CaptureQueriesContext(connection) as queries:
            translations.completeness(wizard)
        assert len(queries) == 3
    with CaptureQueriesContext(connection) as queries:
        translations.overview()
    assert len(queries) == 4


def test_items_read_only_the_listed_steps(wizard):
    wizard = factories.grow(wizard, 40)
    needs = translations.completeness(wizard).needs["de"]
    with CaptureQueriesContext(connection) as queries:
        listed = translations.items(needs[:5], "de")
    assert [(item.path, item.field) for item in listed] == [(need.path, need.field) for need in needs[:5]]
    assert len(queries) == 1  # those five steps, by primary key
    links = [need for need in needs if need.kind == "link"]
    with CaptureQueriesContext(connection) as queries:
        assert [item.subject.key for item in translations.items(links, "de")] == [need.path for need in links]
    assert len(queries) == 1
