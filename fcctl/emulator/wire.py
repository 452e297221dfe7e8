"""Bounded reading of HTTP requests: what the emulator reads, for how long, and how much.

The emulator decides what to do with a request from its request line and headers *before* it
reads a body, and reads every byte under a bound:

* :class:`DeadlineReader` — the connection's raw stream. Between requests a read waits up to
  the idle timeout; once a request's first byte arrives, its request line and headers must be
  complete within ``header_timeout_s`` and ``MAX_HEADER_BYTES``; a body must keep up an average
  rate of :data:`BODY_MIN_RATE` bytes/s after a grace of ``body_grace_s`` seconds. A client
  sending one byte a second (slow loris) loses its connection instead of holding a thread.
* :func:`content_length` / :func:`transfer_chunked` — the framing headers, strictly (digits
  only, no conflicting lengths, no Content-Length together with chunked, no other codings).
* :func:`read_chunked` — ``Transfer-Encoding: chunked`` with hex-only sizes, a cap on the total
  (checked before a chunk is read), bounded size lines, extensions and trailers.
* :class:`BodyBudget` — the bytes of request bodies held in memory at once, across threads.
* :func:`loads` — JSON with a nesting limit, a bound on the number of values (checked before
  parsing), integers within 64 bits and finite numbers only.

Policies (numbers in :mod:`fcctl.fcfacts` / ``docs/emulator.md``): errors here are
:class:`WireError` (→ 400 InvalidArgument), :class:`TooLarge` (→ 400 EntityTooLarge) and
``TimeoutError`` (→ the connection is closed).
"""

from __future__ import annotations

import http.client
import io
import json
import math
import re
import threading
import time

from fcctl.emulator import errors

# The request line and all headers of one request, bytes read from the socket (the read-ahead
# of the 8 KiB buffer included). The SDK sends about 1 KiB.
MAX_HEADER_BYTES = 128 * 1024
# A body must arrive at this average rate once its grace period is over.
BODY_MIN_RATE = 64 * 1024
_MAX_CHUNK_LINE = 4096
_MAX_TRAILERS = 64
_DIGITS = re.compile(r"[0-9]{1,19}")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# FC's API types are 32/64-bit integers; a number outside int64 cannot be a valid value.
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
MAX_JSON_DEPTH = 64
# JSON values in one body, bounded before parsing by counting "[", "{" and "," anywhere in the
# body (inside strings too: a bound, not a count; a base64 zipFile holds none of them). Python
# objects cost ~50× their JSON text: 38 MB of "[[],[],…]" became 1.9 GB. FC's largest real
# bodies (a 100 MB base64 zip) hold a few commas.
MAX_JSON_VALUES = 1_000_000


class WireError(ValueError):
    """A malformed request framing (400 InvalidArgument)."""


