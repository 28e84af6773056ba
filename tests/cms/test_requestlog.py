import json
import logging

from cms import requestlog
from cms.requestlog import JsonFormatter, TextFormatter
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


def test_the_text_format_writes_the_time_as_logging_does(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="cms.requests"):
        client.get("/healthz")
        client.get("/healthz")
    fmt = "%(asctime)s %(levelname)s %(name)s %(message)s"
    for record in caplog.records:
        assert TextFormatter(fmt).format(record) == logging.Formatter(fmt).format(record)
        assert TextFormatter(fmt, "%H:%M").format(record) == logging.Formatter(fmt, "%H:%M").format(record)


def test_no_record_is_made_when_the_request_log_is_off(client, db, caplog, monkeypatch):
    # LOG_REQUESTS=0 costs a level check: no record, not even the fields of the line (the client's address).
    monkeypatch.setattr(requestlog.logger, "makeRecord", None)
    monkeypatch.setattr(requestlog, "clientip", None)
    with caplog.at_level(logging.WARNING, logger="cms.requests"):
        assert client.get("/healthz").status_code == 200
    assert not [record for record in caplog.records if record.name == "cms.requests"]
