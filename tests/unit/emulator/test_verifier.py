"""The ACS3-HMAC-SHA256 verifier against a hand-written vector, the SDK's own signer, and
tampered requests."""

from __future__ import annotations

import hashlib
import hmac
import time
from calendar import timegm

import pytest

from fcctl.emulator import errors, verifier

SECRET = "test-secret-value"
AK = "AKIDTEST"
CREDS = {AK: SECRET}
BODY = b'{"functionName":"f1"}'
BODY_HASH = hashlib.sha256(BODY).hexdigest()
DATE = "2024-01-02T03:04:05Z"
NOW = timegm(time.strptime(DATE, verifier.DATE_FORMAT))

# Written out by hand from FC docs 签名机制 (help.aliyun.com/zh/functioncompute/fc/developer-reference/signature-mechanism) for the request below: header names lowercased and
# sorted, values trimmed; query sorted by key, values RFC 3986-encoded (space → %20, "~" kept,
# "+" on the wire is a space); empty value → "key=".
HAND_CANONICAL = (
    "POST\n"
    "/2023-03-30/functions\n"
    "a=&prefix=my%20fn~x&z=1\n"
    "content-type:application/json\n"
    "host:127.0.0.1:9000\n"
    "x-acs-action:CreateFunction\n"
    f"x-acs-content-sha256:{BODY_HASH}\n"
    f"x-acs-date:{DATE}\n"
    "\n"
    "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date\n"
    f"{BODY_HASH}"
)
RAW_QUERY = "z=1&prefix=my+fn~x&a="


def _headers(signature: str | None = None, signed: str | None = None) -> list[tuple[str, str]]:
    signed = signed or "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date"
    hs = [
        ("Host", "127.0.0.1:9000"),
        ("Content-Type", "  application/json "),
        ("x-acs-action", "CreateFunction"),
        ("x-acs-date", DATE),
        ("x-acs-content-sha256", BODY_HASH),
        ("Content-Length", str(len(BODY))),  # not signed: allowed
    ]
    if signature is not None:
        hs.append(("Authorization",
                   f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders={signed},"
                   f"Signature={signature}"))
    return hs


def _hand_signature() -> str:
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(HAND_CANONICAL.encode()).hexdigest()
    return hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def test_canonical_request_matches_the_hand_written_one():
    canon = verifier.canonical_request(
        "POST", "/2023-03-30/functions", RAW_QUERY, _headers(),
        ("content-type", "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"),
        BODY_HASH,
    )
    assert canon == HAND_CANONICAL


def test_hand_signed_request_verifies():
    got = verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY,
                          _headers(_hand_signature()), BODY, CREDS, now=NOW)
    assert got == AK


def test_the_sdk_signer_agrees_with_the_verifier():
    # The official SDK's signer (tests may import the SDK) signs a request; we verify it.
    from alibabacloud_tea_openapi.utils import Utils

    class _Req:
        method = "GET"
        pathname = "/2023-03-30/functions/f%201"
        query = {"qualifier": "LATEST", "prefix": "a b", "empty": ""}
        headers = {"host": "fcv3.cn-hangzhou.aliyuncs.com", "x-acs-date": DATE,
                   "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
                   "x-acs-signature-nonce": "n1", "accept": "application/json"}

    auth = Utils.get_authorization(_Req, "ACS3-HMAC-SHA256", _Req.headers["x-acs-content-sha256"],
                                   AK, SECRET)
    headers = list(_Req.headers.items()) + [("authorization", auth)]
    raw_query = "qualifier=LATEST&prefix=a+b&empty="
    assert verifier.verify("GET", _Req.pathname, raw_query, headers, b"", CREDS, now=NOW) == AK


@pytest.mark.parametrize(
    "change",
    ["body", "header", "query", "path", "method", "secret", "date"],
)
def test_tampered_requests_are_rejected(change):
    method, path, query, headers, body = (
        "POST", "/2023-03-30/functions", RAW_QUERY, _headers(_hand_signature()), BODY)
    creds = CREDS
    if change == "body":
        body = b'{"functionName":"f2"}'
    elif change == "header":
        headers = [(k, "UpdateFunction" if k == "x-acs-action" else v) for k, v in headers]
    elif change == "query":
        query = RAW_QUERY.replace("z=1", "z=2")
    elif change == "path":
        path = "/2023-03-30/functions/x"
    elif change == "method":
        method = "PUT"
    elif change == "secret":
        creds = {AK: "another-secret"}
    elif change == "date":  # still well within the 15-minute window
        headers = [(k, "2024-01-02T03:05:05Z" if k == "x-acs-date" else v) for k, v in headers]
    with pytest.raises(errors.SignatureNotMatch) as exc:
        verifier.verify(method, path, query, headers, body, creds, now=NOW)
    assert exc.value.status == 403
    assert SECRET not in exc.value.message


def test_changed_body_with_matching_hash_still_fails_the_signature():
    body = b"{}"
    headers = [(k, hashlib.sha256(body).hexdigest() if k == "x-acs-content-sha256" else v)
               for k, v in _headers(_hand_signature())]
    with pytest.raises(errors.SignatureNotMatch):
        verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY, headers, body, CREDS, now=NOW)


@pytest.mark.parametrize("skew", [-16 * 60, 16 * 60])
def test_date_more_than_15_minutes_off_is_rejected(skew):
    with pytest.raises(errors.InvalidTimeStamp) as exc:
        verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY, _headers(_hand_signature()),
                        BODY, CREDS, now=NOW + skew)
    assert exc.value.status == 403


def test_date_within_15_minutes_is_accepted():
    assert verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY,
                           _headers(_hand_signature()), BODY, CREDS, now=NOW + 14 * 60) == AK


def test_unknown_access_key_id():
    with pytest.raises(errors.InvalidAccessKeyID) as exc:
        verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY, _headers(_hand_signature()),
                        BODY, {"OTHER": SECRET}, now=NOW)
    assert exc.value.status == 403


def test_unsigned_request():
    with pytest.raises(errors.MissingRequiredHeader) as exc:
        verifier.verify("GET", "/2023-03-30/functions", "", _headers(), b"", CREDS, now=NOW)
    assert exc.value.status == 400


@pytest.mark.parametrize("left_out", ["host", "x-acs-action"])
def test_host_and_x_acs_headers_must_be_signed(left_out):
    names = [n for n in HAND_CANONICAL.split("\n")[-2].split(";") if n != left_out]
    with pytest.raises(errors.SignatureNotMatch) as exc:
        verifier.verify("POST", "/2023-03-30/functions", RAW_QUERY,
                        _headers(_hand_signature(), signed=";".join(names)), BODY, CREDS,
                        now=NOW)
    assert left_out in exc.value.message


def test_malformed_authorization():
    headers = _headers() + [("Authorization", "ACS3-HMAC-SHA256 Credential=AK")]
    with pytest.raises(errors.InvalidArgument):
        verifier.verify("GET", "/", "", headers, b"", CREDS, now=NOW)
