"""Attack: grow a server's memory by asking for the same answers under many Host headers (one port each).

Django accepts any port with an allowed host name. Whatever is memoized per origin must then be bounded; with
SITE_URL set (required in production), the Host header does not make another copy at all. The tests measure the
memos' size, not the process's memory.
"""

import pytest

from cms import live

PORTS = range(9000, 10000)  # 1,000 different origins
URLS = ["/api/v1/wizards/demo/nodes/contact/?lang=nl", "/api/v1/wizards/", "/sitemap.xml", "/fr/demo/contact/"]


def ask_from_every_port(client, url: str, ports: range = PORTS) -> None:
    for port in ports:
        assert client.get(url, HTTP_HOST=f"localhost:{port}").status_code == 200


def test_api_memo_bounded_by_host_ports(client, live_wizard, settings):
    settings.SITE_URL = ""  # a development machine: the origin is the request's
    settings.LIVE_MEMO_ORIGINS = 3
    url = "/api/v1/wizards/demo/?lang=fr"  # the whole wizard, rendered: the largest answer
    client.get(url, HTTP_HOST="localhost:8999")
    one_origin = live.wizard("demo").memo_size()
    ask_from_every_port(client, url)
    assert live.wizard("demo").memo_size() <= 3 * one_origin


@pytest.mark.parametrize("url", URLS)
def test_every_memo_is_bounded_by_host_ports(client, live_wizard, settings, url):
    settings.SITE_URL = ""
    settings.LIVE_MEMO_ORIGINS = 3
    client.get(url, HTTP_HOST="localhost:8999")
    one_origin = live.wizard("demo").memo_size()
    ask_from_every_port(client, url, range(9000, 9100))
    assert live.wizard("demo").memo_size() <= 3 * one_origin


@pytest.mark.parametrize("url", ["/api/v1/wizards/demo/?lang=fr", *URLS])
def test_with_a_site_url_the_host_header_makes_no_copy(client, live_wizard, settings, url):
    settings.SITE_URL = "https://wizards.example.be"
    client.get(url)
    one_origin = live.wizard("demo").memo_size()
    ask_from_every_port(client, url)
    assert live.wizard("demo").memo_size() == one_origin
    assert "https://wizards.example.be/" in client.get(url, HTTP_HOST="localhost:9001").content.decode()
