"""The XLIFF import against hostile files (issue 17, item 2, where it applies to XLIFF): XXE, entity bombs and
external DTDs are refused already (tests/wizard/test_xliff.py); these are the exchange format's other rules."""

import pytest

from tests.wizard.test_xliff import fill
from wizard import xliff
from wizard.models import wizard_step_paths


@pytest.mark.parametrize(("character", "code"), [("\x85", "0085"), ("\x9f", "009F"), ("\x7f", "007F")])
def test_a_control_character_that_xml_lets_through_is_refused(wizard, character, code):
    # XML 1.0 refuses C0 controls but carries C1 ones (and DEL); none belongs in a page.
    step = wizard_step_paths(wizard)["contact"]
    data = fill(xliff.export(wizard, "de"), {f"{step.uid}/title": f"Kon{character}takt"})
    result = xliff.import_bytes(data)
    assert [outcome.unit_id for outcome in result.refused] == [f"{step.uid}/title"]
    assert f"a control character (U+{code}) at character 4" in result.refused[0].message
    step.refresh_from_db()
    assert not step.title_de


def test_a_translation_longer_than_any_text_may_be_is_refused(wizard, settings):
    settings.WIZARD_IMPORT_MAX_TEXT = 100
    step = wizard_step_paths(wizard)["contact"]
    data = fill(
        xliff.export(wizard, "de"), {f"{step.uid}/body": "Rufen Sie [das Zentrum](link:contact-center) an." * 3}
    )
    result = xliff.import_bytes(data)
    assert "the most is 100 (WIZARD_IMPORT_MAX_TEXT)" in result.refused[0].message


def test_an_oversized_file_is_refused_before_it_is_parsed(wizard, monkeypatch):
    monkeypatch.setattr(xliff, "MAX_BYTES", 1_000)
    with pytest.raises(xliff.XliffError, match="an XLIFF file of one wizard is at most 1,000"):
        xliff.import_bytes(b"<!DOCTYPE x [" + b"<!ENTITY a 'b'>" * 100 + b"]>")  # not even looked at
