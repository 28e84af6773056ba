import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from tests import factories
from wizard import translations, xliff
from wizard.models import Node, TranslationState, wizard_step_paths
from wizard.translations import MISSING, OUTDATED, UP_TO_DATE

NS = {"x": xliff.XLIFF_NS}


def header(original: str, source: str, target: str) -> bytes:
    attributes = f'original="{original}" source-language="{source}" target-language="{target}"'
    return f'<xliff version="1.2"><file {attributes}><body/></file></xliff>'.encode()


def units(data: bytes) -> dict[str, ET.Element]:
    return {unit.get("id"): unit for unit in ET.fromstring(data).iterfind(".//x:trans-unit", NS)}


def fill(data: bytes, targets: dict[str, str], state: str = "translated") -> bytes:
    """What a translator's tool does: set each unit's target (made if absent), keep everything else."""
    ET.register_namespace("", xliff.XLIFF_NS)
    root = ET.fromstring(data)
    for unit in root.iterfind(".//x:trans-unit", NS):
        if unit.get("id") not in targets:
            continue
        target = unit.find("x:target", NS)
        if target is None:
            target = ET.Element(f"{{{xliff.XLIFF_NS}}}target")
            unit.insert(1, target)
        target.text, target.attrib["state"] = targets[unit.get("id")], state
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def statuses(wizard: Node, lang: str) -> dict[str, str]:
    return {item.unit_id: item.status for item in translations.report(wizard).items if item.language == lang}


def uid(wizard: Node, path: str) -> str:
    return str(wizard_step_paths(wizard)[path].uid)


