"""Fuzzing the emulator's request parser over a real socket (Hypothesis, bounded).

Arbitrary request lines, headers, chunked encodings and bodies — some of them signed by the
official SDK's signer so they get past the signature into the handlers — are sent to a running
EmulatorServer. Every one gets FC's JSON error body (or a success) or a closed connection, never
a hang (socket timeouts), never a traceback or an internal error in the log; afterwards the
server still answers a good request.
"""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcctl.emulator.server import EmulatorServer
from tests.functional.emuhelpers import exchange, raw_query, request_bytes, signed_headers

AK, SECRET = "AKID-fuzz", "fuzz-secret-789"
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

token = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=12)
anytext = st.text(st.characters(max_codepoint=0xff), max_size=40)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]) | token
targets = st.sampled_from([
    "/", "/_fcctl/health", "/_fcctl/config", "/_fcctl/requests", "/_fcctl/code/a/b.zip",
    "/2023-03-30/functions", "/2023-03-30/functions/fn1", "/2023-03-30/functions/fn%0A",
    "/2023-03-30/functions/fn1/triggers/t1", "/2023-03-30/functions/fn1/invocations",
    "//2023-03-30/functions", "http://x/2023-03-30/functions?a=b", "*", "http://[::1",
]) | anytext.map(lambda t: "/" + t)
versions = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1 x", ""])
header_names = st.sampled_from([
    "Host", "Content-Length", "Transfer-Encoding", "Expect", "Connection", "Authorization",
    "x-acs-date", "x-acs-content-sha256", "x-acs-signature-nonce", "Content-Type",
]) | token
header_values = st.sampled_from([
    "chunked", "gzip, chunked", "0", "5", "-1", "99999999999999999999", "100-continue",
    "close", "keep-alive", "ACS3-HMAC-SHA256 Credential=AKID-fuzz,SignedHeaders=host,Signature=0",
]) | anytext.map(lambda t: t.replace("\r", "").replace("\n", ""))
chunk_sizes = st.sampled_from([b"0", b"5", b"-5", b"zz", b"0x5", b"ffffffffffffffff", b"", b"5;a=b",
                               b"5 ; ext", b"10000"]) | st.binary(max_size=8)


@st.composite
def raw_requests(draw) -> bytes:
    line = f"{draw(methods)} {draw(targets)} {draw(versions)}".encode("latin-1")
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    head = line + b"\r\n" + b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers)
    kind = draw(st.sampled_from(["plain", "chunked", "junk"]))
    if kind == "chunked":
        chunks = draw(st.lists(st.tuples(chunk_sizes, st.binary(max_size=20)), max_size=4))
        body = b"".join(size + b"\r\n" + data + b"\r\n" for size, data in chunks)
        if draw(st.booleans()):
            body += b"0\r\n\r\n"
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + body
    if kind == "junk":
        return draw(st.binary(max_size=200))
    return head + b"\r\n" + draw(st.binary(max_size=64))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids,
                                                              max_size=4),
    max_leaves=12)
fields = st.sampled_from(["functionName", "runtime", "handler", "timeout", "memorySize", "cpu",
                          "diskSize", "instanceConcurrency", "environmentVariables", "code",
                          "instanceLifecycleConfig", "customContainerConfig", "layers", "tags",
                          "triggerName", "triggerType", "triggerConfig", "aliasName",
                          "versionId", "additionalVersionWeight", "target", "description"])
api_calls = st.sampled_from([
    ("POST", "/2023-03-30/functions"), ("PUT", "/2023-03-30/functions/fn1"),
    ("POST", "/2023-03-30/functions/fn1/triggers"),
    ("PUT", "/2023-03-30/functions/fn1/triggers/t1"),
    ("POST", "/2023-03-30/functions/fn1/aliases"), ("PUT", "/2023-03-30/functions/fn1/aliases/a1"),
    ("POST", "/2023-03-30/functions/fn1/versions"),
    ("POST", "/2023-03-30/functions/fn1/invocations"),
    ("PUT", "/2023-03-30/functions/fn1/provision-config"),
    ("GET", "/2023-03-30/functions"), ("GET", "/2023-03-30/functions/fn1/instances"),
])


@st.composite
def signed_requests(draw) -> bytes:
    method, path = draw(api_calls)
    doc = draw(st.dictionaries(fields, json_values, max_size=6)
               | st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    text = json.dumps(doc)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["[" * 2000, '{"timeout": ' + "9" * 5000 + "}",
                                     '{"cpu": 1e999}', '{"a": NaN}', "\xff", text[:-1]]))
    body = text.encode("utf-8", "surrogatepass")
    query = draw(st.dictionaries(st.sampled_from(["qualifier", "limit", "prefix", "nextToken",
                                                  "instanceStatus", "instanceIds"]),
                                 st.text(st.characters(max_codepoint=0x7e), max_size=12),
                                 max_size=3))
    headers = signed_headers(method, path, query, body, AK, SECRET)
    return request_bytes(method, path, headers, body, raw_query(query))


def check_answer(ans) -> None:
    if ans.status is None:
        return  # a closed connection is a valid answer to garbage
    assert 100 <= ans.status < 600
    if ans.status >= 400 and ans.body:
        doc = json.loads(ans.body)
        assert set(doc) >= {"Code", "Message", "RequestId"}
        assert ans.status != 500 or doc["Code"] == "InternalServerError"


def run_fuzz(tmp_path, strategy, **server_kw) -> str:
    log = io.StringIO()
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=log, header_timeout_s=5,
                        body_grace_s=5, **server_kw) as srv:
        created = request_bytes("POST", "/2023-03-30/functions", *_create_fn1())
        assert exchange(srv.port, created).status == 200

        @FUZZ
        @given(data=strategy)
        def one(data: bytes) -> None:
            check_answer(exchange(srv.port, data, timeout=30, half_close=True))

        one()
        good = exchange(srv.port, b"GET /_fcctl/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert good.status == 200
        listed = exchange(srv.port, request_bytes(
            "GET", "/2023-03-30/functions",
            signed_headers("GET", "/2023-03-30/functions", {}, b"", AK, SECRET)))
        assert listed.status == 200
    return log.getvalue()


def _create_fn1():
    body = json.dumps({"functionName": "fn1", "runtime": "custom.debian12",
                       "handler": "index.handler"}).encode()
    return signed_headers("POST", "/2023-03-30/functions", {}, body, AK, SECRET), body


def test_raw_requests_never_hang_or_crash(tmp_path):
    log = run_fuzz(tmp_path, raw_requests())
    assert "Traceback" not in log and "internal error" not in log


def test_signed_requests_with_arbitrary_bodies_never_crash(tmp_path):
    log = run_fuzz(tmp_path, signed_requests())
    assert "Traceback" not in log and "internal error" not in log
    statuses = [line.split()[2] for line in log.splitlines() if line.startswith(("GET", "POST",
                                                                               "PUT"))]
    assert "500" not in statuses