class TooLarge(WireError):
    """A body over its cap (400 EntityTooLarge); ``limit`` is the cap in bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"payload size exceeds maximum allowed size ({limit} bytes)")
        self.limit = limit


class HeaderTooLarge(http.client.HTTPException):
    """The request line and headers exceed :data:`MAX_HEADER_BYTES` (answered 431 by
    ``http.server``'s header parser)."""


class DeadlineReader(io.RawIOBase):
    """A socket as a raw stream whose every ``recv`` obeys the current phase's bounds.

    Phases: :meth:`idle` (wait up to ``idle_timeout`` for the next request), :meth:`headers`
    (a deadline and a byte budget), :meth:`body` (a deadline that grows with the bytes received:
    ``start + grace + received / BODY_MIN_RATE``). A read past a deadline raises
    ``TimeoutError``; past the header budget, :class:`HeaderTooLarge`."""

    def __init__(self, sock, idle_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self.idle_timeout = idle_timeout
        self._deadline: float | None = None
        self._budget: int | None = None
        self._body_start = 0.0
        self._body_grace = 0.0
        self._body_bytes: int | None = None

    def readable(self) -> bool:
        return True

    def idle(self) -> None:
        self._deadline = self._budget = self._body_bytes = None
        self._sock.settimeout(self.idle_timeout)

    def headers(self, timeout_s: float, max_bytes: int = MAX_HEADER_BYTES) -> None:
        self._deadline = time.monotonic() + timeout_s
        self._budget = max_bytes
        self._body_bytes = None

    def body(self, grace_s: float) -> None:
        self._body_start = time.monotonic()
        self._body_grace = grace_s
        self._body_bytes = 0
        self._budget = None
        self._deadline = self._body_start + grace_s

    def readinto(self, buf) -> int:
        timeout = self.idle_timeout
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            timeout = min(timeout, left) if timeout else left
        view = memoryview(buf)
        if self._budget is not None:
            if self._budget <= 0:
                raise HeaderTooLarge(f"request line and headers exceed {MAX_HEADER_BYTES} bytes")
            view = view[: self._budget]
        self._sock.settimeout(timeout)
        n = self._sock.recv_into(view)
        if self._budget is not None:
            self._budget -= n
        if self._body_bytes is not None:
            self._body_bytes += n
            self._deadline = (self._body_start + self._body_grace
                              + self._body_bytes / BODY_MIN_RATE)
        return n


def content_length(values: list[str]) -> int | None:
    """The length declared by the ``Content-Length`` header (None when there is none).

    Exactly one header with one value, digits only (``int()`` would take ``+5``, `` 5`` or
    ``1_000``). RFC 9110 §8.6 lets a recipient either reject a repeated or comma-listed length
    or fold identical values; the emulator rejects them all, as a front end that folds while a
    back end does not is how requests are smuggled. Raises WireError."""
    if not values:
        return None
    if len(values) > 1 or "," in values[0]:
        raise WireError("exactly one Content-Length value is allowed")
    value = values[0].strip(" \t")
    if not _DIGITS.fullmatch(value):
        raise WireError("the Content-Length header must be a decimal number of bytes")
    return int(value)


def transfer_chunked(values: list[str]) -> bool:
    """True for ``Transfer-Encoding: chunked``; False when absent. Any other coding is a
    WireError (the emulator decodes none)."""
    codings = [c.strip(" \t").lower() for v in values for c in v.split(",") if c.strip(" \t")]
    if not codings:
        if values:
            raise WireError("empty Transfer-Encoding header")
        return False
    if codings != ["chunked"]:
        raise WireError(f"unsupported Transfer-Encoding {', '.join(codings)}; only chunked")
    return True


def _line(rfile, what: str) -> bytes:
    line = rfile.readline(_MAX_CHUNK_LINE + 1)
    if not line.endswith(b"\n"):
        if len(line) > _MAX_CHUNK_LINE:
            raise WireError(f"chunked body: {what} line too long")
        raise WireError("chunked body: the connection ended early")
    if not line.endswith(b"\r\n") or b"\r" in line[:-2]:
        # RFC 9112 §7.1: chunk lines end in CRLF; a bare LF (or a stray CR) is read
        # differently by different parsers
        raise WireError(f"chunked body: the {what} line must end with CRLF")
    return line[:-2]


def read_chunked(rfile, limit: int, reserve=None) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body of at most ``limit`` bytes.

    Sizes are 1-16 hex digits (no sign, no ``0x``), optionally followed by ``;extensions``
    (ignored); each chunk's data must be followed by CRLF; at most 64 trailer lines. A chunk
    that would take the total over ``limit`` raises :class:`TooLarge` before it is read.
    ``reserve(n)`` is called before reading ``n`` more bytes (the memory budget; it raises to
    refuse). Other malformations raise :class:`WireError`."""
    out = bytearray()
    while True:
        size_text = _line(rfile, "chunk size").split(b";", 1)[0].strip(b" \t")
        if not _HEX.fullmatch(size_text):
            raise WireError("chunked body: a chunk size must be hexadecimal digits")
        size = int(size_text, 16)
        if size == 0:
            for _ in range(_MAX_TRAILERS):
                if _line(rfile, "trailer") == b"":
                    return bytes(out)
            raise WireError("chunked body: too many trailer lines")
        if len(out) + size > limit:
            raise TooLarge(limit)
        if reserve is not None:
            reserve(size)
        data = rfile.read(size)
        if len(data) != size:
            raise WireError("chunked body: the connection ended early")
        out += data
        if _line(rfile, "chunk end") != b"":
            raise WireError("chunked body: chunk data not followed by CRLF")


class BodyBudget:
    """Bytes of request bodies held in memory at once, shared by all connections.

    A body with a declared length waits up to ``wait_s`` for room (:meth:`acquire`); a chunked
    body takes room chunk by chunk without waiting (:meth:`try_acquire`), so two chunked
    bodies can never wait for each other. Whoever gets no room answers 503."""

    def __init__(self, total: int) -> None:
        self.total = int(total)
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, n: int, wait_s: float) -> bool:
        if n <= 0:
            return True
        if n > self.total:
            return False
        deadline = time.monotonic() + wait_s
        with self._cond:
            while self.used + n > self.total:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            self.used += n
            return True

    def try_acquire(self, n: int) -> bool:
        return self.acquire(n, 0.0)

    def release(self, n: int) -> None:
        if n <= 0:
            return
        with self._cond:
            self.used = max(0, self.used - n)
            self._cond.notify_all()


class JsonLimitError(errors.InvalidArgument):
    """JSON beyond the emulator's limits (400 InvalidArgument)."""


def _parse_int(text: str) -> int:
    # checked before int(): Python refuses to parse ints of more than 4300 digits (ValueError)
    if len(text.lstrip("-")) > 19 or not INT64_MIN <= int(text) <= INT64_MAX:
        raise JsonLimitError(f"the number {text[:32]}{'…' if len(text) > 32 else ''} is out of "
                             "range (integers are 64-bit)")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonLimitError(f"the number {text[:32]} is out of range")
    return value


def _parse_constant(name: str):
    raise JsonLimitError(f"{name} is not a JSON number")


def _depth(doc) -> int:
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return deepest


def loads(data: bytes | str, what: str = "the request body"):
    """``json.loads`` within the emulator's limits; raises InvalidArgument (never a
    RecursionError, OverflowError or a non-finite float)."""
    if isinstance(data, (bytes, bytearray)):
        marks = data.count(b"[") + data.count(b"{") + data.count(b",")
    else:
        marks = data.count("[") + data.count("{") + data.count(",")
    if marks > MAX_JSON_VALUES:
        raise JsonLimitError(f"{what} holds more than {MAX_JSON_VALUES} JSON values (counted as "
                             f"'[', '{{' and ',' characters: {marks}); send fewer values")
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                         parse_constant=_parse_constant)
    except JsonLimitError:
        raise
    except RecursionError:
        raise JsonLimitError(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError):
        raise errors.InvalidArgument(f"{what} is not valid JSON") from None
    if _depth(doc) > MAX_JSON_DEPTH:
        raise JsonLimitError(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")
    return doc
