"""ACS3-HMAC-SHA256 request verification (FC docs 签名机制, help.aliyun.com/zh/functioncompute/fc/developer-reference/signature-mechanism; TEA alibabacloud-tea-openapi utils.get_authorization), the way FC's gateway checks a request.

Pure functions over the request as received: no HTTP server. :func:`verify` returns the access
key id of a valid request or raises an :mod:`fcctl.emulator.errors` error — for any input,
never another exception (a property test checks it):

* no ``Authorization`` / ``x-acs-date`` / ``x-acs-content-sha256`` → 400 MissingRequiredHeader
  (policy, see ``docs/emulator.md``); a malformed Authorization or an
  ``x-acs-content-sha256`` that is not 64 hex digits → 400 InvalidArgument
* unknown key id → 403 InvalidAccessKeyID
* ``host`` or an ``x-acs-*`` header present but not signed, body hash mismatch, or a wrong
  signature → 403 SignatureNotMatch
* ``x-acs-date`` malformed or more than :data:`MAX_CLOCK_SKEW_S` off → 403
  InvalidTimeStamp.Expired

The server calls the two halves: :func:`verify_headers` before it reads a body (the signature
covers the body's hash header, not the body) and :func:`verify_body` after. :class:`NonceCache`
(the one stateful part) remembers accepted ``x-acs-signature-nonce`` values to refuse replays.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
import threading
import time
from calendar import timegm
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from fcctl.emulator import errors

ALGORITHM = "ACS3-HMAC-SHA256"
# Policy (docs/fc-facts.md): the POP gateway's 15-minute window; FC documents no value.
MAX_CLOCK_SKEW_S = 15 * 60
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


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
    return f"{ALGORITHM}\n{hashlib.sha256(_text(canon_request)).hexdigest()}"


def signature(secret: str, to_sign: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``to_sign`` keyed with the access key secret."""
    return hmac.new(_text(secret), _text(to_sign), hashlib.sha256).hexdigest()


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


@dataclass(frozen=True)
class Verified:
    """What :func:`verify_headers` established: the key id, the signature nonce (``None``
    when the request carries none) and when the request was signed (UNIX seconds)."""

    access_key_id: str
    nonce: str | None
    signed_at: float


def _text(value: str) -> bytes:
    # header values arrive as latin-1 text; anything a caller passes must still encode
    return value.encode("utf-8", "surrogatepass")


def verify_headers(
    method: str,
    path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    credentials: dict[str, str],
    *,
    now: float | None = None,
    max_skew_s: float = MAX_CLOCK_SKEW_S,
) -> Verified:
    """Everything :func:`verify` checks except the body: run it before reading the body.

    The signature covers ``x-acs-content-sha256`` (the header, not the body), so a request that
    is unsigned, signed with an unknown key, too old or wrongly signed is refused without its
    body being read; :func:`verify_body` then checks the body against that header."""
    auth_value = _header(headers, "authorization")
    if not auth_value:
        raise errors.MissingRequiredHeader("required HTTP header Authorization was not specified")
    auth = parse_authorization(auth_value)
    secret = credentials.get(auth.access_key_id)
    if secret is None:
        raise errors.InvalidAccessKeyID(f"invalid access key ID {auth.access_key_id!r}")
    date = _header(headers, "x-acs-date")
    if not date:
        raise errors.MissingRequiredHeader("required HTTP header x-acs-date was not specified")
    content_hash = _header(headers, "x-acs-content-sha256")
    if not content_hash:
        raise errors.MissingRequiredHeader(
            "required HTTP header x-acs-content-sha256 was not specified")
    content_hash = content_hash.strip().lower()
    if not _SHA256_HEX.fullmatch(content_hash):
        raise errors.InvalidArgument(
            "x-acs-content-sha256 must be the lowercase hex SHA-256 of the request body")

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
        if not _DATE.fullmatch(date):
            raise ValueError(date)
        sent = timegm(time.strptime(date, DATE_FORMAT))
    except (ValueError, OverflowError):
        raise errors.InvalidTimeStamp(
            f"x-acs-date {date[:64]!r} is not in the format YYYY-MM-DDTHH:MM:SSZ (UTC)"
        ) from None
    now = time.time() if now is None else now
    if abs(now - sent) > max_skew_s:
        raise errors.InvalidTimeStamp(
            f"x-acs-date {date} is more than {int(max_skew_s // 60)} minutes away from the "
            "server's clock; check the client's clock"
        )

    canon = canonical_request(method, path, raw_query, headers, auth.signed_headers,
                              content_hash)
    to_sign = string_to_sign(canon)
    expected = signature(secret, to_sign)
    if not hmac.compare_digest(_text(expected), _text(auth.signature)):
        raise errors.SignatureNotMatch(
            "the request signature does not match; check the access key secret "
            "(the server's string to sign: " + to_sign.replace("\n", "\\n") + ")"
        )
    return Verified(auth.access_key_id, _header(headers, "x-acs-signature-nonce"), float(sent))


def verify_body(headers: list[tuple[str, str]], body: bytes) -> None:
    """Check the body against the (signed) ``x-acs-content-sha256`` header; raises
    SignatureNotMatch."""
    declared = (_header(headers, "x-acs-content-sha256") or "").strip().lower()
    if not hmac.compare_digest(_text(declared), hashlib.sha256(body).hexdigest().encode()):
        raise errors.SignatureNotMatch("x-acs-content-sha256 does not match the request body")


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
    the module docstring, and nothing else, for any input. Messages never contain the secret.
    """
    verified = verify_headers(method, path, raw_query, headers, credentials, now=now,
                              max_skew_s=max_skew_s)
    verify_body(headers, body)
    return verified.access_key_id


class NonceCache:
    """The signature nonces of accepted requests, to refuse a replay (policy, docs/emulator.md).

    A nonce is remembered until its request's ``x-acs-date`` leaves the clock-skew window
    (after that the date check refuses the request anyway), keyed by access key id and nonce
    (hashed: a key costs 32 bytes whatever the client sent). At most ``max_entries``: when full,
    expired entries go first, then the ones closest to expiry."""

    def __init__(self, max_entries: int = 100_000, window_s: float = MAX_CLOCK_SKEW_S) -> None:
        self.max_entries = int(max_entries)
        self.window_s = float(window_s)
        self._expiry: dict[bytes, float] = {}
        self._heap: list[tuple[float, bytes]] = []
        self._lock = threading.Lock()

    @staticmethod
    def _key(access_key_id: str, nonce: str) -> bytes:
        return hashlib.sha256(_text(access_key_id) + b"\0" + _text(nonce)).digest()

    def _purge(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            expiry, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expiry:
                del self._expiry[key]

    def seen(self, access_key_id: str, nonce: str, now: float) -> bool:
        """True when the nonce was accepted before and has not expired."""
        with self._lock:
            expiry = self._expiry.get(self._key(access_key_id, nonce))
            return expiry is not None and expiry > now

    def add(self, access_key_id: str, nonce: str, signed_at: float, now: float) -> bool:
        """Remember a nonce; False (and nothing changes) when it is already remembered."""
        key = self._key(access_key_id, nonce)
        expiry = signed_at + self.window_s
        with self._lock:
            self._purge(now)
            if key in self._expiry:
                return False
            while len(self._expiry) >= self.max_entries and self._heap:
                old_expiry, old = heapq.heappop(self._heap)
                if self._expiry.get(old) == old_expiry:
                    del self._expiry[old]
            self._expiry[key] = expiry
            heapq.heappush(self._heap, (expiry, key))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)
