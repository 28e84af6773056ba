import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cms.models import LinkCheck, LinkCheckRun
from tests import factories
from wizard.models import LinkTarget, Node

BROKEN_PAGE = "/admin/cms/linkcheck/broken/"
# The "check now" actions probe: only the loopback farm, never the internet.
pytestmark = pytest.mark.usefixtures("offline_links")


@pytest.fixture
def content(db):
    factories.make_content(
        {
            "portal": {"fr": "https://portal.test/fr", "nl": "https://portal.test/nl"},
            "help": {"fr": "https://help.test/"},
        },
        {"apply": "[Portail](link:portal) et [loi](https://law.test/)", "other": "[aide](link:help)"},
    )
    LinkCheck.objects.create(url="https://portal.test/nl", status="broken", http_status=404, error="HTTP 404 Not Found")
    LinkCheck.objects.create(url="https://portal.test/fr", status="ok", http_status=200)
    LinkCheck.objects.create(url="https://law.test/", status="redirect", final_url="https://law.test/new")
    LinkCheck.objects.create(url="https://help.test/", status="ok")


@pytest.fixture
def editor_client(client, db):
    editor = factories.make_user("editor", "Editors")
    Group.objects.get(name="Editors").permissions.set(Permission.objects.filter(content_type__app_label="wizard"))
    client.force_login(editor)
    return client


def test_link_target_list_shows_a_status_badge(admin_client, content):
    page = admin_client.get(reverse("admin:wizard_linktarget_changelist")).content.decode()
    assert 'class="linkcheck-badge linkcheck-broken"' in page
    assert 'class="linkcheck-badge linkcheck-ok"' in page
    assert BROKEN_PAGE in page


def children(client, parent: Node) -> str:
    return client.get(f"/admin/wizard/node/children/{parent.pk}/").json()["result_html"]


def test_step_list_shows_the_worst_status_of_its_links(admin_client, content):
    page = children(admin_client, Node.objects.get(slug="demo"))
    assert page.count('class="linkcheck-badge linkcheck-broken"') == 1  # "apply" only
    assert page.count('class="linkcheck-badge linkcheck-ok"') == 1  # "other"


def test_step_list_reads_the_statuses_once_per_page(admin_client, content, django_assert_max_num_queries):
    root = Node.objects.get(slug="demo")
    with django_assert_max_num_queries(12):
        children(admin_client, root)


def test_change_forms_list_each_url_with_its_status(admin_client, content):
    step = Node.objects.get(slug="apply")
    page = admin_client.get(reverse("admin:wizard_node_change", args=[step.pk])).content.decode()
    assert "https://law.test/" in page
    assert "→ https://law.test/new" in page
    assert "HTTP 404 Not Found" in page
    target = LinkTarget.objects.get(key="portal")
    page = admin_client.get(reverse("admin:wizard_linktarget_change", args=[target.pk])).content.decode()
    assert 'class="linkcheck-badge linkcheck-broken"' in page
    assert "https://portal.test/nl" in page


def test_broken_links_page_lists_broken_and_moved_urls_with_edit_links(editor_client, content):
    response = editor_client.get(BROKEN_PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://portal.test/nl" in page
    assert "https://law.test/new" in page
    assert "https://help.test/" not in page
    step = Node.objects.get(slug="apply")
    target = LinkTarget.objects.get(key="portal")
    assert f'href="/admin/wizard/node/{step.pk}/change/"' in page
    assert f'href="/admin/wizard/linktarget/{target.pk}/change/"' in page
    assert "step “apply” of “demo” (body, nl, draft) via link target “portal”" in page


def test_broken_links_page_says_when_all_is_well(admin_client, db):
    assert "every checked URL works" in admin_client.get(BROKEN_PAGE).content.decode()


def test_broken_links_page_is_for_editors_only(client, db):
    client.force_login(factories.make_user("someone"))
    assert client.get(BROKEN_PAGE).status_code == 403
    client.logout()
    assert client.get(BROKEN_PAGE).status_code == 302  # to the login page


def test_editors_see_the_link_check_results(editor_client, content):
    page = editor_client.get(reverse("admin:cms_linkcheck_changelist")).content.decode()
    assert "https://portal.test/nl" in page
    assert editor_client.get(reverse("admin:cms_linkcheck_add")).status_code == 403


def test_check_now_answers_at_once_and_the_worker_checks_the_selected_link_targets(
    admin_client, farm, task_queue, django_capture_on_commit_callbacks
):
    factories.make_content(
        {"farm": {"fr": farm.url("/ok"), "nl": farm.url("/status/404")}}, {"apply": "[x](link:farm)"}
    )
    target = LinkTarget.objects.get(key="farm")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:wizard_linktarget_changelist"),
            {"action": "check_links_now", "_selected_action": [target.pk]},
        )
    run = LinkCheckRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cms/linkcheck/run/{run.pk}/"
    assert farm.stats.requests["127.0.0.1"] == 0  # nothing checked in the request
    assert (run.status, run.done, run.total) == ("queued", 0, 2)
    assert DBTaskResult.objects.get().status == "READY"
    task_queue()
    assert {row.url: row.status for row in LinkCheck.objects.all()} == {
        farm.url("/ok"): "ok", farm.url("/status/404"): "unstable"
    }  # fmt: skip
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.failed) == ("finished", 2, 2, 1)
    assert run.summary == "Checked 2 links: 1 failed once, 1 working."
    page = admin_client.get(response["Location"]).content.decode()
    assert "Checked 2 links: 1 failed once, 1 working." in page
    assert "linkcheck-run.js" not in page  # over: nothing left to poll


