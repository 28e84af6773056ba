import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cms.models import LinkCheck
from tests import factories

ROOT = Path(__file__).resolve().parents[3]


def url_file(tmp_path: Path, *urls: str) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("# links to check\n\n" + "\n".join(urls) + "\n")
    return path


def checklinks(*args: str) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("checklinks", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def test_urls_file_prints_the_broken_ones_one_a_line_and_exits_1(farm, tmp_path, db):
    path = url_file(tmp_path, farm.url("/ok"), farm.url("/status/404"), farm.url("/loop/a/0"), farm.url("/chain/1"))
    out, err, code = checklinks("--urls", str(path))
    assert out.splitlines() == [farm.url("/status/404"), farm.url("/loop/a/0")]
    assert code == 1
    assert "Checked 4 URL(s)" in err
    assert not LinkCheck.objects.exists()  # judged by this run alone


def test_urls_file_with_every_url_fine_exits_0_and_prints_nothing(farm, tmp_path, db):
    out, _err, code = checklinks("--urls", str(url_file(tmp_path, farm.url("/ok"), farm.url("/limited/a?after=0"))))
    assert (out, code) == ("", 0)


def test_a_single_failure_counts_in_urls_mode(farm, tmp_path, db):
    # No history here: a URL that fails this run (after its retries) is broken.
    out, _err, code = checklinks("--urls", str(url_file(tmp_path, farm.url("/reset"))), "--timeout", "1")
    assert (out.strip(), code) == (farm.url("/reset"), 1)


@pytest.mark.parametrize(
    "args",
    [["--urls", "/no/such/file"], ["--per-host", "0"], ["--concurrency", "-1"], ["--timeout", "0"]],
)
def test_bad_usage_exits_2(args, db):
    _out, _err, code = checklinks(*args)
    assert code == 2


def test_json_format_gives_each_result(farm, tmp_path, db):
    out, _err, code = checklinks("--urls", str(url_file(tmp_path, farm.url("/chain/1?code=308"))), "--format", "json")
    document = json.loads(out)
    assert code == 0
    assert document["broken"] == []
    [result] = document["results"]
    assert (result["outcome"], result["final_url"]) == ("redirect", farm.url("/chain/0?code=308"))


def test_all_content_is_checked_with_history_and_a_summary(farm, db):
    body = f"[a]({farm.url('/status/500')}) [b](link:portal)"
    factories.make_content({"portal": {"fr": farm.url("/ok")}}, {"apply": body})
    out, _err, code = checklinks()
    assert code == 0
    assert "Checked 2 URL(s)" in out
    assert "1 ok, 1 unstable" in out
    out, _err, code = checklinks()
    assert code == 1
    assert f"broken: {farm.url('/status/500')} (HTTP 500 Internal Server Error)" in out
    assert "  used in step “apply” of “demo” (body, nl, draft)" in out
    out, _err, code = checklinks("--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["broken"] == [farm.url("/status/500")]
    row = next(r for r in document["results"] if r["status"] == "broken")
    assert row["consecutive_failures"] == 3
    assert row["used_in"] == [f"step “apply” of “demo” (body, {lang}, draft)" for lang in ("fr", "nl", "de", "en")]


def test_options_reach_the_checker(farm2, tmp_path, db):
    urls = [farm2.url(f"/slow/0.2?n={n}") for n in range(6)]
    checklinks("--urls", str(url_file(tmp_path, *urls)), "--per-host", "2", "--concurrency", "8")
    assert farm2.stats.max_in_flight["127.0.0.1"] == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(farm, tmp_path, db):
    err = Terminal()
    with pytest.raises(CommandError):
        call_command("checklinks", "--urls", str(url_file(tmp_path, farm.url("/ok"), farm.url("/status/404"))),
                     stdout=io.StringIO(), stderr=err)  # fmt: skip
    assert "] 1/2" in err.getvalue()
    assert "[" + "#" * 30 + "] 2/2" in err.getvalue()


def test_exit_status_from_the_shell(farm, tmp_path):
    env = {**os.environ, "LINKCHECK_ALLOW_PRIVATE": "127.0.0.0/8", "LINKCHECK_TIMEOUT": "1"}
    command = [sys.executable, "manage.py", "checklinks", "--urls"]
    fine = subprocess.run([*command, str(url_file(tmp_path, farm.url("/ok")))], cwd=ROOT, env=env, capture_output=True)
    assert fine.returncode == 0, fine.stderr
    path = url_file(tmp_path, farm.url("/ok"), farm.url("/status/404"))
    broken = subprocess.run([*command, str(path)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (broken.returncode, broken.stdout) == (1, farm.url("/status/404") + "\n")
    refused = subprocess.run(
        [*command, str(path)], cwd=ROOT, env={**env, "LINKCHECK_ALLOW_PRIVATE": ""}, capture_output=True
    )
    assert refused.returncode == 0  # refused, not broken
    every_private = subprocess.run(
        [*command, str(path)], cwd=ROOT, env={**env, "LINKCHECK_ALLOW_PRIVATE": "1"}, capture_output=True
    )
    assert every_private.returncode == 1  # "1" allows every private address: the 404 is checked, and broken
    missing = subprocess.run([*command, "/no/such/file"], cwd=ROOT, env=env, capture_output=True)
    assert missing.returncode == 2
