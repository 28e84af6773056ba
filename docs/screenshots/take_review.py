"""Take the screenshots of docs/editors.md's "Reviewing a change": .venv/bin/python docs/screenshots/take_review.py

Builds its own SQLite database in a temporary folder: the seed wizard (fixtures/egov-roles.yaml), published; a
draft with a task added under Profiles › Legal representative, a step moved up among its siblings, a Dutch text
and a German URL changed; submitted by the demo editor, with a comment of the demo reviewer. Serves it with
runserver on 127.0.0.1 (port REVIEW_SHOT_PORT, default 8300), takes docs/screenshots/review-*.png with Chromium,
and stops the server. Never touches the project's database.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PORT = int(os.environ.get("REVIEW_SHOT_PORT", "8300"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def prepare(folder: Path) -> int:
    """The database of the screenshots; returns the change request's id."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "cms.settings",
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from cms import actions, workflow
    from wizard.models import LinkTarget, Node, wizard_step_paths

    call_command("migrate", verbosity=0)
    call_command("demoaccounts", quiet=True)
    call_command("importwizard", str(ROOT / "fixtures" / "egov-roles.yaml"), "--publish", verbosity=0)
    editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="reviewer")
    wizard = Node.objects.wizards().get(slug="egov-roles")
    steps = wizard_step_paths(wizard)
    legal = "profiles/legal-representative"
    task = Node(
        slug="check-mandates",
        kind=Node.Kind.TASK,
        title_fr="Vérifier les mandats de l'entreprise",
        body_fr="Consultez les mandats en cours sur [le portail de la sécurité sociale](link:social-security-portal).",
    )
    reference = steps[f"{legal}/designate-local-manager"]
    actions.create_step(task, user=editor, reference=reference, position="left")
    first = steps[f"{legal}/register-company"]
    actions.move_step(steps[f"{legal}/find-managers"], user=editor, target=first, position="left")
    contact = Node.objects.get(pk=steps["contact"].pk)
    contact.body_nl = (contact.body_nl or "") + "\n\nHet contactcenter is open van maandag tot vrijdag."
    actions.edit_step(contact, user=editor)
    target = LinkTarget.objects.order_by("key").first()
    target.url_de = "https://www.example.org/de/eine/sehr/lange/adresse/die/nicht/in/eine/zeile/passt/?lang=de&x=1"
    actions.edit_link_target(target, user=editor)
    change = workflow.submit(wizard, author=editor, note="Une tâche de plus pour les représentants légaux.")
    [uid] = [entry["uid"] for entry in change.snapshot["wizard"]["children"] if entry["slug"] == "contact"]
    body = "Ook de uren op feestdagen?"
    actions.add_comment(change, author=reviewer, step_uid=uid, field="body", lang="nl", body=body)
    return change.pk


def wait_for(url: str) -> None:
    for _attempt in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server did not answer at {url}")


def shoot(base: str, change: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "reviewer")
        page.fill("#id_password", "reviewer-demo-password")
        page.click("input[type=submit]")
        page.goto(f"{base}/admin/cms/changerequest/{change}/change/")
        page.locator(".summary-step.diff-added").screenshot(path=HERE / "review-added.png")
        page.locator(".summary-step", has=page.locator(".reorder")).first.screenshot(path=HERE / "review-reorder.png")
        text = page.locator(".summary-step", has=page.locator("tr.comment-row"))
        text.locator("summary").click()
        text.screenshot(path=HERE / "review-text.png")
        page.locator(".checks").screenshot(path=HERE / "review-checks.png")
        page.locator(".url-checks").screenshot(path=HERE / "review-urls.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        change = prepare(Path(folder))
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload", "--insecure"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{PORT}"
            wait_for(f"{base}/healthz")
            shoot(base, change)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
