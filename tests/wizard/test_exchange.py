import copy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from cms.models import LiveRelease, Release
from tests import factories
from wizard import exchange
from wizard.models import LinkTarget, Node, wizard_step_paths

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "egov-roles.yaml"


@pytest.fixture
def wizard(db) -> Node:
    """The demo wizard, made by the importer that these tests are about (elsewhere it is written directly)."""
    return factories.import_wizard()


def export_text(slug: str = "demo") -> str:
    return exchange.to_text(exchange.dump(Node.objects.wizards().get(slug=slug)))


def tree_is_sound() -> bool:
    return all(not problems for problems in Node.objects.find_problems())


def database_state() -> tuple:
    return (
        list(Node.objects.values_list("path", "slug", "title_fr", "body_fr")),
        list(LinkTarget.objects.values_list("key", "url_fr")),
    )


def test_export_import_export_gives_the_same_bytes(db, tmp_path):
    exchange.load(factories.document())  # the format alone: no audit entry keeps the wizard from going
    call_command("exportwizard", "demo", "-o", tmp_path / "first.yaml")
    Node.objects.all().delete()
    LinkTarget.objects.all().delete()
    call_command("importwizard", tmp_path / "first.yaml")
    call_command("exportwizard", "demo", "-o", tmp_path / "second.yaml")
    assert (tmp_path / "second.yaml").read_bytes() == (tmp_path / "first.yaml").read_bytes()
    assert tree_is_sound()


def test_the_seed_fixture_is_in_canonical_form(db):
    exchange.load(exchange.read(SEED.read_bytes()))
    assert export_text("egov-roles") == SEED.read_text()


def test_references_stay_references_in_the_file(wizard):
    text = export_text()
    assert "(link:contact-center)" in text
    assert "(node:profiles/citizen/apply)" in text
    assert "https://www.example.org/fr/contact" in text  # once, in the link target
    assert text.count("https://www.example.org/fr/contact") == 1


def test_multiline_markdown_is_written_as_a_literal_block(db):
    factories.import_wizard(body="Ligne un.\n\n- point\n- autre")
    assert "  body:\n    fr: |-\n      Ligne un.\n\n      - point\n" in export_text()


def test_text_that_looks_like_yaml_values_stays_text(db):
    factories.import_wizard(note={"fr": "no", "nl": "2024", "de": "null", "en": "yes: really"})
    document = exchange.read(export_text().encode())
    assert document["wizard"]["note"] == {"fr": "no", "nl": "2024", "de": "null", "en": "yes: really"}


def test_importing_an_existing_wizard_replaces_its_draft_and_keeps_step_identity(wizard):
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    document = exchange.dump(wizard)
    profiles = document["wizard"]["children"][0]
    citizen, company = profiles["children"]
    # Move "renew" from citizen to company, drop the contact page, retitle a step.
    company["children"].append(citizen["children"].pop(1))
    document["wizard"]["children"].pop(1)
    citizen["children"][0]["title"]["fr"] = "Nouveau titre"
    exchange.load(exchange.read(exchange.to_text(document).encode()))

    paths = wizard_step_paths(Node.objects.wizards().get())
    assert list(paths) == [
        "profiles",
        "profiles/citizen",
        "profiles/citizen/apply",
        "profiles/company",
        "profiles/company/apply",
        "profiles/company/renew",
    ]
    assert paths["profiles/citizen/apply"].pk == apply.pk
    assert paths["profiles/citizen/apply"].title_fr == "Nouveau titre"
    assert Node.objects.count() == 7
    assert tree_is_sound()


def test_a_hand_written_file_without_uids_updates_the_steps_it_names(wizard):
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    exchange.load(factories.document())  # the same tree, no uids
    assert wizard_step_paths(Node.objects.wizards().get())["profiles/citizen/apply"].pk == apply.pk


