"""What a request may cost the emulator: checks before the body, caps, the memory budget, read
deadlines, replays, JSON limits, exact names, state-file errors and crashes — over real sockets
to a running EmulatorServer, requests signed by the official SDK's signer."""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import threading
import time

import pytest

from fcctl.emulator import handlers
from fcctl.emulator.server import EmulatorServer

from tests.functional.emuhelpers import exchange, raw_query, request_bytes, signed_headers

AK, SECRET = "AKID-limits", "limits-secret-456"
FUNCTIONS = "/2023-03-30/functions"


def start(tmp_path, **kw) -> EmulatorServer:
    kw.setdefault("log", None)
    return EmulatorServer(tmp_path / "state.db", {AK: SECRET}, **kw).start()


@pytest.fixture
def srv(tmp_path):
    server = start(tmp_path)
    yield server
    server.stop()


def signed(method: str, path: str, body: bytes = b"", query: dict | None = None, **kw) -> bytes:
    query = query or {}
    headers = signed_headers(method, path, query, body, AK, SECRET, **kw)
    return request_bytes(method, path, headers, body, raw_query(query))


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server closed the connection (EOF), with a bounded wait."""
    sock.settimeout(10)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True


def fn_body(name: str = "fn1", **extra) -> bytes:
    return json.dumps({"functionName": name, "runtime": "custom.debian12",
                       "handler": "index.handler", **extra}).encode()


# --- checked before the body is read ----------------------------------------------------------
@pytest.mark.parametrize("auth", ["none", "wrong-secret", "unknown-key", "no-date"])
def test_a_bad_request_with_a_huge_body_is_refused_before_reading_it(srv, auth):
    """50 MB declared, nothing sent: the answer comes without the body (else: a timeout)."""
    headers = signed_headers("POST", FUNCTIONS, {}, b"x", AK, SECRET)
    if auth == "none":
        headers.pop("authorization")
    elif auth == "wrong-secret":
        headers = signed_headers("POST", FUNCTIONS, {}, b"x", AK, "not-the-secret")
    elif auth == "unknown-key":
        headers = signed_headers("POST", FUNCTIONS, {}, b"x", "nobody", SECRET)
    else:
        headers.pop("x-acs-date")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        ans = exchange(srv.port, request_bytes("POST", FUNCTIONS, headers,
                                               content_length=50_000_000), sock=sock)
        assert 400 <= ans.status < 500
        assert ans.json()["Code"] in {"none": ("MissingRequiredHeader",),
                                      "wrong-secret": ("SignatureNotMatch",),
                                      "unknown-key": ("InvalidAccessKeyID",),
                                      "no-date": ("MissingRequiredHeader",)}[auth]
        assert ans.headers.get("Connection") == "close"
        assert closed_by_server(sock)


def test_a_1gb_content_length_is_entity_too_large_without_reading(srv):
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        ans = exchange(srv.port, request_bytes("POST", FUNCTIONS, {"host": "x"},
                                               content_length=1_000_000_000), sock=sock)
        assert (ans.status, ans.json()["Code"]) == (400, "EntityTooLarge")
        assert ans.json()["Message"] == \
            f"payload size exceeds maximum allowed size ({100 * 1024 * 1024} bytes)"
        assert closed_by_server(sock)


def test_a_signed_body_over_the_cap(tmp_path):
    srv = start(tmp_path, max_body_bytes=1000, max_inflight_body_bytes=1000)
    try:
        body = fn_body(description="d" * 2000)
        ans = exchange(srv.port, signed("POST", FUNCTIONS, body))
        assert (ans.status, ans.json()["Code"]) == (400, "EntityTooLarge")
        assert "(1000 bytes)" in ans.json()["Message"]
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
    finally:
        srv.stop()


def test_control_endpoints_have_a_small_cap(srv):
    body = json.dumps({"seed": 1, "x": "y" * 70_000}).encode()
    ans = exchange(srv.port, request_bytes("PUT", "/_fcctl/config", {"host": "x"}, body))
    assert (ans.status, ans.json()["Code"]) == (400, "EntityTooLarge")
    assert "(65536 bytes)" in ans.json()["Message"]


@pytest.mark.parametrize("length", ["-1", "+5", "1_0", "0x10", "5, 6", "abc", " ", "2, 2",
                                    "2\r\nContent-Length: 2"])
def test_malformed_content_length_is_400(srv, length):
    data = (f"PUT /_fcctl/config HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
            "{}").encode()
    ans = exchange(srv.port, data, half_close=True)
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


def test_content_length_with_chunked_is_refused(srv):
    data = (b"PUT /_fcctl/config HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    ans = exchange(srv.port, data)
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


def test_100_continue_only_after_the_checks(srv):
    """A client that waits for "100 Continue" gets it only once the signature passed; an
    unsigned one gets its 400 straight away and never the 100."""
    body = fn_body()
    headers = {**signed_headers("POST", FUNCTIONS, {}, body, AK, SECRET),
               "Expect": "100-continue"}
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(request_bytes("POST", FUNCTIONS, headers, content_length=len(body)))
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        assert exchange(srv.port, body, sock=sock).status == 200
    headers.pop("authorization")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        ans = exchange(srv.port, request_bytes("POST", FUNCTIONS, headers,
                                               content_length=len(body)), sock=sock)
        assert (ans.status, ans.json()["Code"]) == (400, "MissingRequiredHeader")


# --- chunked bodies ---------------------------------------------------------------------------
def chunked_config(chunks: bytes, extra: str = "") -> bytes:
    return (b"PUT /_fcctl/config HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + extra.encode() + b"\r\n" + chunks)


def test_chunked_body_with_extensions_and_trailers(srv):
    ans = exchange(srv.port, chunked_config(
        b"5;name=value\r\n{\"see\r\n6\r\nd\": 7}\r\n0;last\r\nX-Trailer: t\r\n\r\n"))
    assert ans.status == 200


@pytest.mark.parametrize("size, code", [
    (b"-5", "InvalidArgument"), (b"zz", "InvalidArgument"), (b"0x10", "InvalidArgument"),
    (b"", "InvalidArgument"), (b"1" * 17, "InvalidArgument"),
    (b"ffffffffffffffff", "EntityTooLarge"), (b"10001", "EntityTooLarge"),
])
def test_bad_chunk_sizes_are_400(srv, size, code):
    ans = exchange(srv.port, chunked_config(size + b"\r\n{}\r\n0\r\n\r\n"), half_close=True)
    assert (ans.status, ans.json()["Code"]) == (400, code)


def test_chunked_total_is_capped(srv):
    chunk = b"8000\r\n" + b" " * 0x8000 + b"\r\n"  # 32 KiB of JSON whitespace each
    ans = exchange(srv.port, chunked_config(chunk * 3 + b"0\r\n\r\n"))
    assert (ans.status, ans.json()["Code"]) == (400, "EntityTooLarge")


@pytest.mark.parametrize("chunks", [b"2\n{}\r\n0\r\n\r\n", b"2\r\n{}\n0\r\n\r\n",
                                    b"2\r\n{}\r\n0\n\r\n", b"2\r\n{}\r\n0\r\n\n",
                                    b"2\r\r\n{}\r\n0\r\n\r\n"])
def test_chunk_lines_must_end_with_crlf_not_a_bare_lf(srv, chunks):
    ans = exchange(srv.port, chunked_config(chunks), half_close=True)
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


def test_chunk_data_must_end_with_crlf(srv):
    ans = exchange(srv.port, chunked_config(b"2\r\n{}XX0\r\n\r\n"), half_close=True)
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


def test_a_signed_chunked_api_request(srv):
    headers = signed_headers("POST", FUNCTIONS, {}, fn_body(), AK, SECRET)
    body = fn_body()
    data = ("POST /2023-03-30/functions HTTP/1.1\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "Transfer-Encoding: chunked\r\n\r\n").encode()
    data += f"{len(body[:10]):x}\r\n".encode() + body[:10] + b"\r\n"
    data += f"{len(body[10:]):x};ext\r\n".encode() + body[10:] + b"\r\n0\r\n\r\n"
    ans = exchange(srv.port, data)
    assert ans.status == 200 and ans.json()["functionName"] == "fn1"


# --- memory budget ----------------------------------------------------------------------------
def test_bodies_in_flight_share_a_budget(tmp_path):
    """Policy: a body that finds no room waits body_wait_s, then 503 ResourceThrottled."""
    srv = start(tmp_path, max_body_bytes=4000, max_inflight_body_bytes=4000, body_wait_s=0.2)
    try:
        pad = 3990 - len(fn_body("big", description=""))
        big = fn_body("big", description="d" * pad)  # 3990 bytes: no room left for another
        first = signed("POST", FUNCTIONS, big)
        head, rest = first[:-100], first[-100:]
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as hold:
            hold.sendall(head)  # the whole body declared, most of it sent: room taken
            for _ in range(200):
                if srv.body_budget.used >= len(big):
                    break
                time.sleep(0.05)
            assert srv.body_budget.used == len(big)
            second = exchange(srv.port, signed("POST", FUNCTIONS, fn_body("small")))
            assert (second.status, second.json()["Code"]) == (503, "ResourceThrottled")
            done = exchange(srv.port, rest, sock=hold)
            assert done.status == 200
        assert srv.body_budget.used == 0
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body("small"))).status == 200
    finally:
        srv.stop()


def test_a_stalled_upload_holds_only_what_it_sent(tmp_path, monkeypatch):
    """The budget counts bytes as they arrive (a step at a time), not the declared length: a
    client that declares a large body and stalls cannot starve other writers."""
    from fcctl.emulator import server as server_mod

    monkeypatch.setattr(server_mod, "BODY_READ_STEP", 1000)
    srv = start(tmp_path, max_body_bytes=100_000, max_inflight_body_bytes=100_000,
                body_wait_s=0.2)
    try:
        # declared: all but 50 bytes of the budget; sent: ~1 KB, then it stalls
        pad = 100_000 - 50 - len(fn_body("big", description=""))
        big = signed("POST", FUNCTIONS, fn_body("big", description="d" * pad))
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as hold:
            hold.sendall(big[:len(big) - 99_000])
            for _ in range(200):
                if srv.body_budget.used:
                    break
                time.sleep(0.05)
            assert 0 < srv.body_budget.used <= 2000
            other = exchange(srv.port, signed("POST", FUNCTIONS, fn_body("small")))
            assert other.status == 200, other.body
    finally:
        srv.stop()


# --- read deadlines ---------------------------------------------------------------------------
def test_a_slow_loris_does_not_hold_the_server(tmp_path):
    """One byte at a time in the headers: others are served meanwhile, and the slow connection
    is closed once the header deadline passes (long before it could finish)."""
    srv = start(tmp_path, header_timeout_s=1.0)
    try:
        slow = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        slow.sendall(b"GET /_fcctl/health HTTP/1.1\r\nX-Slow: ")
        closed = False
        for i in range(400):  # would take 40 s to send
            ok = exchange(srv.port, b"GET /_fcctl/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert ok.status == 200
            try:
                slow.sendall(b"a")
                slow.settimeout(0.1)
                if slow.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
        slow.close()
        assert closed, "the slow connection was never closed"
    finally:
        srv.stop()


def test_a_body_sent_one_byte_at_a_time_is_cut_off(tmp_path):
    srv = start(tmp_path, body_grace_s=1.0)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as slow:
            slow.sendall(b"PUT /_fcctl/config HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\n")
            answer = b""
            for _ in range(400):
                try:
                    slow.sendall(b" ")
                    slow.settimeout(0.1)
                    got = slow.recv(65536)
                except socket.timeout:
                    continue
                except (ConnectionResetError, BrokenPipeError):
                    break
                if not got:
                    break
                answer += got
            assert b" 408 " in answer.split(b"\r\n", 1)[0]
            assert b'"RequestTimeout"' in answer
    finally:
        srv.stop()


def test_an_idle_keepalive_connection_is_closed(tmp_path):
    srv = start(tmp_path, keepalive_timeout_s=0.5)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            ans = exchange(srv.port, b"GET /_fcctl/health HTTP/1.1\r\nHost: x\r\n\r\n",
                           sock=sock)
            assert ans.status == 200
            assert closed_by_server(sock)
    finally:
        srv.stop()


HEALTH = b"GET /_fcctl/health HTTP/1.1\r\nHost: x\r\n\r\n"


def test_connections_past_the_cap_get_one_503_and_no_thread(tmp_path):
    srv = start(tmp_path, max_connections=4)
    socks = []
    try:
        for _ in range(4):  # four idle keep-alive connections hold every slot
            sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            socks.append(sock)
            assert exchange(srv.port, HEALTH, sock=sock).status == 200
        threads = threading.active_count()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as extra:
            ans = exchange(srv.port, HEALTH, sock=extra)
            assert (ans.status, ans.json()["Code"]) == (503, "ResourceThrottled")
            assert closed_by_server(extra)
        assert threading.active_count() <= threads
        socks.pop().close()
        socks.pop().close()
        for _ in range(100):  # the server notices the closes when their threads end
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as again:
                if exchange(srv.port, HEALTH, sock=again).status == 200:
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("a slot never came back after two connections closed")
    finally:
        for sock in socks:
            sock.close()
        srv.stop()


def test_idle_connections_are_closed_sooner_when_half_the_cap_is_used(tmp_path, monkeypatch):
    from fcctl.emulator import server as server_mod

    monkeypatch.setattr(server_mod, "BUSY_KEEPALIVE_TIMEOUT_S", 0.3)
    srv = start(tmp_path, max_connections=2, keepalive_timeout_s=600)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            assert exchange(srv.port, HEALTH, sock=sock).status == 200
            assert closed_by_server(sock)  # 600 s idle allowed, but one of two slots is busy
    finally:
        srv.stop()


@pytest.mark.parametrize("data, status, code", [
    (b"GARBAGE\r\n\r\n", 400, "InvalidArgument"),
    (b"GET /_fcctl/health HTTP/7.7\r\n\r\n", 400, "InvalidArgument"),
    (b"FOO /_fcctl/health HTTP/1.1\r\n\r\n", 400, "PathNotSupported"),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "InvalidArgument"),
])
def test_http_level_refusals_are_fc_json(srv, data, status, code):
    ans = exchange(srv.port, data)
    assert (ans.status, ans.json()["Code"]) == (status, code)
    assert ans.headers.get("Content-Type") == "application/json"


def test_request_headers_are_bounded(srv):
    data = b"GET /_fcctl/health HTTP/1.1\r\n" + b"".join(
        b"X-H%d: %s\r\n" % (i, b"v" * 8000) for i in range(40)) + b"\r\n"
    ans = exchange(srv.port, data)
    assert ans.status == 431 and ans.json()["Code"] == "InvalidArgument"


# --- replays ------------------------------------------------------------------------------------
def test_a_replayed_request_is_refused(srv):
    data = signed("POST", FUNCTIONS, fn_body())
    assert exchange(srv.port, data).status == 200
    again = exchange(srv.port, data)
    assert (again.status, again.json()["Code"]) == (400, "SignatureNonceUsed")
    assert "used already" in again.json()["Message"]
    other = exchange(srv.port, signed("GET", FUNCTIONS))  # a new nonce is fine
    assert other.status == 200


def test_a_replay_with_a_huge_body_is_refused_before_reading(srv):
    body = fn_body("r1")
    headers = signed_headers("POST", FUNCTIONS, {}, body, AK, SECRET)
    assert exchange(srv.port, request_bytes("POST", FUNCTIONS, headers, body)).status == 200
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        ans = exchange(srv.port, request_bytes("POST", FUNCTIONS, headers,
                                               content_length=len(body)), sock=sock)
        assert ans.json()["Code"] == "SignatureNonceUsed"


# --- JSON limits --------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"functionName": "fn1", "x": ' + b"[" * 65 + b"]" * 65 + b"}",
    b'{"functionName": "fn1", "timeout": ' + b"9" * 5000 + b"}",
    b'{"functionName": "fn1", "timeout": 9223372036854775808}',
    b'{"functionName": "fn1", "cpu": 1e999}',
    b'{"functionName": "fn1", "cpu": NaN}',
    b'{"functionName": "fn1", "cpu": -Infinity}',
    b'{"functionName": "fn1", "triggerName": "t", "triggerType": "http", "triggerConfig": "'
    + b"[" * 100_000 + b'"}',
])
def test_json_beyond_limits_is_400_invalid_argument(srv, body):
    path = FUNCTIONS if b"triggerType" not in body else FUNCTIONS + "/fn1/triggers"
    if b"triggerType" in body:
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
    ans = exchange(srv.port, signed("POST", path, body))
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


def test_control_config_refuses_non_finite_json(srv):
    ans = exchange(srv.port, request_bytes("PUT", "/_fcctl/config", {"host": "x"},
                                           b'{"latencyMs": 1e999}'))
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


# --- names are exact ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    FUNCTIONS + "/my%0Afn", FUNCTIONS + "/my%0A", FUNCTIONS + "/fn%00", FUNCTIONS + "/f%20n",
    FUNCTIONS + "/fn1/triggers/t%0A", FUNCTIONS + "/fn1/aliases/a%0D%0A",
    FUNCTIONS + "/%ff%fe",
])
def test_names_in_the_path_are_decoded_and_matched_whole(srv, path):
    assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
    ans = exchange(srv.port, signed("GET", path))
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")


@pytest.mark.parametrize("path, body", [
    (FUNCTIONS, fn_body("fn2\n")),
    (FUNCTIONS + "/fn1/triggers", json.dumps({"triggerName": "t\n", "triggerType": "http",
                                              "triggerConfig": "{}"}).encode()),
    (FUNCTIONS + "/fn1/aliases", json.dumps({"aliasName": "a\n", "versionId": "1"}).encode()),
])
def test_names_in_bodies_with_a_trailing_newline_are_400(srv, path, body):
    assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
    assert exchange(srv.port, signed("POST", FUNCTIONS + "/fn1/versions", b"{}")).status == 200
    ans = exchange(srv.port, signed("POST", path, body))
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")
    assert "\\n" in ans.json()["Message"]


# --- failures: state file, crashes --------------------------------------------------------------
def test_a_removed_state_file_is_one_503_and_one_log_line(tmp_path):
    log = io.StringIO()
    srv = start(tmp_path, log=log)
    try:
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
        os.unlink(tmp_path / "state.db")
        for _ in range(3):
            ans = exchange(srv.port, signed("GET", FUNCTIONS))
            assert (ans.status, ans.json()["Code"]) == (503, "ServiceUnavailable")
            assert "state.db" in ans.json()["Message"]
    finally:
        srv.stop()
    lines = log.getvalue().splitlines()
    assert len([ln for ln in lines if "state unavailable" in ln]) == 1
    assert "Traceback" not in log.getvalue()


@pytest.mark.parametrize("pragma", ["max_page_count", "query_only"])
def test_a_full_or_readonly_database_is_503(tmp_path, pragma):
    """SQLite's own errors ("database or disk is full", "attempt to write a readonly
    database"), provoked with a pragma on the server's connection."""
    log = io.StringIO()
    srv = start(tmp_path, log=log)
    try:
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
        conn = srv.store._conn
        if pragma == "max_page_count":
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        else:
            conn.execute("PRAGMA query_only = ON")
        ans = exchange(srv.port, signed("POST", FUNCTIONS,
                                        fn_body("fn2", description="d" * 20000)))
        assert (ans.status, ans.json()["Code"]) == (503, "ServiceUnavailable")
        assert exchange(srv.port, signed("GET", FUNCTIONS + "/fn1")).status == 200
    finally:
        srv.stop()
    assert log.getvalue().count("state unavailable") == 1
    assert "Traceback" not in log.getvalue()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a 0400 file")
