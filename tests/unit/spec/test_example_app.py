"""examples/app/app.py (the custom-runtime app of fc.yaml.example) speaks FC's HTTP contract:
POST /initialize, GET /pre-stop, POST /invoke and any other path, with or without x-fc-*
headers, on 0.0.0.0:$FC_SERVER_PORT."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[3] / "examples/app/app.py"
pytestmark = pytest.mark.timeout(60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url():
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FC_")}
    env["FC_SERVER_PORT"] = str(port)
    proc = subprocess.Popen([sys.executable, str(APP)], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, cwd=APP.parent)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"app did not start: {proc.stderr.read().decode()}")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _call(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    req = urllib.request.Request(url + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def test_hooks_and_invocations_without_fc_headers(app_url):
    status, doc = _call(app_url, "POST", "/invoke", b'{"a": 1}')
    assert status == 200 and doc["initialized"] is False and doc["bytes"] == 8
    assert _call(app_url, "POST", "/initialize", b"") == (200, {"initialized": True})
    status, doc = _call(app_url, "GET", "/orders/42")
    assert status == 200 and doc["path"] == "/orders/42" and doc["initialized"] is True
    assert doc["invocations"] == 2
    assert _call(app_url, "GET", "/pre-stop") == (200, {"stopped": True})


def test_fc_headers_are_used_when_present(app_url):
    status, doc = _call(app_url, "POST", "/invoke", b"x",
                        {"x-fc-request-id": "r-1", "x-fc-function-name": "orders-api"})
    assert status == 200 and doc["function"] == "orders-api"
