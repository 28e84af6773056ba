"""The step form's tools (cms/admin/steptools.py): the live preview, the reference search and the check as one types.

Each is permission-checked, writes nothing, and costs the same number of queries for a large wizard as a small one.
"""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from wizard.models import LinkTarget, Node, wizard_step_paths


def step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def preview_url(node: Node) -> str:
    return f"/admin/wizard/node/{node.pk}/preview/"


def search_url(node: Node) -> str:
    return f"/admin/wizard/node/{node.pk}/references/"


def check_url(node: Node) -> str:
    return f"/admin/wizard/node/{node.pk}/references/check/"


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_the_preview_shows_the_unsaved_text_in_the_chosen_language_and_writes_nothing(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    data = {"title_nl": "Aanvragen nu", "body_nl": "Bel [het centrum](link:contact-center).", "preview_lang": "nl"}
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(preview_url(apply), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Aanvragen nu" in page
    assert 'href="https://www.example.org/nl/contact"' in page  # the Dutch URL of the link target
    assert '<html lang="nl">' in page
    assert "Citoyen" in page  # the breadcrumb: the profile it belongs to
    assert "script-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert not writes(queries)
    apply.refresh_from_db()
    assert apply.title_nl != "Aanvragen nu"


def test_the_preview_follows_step_references_by_path(admin_client, wizard):
    renew = step(wizard, "profiles/citizen/renew")
    response = admin_client.post(preview_url(renew), {"preview_lang": "fr"})  # the stored text: node:<uid>
    assert 'href="/preview/fr/demo/profiles/citizen/apply/?from=profiles/citizen/renew"' in response.content.decode()


@pytest.mark.parametrize(
    "body",
    ["[x](link:nowhere)", "[x](node:profiles/citizn/a)", "[broken", "![i](https://e.org/a.png)", "[x](javascript:1)"],
)
def test_a_wrong_reference_or_bad_markdown_shows_the_problem_never_a_500(admin_client, wizard, body):
    apply = step(wizard, "profiles/citizen/apply")
    response = admin_client.post(preview_url(apply), {"body_fr": body, "preview_lang": "fr"})
    assert response.status_code == 200
    if body != "[broken":
        assert "preview-problems" in response.content.decode()


def test_a_near_miss_says_what_was_meant(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    data = {"body_fr": "[a](node:profiles/citizn/aply) [b](link:contact-centre) [c](link:zzzzzz)", "note_nl": "ok"}
    problems = admin_client.post(check_url(apply), data).json()["problems"]
    assert list(problems) == ["body_fr"]
    messages = [problem["message"] for problem in problems["body_fr"]]
    suggestions = [problem["suggestion"] for problem in problems["body_fr"]]
    assert suggestions == ["node:profiles/citizen/apply", "link:contact-center", ""]
    assert "Did you mean “node:profiles/citizen/apply”?" in messages[0]
    assert problems["body_fr"][0]["target"] == "node:profiles/citizn/aply"


def test_a_text_whose_references_resolve_has_no_problem(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    data = {"body_fr": "[a](node:profiles/company/apply) [b](link:portal) [c](https://example.org)"}
    assert admin_client.post(check_url(apply), data).json() == {"problems": {}}


def test_search_finds_steps_by_path_title_and_the_profile_they_belong_to(admin_client, wizard):
    apply = step(wizard, "contact")
    found = admin_client.get(search_url(apply), {"q": "citoyen apply"}).json()["results"]
    assert [row["path"] for row in found] == ["profiles/citizen/apply"]
    assert found[0]["within"] == "Titre citizen"
    by_path = admin_client.get(search_url(apply), {"q": "profiles/company"}).json()["results"]
    assert [row["path"] for row in by_path] == ["profiles/company", "profiles/company/apply"]


def test_search_finds_link_targets_by_key_name_and_domain(admin_client, wizard):
    apply = step(wizard, "contact")
    for text in ["portal", "portail", "portal.example"]:
        found = admin_client.get(search_url(apply), {"kind": "link", "q": text}).json()["results"]
        assert found == [{"key": "portal", "name": "Portail", "domain": "portal.example.org"}]


def test_the_tools_need_the_right_permissions(client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    viewer = factories.make_user("viewer")
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)
    assert client.post(preview_url(apply), {"preview_lang": "fr"}).status_code == 403
    assert client.post(check_url(apply), {}).status_code == 403
    assert client.get(search_url(apply)).status_code == 403
    client.logout()
    assert client.post(preview_url(apply), {"preview_lang": "fr"}).status_code == 302  # to the login page


def test_the_preview_is_a_post_with_a_csrf_token(wizard, admin_user):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    apply = step(wizard, "profiles/citizen/apply")
    assert strict.post(preview_url(apply), {"preview_lang": "fr"}).status_code == 403
    assert strict.get(preview_url(apply)).status_code == 405


def test_the_step_form_has_the_panel_and_its_static_scripts(admin_client, wizard):
    page = admin_client.get(f"/admin/wizard/node/{step(wizard, 'contact').pk}/change/").content.decode()
    assert 'class="step-preview"' in page
    assert "cms/step-preview.js" in page
    assert "cms/reference-chooser.js" in page
    assert 'dialog class="reference-chooser"' in page


def grow(wizard: Node, count: int) -> None:
    """`count` more tasks under the citizen profile, all referring to a link target, written in one insert."""
    citizen = step(wizard, "profiles/citizen")
    last = Node.objects.get_children(citizen).last()
    nodes = []
    for number in range(count):
        path = Node._get_path(citizen.path, citizen.depth + 1, 3 + number)
        nodes.append(
            Node(
                path=path,
                depth=citizen.depth + 1,
                numchild=0,
                uid=uuid.uuid4(),
                slug=f"extra-{number}",
                kind="task",
                title=f"Tâche {number}",
                title_fr=f"Tâche {number}",
                body_fr=f"[x](link:portal) {number}",
            )
        )
    assert last is not None
    Node.objects.bulk_create(nodes)
    Node.objects.filter(pk=citizen.pk).update(numchild=2 + count)
    LinkTarget.objects.bulk_create(
        [LinkTarget(key=f"site-{n}", name_fr=f"Site {n}", url_fr=f"https://s{n}.example.org/") for n in range(count)]
    )


def count_queries(client, method: str, url: str, data: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data)
    assert response.status_code == 200
    return len(queries)


def test_the_tools_cost_as_many_queries_for_a_large_wizard_as_for_a_small_one(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/renew")
    body = "[a](node:profiles/citizen/apply) [b](node:profiles/citizn/x) [c](link:portl)"
    calls = [
        ("post", preview_url(apply), {"preview_lang": "nl", "body_fr": body}),
        ("post", check_url(apply), {"body_fr": body}),
        ("get", search_url(apply), {"q": "citizen ta"}),
        ("get", search_url(apply), {"kind": "link", "q": "site"}),
    ]
    small = [count_queries(admin_client, *call) for call in calls]
    grow(wizard, 1500)
    large = [count_queries(admin_client, *call) for call in calls]
    assert large == small
    assert len(admin_client.get(search_url(apply), {"q": "tâche"}).json()["results"]) == 20


def test_the_link_target_form_renames_a_key_in_use_and_rewrites_its_uses(admin_client, wizard):
    target = LinkTarget.objects.get(key="portal")
    url = f"/admin/wizard/linktarget/{target.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, field.initial) or "" for name, field in form.fields.items()}
    data.update(key="portail", no_page="{}")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert LinkTarget.objects.get(pk=target.pk).key == "portail"
    assert step(wizard, "profiles/company/apply").body_fr == "[Portail](link:portail)"


def test_the_save_time_check_says_what_was_meant(admin_client, wizard):
    contact = step(wizard, "contact")
    url = f"/admin/wizard/node/{contact.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in data.items()}
    data["body_fr"] = "[a](link:portl) [b](node:profiles/citizen/aply)"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["body_fr"]
    assert any("Did you mean “link:portal”?" in error for error in errors)
    assert any("Did you mean “node:profiles/citizen/apply”?" in error for error in errors)


def test_the_start_page_previews_too_with_its_choices(admin_client, wizard):
    response = admin_client.post(preview_url(wizard), {"title_fr": "Bienvenue", "preview_lang": "fr"})
    page = response.content.decode()
    assert "Bienvenue" in page
    assert 'href="/preview/fr/demo/profiles/"' in page
    assert admin_client.post(preview_url(wizard), {"preview_lang": "xx"}).status_code == 400
