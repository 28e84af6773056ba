API = "/api/v1"
ERROR_KEYS = {"status", "error", "message"}


def get_json(client, url: str, **headers) -> dict:
    """The JSON of a 200 answer, checked to be one."""
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()
