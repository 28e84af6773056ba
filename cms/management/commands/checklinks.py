import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms.linkcheck import run
from cms.models import LinkCheck

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Check external URLs: all content, or one a line from --urls FILE. Exit 1 if any is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--urls",
            type=Path,
            metavar="FILE",
            help="check the URLs of FILE (one a line, # starts a comment; - reads standard input) instead of all "
            "content; each is judged by this run alone and nothing is stored",
        )
        parser.add_argument("--concurrency", type=int, metavar="N", help="requests in flight at most (default 32)")
        parser.add_argument("--per-host", type=int, metavar="N", help="requests in flight to one host (default 4)")
        parser.add_argument(
            "--timeout", type=float, metavar="SECONDS", help="for one URL, all its requests together (default 10)"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["urls"]
        if path and str(path) != "-" and not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)  # 2 = bad usage, as in argparse
        for name in ("concurrency", "per_host", "timeout"):
            if options[name] is not None and options[name] <= 0:
                raise CommandError(f"--{name.replace('_', '-')} must be more than 0", returncode=2)
        opts = run.options(concurrency=options["concurrency"], per_host=options["per_host"], timeout=options["timeout"])
        as_json = options["format"] == "json"
        progress = self.progress if self.stderr.isatty() and not as_json else None
        report = run.check(urls=read_url_list(path) if path else None, opts=opts, progress=progress)
        if progress:
            self.stderr.write("\r" + " " * (BAR_WIDTH + 30) + "\r", ending="")
        broken = report.broken
        if as_json:
            self.stdout.write(json.dumps(as_document(report), indent=2, ensure_ascii=False))
        elif path:
            if broken:
                self.stdout.write("\n".join(result.url for result in broken))
            self.stderr.write(summary(report))
        else:
            self.stdout.write(summary(report))
            places: dict[str, list[str]] = {}
            for usage in report.usages:
                places.setdefault(usage.url, []).append(usage.where)
            for row in broken:
                self.stdout.write(f"broken: {row.url} ({row.error})")
                for where in dict.fromkeys(places.get(row.url, [])):
                    self.stdout.write(f"  used in {where}")
        if broken:
            raise CommandError(f"{len(broken)} broken link(s)", returncode=1)

    def progress(self, done: int, total: int, failed: int = 0) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        self.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending="")
        self.stderr.flush()


def read_url_list(path: Path) -> list[str]:
    """One URL a line; blank lines and lines starting with # are skipped."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8", errors="replace")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def summary(report: run.Report) -> str:
    counts = report.counts()
    order = ["ok", "redirect", "unstable", "broken", "refused", "rate-limited"]
    parts = [f"{counts[status]} {status}" for status in order if counts.get(status)]
    total = sum(counts.values())
    return f"Checked {total} URL(s) in {report.seconds:.1f} s: {', '.join(parts) or 'nothing to check'}."


def as_document(report: run.Report) -> dict[str, Any]:
    """The run as JSON: each URL with its result (and its history and places when all content was checked)."""
    if not report.recorded:
        results = [result.as_dict() for result in report.results]
        return {
            "checked": len(results),
            "counts": report.counts(),
            "broken": [r.url for r in report.broken],
            "results": results,
        }
    places: dict[str, list[str]] = {}
    for usage in report.usages:
        places.setdefault(usage.url, []).append(usage.where)
    rows = [_row(row, places.get(row.url, [])) for row in report.rows]
    return {"checked": len(rows), "counts": report.counts(), "broken": [r.url for r in report.broken], "results": rows}


def _row(row: LinkCheck, where: list[str]) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "url": row.url,
        "status": row.status,
        "http_status": row.http_status,
        "final_url": row.final_url,
        "error": row.error,
        "response_ms": row.response_ms,
        "consecutive_failures": row.consecutive_failures,
        "first_failure_at": when(row.first_failure_at),
        "last_success_at": when(row.last_success_at),
        "last_checked_at": when(row.last_checked_at),
        "used_in": list(dict.fromkeys(where)),
    }
