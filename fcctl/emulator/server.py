"""The emulator's threaded HTTP server: signature check, latency, fault injection, dispatch,
request log, control endpoints (``/_fcctl/``).

```python
with EmulatorServer(Path("state.db"), credentials={"ak": "secret"}) as srv:
    srv.url  # "http://127.0.0.1:PORT"
```

One line per API request goes to ``log`` (default stderr): method, path, status, action,
request id. The access key secret never appears in any output.

What a request may cost is bounded (policies in ``docs/emulator.md``, "Request limits"): the
framing headers, the signature and the declared size are checked before a body is read
(:mod:`fcctl.emulator.wire`); bodies are capped (API: FC's 100 MB, control endpoints: 64 KiB)
and share an in-flight memory budget; slow clients lose their connection; a replayed signature
nonce is refused; a state-file error is a 503 with one log line; any other failure a 500 with one
log line. Every answer, the emulator's own HTTP-level errors included, is FC's JSON error body.
"""

from __future__ import annotations

import io
import ipaddress
import json
import math
import random
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qsl, urlsplit

from fcctl import fcfacts
from fcctl.emulator import errors, handlers, routes, sls, verifier, wire
from fcctl.emulator.backend import DEFAULT_IDLE_TIMEOUT_S, Backend
from fcctl.emulator.store import StateUnavailable, Store

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_ACCOUNT_ID = "1234567890123456"
FAULT_KINDS = ("429", "500", "503", "drop")
# Request limits (docs/emulator.md "Request limits"; FC's own in fcfacts).
MAX_BODY_BYTES = fcfacts.REQUEST_BODY_MAX_BYTES  # larger: 400 EntityTooLarge, body never read
CONTROL_MAX_BODY_BYTES = 64 * 1024  # /_fcctl/ bodies are a few hundred bytes
MAX_INFLIGHT_BODY_BYTES = 2 * MAX_BODY_BYTES  # request bodies held in memory at once
BODY_READ_STEP = 1 << 20  # a declared-length body takes budget as it arrives, a MiB at a time
BODY_WAIT_S = 30.0  # a body that finds no room in that budget waits this long, then 503
HEADER_TIMEOUT_S = 30.0  # request line + headers, from their first byte
BODY_GRACE_S = 30.0  # then a body must average wire.BODY_MIN_RATE
KEEPALIVE_TIMEOUT_S = 120.0  # an idle connection is closed after this
# Connections served at once (one thread each). Past the cap a new connection gets one short
# 503 and is closed without a thread; idle keep-alive connections are closed after
# BUSY_KEEPALIVE_TIMEOUT_S instead of KEEPALIVE_TIMEOUT_S once half the cap is in use, so idle
# clients cannot hold every slot.
MAX_CONNECTIONS = 256
BUSY_KEEPALIVE_TIMEOUT_S = 5.0
NONCE_CACHE_SIZE = 100_000
REQUEST_LOG_MAX = 10000
_REGION_HOST = re.compile(r"fcv3\.([a-z0-9-]+)\.aliyuncs\.com(:\d+)?", re.IGNORECASE)