def test_import_records_a_version_of_every_step_and_link_target(db):
    wizard = factories.import_wizard()
    assert Version.objects.get_for_object(wizard).count() == 1
    assert Version.objects.get_for_model(LinkTarget).count() == 2
    version = Version.objects.get_for_object(wizard_step_paths(wizard)["contact"]).get()
    assert "title_nl" in version.field_dict  # translated columns are versioned


def test_import_with_publish_creates_the_first_release_and_makes_it_live(db):
    call_command("importwizard", SEED, "--publish")
    release = Release.objects.get()
    assert release.number == 1
    assert LiveRelease.objects.get().release == release
    assert release.snapshot["wizard"]["slug"] == "egov-roles"


# Bad input: one clear message naming what and where, exit status non-zero, database unchanged.


def bad_import(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "wizard.yaml"
    path.write_bytes(data)
    before = database_state()
    with pytest.raises(CommandError) as error:
        call_command("importwizard", path)
    assert error.value.returncode != 0
    assert database_state() == before
    assert "nothing was imported" in str(error.value)
    return str(error.value)


def valid_text() -> str:
    return exchange.to_text(factories.document())


def test_an_empty_file_is_refused(wizard, tmp_path):
    assert "The file is empty" in bad_import(tmp_path, b"  \n")


def test_a_binary_file_is_refused(wizard, tmp_path):
    assert "binary file" in bad_import(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_file_in_another_encoding_is_refused(wizard, tmp_path):
    assert "not UTF-8" in bad_import(tmp_path, valid_text().replace("Titre", "Été").encode("latin-1"))


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.999])
def test_a_truncated_file_never_imports_as_a_smaller_wizard(db, tmp_path, keep):
    data = exchange.to_text(factories.document(slug="other")).encode()
    message = bad_import(tmp_path, data[: int(len(data) * keep)])
    assert "cut short" in message


def test_invalid_yaml_names_the_line(wizard, tmp_path):
    message = bad_import(tmp_path, valid_text().replace("kind: choice", "kind: [choice").encode())
    assert "not valid YAML (line" in message


def test_an_unknown_link_reference_names_the_step_field_and_language(wizard, tmp_path):
    document = factories.document()
    document["wizard"]["children"][1]["body"] = {"nl": "Bel [het centrum](link:call-centre)."}
    message = bad_import(tmp_path, exchange.to_text(document).encode())
    assert "step “contact”, body (nl)" in message
    assert "“call-centre”" in message


def test_an_unknown_step_reference_is_refused(wizard, tmp_path):
    document = factories.document()
    document["wizard"]["body"] = {"fr": "[x](node:profiles/ghost)"}
    assert "the wizard root, body (fr)" in bad_import(tmp_path, exchange.to_text(document).encode())


def test_a_duplicate_slug_among_siblings_is_refused(wizard, tmp_path):
    document = factories.document()
    document["wizard"]["children"].append(copy.deepcopy(document["wizard"]["children"][1]))
    message = bad_import(tmp_path, exchange.to_text(document).encode())
    assert "step “contact”: the slug “contact” is used by another step at the same place" in message


def test_a_repeated_key_is_refused(wizard, tmp_path):
    text = valid_text().replace("  kind: start\n", "  kind: start\n  kind: info\n")
    assert "the key “kind” appears twice" in bad_import(tmp_path, text.encode())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["wizard"]["children"][1].update(kind="page"), "Value 'page' is not a valid choice"),
        (lambda d: d["wizard"]["children"][1]["title"].update(it="Contatto"), "unknown language “it”"),
        (lambda d: d["wizard"]["children"][1].update(colour="red"), "unknown key “colour”"),
        (lambda d: d["wizard"]["children"][1].update(slug="Contact Page"), "Use lowercase letters"),
        (lambda d: d["wizard"]["children"][1].update(title={"nl": "Contact"}), "title_fr"),
        (lambda d: d["links"][0]["url"].update(de="javascript:alert(1)"), "link target “contact-center”, url_de"),
        (lambda d: d["links"].append(copy.deepcopy(d["links"][0])), "is listed twice"),
        (lambda d: d["wizard"]["children"][1].update(kind="start"), "always the root, is of kind “start”"),
        (lambda d: d.update(format="wizard-exchange/9"), "Unknown format"),
        (lambda d: d.update(end="another"), "does not match the wizard's slug"),
        (lambda d: d["wizard"]["children"][1].update(uid=["a", "b"]), "“uid” should be text"),
        (lambda d: d["links"][0].update(key=["contact"]), "“key” should be text"),
        (lambda d: d["wizard"]["children"][1].update(slug={"fr": "contact"}), "“slug” should be text"),
    ],
)
def test_each_invalid_document_gets_a_message_saying_where(wizard, tmp_path, change, expected):
    document = factories.document()
    change(document)
    assert expected in bad_import(tmp_path, exchange.to_text(document).encode())


