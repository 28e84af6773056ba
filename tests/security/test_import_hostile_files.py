"""`importwizard` against hostile exchange files (issue 17, item 2): each is refused before any work, with a
message that says what and where, and the wizard already in the database stays as it was."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories
from wizard import exchange
from wizard.models import LinkTarget, Node

HEAD = "format: wizard-exchange/1\n"


def database_state() -> tuple:
    return (
        list(Node.objects.order_by("path").values_list("path", "slug", "title_fr", "body_fr")),
        list(LinkTarget.objects.order_by("key").values_list("key", "url_fr")),
    )


def refused(tmp_path: Path, text: str | bytes) -> str:
    """Import a file that must be refused; the database must not change. The command's message."""
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    before = database_state()
    with pytest.raises(CommandError, match="nothing was imported") as error:
        call_command("importwizard", path)
    assert database_state() == before
    return str(error.value)


def step(slug: str, kind: str = "info", **extra: str) -> str:
    fields = "".join(f", {key}: {value}" for key, value in extra.items())
    return f"{{slug: {slug}, kind: {kind}, title: {{fr: T}}{fields}}}"


def test_non_mapping_children_are_refused_and_the_wizard_keeps_its_steps(wizard, tmp_path):
    # The adversarial run's file: it imported "0 steps" and deleted the wizard's existing steps.
    steps_before = Node.objects.get_descendant_count(wizard)
    message = refused(
        tmp_path,
        HEAD + "wizard: {slug: demo, kind: start, title: {fr: T}, children: [just-a-string, [1, 2]]}\nend: demo\n",
    )
    assert "the wizard root: child #1 should be a step" in message
    assert "child #2 should be a step (a mapping with slug, kind, title…), not a list" in message
    assert Node.objects.get_descendant_count(Node.objects.get(pk=wizard.pk)) == steps_before > 0


def test_an_alias_bomb_is_refused_before_it_expands(wizard, tmp_path):
    # Three levels of ten aliases here; the run's eight levels (10⁸ steps from 1 kB) are refused the same way,
    # at the first alias, before anything is composed.
    lines = [HEAD, f"a0: &a0 {step('x')}\n"]
    for level in range(1, 4):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} {{slug: l{level}, kind: info, title: {{fr: T}}, children: [{aliases}]}}\n")
    lines.append("wizard: {slug: demo, kind: start, title: {fr: T}, children: [*a3]}\nend: demo\n")
    message = refused(tmp_path, "".join(lines))
    assert "Line 2: YAML anchors and aliases (&name, *name) are not allowed" in message


def test_one_long_text_aliased_by_many_steps_is_refused(wizard, tmp_path):
    children = ", ".join(
        [step("s0", body="{fr: &long " + "x" * 1000 + "}")] + [step(f"s{i}", body="{fr: *long}") for i in range(1, 199)]
    )
    message = refused(
        tmp_path, HEAD + f"wizard: {{slug: demo, kind: start, title: {{fr: T}}, children: [{children}]}}\nend: demo\n"
    )
    assert "anchors and aliases" in message


def test_an_oversized_file_is_refused_before_it_is_parsed(wizard, tmp_path, settings):
    settings.WIZARD_IMPORT_MAX_BYTES = 2_000
    message = refused(tmp_path, HEAD + "wizard: [" * 1_000)  # not even YAML: the size is checked first
    assert "the most an import reads is 2,000 (WIZARD_IMPORT_MAX_BYTES)" in message
    assert "YAML" not in message


def test_too_many_steps_are_refused(wizard, tmp_path, settings):
    settings.WIZARD_IMPORT_MAX_STEPS = 50
    children = ", ".join(step(f"s{i}") for i in range(60))
    message = refused(
        tmp_path, HEAD + f"wizard: {{slug: demo, kind: start, title: {{fr: T}}, children: [{children}]}}\nend: demo\n"
    )
    assert "more than 50 steps" in message
    assert "WIZARD_IMPORT_MAX_STEPS" in message


def test_a_text_longer_than_the_limit_is_refused_naming_its_line(wizard, tmp_path, settings):
    settings.WIZARD_IMPORT_MAX_TEXT = 1_000
    text = HEAD + "wizard:\n  slug: demo\n  kind: start\n  title:\n    fr: " + "x" * 1_001 + "\nend: demo\n"
    message = refused(tmp_path, text)
    assert "Line 6: a text of 1,001 characters; the most is 1,000 (WIZARD_IMPORT_MAX_TEXT)" in message


