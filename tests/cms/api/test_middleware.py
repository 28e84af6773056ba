"""Everything under /api/ answers like the API: HEAD, OPTIONS, CORS and errors as JSON, even outside its views."""

from tests.cms.api import API


def test_head_answers_the_headers_of_get_without_the_body(client, live_wizard):
    got = client.get(f"{API}/wizards/demo/?lang=fr")
    head = client.head(f"{API}/wizards/demo/?lang=fr")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == got["ETag"]
    assert head["Content-Length"] == str(len(got.content))


def test_a_preflight_allows_the_headers_the_api_reads(client, db):
    response = client.options(
        f"{API}/wizards/demo/",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_the_site_outside_the_api_gets_no_cors_headers(client, db):
    response = client.get("/admin/login/", headers={"Origin": "https://app.example.org"})
    assert "Access-Control-Allow-Origin" not in response


def test_a_server_error_is_json_too(client, live_wizard, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cms.api.content.tree_json", broken)
    client.raise_request_exception = False
    response = client.get(f"{API}/wizards/demo/")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "error": "server_error",
        "message": "The server failed to answer; it has been logged.",
    }