def test_an_unwritable_state_file_is_503(tmp_path):
    srv = start(tmp_path)
    try:
        os.chmod(tmp_path / "state.db", 0o400)
        ans = exchange(srv.port, signed("POST", FUNCTIONS, fn_body()))
        assert (ans.status, ans.json()["Code"]) == (503, "ServiceUnavailable")
    finally:
        os.chmod(tmp_path / "state.db", 0o600)
        srv.stop()


def test_an_unhandled_exception_is_a_500_and_one_log_line(tmp_path, monkeypatch):
    log = io.StringIO()
    srv = start(tmp_path, log=log)

    def broken(backend, req):
        raise KeyError("boom")

    monkeypatch.setitem(handlers.API_HANDLERS, "ListFunctions", broken)
    try:
        ans = exchange(srv.port, signed("GET", FUNCTIONS))
        assert (ans.status, ans.json()["Code"]) == (500, "InternalServerError")
        assert ans.json()["RequestId"] == ans.headers["x-fc-request-id"]
    finally:
        srv.stop()
    errors_logged = [ln for ln in log.getvalue().splitlines() if "internal error" in ln]
    assert len(errors_logged) == 1 and "KeyError" in errors_logged[0]
    assert ans.json()["RequestId"] in errors_logged[0]
    assert "Traceback" not in log.getvalue()


