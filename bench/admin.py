"""Benchmark of the editors' screens at scale: .venv/bin/python bench/admin.py [--quick] [--profile PAGE]

Builds the seed wizard (fixtures/egov-roles.yaml, one task of it in French and Dutch only, so that the translation
dashboard lists steps to translate in both scenes), then the seed + 5,040 steps (40 sections of 125 tasks, all four
languages on half of them, French and Dutch on the others), and for each makes a one-field change (one Dutch
title), submits it, and measures through Django's test client, logged in as the demo editor, reviewer and
translator, every admin page they use: server time (median of a few runs), response size and query count. Then
the publication (submit + approve). Prints the table with the ratio large/seed and the goals' verdicts. Pages are
measured as a gunicorn worker serves them: what was loaded before is frozen out of the garbage collector's sight.

`--profile PAGE` prints the cProfile of the pages whose name contains PAGE (comma-separated parts), `--profile
approve` that of the large wizard's approval.

Goals at +5,040 steps: every page ≤ 300 ms and ≤ 300 KB, its query count the same as with the seed, and
submit + approve ≤ 3 s. It uses its own SQLite database under .bench/ and never touches the project's.
"""

import argparse
import copy
import gc
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["BENCH_DB"] = os.environ.get("BENCH_ADMIN_DB", str(ROOT / ".bench" / "admin.sqlite3"))
# The notifications of submit and approve go to memory, not to the console.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

GOAL_MS, GOAL_KB, GOAL_PUBLISH_S = 300, 300, 3.0
# The server's own time: CPU seconds of this process, which runs the view and (SQLite) the database. Wall time on
# a machine shared with others measures their load as much as ours.
clock = time.process_time
CHANGED_STEP = "profiles/legal-representative/activate-capacity"
UNTRANSLATED_STEP = "profiles/user/change-email"  # French and Dutch only: see seed_document()


@dataclass
class Page:
    name: str
    role: str
    url: Callable[["Scene"], str]


@dataclass
class Scene:
    """What one measured state of the database holds: the wizard, the pending request, the changed step."""

    wizard_id: int
    change_id: int
    step_id: int
    release_id: int
    steps: int
    submit_s: float = 0.0
    approve_s: float = 0.0


@dataclass
class Figures:
    ms: float
    kb: float
    queries: int
    status: int


def pages() -> list[Page]:
    from django.urls import reverse

    def change(name: str, *args: object) -> Callable[[Scene], str]:
        return lambda scene: reverse(f"admin:{name}", args=[getattr(scene, arg) for arg in args])

    return [
        Page("review page (one-field change)", "reviewer", change("cms_changerequest_change", "change_id")),
        Page("submit page", "editor", change("cms_changerequest_submit")),
        Page(
            "submit page of one wizard (items and summary)",
            "editor",
            lambda scene: reverse("admin:cms_changerequest_submit") + f"?wizard={scene.wizard_id}",
        ),
        Page("translation dashboard", "translator", change("wizard_translationstate_dashboard", "wizard_id")),
        Page("translation overview", "translator", change("wizard_translationstate_changelist")),
        Page("step change form", "editor", change("wizard_node_change", "step_id")),
        Page("step change form", "translator", change("wizard_node_change", "step_id")),
        Page("broken-links page", "editor", change("cms_linkcheck_broken")),
        Page("step tree", "editor", change("wizard_node_changelist")),
        Page("change-request list", "reviewer", change("cms_changerequest_changelist")),
        Page("link targets list", "editor", change("wizard_linktarget_changelist")),
        Page("audit log", "reviewer", change("cms_auditentry_changelist")),
        Page("admin index", "editor", change("index")),
        Page("admin index", "translator", change("index")),
        Page("admin index", "reviewer", change("index")),
        Page("release list", "reviewer", change("cms_release_changelist")),
        Page("release detail", "reviewer", change("cms_release_change", "release_id")),
        Page("discard confirmation", "editor", change("wizard_node_discard", "step_id")),
        Page("reset confirmation", "editor", change("wizard_node_reset", "wizard_id")),
        # The step form's choosers search as one types (POST endpoints, the preview and the check, are not pages).
        Page(
            "step chooser search", "editor", lambda scene: change("wizard_node_references", "step_id")(scene) + "?q=ta"
        ),
        Page(
            "site chooser search",
            "editor",
            lambda scene: change("wizard_node_references", "step_id")(scene) + "?kind=link",
        ),
        Page("request preview (one step)", "reviewer", lambda scene: f"/preview/change/{scene.change_id}/nl/"),
    ]


