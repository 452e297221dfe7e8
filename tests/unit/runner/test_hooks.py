"""FC's requests to an instance: headers, deadlines and failure descriptions, against real
loopback servers."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fcctl.runner import hooks
from fcctl.runner.config import HookConfig, InstanceConfig

pytestmark = pytest.mark.timeout(30)


def _cfg(**kw) -> InstanceConfig:
    base = dict(function_name="fn", region="cn-hangzhou", command=("true",), cwd=Path("/"),
                memory_size=512, handler="index.handler")
    base.update(kw)
    return InstanceConfig(**base)


def test_common_headers_without_hooks_or_credentials():
    h = hooks.common_headers(_cfg(), control_path="/invoke")
    assert h["x-fc-function-name"] == "fn" and h["x-fc-function-memory"] == "512"
    assert h["x-fc-region"] == "cn-hangzhou" and h["x-fc-qualifier"] == "LATEST"
    assert h["x-fc-request-id"] and h["x-fc-control-path"] == "/invoke"
    assert "x-fc-function-initializer" not in h
    assert "x-fc-instance-lifecycle-pre-stop-handler" not in h
    assert not any(k.startswith("x-fc-access-key") or k == "x-fc-security-token" for k in h)


def test_hook_headers_and_opt_in_credentials():
    cfg = _cfg(initializer=HookConfig("code", 7, "init.h"), pre_stop=HookConfig("code", 4, "ps"))
    creds = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sec",
             "ALIBABA_CLOUD_SECURITY_TOKEN": "tok"}
    h = hooks.common_headers(cfg, control_path="/initialize", credentials=creds)
    assert h["x-fc-function-initializer"] == "init.h"
    assert h["x-fc-initialization-timeout"] == "7"
    assert h["x-fc-instance-lifecycle-pre-stop-handler"] == "ps"
    assert (h["x-fc-access-key-id"], h["x-fc-access-key-secret"], h["x-fc-security-token"]) == \
        ("id", "sec", "tok")


class _Server:
    def __init__(self, behaviour):
        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                behaviour(self)

            do_POST = do_GET

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def _reply(status, body=b"x"):
    def b(h):
        h.send_response(status)
        h.send_header("content-length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return b


def test_2xx_is_success_and_other_statuses_fail_with_body_start():
    ok, bad = _Server(_reply(204, b"")), _Server(_reply(500, b"boom " * 200))
    try:
        out = hooks.http_call(ok.port, "POST", "/initialize", headers={}, timeout=5)
        assert out.ok and out.status == 204
        out = hooks.http_call(bad.port, "POST", "/initialize", headers={}, timeout=5)
        assert not out.ok and out.status == 500
        text = out.describe()
        assert "answered 500" in text and "limit 5s" in text and "boom" in text
        assert len(out.body_start()) <= hooks.BODY_START + 1
    finally:
        ok.close()
        bad.close()


def test_timeout_is_an_overall_deadline():
    def slow(h):
        h.send_response(200)
        h.send_header("content-length", "100")
        h.end_headers()
        for _ in range(100):  # trickles one byte every 0.1 s: each read is "fast"
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.1)

    srv = _Server(slow)
    try:
        out = hooks.http_call(srv.port, "GET", "/pre-stop", headers={}, timeout=1)
        assert out.status is None and "no answer within the 1s timeout" in out.error
    finally:
        srv.close()


def test_refused_and_closed_connections_are_named():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = hooks.http_call(port, "GET", "/pre-stop", headers={}, timeout=2)
    assert out.status is None and "connection refused" in out.error

    def crash(h):
        h.close_connection = True
        raise KeyError("x-fc-something")

    srv = _Server(crash)
    try:
        out = hooks.http_call(srv.port, "GET", "/pre-stop", headers={}, timeout=2)
        assert out.status is None and "closed the connection" in out.error
    finally:
        srv.close()


@pytest.mark.parametrize("value, text", [
    (3, "3s"), (3.0, "3s"), (0.665539, "0.67s"), (0.1, "0.1s"), (0.0042, "0.004s"),
    (12.3456, "12.3s"), (600.4, "600s"), (1.5, "1.5s"), (0, "0s"), (None, "-"),
])
def test_seconds_are_printed_rounded(value, text):
    from fcctl.runner.hooks import secs

    assert secs(value) == text


def test_timeout_message_is_rounded():
    """The health check's shortened timeout printed as 0.665539s before."""
    import socket

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        out = hooks.http_call(port, "GET", "/healthz", headers={}, timeout=0.123456)
    assert out.status is None
    assert "within the 0.12s timeout" in out.error
    assert "0.123456" not in out.describe()