def test_the_export_holds_what_needs_translating_with_source_target_and_context(wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    step.title_fr = "Je suis citoyen"
    step.save()
    found = units(xliff.export(wizard, "nl"))
    outdated = found[f"{step.uid}/title"]
    assert outdated.find("x:source", NS).text == "Je suis citoyen"
    assert outdated.find("x:target", NS).text == "Titel citizen"
    assert outdated.find("x:target", NS).get("state") == "needs-review-translation"
    assert outdated.get("extradata") == (
        "source-sha256:" + translations.fingerprint("Je suis citoyen") + " "
        "target-sha256:" + translations.fingerprint("Titel citizen")
    )
    assert outdated.get("resname") == "profiles/citizen:title"
    note = outdated.find("x:note", NS).text
    assert "profiles/citizen" in note
    assert "“Je suis citoyen”" in note
    assert "outdated" in note
    missing = found[f"{uid(wizard, 'profiles/citizen/apply')}/body"]
    assert missing.find("x:target", NS) is None
    assert "(link:…)" in missing.find("x:note", NS).text
    assert "link:portal/name" in found  # link targets the wizard uses
    assert f"{wizard.uid}/title" not in found  # up to date: only with --all
    assert f"{wizard.uid}/title" in units(xliff.export(wizard, "nl", everything=True))


def test_the_export_is_xliff_1_2_with_one_file_per_wizard_and_language(wizard):
    root = ET.fromstring(xliff.export(wizard, "de"))
    assert root.tag == f"{{{xliff.XLIFF_NS}}}xliff"
    assert root.get("version") == "1.2"
    (file,) = root.findall("x:file", NS)
    assert (file.get("original"), file.get("source-language"), file.get("target-language")) == ("demo", "fr", "de")
    assert file.get("datatype") == "plaintext"
    assert [child.tag.split("}")[1] for child in file] == ["header", "body"]
    for unit in file.iterfind(".//x:trans-unit", NS):  # the order XLIFF 1.2 prescribes
        assert [child.tag.split("}")[1] for child in unit][0] == "source"
        assert unit.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"


def test_exporting_into_french_is_refused(wizard):
    with pytest.raises(ValueError, match="not a target language"):
        xliff.export(wizard, "fr")


def test_round_trip_makes_every_status_up_to_date(wizard, admin_user):
    data = xliff.export(wizard, "de")
    filled = {
        unit_id: unit.find("x:source", NS).text.replace("Titre", "Titel").replace("Contactez", "Kontakt")
        for unit_id, unit in units(data).items()
    }
    result = xliff.import_bytes(fill(data, filled), user=admin_user)
    assert result.count(xliff.WRITTEN) == len(filled)
    assert not result.refused
    assert set(statuses(wizard, "de").values()) == {UP_TO_DATE}
    wizard.refresh_from_db()
    assert wizard.title_de == "Titel demo"
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    assert apply.body_de == "Kontakt [le centre](link:contact-center)."
    assert TranslationState.objects.get(node=apply, field="body", language="de").updated_by == admin_user
    assert xliff.export(wizard, "de").count(b"<trans-unit") == 0


def test_a_source_changed_since_the_export_is_reported_not_written(wizard):
    data = xliff.export(wizard, "de")
    step = wizard_step_paths(wizard)["contact"]
    step.body_fr = "Appelez-nous."
    step.save()
    unit_id = f"{step.uid}/body"
    result = xliff.import_bytes(fill(data, {unit_id: "Rufen Sie uns an.", f"{step.uid}/title": "Kontakt"}))
    (refused,) = result.refused
    assert refused.unit_id == unit_id
    assert "source changed since export" in refused.message
    step.refresh_from_db()
    assert step.body_de is None or step.body_de == ""
    assert step.title_de == "Kontakt"  # the other units are written


def test_a_translation_that_drops_or_changes_a_reference_is_refused(wizard):
    data = xliff.export(wizard, "de")
    renew, apply = (wizard_step_paths(wizard)[p] for p in ("profiles/citizen/renew", "profiles/citizen/apply"))
    result = xliff.import_bytes(
        fill(
            data,
            {
                f"{renew.uid}/body": "Siehe [Antrag](node:profiles/company/apply).",
                f"{apply.uid}/body": "Kontaktieren Sie das Zentrum.",
            },
        )
    )
    messages = {outcome.unit_id: outcome.message for outcome in result.refused}
    assert "missing node:profiles/citizen/apply" in messages[f"{renew.uid}/body"]
    assert "not in the source node:profiles/company/apply" in messages[f"{renew.uid}/body"]
    assert "missing link:contact-center" in messages[f"{apply.uid}/body"]
    assert all(outcome.where.startswith("step “profiles/citizen/") for outcome in result.refused)
    renew.refresh_from_db()
    assert not renew.body_de


def test_a_translation_that_breaks_a_field_rule_is_refused(wizard):
    data = xliff.export(wizard, "de")
    step = wizard_step_paths(wizard)["contact"]
    with translation.override("en"):
        result = xliff.import_bytes(
            fill(
                data,
                {
                    f"{step.uid}/title": "x" * 251,
                    f"{step.uid}/body": "Rufen Sie [das Zentrum](link:contact-center) an. [Klick](javascript:alert(1))",
                    "link:portal/url": "not a url",
                },
            )
        )
    messages = {outcome.unit_id: outcome.message for outcome in result.refused}
    assert "at most 250 characters" in messages[f"{step.uid}/title"]
    assert "javascript" in messages[f"{step.uid}/body"]
    assert "valid URL" in messages["link:portal/url"]


def test_unknown_and_repeated_units_are_refused(wizard):
    data = xliff.export(wizard, "de").replace(f'id="{wizard.uid}/title"'.encode(), b'id="nope/title"')
    data = data.replace(b"</body>", b'<trans-unit id="link:portal/name"><source>Portail</source></trans-unit></body>')
    result = xliff.import_bytes(fill(data, {"nope/title": "Titel", "link:portal/name": "Portal"}))
    messages = {outcome.unit_id: outcome.message for outcome in result.refused}
    assert messages["nope/title"].startswith("unknown unit")
    assert "more than once" in messages["link:portal/name"]


def test_an_unchanged_outdated_translation_is_confirmed_only_when_the_file_marks_it_done(wizard):
    step = wizard_step_paths(wizard)["profiles"]
    step.title_fr = "Profils"
    step.save()
    data = xliff.export(wizard, "nl")
    result = xliff.import_bytes(data)  # exported as needs-review-translation and sent back untouched
    assert result.count(xliff.UNCHANGED) == 1
    assert statuses(wizard, "nl")[f"{step.uid}/title"] == OUTDATED
    result = xliff.import_bytes(fill(data, {f"{step.uid}/title": "Titel profiles"}, state="final"))
    assert result.count(xliff.CONFIRMED) == 1
    assert statuses(wizard, "nl")[f"{step.uid}/title"] == UP_TO_DATE


def test_a_dry_run_reports_and_writes_nothing(wizard):
    data = xliff.export(wizard, "de")
    result = xliff.import_bytes(fill(data, {f"{wizard.uid}/title": "Titel"}), dry_run=True)
    assert result.count(xliff.WRITTEN) == 1
    assert "would write 1" in result.summary()
    assert statuses(wizard, "de")[f"{wizard.uid}/title"] == MISSING


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
        (b"title: not xml", "not well-formed XML"),
        (b"<?xml version='1.0'?><xliff version='1.2'><file>", "not well-formed XML"),
        (b"<html><body/></html>", "root element is <html>"),
        (b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="fr"/>', "XLIFF 2"),
        (b'<xliff version="1.2"/>', "0 <file> elements"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xliff version="1.2">&b;</xliff>',
            "DOCTYPE",
        ),
        (
            header("demo", "fr", "it"),
            "Unknown target language “it”",
        ),
        (
            header("demo", "nl", "de"),
            "made from French",
        ),
        (
            header("nope", "fr", "de"),
            "No wizard has the slug “nope”",
        ),
    ],
)
def test_a_bad_file_is_refused_whole(wizard, data, message):
    with pytest.raises(xliff.XliffError, match=message):
        xliff.import_bytes(data)
    assert set(statuses(wizard, "de").values()) == {MISSING}