def setup_database() -> None:
    import django

    db = Path(os.environ["BENCH_DB"])
    db.parent.mkdir(exist_ok=True)
    db.unlink(missing_ok=True)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demoaccounts", quiet=True)


def seed_document() -> dict:
    """The seed wizard, but for one task in French and Dutch only, as half of the large wizard's tasks are.

    So that the translation dashboard of either scene lists steps to translate: the seed's texts are all translated,
    and a page with nothing to list reads no step (a query fewer), which is not what the large scene measures.
    """
    from wizard import exchange

    document = exchange.read((ROOT / "fixtures" / "egov-roles.yaml").read_bytes())
    step = next(step for step in exchange.walk(document["wizard"]) if step.step_path == UNTRANSLATED_STEP)
    for name in ("title", "label", "body", "note"):
        for lang in ("de", "en"):
            step.entry.get(name, {}).pop(lang, None)
    return document


def grown(document: dict, sections: int, tasks: int) -> dict:
    """The document with `sections` new choice steps of `tasks` tasks each; every other task in four languages."""
    document = copy.deepcopy(document)
    langs = ("fr", "nl", "de", "en")
    for s in range(sections):
        children = []
        for n in range(tasks):
            shown = langs if n % 2 == 0 else langs[:2]
            words = {"fr": "Tâche", "nl": "Taak", "de": "Aufgabe", "en": "Task"}
            body = {
                "fr": f"Voir [le Centre de contact](link:contact-center) et [Contact](node:contact), tâche {s}.{n}.",
                "nl": f"Zie [het Contactcenter](link:contact-center) en [Contact](node:contact), taak {s}.{n}.",
                "de": f"Siehe [das Kontaktcenter](link:contact-center) und [Kontakt](node:contact), {s}.{n}.",
                "en": f"See [the Contact Centre](link:contact-center) and [Contact](node:contact), task {s}.{n}.",
            }
            children.append(
                {
                    "uid": str(uuid.uuid4()),
                    "slug": f"task-{n}",
                    "kind": "task",
                    "title": {lang: f"{words[lang]} {s}.{n}" for lang in shown},
                    "label": {lang: f"{words[lang]} {n}" for lang in shown},
                    "body": {lang: body[lang] for lang in shown},
                }
            )
        document["wizard"]["children"].append(
            {
                "uid": str(uuid.uuid4()),
                "slug": f"section-{s}",
                "kind": "choice",
                "title": {"fr": f"Section {s}", "nl": f"Sectie {s}", "de": f"Abschnitt {s}", "en": f"Section {s}"},
                "children": children,
            }
        )
    return document


def build(document: dict, *, title: str) -> Scene:
    """Load and publish `document`, change one Dutch title as the editor, submit it (timed)."""
    import reversion
    import time_machine
    from django.contrib.auth.models import User

    from cms import releases, workflow
    from wizard import exchange, translations
    from wizard.models import wizard_step_paths

    # Imported an hour before it goes live: the release reads the draft it freezes, not the same second's saves
    # (cms.releases.SAVE_MARGIN), as it would in life.
    with time_machine.travel(time.time() - 3600, tick=True):
        wizard = exchange.load(document)
        translations.record_changed(wizard)
    release = releases.create(wizard, user=None)
    releases.make_live(release)
    editor = User.objects.get(username="editor")
    step = wizard_step_paths(wizard)[CHANGED_STEP]
    with reversion.create_revision():
        step.title_nl = title
        step.save()
        reversion.set_user(editor)
    started = clock()
    change = workflow.submit(wizard, author=editor, note="One Dutch title")
    submit_s = clock() - started
    steps = sum(1 for _ in exchange.walk(document["wizard"])) - 1
    return Scene(wizard.pk, change.pk, step.pk, release.pk, steps, submit_s=submit_s)


def approve(scene: Scene, *, profiled: bool = False) -> None:
    """Approve the scene's pending request (timed; with `profiled`, print the cProfile of the approval)."""
    import cProfile
    import pstats

    from django.contrib.auth.models import User

    from cms import workflow
    from cms.models import ChangeRequest

    change, reviewer = ChangeRequest.objects.get(pk=scene.change_id), User.objects.get(username="reviewer")
    profiler = cProfile.Profile()
    started = clock()
    if profiled:
        profiler.enable()
    workflow.approve(change, reviewer=reviewer)
    if profiled:
        profiler.disable()
    scene.approve_s = clock() - started
    if profiled:
        print("\n== publication: approve (reviewer) ==")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def clients() -> dict:
    from django.contrib.auth.models import User
    from django.test import Client

    found = {}
    for role in ("editor", "reviewer", "translator"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=role))
        found[role] = client
    return found


