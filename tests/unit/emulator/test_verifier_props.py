"""Properties of the ACS3-HMAC-SHA256 verifier (Hypothesis, bounded): it raises only its own
errors whatever it is given; a request signed by the official SDK's signer always verifies; any
single-byte change to what is signed fails. And the replay memory (NonceCache)."""

from __future__ import annotations

import hashlib
import time
from calendar import timegm

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fcctl.emulator import errors, verifier

PROPS = settings(max_examples=200, deadline=None)
AK, SECRET = "AKID-props", "props-secret"
CREDS = {AK: SECRET}
DATE = "2025-06-01T12:00:00Z"
NOW = timegm(time.strptime(DATE, verifier.DATE_FORMAT))

header_names = st.sampled_from(["authorization", "Authorization", "x-acs-date",
                                "x-acs-content-sha256", "host", "x-acs-action",
                                "x-acs-signature-nonce", "content-type"]) | st.text(max_size=12)
header_values = st.text(max_size=60) | st.sampled_from([
    DATE, hashlib.sha256(b"").hexdigest(),
    f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders=host;x-acs-date,Signature=00",
    "ACS3-HMAC-SHA256 Credential=,SignedHeaders=,Signature=",
    "ACS3-HMAC-SHA256", "9999-99-99T99:99:99Z", "0000-01-01T00:00:00Z",
])


@given(method=st.text(max_size=8), path=st.text(max_size=40), query=st.text(max_size=40),
       headers=st.lists(st.tuples(header_names, header_values), max_size=8),
       body=st.binary(max_size=64))
@PROPS
def test_random_requests_raise_only_the_verifiers_errors(method, path, query, headers, body):
    try:
        verifier.verify(method, path, query, headers, body, CREDS, now=NOW)
    except errors.FcError as exc:
        assert 400 <= exc.status < 500
        assert SECRET not in exc.message


def sdk_signed(method: str, path: str, query: dict[str, str], body: bytes,
               extra: dict[str, str]) -> list[tuple[str, str]]:
    """Headers signed by the official SDK's signer (independent of the verifier)."""
    from alibabacloud_tea_openapi.utils import Utils

    headers = {"host": "fcv3.cn-hangzhou.aliyuncs.com", "x-acs-date": DATE,
               "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
               "x-acs-signature-nonce": "nonce-1", **extra}

    class _Req:
        pass

    _Req.method, _Req.pathname, _Req.query, _Req.headers = method, path, query, headers
    auth = Utils.get_authorization(_Req, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"],
                                   AK, SECRET)
    return list(headers.items()) + [("authorization", auth)]


def wire_query(query: dict[str, str]) -> str:
    from urllib.parse import quote

    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())


safe = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e,
                             blacklist_characters="%?#/&=;,"), min_size=1, max_size=12)
requests = st.fixed_dictionaries({
    "method": st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    "path": st.lists(safe, min_size=1, max_size=4).map(lambda p: "/2023-03-30/" + "/".join(p)),
    "query": st.dictionaries(safe, st.text(max_size=12), max_size=3),
    "body": st.binary(max_size=64),
    "extra": st.dictionaries(st.sampled_from(["x-acs-action", "x-acs-version", "content-type",
                                              "user-agent"]),
                             st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                                     min_size=1, max_size=20).map(str.strip)
                             .filter(bool), max_size=3),
})


@given(req=requests)
@PROPS
def test_an_sdk_signed_request_always_verifies(req):
    headers = sdk_signed(req["method"], req["path"], req["query"], req["body"], req["extra"])
    got = verifier.verify(req["method"], req["path"], wire_query(req["query"]), headers,
                          req["body"], CREDS, now=NOW)
    assert got == AK


def flip(data: bytes, index: int, new: int) -> bytes:
    return data[:index] + bytes([new]) + data[index + 1:]