def test_a_failing_async_invocation_is_one_log_line(tmp_path, monkeypatch):
    log = io.StringIO()
    srv = start(tmp_path, log=log)
    calls = threading.Event()

    def broken(name, qualifier):
        calls.set()
        raise ValueError("async boom")

    try:
        assert exchange(srv.port, signed("POST", FUNCTIONS, fn_body())).status == 200
        monkeypatch.setattr(srv.backend, "begin_invocation", broken)
        ans = exchange(srv.port, signed("POST", FUNCTIONS + "/fn1/invocations", b"{}",
                                        extra={"x-fc-invocation-type": "Async"}))
        assert ans.status == 202
        assert calls.wait(30)
        for _ in range(200):
            if "async boom" in log.getvalue():
                break
            time.sleep(0.05)
    finally:
        srv.stop()
    lines = [ln for ln in log.getvalue().splitlines() if "async boom" in ln]
    assert len(lines) == 1 and "internal error in async invocation" in lines[0]


# --- the state file is private ------------------------------------------------------------------
def test_the_state_file_and_its_new_directories_are_private(tmp_path):
    path = tmp_path / "new" / "deeper" / "state.db"
    old = os.umask(0o022)
    try:
        srv = EmulatorServer(path, {AK: SECRET}, log=None)
        srv.stop()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "deeper").st_mode) == 0o700


