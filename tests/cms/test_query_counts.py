"""What every public and API answer costs in database queries: error paths cost what 200s cost.

Each answer is asked for once the live release is loaded (a server's steady state), within the pointer's time to
live: the figure is what every further request costs. After the pointer's delay, each one costs one query more
(the pointers, read once per LIVE_POINTER_TTL by each process), tested apart. The large wizard (2,000 more steps,
and addresses from several releases) shows that no answer grows with the wizard or its history.
"""

import copy
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import live, preview, releases
from cms.site import feedback
from tests import factories

TASK = "/fr/demo/profiles/citizen/apply/"
API = "/api/v1"


def republish(wizard, change) -> None:
    snapshot = copy.deepcopy(releases.live_release(wizard).snapshot)
    change(snapshot)
    releases.make_live(releases.create(wizard, snapshot=snapshot, user=None))
    live.forget()  # on_commit does this in production; tests run inside one transaction


def child(entry: dict, slug: str) -> dict:
    return next(each for each in entry["children"] if each["slug"] == slug)


def rename_contact_and_remove_a_task(snapshot: dict) -> None:
    child(snapshot["wizard"], "contact")["slug"] = "help"
    citizen = child(child(snapshot["wizard"], "profiles"), "citizen")
    citizen["children"] = [each for each in citizen["children"] if each["slug"] != "renew"]


def grow(snapshot: dict, releases_so_far: int) -> None:
    many = [{"uid": str(uuid.uuid4()), **factories.step(f"extra-{n}", "info", body=f"Texte {n}")} for n in range(2000)]
    snapshot["wizard"]["children"].append(
        {"uid": str(uuid.uuid4()), **factories.step(f"big-{releases_so_far}", "info", many)}
    )


@pytest.fixture
def site(live_wizard, settings):
    """The demo wizard live at its third release: the wizard renamed, then contact renamed "help", a task removed."""
    settings.LIVE_POINTER_TTL = 3600
    republish(live_wizard, lambda snapshot: snapshot["wizard"].update(slug="demo-new"))
    republish(live_wizard, rename_contact_and_remove_a_task)
    return live_wizard


@pytest.fixture
def large_site(site):
    """The same with 2,000 steps more, then all of them moved: 4,000 more addresses once live."""
    republish(site, lambda snapshot: grow(snapshot, 0))
    republish(site, lambda snapshot: child(snapshot["wizard"], "big-0").update(slug="moved"))
    return site


def feedback_form(*, age: float = 10) -> dict[str, str]:
    step = live.wizard("demo-new").steps["profiles/citizen/apply"]
    return {"token": feedback.make_token(step, now=time.time() - age), "helpful": "yes", "comment": ""}


# (method, address, status, queries): the address in the wizard's new slug unless it says otherwise.
PUBLIC = [
    ("get", "/", 302, 0),
    ("get", "/fr/", 302, 0),  # the only wizard's start page
    ("get", "/fr/demo-new/", 200, 0),
    ("get", "/nl/demo-new/profiles/citizen/apply/", 200, 0),
    ("head", "/de/demo-new/help/", 200, 0),
    ("get", "/fr/demo-new/contact/", 301, 0),  # a renamed step
    ("get", "/fr/demo/contact/", 301, 1),  # under the wizard's old slug
    ("get", "/fr/demo/", 301, 1),  # the renamed wizard
    ("get", "/fr/demo-new/profiles/citizen/renew/", 410, 0),  # a removed step
    ("get", "/nl/demo/profiles/citizen/renew/", 410, 1),  # … under the old slug
    ("get", "/fr/demo-new/nowhere/", 404, 0),
    ("get", "/fr/no-such-wizard/", 404, 1),
    ("get", "/fr/no-such-wizard/a/b/c/", 404, 1),
    ("get", "/xx/demo-new/", 404, 0),  # no such language: Django's 404, the site's page
    ("post", "/fr/demo-new/help/", 405, 0),  # feedback only on task pages
    ("get", "/sitemap.xml", 200, 0),
    ("get", "/robots.txt", 200, 0),
]
# The answers whose cost could grow with a wizard's size or history, and a page for comparison.
ERROR_PATHS = [
    ("get", "/nl/demo-new/profiles/citizen/apply/", 200, 0),
    ("get", "/fr/demo-new/moved/extra-1999/", 200, 0),
    ("get", "/fr/demo-new/big-0/extra-1999/", 301, 0),
    ("get", "/fr/demo-new/contact/", 301, 0),
    ("get", "/fr/demo/", 301, 1),
    ("get", "/fr/demo-new/profiles/citizen/renew/", 410, 0),
    ("get", "/fr/demo-new/nowhere/", 404, 0),
    ("get", "/fr/no-such-wizard/a/b/c/", 404, 1),
]
API_ANSWERS = [
    ("get", f"{API}/", 200, 0),
    ("get", f"{API}/wizards/", 200, 0),
    ("get", f"{API}/wizards/demo-new/?lang=fr", 200, 0),
    ("get", f"{API}/wizards/demo-new/nodes/", 200, 0),
    ("get", f"{API}/wizards/demo-new/nodes/profiles/citizen/?lang=de", 200, 0),
    ("head", f"{API}/wizards/demo-new/nodes/help/", 200, 0),
    ("options", f"{API}/wizards/demo-new/", 204, 0),
    ("get", f"{API}/wizards/demo/", 404, 0),  # the API follows no renames: one slug, one wizard
    ("get", f"{API}/wizards/demo-new/nodes/nowhere/", 404, 0),
    ("get", f"{API}/wizards/demo-new/?lang=xx", 400, 0),
    ("get", f"{API}/wizards/demo-new/?release=draft", 403, 1),  # the wizard's uid, to check the token against
    ("get", f"{API}/wizards/no-such-wizard/?release=draft&token=forged", 403, 1),
    ("post", f"{API}/wizards/", 405, 0),
    ("get", f"{API}/no-such-endpoint/", 404, 0),
    ("get", f"{API}/openapi.json", 200, 0),
    ("get", f"{API}/docs", 200, 0),
]