def test_the_commands_round_trip_with_exit_codes(wizard, tmp_path):
    path = tmp_path / "demo.de.xlf"
    call_command("exporttranslations", "demo", "--lang", "de", "-o", str(path), stderr=StringIO())
    data = path.read_bytes()
    step = wizard_step_paths(wizard)["contact"]
    targets = {unit_id: "Übersetzt" for unit_id in units(data) if not unit_id.endswith(("/body", "/url"))}
    path.write_bytes(fill(data, targets))
    out = StringIO()
    translator = factories.make_user("translator", "Translators")
    call_command("importtranslations", str(path), "--user", "translator", stdout=out)
    assert TranslationState.objects.get(node=step, field="title", language="de").updated_by == translator
    assert f"written   {step.uid}/title" in out.getvalue()
    assert "refused 0." in out.getvalue()

    path.write_bytes(fill(data, {f"{step.uid}/body": "Rufen Sie an."}))
    with pytest.raises(CommandError, match="1 unit") as refused:
        call_command("importtranslations", str(path), stdout=StringIO())
    assert refused.value.returncode == 1

    path.write_bytes(b"<html/>")
    with pytest.raises(CommandError, match="nothing was imported") as bad:
        call_command("importtranslations", str(path), stdout=StringIO())
    assert bad.value.returncode == 2
    with pytest.raises(CommandError) as missing:
        call_command("importtranslations", str(tmp_path / "absent.xlf"))
    assert missing.value.returncode == 2
    with pytest.raises(CommandError) as nobody:
        call_command("importtranslations", str(path), "--user", "nobody")
    assert nobody.value.returncode == 2
    with pytest.raises(CommandError) as unknown:
        call_command("exporttranslations", "nope", "--lang", "de")
    assert unknown.value.returncode == 2


def test_the_export_command_writes_to_stdout(wizard):
    out = StringIO()
    call_command("exporttranslations", "demo", "--lang", "nl", "--all", stdout=out)
    assert out.getvalue().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert f'id="{wizard.uid}/title"' in out.getvalue()


def test_without_the_hash_attribute_the_source_text_itself_is_compared(wizard):
    step = wizard_step_paths(wizard)["contact"]
    data = xliff.export(wizard, "de").replace(b"extradata=", b"data-x=")
    data = data.replace(b"Appelez [le centre]", b"Appelez donc [le centre]")
    result = xliff.import_bytes(fill(data, {f"{step.uid}/title": "Kontakt", f"{step.uid}/body": "Rufen Sie an."}))
    assert [outcome.unit_id for outcome in result.refused] == [f"{step.uid}/body"]
    assert "source changed since export" in result.refused[0].message
    assert result.count(xliff.WRITTEN) == 1


def test_up_to_date_units_are_approved_and_approving_an_outdated_one_confirms_it(wizard):
    found = units(xliff.export(wizard, "nl", everything=True))
    assert found[f"{wizard.uid}/title"].get("approved") == "yes"
    step = wizard_step_paths(wizard)["profiles"]
    step.title_fr = "Profils"
    step.save()
    data = xliff.export(wizard, "nl")
    assert units(data)[f"{step.uid}/title"].get("approved") is None
    approved = data.replace(f'id="{step.uid}/title"'.encode(), f'id="{step.uid}/title" approved="yes"'.encode())
    assert xliff.import_bytes(approved).count(xliff.CONFIRMED) == 1
    assert statuses(wizard, "nl")[f"{step.uid}/title"] == UP_TO_DATE


def test_characters_xml_cannot_carry_are_left_out_and_the_unit_still_imports(wizard):
    step = wizard_step_paths(wizard)["contact"]
    step.title_fr = "Contact\x0c"
    step.save()
    data = xliff.export(wizard, "de")
    assert units(data)[f"{step.uid}/title"].find("x:source", NS).text == "Contact"
    result = xliff.import_bytes(fill(data, {f"{step.uid}/title": "Kontakt"}))
    assert result.count(xliff.WRITTEN) == 1


def test_an_import_merges_with_translations_saved_since_the_export(wizard):
    """The file's unit holds the exported translation: one saved since is kept; both changed: refused."""
    contact = wizard_step_paths(wizard)["contact"]
    data = xliff.export(wizard, "nl", everything=True)
    contact.title_nl, contact.body_nl = "Nieuw sinds de export", "Ook nieuw."
    contact.save()
    title, note = f"{contact.uid}/title", f"{contact.uid}/body"
    exported = units(data)
    unchanged_title = exported[title].find("x:target", NS).text  # the translator left it as exported
    result = xliff.import_bytes(fill(data, {title: unchanged_title, note: "Bel [het centrum](link:contact-center)."}))
    outcomes = {outcome.unit_id: outcome for outcome in result.outcomes}
    assert outcomes[title].result == xliff.UNCHANGED
    assert "saved since is kept" in outcomes[title].message
    assert outcomes[note].result == xliff.REFUSED
    assert "someone changed this translation since the export" in outcomes[note].message
    contact.refresh_from_db()
    assert (contact.title_nl, contact.body_nl) == ("Nieuw sinds de export", "Ook nieuw.")
