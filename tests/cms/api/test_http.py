"""The HTTP side of the API: errors as JSON in one shape, validators and 304s, CORS."""

import json

import pytest
from django.http import HttpResponse

from cms.api import http
from tests.cms.api import API, ERROR_KEYS


@pytest.mark.parametrize(
    ("method", "url", "status", "error"),
    [
        ("get", "/wizards/nope/", 404, "unknown_wizard"),
        ("get", "/wizards/nope/nodes/profiles/", 404, "unknown_wizard"),
        ("get", "/wizards/demo/nodes/profiles/nope/", 404, "unknown_step"),
        ("get", "/wizards/demo/?lang=xx", 400, "unknown_language"),
        ("get", "/wizards/demo/nodes/profiles/?lang=EN", 400, "unknown_language"),
        ("get", "/wizards/demo/?release=old", 400, "invalid_parameter"),
        ("get", "/nothing-here/", 404, "not_found"),
        ("post", "/wizards/", 405, "method_not_allowed"),
        ("delete", "/wizards/demo/", 405, "method_not_allowed"),
        ("put", "/wizards/demo/nodes/profiles/", 405, "method_not_allowed"),
    ],
)
def test_errors_are_json_with_one_stable_shape(client, live_wizard, method, url, status, error):
    response = getattr(client, method)(f"{API}{url}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["error"]) == (status, error)
    assert body["message"]
    assert response["Cache-Control"] == "private, no-store"
    if status == 405:
        assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ["/wizards/", "/wizards/demo/?lang=nl", "/wizards/demo/nodes/profiles/?lang=nl"])
def test_an_unchanged_answer_is_not_sent_again(client, live_wizard, url):
    first = client.get(f"{API}{url}")
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "stale-while-revalidate" in first["Cache-Control"]
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(f"{API}{url}", headers={"If-None-Match": sent})
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert again["Cache-Control"] == first["Cache-Control"]
        assert again.get("Content-Language") == first.get("Content-Language")
        assert "Content-Type" not in again
    assert client.get(f"{API}{url}", headers={"If-None-Match": '"other"'}).status_code == 200


def test_any_origin_may_read_the_api(client, live_wizard):
    response = client.get(f"{API}/wizards/", headers={"Origin": "https://app.example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    missing = client.get(f"{API}/wizards/nope/", headers={"Origin": "https://app.example.org"})
    assert missing["Access-Control-Allow-Origin"] == "*"


def test_cors_can_be_limited_to_configured_origins(client, live_wizard, settings):
    settings.API_CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    allowed = client.get(f"{API}/wizards/", headers={"Origin": "https://app.example.org"})
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Origin" in allowed["Vary"]
    refused = client.get(f"{API}/wizards/", headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused
    assert "Origin" in refused["Vary"]


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"1.fr.2"', True),
        ('W/"1.fr.2"', True),  # weak comparison, as RFC 9110 says for GET
        ('"other", "1.fr.2"', True),
        ("*", True),
        ('"1.nl.2"', False),
    ],
)
def test_an_etag_matches_by_weak_comparison(rf, header, matches):
    request = rf.get("/api/v1/wizards/", headers={"If-None-Match": header} if header else {})
    assert http.etag_matches(request, '"1.fr.2"') is matches


def test_a_vary_header_is_added_once_whatever_its_case():
    response = HttpResponse()
    response["Vary"] = "accept-language"
    http.add_vary(response, "Accept-Language")
    http.add_vary(response, "Origin")
    assert response["Vary"] == "accept-language, Origin"


def test_an_error_answer_is_never_stored_by_a_cache():
    response = http.error_response(404, "not_found", "Rien ici.")
    assert (response.status_code, response["Cache-Control"]) == (404, "private, no-store")
    assert json.loads(response.content) == {"status": 404, "error": "not_found", "message": "Rien ici."}