def is_loopback(host: str) -> bool:
    """True for loopback addresses and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def region_from_host(host: str | None, default: str) -> str:
    match = _REGION_HOST.fullmatch((host or "").strip())
    return match.group(1).lower() if match else default


class _StderrLog:
    """Default log: whatever ``sys.stderr`` is at write time (tests replace it)."""

    def write(self, text: str) -> None:
        sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


STDERR = _StderrLog()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs when a deploy runs 32 calls at once
    request_queue_size = 1024

    def handle_error(self, request, client_address) -> None:
        # a client that disconnects mid-request is not an emulator error worth a log line;
        # anything else is one line, never a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        self.emulator._log_failure("connection", exc)

    def process_request(self, request, client_address) -> None:
        with self.conn_lock:
            refuse = self.active >= self.emulator.max_connections
            if not refuse:
                self.active += 1
        if refuse:
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            with self.conn_lock:
                self.active -= 1
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.conn_lock:
                self.active -= 1

    def busy(self) -> bool:
        """Half the connection cap or more is in use: idle connections are closed sooner."""
        return self.active * 2 >= self.emulator.max_connections

    def _refuse(self, request) -> None:
        """One 503 ResourceThrottled on a connection past the cap, then close it (no thread,
        no read: the client's request is never looked at)."""
        body = (b'{"Code":"ResourceThrottled","Message":"too many connections to the '
                b'emulator; retry later"}')
        head = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        try:
            request.settimeout(1.0)
            request.sendall(head + body)
        except OSError:
            pass
        self.shutdown_request(request)
        self.emulator._note_refused_connection()

    def __init__(self, address, handler, emulator: "EmulatorServer") -> None:
        self.emulator = emulator
        self.conn_lock = threading.Lock()
        self.active = 0
        if ":" in address[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


# http.server's own refusals (malformed request line, headers too long, …) as FC codes
_HTTP_ERROR_CODES = {408: "RequestTimeout", 413: "EntityTooLarge"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fcctl-emulator"
    # Headers and body go out as separate writes; with Nagle on, the client's delayed ACK held
    # every answer for ~40 ms. TCP_NODELAY sends each write at once.
    disable_nagle_algorithm = True
    timeout = KEEPALIVE_TIMEOUT_S  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        self.timeout = self.server.emulator.keepalive_timeout_s
        # every read of this connection goes through the deadline reader (wire.py)
        self.rfile.close()
        self.reader = wire.DeadlineReader(self.connection, self.timeout)
        self.rfile = io.BufferedReader(self.reader, 64 * 1024)

    def handle_one_request(self) -> None:
        busy = self.server.busy()
        self.reader.idle_timeout = (min(self.timeout, BUSY_KEEPALIVE_TIMEOUT_S) if busy
                                    else self.timeout)
        self.reader.idle()
        try:
            if not self.rfile.peek(1):  # the client closed an idle connection
                self.close_connection = True
                return
        except (OSError, ValueError):  # idle timeout, reset
            self.close_connection = True
            return
        # the request has begun: its line and headers must now arrive in time and in size
        self.reader.headers(self.server.emulator.header_timeout_s)
        try:
            super().handle_one_request()
        except wire.HeaderTooLarge:
            self.send_error(431, "request line and headers too large")
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def handle_expect_100(self) -> bool:
        # "100 Continue" is sent only once the request passed the checks made before its body
        # is read (signature, size); see EmulatorServer._answer
        return True

    def send_error(self, code, message=None, explain=None) -> None:
        """http.server's refusals, as FC's JSON error body; the connection is closed."""
        from http import HTTPStatus

        if code == 501:  # no do_<METHOD>: FC answers an unknown method like an unknown path
            status, fc_code = 400, "PathNotSupported"
            message = f"'{self.command}' against '{getattr(self, 'path', '')}' is not supported"
        elif code == 505:  # a client's mistake, answered as one
            status, fc_code = 400, "InvalidArgument"
            message = "unsupported HTTP version; use HTTP/1.1"
        else:
            status = code
            fc_code = _HTTP_ERROR_CODES.get(code, "InvalidArgument" if code < 500
                                            else "InternalServerError")
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        err = errors.FcError(message or phrase)
        err.status, err.code = status, fc_code
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") in ("", "HTTP/0.9"):
            self.request_version = "HTTP/1.0"  # answer with a status line and headers anyway
        emu = self.server.emulator
        out_status, headers, body = errors.error_response(err, str(uuid.uuid4()).upper())
        headers["Connection"] = "close"
        emu._send(self, out_status, headers, body)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass  # the emulator writes its own one-line log

    def _handle(self) -> None:
        self.server.emulator._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


# Bounds of the runtime knobs: a test emulator, not a way to wedge the server.
MAX_LATENCY_MS = 60_000.0
MAX_DELAY_S = 86_400.0


class EmulatorServer:
    """A local FC 3.0 API (2023-03-30) over HTTP.

    ``state_path``: SQLite file (created if missing; survives restarts). ``credentials``: access
    key id → secret accepted by the signature check. ``port`` 0 picks a free port.
    ``latency_ms``: delay added to every API call. ``fault_rate`` (0..1): share of API calls
    answered with a fault from ``fault_kinds`` ("429", "500", "503", "drop"), drawn from an RNG
    seeded with ``seed``; faults are decided before the call touches any state.
    ``retry_after_ms``: ``x-acs-retry-after`` sent with 429 (0: none). ``update_delay_s``:
    seconds an update stays InProgress. ``idle_timeout_s``: seconds before an idle on-demand
    instance is reclaimed. ``region``/``account_id`` appear in ARNs (region from a
    ``fcv3.<region>.aliyuncs.com`` Host header when there is one). ``allow_remote``: accept
    control-endpoint calls from non-loopback clients.

    Request limits (module constants are the defaults; tests lower them): ``max_body_bytes``
    (API bodies), ``control_max_body_bytes``, ``max_inflight_body_bytes`` (all bodies in memory
    at once) with ``body_wait_s``, ``header_timeout_s``, ``body_grace_s``,
    ``keepalive_timeout_s``, ``nonce_cache_size``, ``max_connections`` (connections served at
    once; more get a 503 and are closed).
    """

    def __init__(
        self,
        state_path: Path | str,
        credentials: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        update_delay_s: float = 0.0,
        seed: int | None = None,
        log: TextIO | None = STDERR,
        *,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        fault_kinds: tuple[str, ...] = FAULT_KINDS,
        retry_after_ms: int = 100,
        allow_remote: bool = False,
        clock=time.time,
        max_body_bytes: int = MAX_BODY_BYTES,
        control_max_body_bytes: int = CONTROL_MAX_BODY_BYTES,
        max_inflight_body_bytes: int = MAX_INFLIGHT_BODY_BYTES,
        body_wait_s: float = BODY_WAIT_S,
        header_timeout_s: float = HEADER_TIMEOUT_S,
        body_grace_s: float = BODY_GRACE_S,
        keepalive_timeout_s: float = KEEPALIVE_TIMEOUT_S,
        nonce_cache_size: int = NONCE_CACHE_SIZE,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if not 0.0 <= float(fault_rate) <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        bad = [k for k in fault_kinds if k not in FAULT_KINDS]
        if bad:
            raise ValueError(f"unknown fault kinds {bad}; choose from {FAULT_KINDS}")
        self.state_path = Path(state_path)
        self.credentials = dict(credentials or {})
        self.host = host
        self.port = int(port)
        self.latency_ms = float(latency_ms)
        self.fault_rate = float(fault_rate)
        self.fault_kinds = tuple(fault_kinds)
        self.retry_after_ms = int(retry_after_ms)
        self.seed = seed
        self.log = log
        self.region = region
        self.allow_remote = allow_remote
        self.max_body_bytes = int(max_body_bytes)
        self.control_max_body_bytes = int(control_max_body_bytes)
        if int(max_inflight_body_bytes) < self.max_body_bytes:
            raise ValueError("max_inflight_body_bytes must hold at least one max_body_bytes body")
        self.body_budget = wire.BodyBudget(max_inflight_body_bytes)
        self.body_wait_s = float(body_wait_s)
        self.header_timeout_s = float(header_timeout_s)
        self.body_grace_s = float(body_grace_s)
        self.keepalive_timeout_s = float(keepalive_timeout_s)
        self.max_connections = max(1, int(max_connections))
        self._refused_connections = 0
        self.nonces = verifier.NonceCache(nonce_cache_size)
        self._failures_logged: set[str] = set()  # state errors already logged (once each)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._requests: list[dict] = []
        self.store = Store(self.state_path)
        self.backend = Backend(self.store, account_id=account_id, region=region,
                               update_delay_s=update_delay_s, idle_timeout_s=idle_timeout_s,
                               clock=clock, rng=random.Random(seed))
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def bind(self) -> "EmulatorServer":
        """Bind the listening socket (``port`` 0 → a free port) without serving yet."""
        if self._httpd is None:
            try:
                self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
            except OSError:
                self.store.close()  # start() failed: leave nothing open behind
                raise
            self.port = self._httpd.server_address[1]
        return self

    def start(self) -> "EmulatorServer":
        """Bind and serve in a background thread; returns self."""
        self.bind()
        # a short poll interval keeps stop() quick (tests start many servers)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="fcctl-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until KeyboardInterrupt."""
        self.bind()
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
                self._thread.join(timeout=10)
            self._httpd.server_close()
            self._httpd = None
            self._thread = None
        self.store.close()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- runtime configuration -------------------------------------------------------------------
    def config(self) -> dict:
        return {
            "latencyMs": self.latency_ms,
            "faultRate": self.fault_rate,
            "faultKinds": list(self.fault_kinds),
            "retryAfterMs": self.retry_after_ms,
            "updateDelayS": self.backend.update_delay_s,
            "idleTimeoutS": self.backend.idle_timeout_s,
            "region": self.region,
            "accountId": self.backend.account_id,
        }

    def set_config(self, changes: dict) -> dict:
        """Apply ``{"latencyMs", "faultRate", "faultKinds", "retryAfterMs", "updateDelayS",
        "idleTimeoutS", "seed"}`` (any subset). Raises InvalidArgument."""
        def number(key, lo=0.0, hi=None):
            value = changes[key]
            # NaN/inf would poison every later GET /_fcctl/config (not JSON) and the timers
            if not isinstance(value, (int, float)) or isinstance(value, bool) \
                    or not math.isfinite(value) or value < lo or (hi is not None and value > hi):
                raise errors.InvalidArgument(f"{key} must be a number >= {lo}"
                                             + (f" and <= {hi}" if hi is not None else ""))
            return float(value)

        unknown = set(changes) - {"latencyMs", "faultRate", "faultKinds", "retryAfterMs",
                                  "updateDelayS", "idleTimeoutS", "seed"}
        if unknown:
            raise errors.InvalidArgument(f"unknown settings: {', '.join(sorted(unknown))}")
        if "faultKinds" in changes:
            kinds = changes["faultKinds"]
            if not isinstance(kinds, list) or not kinds or any(k not in FAULT_KINDS for k in kinds):
                raise errors.InvalidArgument(f"faultKinds must be a non-empty list of {FAULT_KINDS}")
            self.fault_kinds = tuple(kinds)
        if "latencyMs" in changes:
            self.latency_ms = number("latencyMs", 0.0, MAX_LATENCY_MS)
        if "faultRate" in changes:
            self.fault_rate = number("faultRate", 0.0, 1.0)
        if "retryAfterMs" in changes:
            self.retry_after_ms = int(number("retryAfterMs", 0.0, MAX_LATENCY_MS))
        if "updateDelayS" in changes:
            self.backend.update_delay_s = number("updateDelayS", 0.0, MAX_DELAY_S)
        if "idleTimeoutS" in changes:
            self.backend.idle_timeout_s = number("idleTimeoutS", 0.0, MAX_DELAY_S)
        if "seed" in changes:
            seed = changes["seed"]
            if not isinstance(seed, int) or isinstance(seed, bool):
                raise errors.InvalidArgument("seed must be an integer")
            with self._rng_lock:
                self._rng = random.Random(seed)
        return self.config()

    # --- request log -----------------------------------------------------------------------------
    def requests(self) -> list[dict]:
        with self._log_lock:
            return [dict(r) for r in self._requests]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def _record(self, method: str, path: str, action: str | None, status: int,
                request_id: str, fault: str | None) -> None:
        entry = {
            "method": method, "path": path, "action": action, "status": status,
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "requestId": request_id,
        }
        if fault:
            entry["fault"] = fault
        with self._log_lock:
            self._requests.append(entry)
            del self._requests[:-REQUEST_LOG_MAX]
        if self.log is not None:
            from fcctl.ui.redact import safe

            line = f"{method} {path} {status if status else 'dropped'} {action or '-'} {request_id}"
            if fault:
                line += f" fault={fault}"
            try:
                # a client's path may hold control characters or a secret: one safe line
                self.log.write(safe(line) + "\n")
                self.log.flush()
            except (ValueError, OSError):
                pass  # the log stream was closed

    # --- serving ---------------------------------------------------------------------------------
    def _pick_fault(self) -> str | None:
        if self.fault_rate <= 0:
            return None
        with self._rng_lock:
            if self._rng.random() >= self.fault_rate:
                return None
            return self._rng.choice(self.fault_kinds)

    def _note_refused_connection(self) -> None:
        """One log line when connections start being refused at the cap (and one per 1000
        after), not one per connection."""
        with self._log_lock:
            self._refused_connections += 1
            n = self._refused_connections
        if self.log is not None and (n == 1 or n % 1000 == 0):
            try:
                self.log.write(f"emulator: {self.max_connections} connections open; refused "
                               f"{n} new connection(s) with 503 ResourceThrottled\n")
                self.log.flush()
            except (ValueError, OSError):
                pass

    def _log_failure(self, where: str, exc: BaseException, request_id: str = "-") -> None:
        """One log line for a failure, never a traceback: the innermost frame of the emulator's
        own code, the exception type and message. A state-file error repeated request after
        request is logged once until it changes."""
        if isinstance(exc, StateUnavailable):
            with self._log_lock:
                if exc.message in self._failures_logged:
                    return
                if len(self._failures_logged) < 100:
                    self._failures_logged.add(exc.message)
            line = f"emulator: state unavailable: {exc.message}"
        else:
            import traceback

            frames = [f for f in traceback.extract_tb(exc.__traceback__)
                      if "fcctl" in f.filename] or traceback.extract_tb(exc.__traceback__)
            at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
            line = (f"emulator: internal error in {where}{at}: {type(exc).__name__}: "
                    f"{str(exc)[:200]} (request {request_id})")
        if self.log is not None:
            try:
                self.log.write(line.replace("\n", " ") + "\n")
                self.log.flush()
            except (ValueError, OSError):
                pass

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: bytes) -> None:
        reader = getattr(h, "reader", None)
        if reader is not None:
            reader.idle()  # the answer is written under the idle timeout, not a read deadline
        if getattr(h, "request_version", None) == "HTTP/0.9":
            h.request_version = "HTTP/1.0"  # http.server would send a bare body, no status
        if h.close_connection and "Connection" not in headers:
            headers = {**headers, "Connection": "close"}
        try:
            h.send_response(status)
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if h.command != "HEAD" and body:
                h.wfile.write(body)
        except OSError:  # the client went away or stopped reading; nothing to answer
            h.close_connection = True

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        """Answer one request: the checks that need no body, then the body, then the call.
        Whatever goes wrong, the client gets FC's JSON error body (or, for the "drop" fault
        and a client gone away, a closed connection) and the log at most one line."""
        request_id = str(uuid.uuid4()).upper()
        method = (h.command or "").upper()
        ctx = _Ctx(path=(h.path or "").split("?", 1)[0])
        try:
            status, headers, out = self._answer(h, method, request_id, ctx)
        except errors.FcError as err:
            if isinstance(err, StateUnavailable):
                self._log_failure("state", err)
            status, headers, out = errors.error_response(err, request_id)
        except wire.TooLarge as exc:
            status, headers, out = errors.error_response(errors.EntityTooLarge(exc.limit),
                                                         request_id)
        except wire.WireError as exc:
            status, headers, out = errors.error_response(errors.InvalidArgument(str(exc)),
                                                         request_id)
        except TimeoutError:
            h.close_connection = True
            status, headers, out = errors.error_response(errors.RequestTimeout(
                "the request body did not arrive in time"), request_id)
        except ConnectionError:
            h.close_connection = True
            return
        except Exception as exc:  # a bug in the emulator: answer as FC's 500 would
            self._log_failure("request", exc, request_id)
            status, headers, out = errors.error_response(errors.InternalServerError(
                "an internal error has occurred. Please retry."), request_id)
        finally:
            self.body_budget.release(ctx.reserved)
            ctx.reserved = 0
        if ctx.body_pending:
            h.close_connection = True  # an unread body would be taken for the next request
        # recorded before the answer goes out: a client that reads the request log right after
        # its call returned always finds the call there (never a line arriving after a clear)
        if not ctx.control:
            self._record(method, ctx.path, ctx.action, status, request_id, ctx.fault)
        if status == 0:
            h.close_connection = True  # the "drop" fault: no answer at all
        else:
            self._send(h, status, headers, out)

    def _read_body(self, h, length: int | None, chunked: bool, limit: int,
                   ctx: "_Ctx") -> bytes:
        """Read the body under the memory budget and the body deadline (wire.py)."""
        if not chunked and not length:
            return b""
        if h.headers.get("Expect", "").lower() == "100-continue" \
                and h.request_version >= "HTTP/1.1":
            h.send_response_only(100)
            h.end_headers()
            h.wfile.flush()
        reader = getattr(h, "reader", None)
        if reader is not None:
            reader.body(self.body_grace_s)

        def reserve(n: int) -> None:
            if not self.body_budget.try_acquire(n):
                raise errors.ResourceThrottled(
                    "too many large request bodies in flight; retry later")
            ctx.reserved += n

        if chunked:
            body = wire.read_chunked(h.rfile, limit, reserve)
        else:
            # The budget counts bytes received, not bytes declared: a client that declares
            # 100 MB and stalls holds only what it sent (it cannot starve other writers).
            parts, left = [], length
            while left:
                n = min(left, BODY_READ_STEP)
                if not self.body_budget.acquire(n, self.body_wait_s):
                    raise errors.ResourceThrottled(
                        "too many large request bodies in flight; retry later")
                ctx.reserved += n
                part = h.rfile.read(n)
                if len(part) != n:
                    raise ConnectionError("the client closed the connection mid-body")
                parts.append(part)
                left -= n
            body = b"".join(parts)
        ctx.body_pending = False
        if reader is not None:
            reader.idle()
        return body

    def _answer(self, h, method: str, request_id: str, ctx: "_Ctx"
                ) -> tuple[int, dict[str, str], bytes]:
        path, raw_query = _split_target(h.path)
        ctx.path = path
        ctx.control = routes.is_control(path)
        # 1. framing, before anything is read
        length = wire.content_length(h.headers.get_all("Content-Length") or [])
        chunked = wire.transfer_chunked(h.headers.get_all("Transfer-Encoding") or [])
        if chunked and length is not None:
            raise wire.WireError("a request cannot carry both Content-Length and "
                                 "Transfer-Encoding")
        ctx.body_pending = chunked or bool(length)
        limit = self.control_max_body_bytes if ctx.control else self.max_body_bytes
        if length is not None and length > limit:
            raise wire.TooLarge(limit)
        if ctx.control:
            return self._serve_control(h, method, path, length, chunked, limit, ctx)

        # 2. who is asking: the signature covers the body's hash header, not the body
        header_list = list(h.headers.items())
        lower = {k.lower(): v for k, v in header_list}
        if sls.is_sls_request(method, path, lower):  # Simple Log Service GetLogs (sls.py)
            ctx.action = "sls:GetLogs"
            body = self._read_body(h, length, chunked, limit, ctx)
            return sls.answer(self.backend, self.credentials, method, path, lower.get("host", ""),
                              dict(parse_qsl(raw_query, keep_blank_values=True)), lower, body)
        match = routes.match_api(method, path)
        ctx.action = match.action if match else None  # for the log, even when refused
        signed = verifier.verify_headers(method, path, raw_query, header_list, self.credentials)
        now = time.time()
        if signed.nonce and self.nonces.seen(signed.access_key_id, signed.nonce, now):
            raise self._replayed()

        # 3. the body, then the rest of the signature
        body = self._read_body(h, length, chunked, limit, ctx)
        verifier.verify_body(header_list, body)
        if signed.nonce and not self.nonces.add(signed.access_key_id, signed.nonce,
                                                signed.signed_at, now):
            raise self._replayed()
        if match is None:
            raise errors.PathNotSupported(f"'{method}' against '{path}' is not supported")
        handlers.check_path_names(match.params)
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000.0)
        ctx.fault = fault = self._pick_fault()
        if fault == "drop":
            return 0, {}, b""  # no answer at all: the client sees a dropped connection
        if fault == "429":
            raise errors.ResourceExhausted(
                "injected fault: too many requests",
                headers={"x-acs-retry-after": str(self.retry_after_ms)}
                if self.retry_after_ms > 0 else None)
        if fault == "500":
            raise errors.InternalServerError("injected fault: internal server error")
        if fault == "503":
            raise errors.ResourceThrottled("injected fault: service unavailable")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        req = handlers.Request(
            method=method, path=path, params=match.params, query=query,
            headers={k.lower(): v for k, v in header_list}, body=body,
            region=region_from_host(h.headers.get("Host"), self.region),
            request_id=request_id, base_url=self.url,
            on_error=lambda exc: self._log_failure("async invocation", exc, request_id),
        )
        resp = handlers.API_HANDLERS[ctx.action](self.backend, req)
        headers = dict(resp.headers)
        headers.setdefault("x-fc-request-id", request_id)
        headers.setdefault("x-acs-request-id", request_id)
        return resp.status, headers, resp.body

    @staticmethod
    def _replayed() -> errors.FcError:
        return errors.SignatureNonceUsed(
            "Specified signature nonce was used already. (x-acs-signature-nonce must be new "
            f"for every request within the {verifier.MAX_CLOCK_SKEW_S // 60}-minute signature "
            "window)")

    def _serve_control(self, h, method: str, path: str, length: int | None, chunked: bool,
                       limit: int, ctx: "_Ctx") -> tuple[int, dict[str, str], bytes]:
        if not self.allow_remote and not is_loopback(h.client_address[0]):
            raise errors.AccessDenied("control endpoints answer loopback clients only")
        match = routes.match_control(method, path)
        if match is None:
            raise errors.PathNotSupported(f"{method} {path} is not a control endpoint")
        body = self._read_body(h, length, chunked, limit, ctx)
        out = getattr(self, CONTROL_HANDLERS[match.action])(match, body)
        if isinstance(out, tuple):  # (status, headers, bytes): not JSON
            return out
        return 200, {"Content-Type": "application/json"}, json.dumps(out).encode("utf-8")

    # --- control handlers, one per routes.CONTROL_ROUTES action (CONTROL_HANDLERS) ----------
    def _ctl_health(self, match: routes.Match, body: bytes) -> dict:
        return {"status": "ok", "url": self.url}

    def _ctl_list_requests(self, match: routes.Match, body: bytes) -> dict:
        return {"requests": self.requests()}

    def _ctl_clear_requests(self, match: routes.Match, body: bytes) -> dict:
        self.clear_requests()
        return {"requests": []}

    def _ctl_get_config(self, match: routes.Match, body: bytes) -> dict:
        return self.config()

    def _ctl_put_config(self, match: routes.Match, body: bytes) -> dict:
        changes = wire.loads(body or b"{}", "the body")
        if not isinstance(changes, dict):
            raise errors.InvalidArgument("the body must be a JSON object")
        return self.set_config(changes)

    def _ctl_instance_events(self, match: routes.Match, body: bytes) -> dict:
        return self.backend.instance_events(match.params["functionName"])

    def _ctl_download_code(self, match: routes.Match, body: bytes):
        checksum = match.params["checksumZip"].removesuffix(".zip")
        data = self.backend.code_bytes(match.params["functionName"], checksum)
        if data is None:
            raise errors.NotFound("the code link is stale or unknown")
        return 200, {"Content-Type": "application/zip"}, data


# routes.CONTROL_ROUTES action → Emulator method (the control side of handlers.py's table)
CONTROL_HANDLERS = {action: f"_ctl_{action}" for _, _, action in routes.CONTROL_ROUTES}


def _split_target(target: str) -> tuple[str, str]:
    """``(path, raw query)`` of a request target. Origin form (``/p?q``) is split at the first
    ``?`` — ``urlsplit`` would read ``//x/…`` as a host; an absolute URI (``http://h/p?q``)
    keeps its path and query."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query
    try:
        split = urlsplit(target)
    except ValueError:
        raise wire.WireError("malformed request target") from None
    if split.scheme not in ("http", "https"):
        raise wire.WireError("malformed request target")
    return split.path or "/", split.query


class _Ctx:
    """What the request log needs to know about a request, however it ended."""

    __slots__ = ("path", "control", "action", "fault", "reserved", "body_pending")

    def __init__(self, path: str) -> None:
        self.path = path
        self.control = False
        self.action: str | None = None
        self.fault: str | None = None
        self.reserved = 0
        self.body_pending = False