def test_a_uid_of_another_wizard_is_refused(wizard, tmp_path):
    document = exchange.dump(wizard)
    document["wizard"]["slug"] = document["end"] = "copy"
    document["wizard"]["uid"] = "0b6f3c55-0c1e-4a55-9a3c-6d1e2b4d7a10"
    assert "belongs to" in bad_import(tmp_path, exchange.to_text(document).encode())


def test_the_command_reports_a_missing_file_as_bad_usage(db, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("importwizard", tmp_path / "missing.yaml")
    assert error.value.returncode == 2


def test_exporting_an_unknown_wizard_is_bad_usage(wizard):
    with pytest.raises(CommandError, match="No wizard “nope” \\(wizards: demo\\)") as error:
        call_command("exportwizard", "nope")
    assert error.value.returncode == 2


def test_a_uid_written_in_capitals_is_the_same_step(wizard):
    contact = wizard_step_paths(wizard)["contact"]
    document = exchange.dump(wizard)
    document["wizard"]["children"][1]["uid"] = str(contact.uid).upper()
    exchange.load(exchange.read(exchange.to_text(document).encode()))
    assert wizard_step_paths(wizard)["contact"].pk == contact.pk


def test_a_file_without_link_targets_imports(db, tmp_path):
    document = factories.document(children=[factories.step("only", "info", body="Rien à suivre.")])
    del document["links"]
    path = tmp_path / "plain.yaml"
    path.write_text(exchange.to_text(document))
    call_command("importwizard", path)
    assert Node.objects.wizards().get().slug == "demo"


def test_publishing_an_import_refused_by_the_translation_rule_is_a_clear_error(db, tmp_path, settings):
    settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS = False
    path = tmp_path / "untranslated.yaml"
    path.write_text(exchange.to_text(factories.document()))  # the factory's bodies are in French only
    # The review checks run first, and say what the translation rule would refuse.
    with pytest.raises(CommandError, match="nothing was imported or published. .*Missing translation: the wizard root"):
        call_command("importwizard", path, "--publish")
    assert not Node.objects.exists()


def test_a_page_missing_in_a_language_survives_export_import_export(db, tmp_path):
    document = factories.document()
    document["links"][1] = {
        "key": "portal",
        "name": {"fr": "Portail"},
        "url": {"fr": "https://portal.example.org/?lang=fr", "nl": "https://portal.example.org/?lang=nl"},
        "no_page": {"de": "nl", "en": "fr"},
    }
    exchange.load(document)
    first = export_text()
    assert "  no_page:\n    de: nl\n    en: fr\n" in first
    Node.objects.all().delete()
    LinkTarget.objects.all().delete()
    exchange.load(exchange.read(first.encode()))
    assert export_text() == first
    assert LinkTarget.objects.get(key="portal").destination("de").url == "https://portal.example.org/?lang=nl"


def test_a_no_page_for_a_language_that_has_a_url_is_refused(wizard, tmp_path):
    text = valid_text().replace(
        "  url:\n    fr: https://portal.example.org/?lang=fr\n",
        "  url:\n    fr: https://portal.example.org/?lang=fr\n  no_page:\n    fr: nl\n",
    )
    assert "no_page" in text
    assert "French always has one" in bad_import(tmp_path, text.encode())