@pytest.mark.parametrize("levels", [21, 200, 2_000])
def test_deep_nesting_is_refused_with_a_clear_message(wizard, tmp_path, levels):
    text = "".join(f"{{slug: s{i}, kind: info, title: {{fr: T}}, children: [" for i in range(levels - 1))
    text += "{slug: leaf, kind: task, title: {fr: T}}" + "]}" * (levels - 1)
    text = text.replace("{slug: s0, kind: info", "{slug: demo, kind: start", 1)
    message = refused(tmp_path, HEAD + f"wizard: {text}\nend: demo\n")
    assert "nest too deep; a wizard has at most 20 levels (WIZARD_IMPORT_MAX_DEPTH)" in message
    assert "Recursion" not in message


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\0", "0000"), ("\\x01", "0001"), ("\\e", "001B"), ("\\r", "000D"), ("\\N", "0085"), ("\\x9f", "009F")],
)
def test_a_control_character_in_a_text_is_refused_naming_the_field(wizard, tmp_path, escape, code):
    contact = step("contact", title=f'{{fr: "Con{escape}tact"}}').replace("title: {fr: T}, ", "")
    text = HEAD + f"wizard: {{slug: demo, kind: start, title: {{fr: T}}, children: [{contact}]}}\nend: demo\n"
    message = refused(tmp_path, text)
    assert f"step “contact”, title (fr): a control character (U+{code}) at character 4" in message


def test_tabs_and_line_breaks_stay_allowed(wizard, tmp_path):
    document = factories.document()
    document["wizard"]["children"][1]["body"] = {"fr": "Ligne\tun\nLigne deux"}
    path = tmp_path / "fine.yaml"
    path.write_text(exchange.to_text(document))
    call_command("importwizard", path)
    assert Node.objects.get(slug="contact").body_fr == "Ligne\tun\nLigne deux"


def test_a_document_given_in_code_is_held_to_the_same_limits(wizard):
    deep = {"slug": "leaf", "kind": "task", "title": {"fr": "T"}}
    for i in range(5_000):  # deeper than Python's recursion limit
        deep = {"slug": f"s{i}", "kind": "info", "title": {"fr": "T"}, "children": [deep]}
    root = {"slug": "demo", "kind": "start", "title": {"fr": "T\x00"}, "children": [deep]}
    before = database_state()
    with pytest.raises(exchange.ExchangeError, match="levels deep; a wizard has at most 20"):
        exchange.load({"format": exchange.FORMAT, "wizard": root, "links": [], "end": "demo"})
    root["children"] = []
    with pytest.raises(exchange.ExchangeError, match=r"the wizard root, title \(fr\): a control character \(U\+0000\)"):
        exchange.load({"format": exchange.FORMAT, "wizard": root, "links": [], "end": "demo"})
    assert database_state() == before


class CountingDict(dict):
    """A step's mapping that counts how often its slug is read."""

    reads = 0

    def __getitem__(self, key):
        if key == "slug":
            CountingDict.reads += 1
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key == "slug":
            CountingDict.reads += 1
        return super().get(key, default)


def test_sibling_slugs_are_checked_once_in_linear_time(wizard, monkeypatch):
    # 20,000 siblings took 297 s: each step compared its slug with all its siblings', and load() checked twice.
    siblings = 1_000
    document = factories.document()
    document["wizard"]["children"] = [
        CountingDict(slug=f"s{i}", kind="info", title={"fr": "T"}) for i in range(siblings)
    ] + [CountingDict(slug="s7", kind="info", title={"fr": "T"})]
    checks = []
    monkeypatch.setattr(exchange, "check", lambda document, real=exchange.check: checks.append(1) or real(document))
    CountingDict.reads = 0
    with pytest.raises(exchange.ExchangeError) as error:
        exchange.load(document)
    assert error.value.problems == [
        "step “s7”: the slug “s7” is used by another step at the same place.",
        "step “s7”: the slug “s7” is used by another step at the same place.",
    ]
    assert CountingDict.reads < 20 * siblings  # a quadratic check reads a slug about siblings² = 1,000,000 times
    assert len(checks) == 1


def test_the_command_checks_an_import_once(wizard, tmp_path, monkeypatch):
    checks = []
    monkeypatch.setattr(exchange, "check", lambda document, real=exchange.check: checks.append(1) or real(document))
    path = tmp_path / "fine.yaml"
    path.write_text(exchange.to_text(factories.document()))
    call_command("importwizard", path)
    assert len(checks) == 1