def test_emulator_serve_and_endpoint_local_create_private_state(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
           "FCCTL_LOCAL_STATE": str(tmp_path / "local" / "dir" / "s.db")}
    run = subprocess.run([sys.executable, "-m", "fcctl", "--endpoint", "local", "get", "nothere"],
                         env=env, capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert "Traceback" not in run.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "local" / "dir" / "s.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "local").st_mode) == 0o700

    state = tmp_path / "serve" / "e.db"
    proc = subprocess.Popen([sys.executable, "-m", "fcctl", "emulator", "serve", "--port", "0",
                             "--state", str(state), "--access-key-id", "a",
                             "--access-key-secret", "b"], env=env, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        line = proc.stderr.readline()
        assert "listening" in line
        assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(tmp_path / "serve").st_mode) == 0o700
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- concurrency: the server keeps serving --------------------------------------------------------
def test_concurrent_oversized_and_good_requests(tmp_path):
    srv = start(tmp_path, max_body_bytes=2000, max_inflight_body_bytes=4000, body_wait_s=5)
    results: list[int | None] = []

    def client(i: int) -> None:
        body = fn_body(f"fn{i}", description="d" * (3000 if i % 2 else 10))
        results.append(exchange(srv.port, signed("POST", FUNCTIONS, body)).status)

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == [200] * 8 + [400] * 8
        assert srv.body_budget.used == 0
    finally:
        srv.stop()