@given(req=requests, part=st.sampled_from(["method", "path", "query", "body", "header",
                                           "signature"]),
       where=st.integers(min_value=0), byte=st.integers(0x21, 0x7e))
@PROPS
def test_any_single_byte_change_fails(req, part, where, byte):
    headers = sdk_signed(req["method"], req["path"], req["query"], req["body"], req["extra"])
    method, path, query, body = (req["method"], req["path"], wire_query(req["query"]),
                                 req["body"])
    if part == "method":
        method = flip(method.encode(), where % len(method), byte).decode()
        assume(method.upper() != req["method"])
    elif part == "path":
        i = where % len(path)
        path = flip(path.encode(), i, byte).decode()
        assume(path != req["path"])
    elif part == "query":
        assume(query)
        i = where % len(query)
        changed = flip(query.encode(), i, byte).decode()
        from urllib.parse import parse_qsl

        assume(sorted(parse_qsl(changed, keep_blank_values=True))
               != sorted(parse_qsl(query, keep_blank_values=True)))
        query = changed
    elif part == "body":
        assume(body)
        i = where % len(body)
        body = flip(body, i, (body[i] + 1) % 256)
    elif part == "header":
        name, value = headers[where % (len(headers) - 1)]  # any signed header but the auth
        i = (where // 7) % len(value)
        changed = flip(value.encode(), i, byte).decode()
        assume(changed.strip() != value.strip())
        headers = [(n, changed if n == name else v) for n, v in headers]
    else:
        name, auth = headers[-1]
        i = len(auth) - 1 - (where % 64)
        new = "0" if auth[i] != "0" else "1"
        headers = headers[:-1] + [(name, auth[:i] + new + auth[i + 1:])]
    try:
        verifier.verify(method, path, query, headers, body, CREDS, now=NOW)
    except errors.FcError as exc:
        assert 400 <= exc.status < 500
    else:
        raise AssertionError(f"a changed {part} still verified")


# --- replays ------------------------------------------------------------------------------------
def test_nonce_is_refused_within_its_window_and_forgotten_after():
    cache = verifier.NonceCache(max_entries=10, window_s=900)
    assert cache.add(AK, "n1", signed_at=1000, now=1000)
    assert cache.seen(AK, "n1", now=1500)
    assert not cache.add(AK, "n1", signed_at=1000, now=1500)
    assert cache.add("other-key", "n1", signed_at=1000, now=1500)  # per access key
    assert not cache.seen(AK, "n1", now=1900)  # the date check refuses it from here on
    assert cache.add(AK, "n2", signed_at=1900, now=1900)
    assert len(cache) == 1  # both n1 entries expired and were purged


def test_nonce_memory_is_bounded():
    cache = verifier.NonceCache(max_entries=100, window_s=900)
    for i in range(1000):
        assert cache.add(AK, f"n{i}" * 100, signed_at=1000 + i, now=1000 + i / 10)
    assert len(cache) == 100
    assert cache.seen(AK, "n999" * 100, now=1100)  # the newest kept, the oldest evicted
    assert not cache.seen(AK, "n0" * 100, now=1100)


def test_the_verifier_reports_the_nonce_and_date():
    headers = sdk_signed("GET", "/2023-03-30/functions", {}, b"", {})
    got = verifier.verify_headers("GET", "/2023-03-30/functions", "", headers, CREDS, now=NOW)
    assert (got.access_key_id, got.nonce, got.signed_at) == (AK, "nonce-1", NOW)


def test_verify_headers_does_not_need_the_body():
    body = b'{"functionName": "f"}'
    headers = sdk_signed("POST", "/2023-03-30/functions", {}, body, {})
    verifier.verify_headers("POST", "/2023-03-30/functions", "", headers, CREDS, now=NOW)
    try:
        verifier.verify_body(headers, body + b" ")
    except errors.SignatureNotMatch:
        pass
    else:
        raise AssertionError("a changed body passed verify_body")