def test_the_admin_answers_at_once_when_a_server_never_answers(
    admin_client, farm, task_queue, django_capture_on_commit_callbacks
):
    factories.make_content({}, {"apply": f"[x]({farm.url('/hang')})"})
    step = Node.objects.get(slug="apply")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:wizard_node_changelist"), {"action": "check_links_now", "_selected_action": [step.pk]}
        )
    assert response.status_code == 302
    assert farm.stats.requests["127.0.0.1"] == 0  # the request never waited on the hanging server
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<span data-field="done">0</span> / <span data-field="total">1</span>' in html
    assert "linkcheck-run.js" in html  # the page follows the run
    assert admin_client.get(f"{response['Location']}progress/").json() == {
        "status": "queued", "status_label": "waiting for a worker", "done": 0, "total": 1, "failed": 0,
        "over": False, "summary": "",
    }  # fmt: skip
    task_queue()  # the worker waits for the server, within the URL's budget (1 s in these tests)
    progress = admin_client.get(f"{response['Location']}progress/").json()
    assert (progress["status"], progress["done"], progress["failed"], progress["over"]) == ("finished", 1, 1, True)
    assert LinkCheck.objects.get().error == "No answer within 1 s."


def test_check_now_on_results_counts_a_second_failure_as_broken(
    admin_client, farm, task_queue, django_capture_on_commit_callbacks
):
    row = LinkCheck.objects.create(url=farm.url("/status/500"), status="unstable", consecutive_failures=1)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:cms_linkcheck_changelist"), {"action": "check_now", "_selected_action": [row.pk]}
        )
    task_queue()
    row.refresh_from_db()
    assert (row.status, row.consecutive_failures) == ("broken", 2)


def test_a_run_page_is_for_editors_only(client, editor_client, db):
    run = LinkCheckRun.objects.create(urls=["https://a.test/"], total=1)
    assert editor_client.get(f"/admin/cms/linkcheck/run/{run.pk}/").status_code == 200
    assert editor_client.get(f"/admin/cms/linkcheck/run/{run.pk}/progress/").json()["total"] == 1
    client.force_login(factories.make_user("staffer"))  # staff, but no permission on content
    assert client.get(f"/admin/cms/linkcheck/run/{run.pk}/progress/").status_code == 403


@pytest.mark.parametrize("model", ["node", "linktarget"])
def test_add_forms_work_with_the_link_check_field(admin_client, db, model):
    page = admin_client.get(f"/admin/wizard/{model}/add/")
    assert page.status_code == 200
    assert "No external link." in page.content.decode()


def test_the_broken_links_page_reads_no_content_while_nothing_is_broken(editor_client, db):
    factories.make_content({"portal": {"fr": "https://portal.test/fr"}}, {"apply": "[Portail](link:portal)"})
    LinkCheck.objects.create(url="https://portal.test/fr", status="ok", http_status=200)
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(BROKEN_PAGE)
    assert response.status_code == 200
    assert not [query for query in queries if "wizard_node" in query["sql"] or "cms_release" in query["sql"]]
