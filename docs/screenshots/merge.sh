#!/usr/bin/env bash
# Take the screenshots of docs/editors.md, "Working at the same time" (merge-*.png), from the browser test that
# plays two editors on one step. Usage: docs/screenshots/merge.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
MERGE_SCREENSHOTS="$PWD/docs/screenshots" .venv/bin/python -m pytest -q -n 0 -p no:randomly \
    tests/cms/admin/test_merge_browser.py
