from cms import releases
from cms.linkcheck import report
from cms.models import LinkCheck
from tests import factories
from wizard.models import Node

LINKS = {"portal": {"fr": "https://portal.test/fr", "nl": "https://portal.test/nl"}}
BODIES = {"apply": "[Portail](link:portal), [loi](https://law.test/) et [aide](https://help.test/)"}


def test_problems_in_a_snapshot_are_its_broken_and_unstable_urls_with_where(db):
    snapshot = releases.freeze(factories.make_content(LINKS, BODIES))
    LinkCheck.objects.create(url="https://law.test/", status="unstable", consecutive_failures=1)
    LinkCheck.objects.create(url="https://portal.test/nl", status="broken", consecutive_failures=2)
    LinkCheck.objects.create(url="https://help.test/", status="ok")
    LinkCheck.objects.create(url="https://elsewhere.test/", status="broken")
    problems = report.problems_in(snapshot)
    assert [(p.url, p.status) for p in problems] == [
        ("https://portal.test/nl", "broken"), ("https://law.test/", "unstable")
    ]  # fmt: skip
    url, status, where = problems[0]
    assert where == ["link target “portal” (nl)", "step “apply” of “demo” (body, nl) via link target “portal”"]


def test_problems_compared_to_the_live_release_are_only_the_new_ones(db):
    wizard = factories.make_content(LINKS, BODIES)
    live = releases.freeze(wizard)
    step = Node.objects.get(slug="apply")
    step.body_fr += " [nouveau](https://new.test/)"
    step.save()
    LinkCheck.objects.create(url="https://law.test/", status="broken")
    LinkCheck.objects.create(url="https://new.test/", status="broken")
    problems = report.problems_in(releases.freeze(wizard), compared_to=live)
    assert [p.url for p in problems] == ["https://new.test/"]


def test_urls_not_checked_yet_are_not_problems(db):
    assert report.problems_in(releases.freeze(factories.make_content(LINKS, BODIES))) == []


def test_worst_status_wins():
    assert report.worst(["ok", "redirect", "unstable"]) == "unstable"
    assert report.worst(["ok", "pending"]) == "pending"
    assert report.worst([]) is None


def test_broken_links_lists_each_place_with_a_link_to_edit_it(db):
    factories.make_content(LINKS, BODIES)
    LinkCheck.objects.create(url="https://portal.test/fr", status="redirect", final_url="https://portal.test/new")
    LinkCheck.objects.create(url="https://law.test/", status="broken")
    LinkCheck.objects.create(url="https://help.test/", status="ok")
    entries = report.broken_links()
    assert [entry.check.url for entry in entries] == ["https://law.test/", "https://portal.test/fr"]
    step = Node.objects.get(slug="apply")
    assert [(p.where, p.edit_url) for p in entries[0].places] == [
        ("step “apply” of “demo” (body, fr, draft)", f"/admin/wizard/node/{step.pk}/change/"),
        ("step “apply” of “demo” (body, nl, draft)", f"/admin/wizard/node/{step.pk}/change/"),
        ("step “apply” of “demo” (body, de, draft)", f"/admin/wizard/node/{step.pk}/change/"),
        ("step “apply” of “demo” (body, en, draft)", f"/admin/wizard/node/{step.pk}/change/"),
    ]
    assert entries[1].languages == ["de", "en", "fr"]
    assert entries[1].places[0].edit_url.startswith("/admin/wizard/linktarget/")