def count(client, method: str, url: str, status: int, **extra) -> int:
    getattr(client, method)(url, **extra)  # the first time renders and remembers; the figure is the next one's
    with CaptureQueriesContext(connection) as queries:
        assert getattr(client, method)(url, **extra).status_code == status, url
    return len(queries)


@pytest.mark.parametrize(("method", "url", "status", "queries"), PUBLIC)
def test_every_public_answer_costs_at_most_one_query(client, site, method, url, status, queries):
    assert count(client, method, url, status) == queries


def test_the_same_with_a_large_wizard_and_a_long_history(client, large_site):
    # One wizard built for all the cases (it takes seconds): each case is checked, all are reported at once.
    cases = [*ERROR_PATHS, *API_ANSWERS[2:12]]
    found = [(method, url, status, count(client, method, url, status)) for method, url, status, _queries in cases]
    assert found == cases


@pytest.mark.parametrize(("method", "url", "status", "queries"), ERROR_PATHS[:1] + ERROR_PATHS[3:])
def test_after_the_pointers_delay_one_query_more(client, site, settings, method, url, status, queries):
    client.get(url)
    settings.LIVE_POINTER_TTL = 0
    with CaptureQueriesContext(connection) as captured:
        assert getattr(client, method)(url).status_code == status
    assert len(captured) == queries + 1


def test_a_304_costs_nothing(client, site):
    etag = client.get("/fr/demo-new/help/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/fr/demo-new/help/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(f"{API}/wizards/demo-new/?lang=fr").status_code == 200
    assert len(queries) == 0


def test_feedback_costs_one_insert_and_a_refusal_nothing(client, site):
    url = "/fr/demo-new/profiles/citizen/apply/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, feedback_form()).status_code == 303
    assert [query["sql"].split()[0] for query in queries] == ["INSERT"]
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, feedback_form(age=0.1))["Location"].endswith("feedback=retry#feedback")
    assert len(queries) == 0


@pytest.mark.parametrize(("method", "url", "status", "queries"), API_ANSWERS)
def test_every_api_answer_costs_at_most_one_query(client, site, method, url, status, queries):
    assert count(client, method, url, status) == queries


def test_a_draft_costs_the_same_whatever_the_size_of_the_wizard(client, db):
    """A draft is frozen from the tree at each request (never cached): a fixed number of queries, not one a step."""
    small = factories.make_wizard("small")
    extra = [factories.step(f"s{n}", "info") for n in range(300)]
    big = factories.make_wizard("big", children=[*factories.document()["wizard"]["children"], *extra])
    costs = [
        count(client, "get", f"{API}/wizards/{wizard.slug}/?release=draft&token={preview.make_token(wizard)}", 200)
        for wizard in (small, big)
    ]
    assert costs[0] == costs[1]


def test_the_first_old_address_reads_the_wizards_addresses_in_one_indexed_query(client, large_site):
    client.get("/fr/demo-new/")  # the release is loaded, as it is for every page
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/fr/demo-new/big-0/extra-7/").status_code == 301
    (query,) = queries
    assert "cms_publicaddress" in query["sql"]
    assert "cms_release" not in query["sql"]
    assert "wizard_node" not in query["sql"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/fr/no-such-wizard/").status_code == 404
    (query,) = queries
    assert "cms_release" not in query["sql"]
    assert "wizard_node" not in query["sql"]
