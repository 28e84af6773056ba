import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from wizard.models import LinkTarget, Node, wizard_step_paths


def child(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


@pytest.mark.parametrize("slug", ["Upper", "with space", "accentué", "-lead", "trail-", "double--hyphen", ""])
def test_slug_must_be_lowercase_words_and_hyphens(wizard, slug):
    node = child(wizard, "contact")
    node.slug = slug
    with pytest.raises(ValidationError) as error:
        node.full_clean()
    assert "slug" in error.value.message_dict


def test_slug_is_unique_among_siblings(wizard):
    node = child(wizard, "profiles/citizen/renew")
    node.slug = "apply"
    with pytest.raises(ValidationError, match="already has the slug"):
        node.full_clean()


def test_same_slug_under_different_parents_is_fine(wizard):
    # Both profiles have an "apply" task.
    child(wizard, "profiles/company/apply").full_clean()
    child(wizard, "profiles/citizen/apply").full_clean()


def test_a_new_step_is_checked_where_it_will_stand(wizard):
    parent = child(wizard, "profiles/citizen")
    node = Node(slug="apply", kind=Node.Kind.TASK, title_fr="Encore")
    with pytest.raises(ValidationError, match="already has the slug"):
        node.validate_placement(parent)
    node.slug = "new-task"
    node.validate_placement(parent)


def test_wizard_slugs_are_unique_in_the_database(wizard):
    with pytest.raises(IntegrityError):
        Node.objects.add_root(create_kwargs={"slug": "demo", "kind": "start", "title_fr": "Encore"})


def test_only_the_root_is_a_start_page(wizard):
    node = child(wizard, "contact")
    node.kind = Node.Kind.START
    with pytest.raises(ValidationError, match="Only a wizard's root"):
        node.full_clean()
    wizard.kind = Node.Kind.INFO
    with pytest.raises(ValidationError, match="root step"):
        wizard.full_clean()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[x](link:no-such-target)", "link target “no-such-target”, which does not exist"),
        ("[x](node:profiles/nobody)", "step “profiles/nobody”, which does not exist"),
        ("[x](javascript:alert(1))", "only link:, node:, https:"),
    ],
)
def test_bad_references_are_validation_errors_on_the_field_and_language(wizard, body, message):
    node = child(wizard, "contact")
    node.body_nl = body
    with pytest.raises(ValidationError) as error:
        node.full_clean()
    assert list(error.value.message_dict) == ["body_nl"]
    assert message in error.value.message_dict["body_nl"][0]


def test_good_references_validate(wizard):
    node = child(wizard, "contact")
    node.body_de = "[a](link:contact-center) [b](node:profiles/citizen/apply) [c](https://example.org)"
    node.full_clean()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/file", "not a url"])
def test_link_target_urls_are_http_or_https(db, url):
    target = LinkTarget(key="bad", name_fr="Mauvais", url_fr=url)
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert "url_fr" in error.value.message_dict


def test_link_target_knows_where_it_is_used(wizard):
    target = LinkTarget.objects.get(key="contact-center")
    usages = {node.slug: columns for node, columns in target.get_usages()}
    assert usages == {"apply": "body_fr", "contact": "body_fr"}


def test_step_paths_follow_the_tree(wizard):
    assert list(wizard_step_paths(wizard)) == [
        "profiles",
        "profiles/citizen",
        "profiles/citizen/apply",
        "profiles/citizen/renew",
        "profiles/company",
        "profiles/company/apply",
        "contact",
    ]
    assert child(wizard, "profiles/citizen/renew").get_step_path() == "profiles/citizen/renew"
    assert wizard.get_step_path() == ""
