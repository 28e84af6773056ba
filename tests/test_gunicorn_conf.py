import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_each_worker_freezes_what_it_loaded_at_start_up(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    hooks = runpy.run_path(str(CONF))
    hooks["post_worker_init"](worker=None)
    assert calls == ["collect", "freeze"]


def test_the_demo_serves_with_it():
    demo = (CONF.parent / "bin" / "demo").read_text()
    assert "gunicorn cms.wsgi -c gunicorn.conf.py" in demo
