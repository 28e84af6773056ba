import json
import logging

from cms.requestlog import JsonFormatter
from tests.cms.test_settings import manage


def test_one_line_per_request_with_status_duration_and_client(client, db, caplog, settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["127.0.0.1/32"], 1
    with caplog.at_level(logging.INFO, logger="cms.requests"):
        client.get("/healthz?token=secret", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
        client.get("/fr/nothing-here/")
    first, second = (record for record in caplog.records if record.name == "cms.requests")
    assert first.getMessage().startswith("GET /healthz 200 ")
    assert first.getMessage().endswith("ms 203.0.113.9")
    assert "secret" not in first.getMessage()  # query strings may carry preview tokens
    assert second.request_fields["status"] == 404
    assert isinstance(second.request_fields["duration_ms"], float)


def test_the_json_format_puts_each_field_in_its_own_key(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="cms.requests"):
        client.get("/healthz")
    (record,) = (record for record in caplog.records if record.name == "cms.requests")
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["method"], entry["path"], entry["status"], entry["logger"]) == (
        "GET",
        "/healthz",
        200,
        "cms.requests",
    )
    assert entry["duration_ms"] >= 0


def test_log_format_json_is_read_from_the_environment():
    script = "import logging; logging.getLogger('cms.requests').info('hello %(x)s', {'x': 1})"
    result = manage("shell", "-c", script, LOG_FORMAT="json", DATABASE_URL="sqlite:///:memory:")
    assert json.loads(result.stderr.splitlines()[-1])["message"] == "hello 1", result.stderr
