"""ACS3-HMAC-SHA256 request verification (FC docs 签名机制, help.aliyun.com/zh/functioncompute/fc/developer-reference/signature-mechanism; TEA alibabacloud-tea-openapi utils.get_authorization), the way FC's gateway checks a request.

Pure functions over the request as received: no HTTP server, no state. :func:`verify` returns
the access key id of a valid request or raises an :mod:`fcctl.emulator.errors` error:

* no ``Authorization`` / ``x-acs-date`` / ``x-acs-content-sha256`` → 400 MissingRequiredHeader
  (policy, see ``docs/emulator.md``); a malformed Authorization → 400 InvalidArgument
* unknown key id → 403 InvalidAccessKeyID
* ``host`` or an ``x-acs-*`` header present but not signed, body hash mismatch, or a wrong
  signature → 403 SignatureNotMatch
* ``x-acs-date`` more than :data:`MAX_CLOCK_SKEW_S` off → 403 InvalidTimeStamp.Expired
"""

from __future__ import annotations

import hashlib
import hmac
import time
from calendar import timegm
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from fcctl.emulator import errors

ALGORITHM = "ACS3-HMAC-SHA256"
# Policy (docs/fc-facts.md): the POP gateway's 15-minute window; FC documents no value.
MAX_CLOCK_SKEW_S = 15 * 60
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Authorization:
    """The parsed ``Authorization`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization:
    """Parse ``ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>``.

    Raises InvalidArgument when the header is not in that shape."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise errors.InvalidArgument(
            f"unsupported signature algorithm {algorithm!r}; expected {ALGORITHM}"
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
    if missing:
        raise errors.InvalidArgument(f"Authorization header lacks {', '.join(missing)}")
    return Authorization(
        algorithm=algorithm,
        access_key_id=fields["Credential"],
        signed_headers=tuple(fields["SignedHeaders"].split(";")),
        signature=fields["Signature"].lower(),
    )


def canonical_query(raw_query: str) -> str:
    """Sorted ``key=value`` pairs, values percent-encoded per RFC 3986 (``~`` kept).

    The wire may carry ``+`` for a space; the signature is over ``%20`` (as the SDK signs)."""
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(pairs))


def canonical_headers(
    headers: list[tuple[str, str]], signed: tuple[str, ...]
) -> tuple[str, str]:
    """``(canonical_headers, signed_headers)`` for the names in ``signed``.

    Several values of one header are trimmed, sorted and joined with ``,`` (as the SDK does)."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value.strip())
    names = sorted({n.lower() for n in signed if n})
    lines = "".join(f"{n}:{','.join(sorted(values.get(n, [])))}\n" for n in names)
    return lines, ";".join(names)


def canonical_request(
    method: str,
    path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    signed: tuple[str, ...],
    payload_hash: str,
) -> str:
    """The canonical request string of the ACS3 signature (FC docs 签名机制) (path as sent on the wire)."""
    canon_headers, signed_names = canonical_headers(headers, signed)
    return "\n".join(
        [method.upper(), path or "/", canonical_query(raw_query), canon_headers, signed_names,
         payload_hash]
    )


def string_to_sign(canon_request: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canon_request.encode('utf-8')).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``to_sign`` keyed with the access key secret."""
    return hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def verify(
    method: str,
    path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    credentials: dict[str, str],
    *,
    now: float | None = None,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
) -> str:
    """Check a request's ACS3-HMAC-SHA256 signature; return its access key id.

    ``path`` is the raw path as received (percent-encoding kept), ``raw_query`` the raw query
    string, ``headers`` every header as received (name, value), ``credentials`` maps key ids to
    secrets, ``now`` is a UNIX time in seconds (default: the clock). Raises the errors listed in
    the module docstring. Messages never contain the secret.
    """
    auth_value = _header(headers, "authorization")
    if not auth_value:
        raise errors.MissingRequiredHeader(
            "the request is not signed: the Authorization header is required"
        )
    auth = parse_authorization(auth_value)
    secret = credentials.get(auth.access_key_id)
    if secret is None:
        raise errors.InvalidAccessKeyID(
            f"the access key id {auth.access_key_id!r} does not exist"
        )
    date = _header(headers, "x-acs-date")
    if not date:
        raise errors.MissingRequiredHeader("the x-acs-date header is required")
    content_hash = _header(headers, "x-acs-content-sha256")
    if not content_hash:
        raise errors.MissingRequiredHeader("the x-acs-content-sha256 header is required")

    signed = {h.lower() for h in auth.signed_headers}
    present = {name.lower() for name, _ in headers}
    must_sign = {"host"} | {n for n in present if n.startswith("x-acs-")}
    unsigned = sorted(must_sign - signed)
    if unsigned:
        raise errors.SignatureNotMatch(
            f"these headers must be signed but are not in SignedHeaders: {', '.join(unsigned)}"
        )
    absent = sorted(signed - present)
    if absent:
        raise errors.SignatureNotMatch(
            f"SignedHeaders names headers the request does not carry: {', '.join(absent)}"
        )

    try:
        sent = timegm(time.strptime(date, DATE_FORMAT))
    except ValueError:
        raise errors.InvalidTimeStamp(
            f"x-acs-date {date!r} is not in the format YYYY-MM-DDTHH:MM:SSZ (UTC)"
        ) from None
    now = time.time() if now is None else now
    if abs(now - sent) > max_skew_s:
        raise errors.InvalidTimeStamp(
            f"x-acs-date {date} is more than {int(max_skew_s // 60)} minutes away from the "
            "server's clock; check the client's clock"
        )

    body_hash = hashlib.sha256(body).hexdigest()
    if content_hash.lower() != body_hash:
        raise errors.SignatureNotMatch("x-acs-content-sha256 does not match the request body")

    canon = canonical_request(method, path, raw_query, headers, auth.signed_headers, body_hash)
    expected = signature(secret, string_to_sign(canon))
    if not hmac.compare_digest(expected, auth.signature):
        raise errors.SignatureNotMatch(
            "the request signature does not match; check the access key secret "
            "(the server's string to sign: " + string_to_sign(canon).replace("\n", "\\n") + ")"
        )
    return auth.access_key_id
