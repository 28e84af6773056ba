"""Take docs/editors.md's and docs/translators.md's screenshots of change requests in parts (parts-*.png).

    .venv/bin/python docs/screenshots/take_parts.py [PORT]

Self-contained: it builds a scratch SQLite database (the seed wizard, published; the demo accounts and a second
editor), makes the changes the pictures show through the actions, serves it with `manage.py runserver` on
127.0.0.1:PORT (default 8241) and drives headless Chromium through it. Nothing outside a temporary folder changes.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PASSWORDS = {"editor": "editor-demo-password", "translator": "translator-demo-password"}
PASSWORDS |= {"reviewer": "reviewer-demo-password", "colleague": "colleague-demo-password"}


def prepare() -> int:
    """The scratch database: seed published, then a colleague's new section, a fix, a translation. Its wizard id."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from cms.actions import steps
    from wizard import exchange
    from wizard.models import Node, wizard_step_paths

    call_command("migrate", verbosity=0)
    call_command("demoaccounts", quiet=True)
    call_command("importwizard", str(ROOT / "fixtures" / "egov-roles.yaml"), "--publish", verbosity=0)
    colleague = User.objects.create_user("colleague", "colleague@example.org", PASSWORDS["colleague"], is_staff=True)
    colleague.groups.add(Group.objects.get(name="Editors"))
    editor, translator = User.objects.get(username="editor"), User.objects.get(username="translator")
    wizard = Node.objects.wizards().get()
    section = steps.create_step(
        Node(slug="mandats", kind="choice", title_fr="Mandats (en préparation)", label_fr="Mandats"),
        user=colleague,
        reference=wizard,
    )
    steps.create_step(
        Node(slug="donner", kind="task", title_fr="Donner un mandat", label_fr="Donner un mandat"),
        user=colleague,
        reference=section,
    )
    paths = wizard_step_paths(wizard)
    about = paths["about"]
    about.title_fr = "À propos du wizard : les tâches de chaque profil"
    steps.edit_step(about, user=editor)
    task = next(node for path, node in paths.items() if path.count("/") == 2 and node.title_nl)
    task.title_nl = f"{task.title_nl} (herzien)"
    steps.edit_step(task, user=translator)
    assert exchange  # the seed came through importwizard, which checks it
    return wizard.pk


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=1)  # noqa: S310 - our own server
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The server did not start.")


def shoot(base: str, wizard: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )

        def logged_in(username: str):
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORDS[username])
            page.click("input[type=submit]")
            return page

        editor = logged_in("editor")
        editor.goto(f"{base}/admin/cms/changerequest/submit/?wizard={wizard}")
        editor.locator("#submit-items").screenshot(path=HERE / "parts-submit.png")
        for box in editor.locator("#submit-items input[name=items]").all():
            box.uncheck()
        editor.get_by_label("mandats/donner", exact=True).check()
        editor.click("input[name=_closure]")
        editor.locator("#submit-items").screenshot(path=HERE / "parts-closure.png")
        for box in editor.locator("#submit-items input[name=items]").all():
            box.uncheck()
        editor.get_by_label("about", exact=True).check()
        editor.fill("#id_note", "Titre plus clair, urgent")
        editor.click("text=Submit for review")
        editor.locator("#request-items").screenshot(path=HERE / "parts-request.png")

        translator = logged_in("translator")
        translator.goto(f"{base}/admin/")
        translator.locator("#waiting-for-you").screenshot(path=HERE / "parts-home-translator.png")
        translator.click("text=Unsubmitted changes to")
        translator.locator("#submit-items").screenshot(path=HERE / "parts-submit-translator.png")
        browser.close()


def main(port: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/parts.sqlite3"
        os.environ["DEBUG"] = "1"
        os.environ["SITE_URL"] = f"http://127.0.0.1:{port}"
        wizard = prepare()
        server = serve(port)
        try:
            shoot(f"http://127.0.0.1:{port}", wizard)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8241)