def measure(scene: Scene, *, runs: int) -> list[Figures]:
    from django.db import connection

    logged_in = clients()
    # As a gunicorn worker serves pages (gunicorn.conf.py post_worker_init): what was loaded before is out of the
    # garbage collector's sight. Here that is also the documents this process imported from, which no worker
    # holds, and whose every full collection would otherwise be counted against the page that triggered it.
    gc.collect()
    gc.freeze()
    found = []
    for page in pages():
        client, url = logged_in[page.role], page.url(scene)
        queries: list[str] = []

        def count(execute: Callable, sql: str, *args: object, queries: list[str] = queries) -> object:
            queries.append(sql)
            return execute(sql, *args)

        client.get(url)  # the steady state: caches a process fills once (content types, parsed texts) are filled
        with connection.execute_wrapper(count):
            response = client.get(url)
        times = []
        for _ in range(runs):
            started = clock()
            client.get(url)
            times.append((clock() - started) * 1000)
        size = len(response.content) / 1024
        found.append(Figures(statistics.median(times), size, len(queries), response.status_code))
    return found


def profile(scene: Scene, name: str) -> None:
    """cProfile one GET of the pages whose name contains `name` (or one of its comma-separated parts), the 25
    costliest functions by cumulative time."""
    import cProfile
    import pstats

    logged_in = clients()
    for page in pages():
        if not any(part.lower() in f"{page.name} {page.role}".lower() for part in name.split(",")):
            continue
        client, url = logged_in[page.role], page.url(scene)
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
        print(f"\n== {page.name} ({page.role}) ==")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 sections instead of 40, 3 runs a page instead of 7")
    parser.add_argument(
        "--profile", metavar="PAGE", help="also cProfile the pages whose name contains PAGE (approve: the approval)"
    )
    args = parser.parse_args()
    sections, runs = (8, 3) if args.quick else (40, 7)

    setup_database()
    seed = seed_document()
    small = build(seed, title="… en ik wil een ‘hoedanigheid’ inschakelen")
    before = measure(small, runs=runs)
    approve(small)
    large = build(grown(seed, sections, 125), title="… en ik wil een ‘hoedanigheid’ inschakelen")
    after = measure(large, runs=runs)
    if args.profile:
        profile(large, args.profile)
    approve(large, profiled=bool(args.profile) and "approve" in args.profile.lower().split(","))

    print(f"Python {sys.version.split()[0]}, SQLite, test client; CPU time, median of {runs} GETs a page.")
    print(f"seed: {small.steps} steps; large: {large.steps} steps (+{large.steps - small.steps}).\n")
    print("| page | as | seed ms | seed KB | seed q | large ms | large KB | large q | × time | goal |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    failures = 0
    for page, a, b in zip(pages(), before, after, strict=True):
        misses = []
        if b.ms > GOAL_MS:
            misses.append("time")
        if b.kb > GOAL_KB:
            misses.append("size")
        if b.queries != a.queries:
            misses.append("queries")
        if a.status != 200 or b.status != 200:
            misses.append(f"HTTP {a.status}/{b.status}")
        failures += bool(misses)
        verdict = "ok" if not misses else "**" + ", ".join(misses) + "**"
        print(
            f"| {page.name} | {page.role} | {a.ms:.0f} | {a.kb:.0f} | {a.queries} "
            f"| {b.ms:.0f} | {b.kb:.0f} | {b.queries} | {b.ms / a.ms:.1f} | {verdict} |"
        )
    for label, a_s, b_s in (
        ("submit", small.submit_s, large.submit_s),
        ("approve", small.approve_s, large.approve_s),
        ("submit + approve", small.submit_s + small.approve_s, large.submit_s + large.approve_s),
    ):
        goal = ""
        if label == "submit + approve":
            goal = "ok" if b_s <= GOAL_PUBLISH_S else "**time**"
            failures += b_s > GOAL_PUBLISH_S
        print(f"| publication: {label} | editor, reviewer | {a_s * 1000:.0f} | | | {b_s * 1000:.0f} | | | "
              f"{b_s / a_s:.1f} | {goal} |")  # fmt: skip
    print(
        f"\nGoals at +{large.steps - small.steps} steps: ≤ {GOAL_MS} ms, ≤ {GOAL_KB} KB, same query count as the seed; "
        f"publication ≤ {GOAL_PUBLISH_S:.0f} s. {'All met.' if not failures else f'{failures} miss(es).'}"
    )
    if failures and not args.quick:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