def _trickler(text: bytes, every: float, seen: dict):
    """A handler writing ``text`` one byte every ``every`` seconds; ``seen`` records whether it
    finished or saw the connection closed first."""
    def b(h):
        try:
            for i in range(len(text)):
                h.wfile.write(text[i:i + 1])
                h.wfile.flush()
                time.sleep(every)
            seen["finished"] = True
        except OSError:
            seen["closed_at"] = i
        finally:
            seen["done"].set()
            h.close_connection = True
    return b


def test_trickled_status_and_headers_cannot_stretch_the_deadline():
    """Each byte of the status line and headers comes "fast" (0.1 s): per-read timeouts never
    fire, the whole exchange's deadline does — and the connection is cut before the server is
    done trickling."""
    answer = b"HTTP/1.1 200 OK\r\n" + b"x-pad: " + b"p" * 60 + b"\r\ncontent-length: 2\r\n\r\nok"
    seen = {"done": threading.Event()}
    srv = _Server(_trickler(answer, 0.1, seen))
    try:
        out = hooks.http_call(srv.port, "POST", "/initialize", headers={}, timeout=1)
        assert out.status is None and "no answer within the 1s timeout" in out.error
        assert "no complete status line and headers" in out.error
        assert seen["done"].wait(30)
        assert "finished" not in seen and seen["closed_at"] < len(answer) - 1
    finally:
        srv.close()


def test_truncated_content_length_body_is_a_failure():
    def cut(h):
        h.send_response(200)
        h.send_header("content-length", "100")
        h.end_headers()
        h.wfile.write(b"0123456789")
        h.wfile.flush()
        h.close_connection = True

    srv = _Server(cut)
    try:
        out = hooks.http_call(srv.port, "POST", "/invoke", headers={}, timeout=5, body=b"e")
        assert not out.ok and out.status is None
        assert "truncated response" in out.error
        assert "when 10 bytes of the body had arrived (Content-Length: 100)" in out.error
    finally:
        srv.close()


def test_cut_chunked_stream_is_a_failure():
    def cut(h):
        h.protocol_version = "HTTP/1.1"
        h.wfile.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n20\r\nabc")
        h.wfile.flush()
        h.close_connection = True

    srv = _Server(cut)
    try:
        out = hooks.http_call(srv.port, "GET", "/pre-stop", headers={}, timeout=5)
        assert out.status is None and "truncated response" in out.error
    finally:
        srv.close()


def test_a_server_that_never_reads_cannot_hold_the_send_past_the_deadline():
    """A large body to a server that accepts but never reads: the send blocks once the socket
    buffers are full, and the deadline still ends it."""
    with socket.socket() as lst:
        lst.bind(("127.0.0.1", 0))
        lst.listen()
        port = lst.getsockname()[1]
        out = hooks.http_call(port, "POST", "/invoke", headers={}, timeout=0.5,
                              body=b"x" * (64 * 1024 * 1024))
    assert out.status is None and "no answer within the 0.5s timeout" in out.error


def test_body_over_the_limit_is_refused():
    srv = _Server(_reply(200, b"y" * 5000))
    try:
        out = hooks.http_call(srv.port, "POST", "/invoke", headers={}, timeout=5, max_body=1000)
        assert out.status is None and "larger than 1000 bytes" in out.error
    finally:
        srv.close()
