from django.test import RequestFactory

from cms import memo


def test_a_memo_drops_the_least_recently_used_value():
    cache = memo.LRU(2)
    calls = []

    def page(name: str):
        return lambda: calls.append(name) or name.upper()

    assert cache.get("a", page("a")) == "A"
    assert cache.get("b", page("b")) == "B"
    assert cache.get("a", page("a")) == "A"  # kept, and now the most recent
    cache.get("c", page("c"))  # drops "b"
    cache.get("a", page("a"))
    cache.get("b", page("b"))
    assert calls == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_the_site_origin_is_the_setting_whatever_the_host_header(settings):
    settings.SITE_URL = "https://wizards.example.be"
    request = RequestFactory().get("/fr/", HTTP_HOST="localhost:8123")
    assert memo.site_origin(request) == "https://wizards.example.be"


def test_without_the_setting_the_origin_is_the_requests(settings):
    settings.SITE_URL = ""
    request = RequestFactory().get("/fr/", HTTP_HOST="localhost:8123")
    assert memo.site_origin(request) == "http://localhost:8123"
