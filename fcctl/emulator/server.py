"""The emulator's threaded HTTP server: signature check, latency, fault injection, dispatch,
request log, control endpoints (``/_fcctl/``).

```python
with EmulatorServer(Path("state.db"), credentials={"ak": "secret"}) as srv:
    srv.url  # "http://127.0.0.1:PORT"
```

One line per API request goes to ``log`` (default stderr): method, path, status, action,
request id. The access key secret never appears in any output.
"""

from __future__ import annotations

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

from fcctl.emulator import errors, handlers, routes, verifier
from fcctl.emulator.backend import DEFAULT_IDLE_TIMEOUT_S, Backend
from fcctl.emulator.store import Store

DEFAULT_REGION = "cn-hangzhou"
DEFAULT_ACCOUNT_ID = "1234567890123456"
FAULT_KINDS = ("429", "500", "503", "drop")
MAX_BODY_BYTES = 100 * 1024 * 1024  # policy: larger bodies get 400 EntityTooLarge
REQUEST_LOG_MAX = 10000
_REGION_HOST = re.compile(r"^fcv3\.([a-z0-9-]+)\.aliyuncs\.com(:\d+)?$", re.IGNORECASE)


def is_loopback(host: str) -> bool:
    """True for loopback addresses and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def region_from_host(host: str | None, default: str) -> str:
    match = _REGION_HOST.match((host or "").strip())
    return match.group(1).lower() if match else default


def _read_chunked(rfile) -> bytes:
    """Decode a ``Transfer-Encoding: chunked`` body (raises ValueError when malformed or when
    it exceeds the body limit)."""
    out = bytearray()
    while True:
        line = rfile.readline(1024)
        size = int(line.split(b";", 1)[0].strip() or b"x", 16)
        if size == 0:
            while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return bytes(out)
        out += rfile.read(size)
        rfile.readline(1024)
        if len(out) > MAX_BODY_BYTES:
            raise ValueError("body too large")


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
        # a client that disconnects mid-request is not an emulator error worth a traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, address, handler, emulator: "EmulatorServer") -> None:
        self.emulator = emulator
        if ":" in address[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fcctl-emulator"
    # Headers and body go out as separate writes; with Nagle on, the client's delayed ACK held
    # every answer for ~40 ms. TCP_NODELAY sends each write at once.
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is closed after this many seconds

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass  # the emulator writes its own one-line log

    def _handle(self) -> None:
        self.server.emulator._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


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

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: bytes) -> None:
        try:
            h.send_response(status)
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if h.command != "HEAD" and body:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client went away; nothing to answer

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        request_id = str(uuid.uuid4()).upper()
        split = urlsplit(h.path)
        path, raw_query = split.path, split.query
        method = h.command.upper()
        try:
            length = int(h.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        chunked = "chunked" in (h.headers.get("Transfer-Encoding") or "").lower()
        if length > MAX_BODY_BYTES or length < 0:
            h.close_connection = True
            status, headers, body = errors.error_response(
                errors.EntityTooLarge(f"the request body exceeds {MAX_BODY_BYTES} bytes")
                if length > 0 else errors.InvalidArgument("bad Content-Length header"),
                request_id)
            self._send(h, status, headers, body)
            self._record(method, path, None, status, request_id, None)
            return
        try:
            body = _read_chunked(h.rfile) if chunked else (h.rfile.read(length) if length else b"")
        except ValueError:
            h.close_connection = True
            status, headers, out = errors.error_response(
                errors.InvalidArgument("malformed chunked request body"), request_id)
            self._send(h, status, headers, out)
            self._record(method, path, None, status, request_id, None)
            return
        if routes.is_control(path):
            self._serve_control(h, method, path, raw_query, body, request_id)
            return

        header_list = list(h.headers.items())
        action = None
        fault = None
        match = routes.match_api(method, path)
        action = match.action if match else None  # for the log, even when the signature fails
        try:
            verifier.verify(method, path, raw_query, header_list, body, self.credentials)
            if match is None:
                raise errors.PathNotSupported(f"{method} {path} is not a supported API path")
            if self.latency_ms > 0:
                time.sleep(self.latency_ms / 1000.0)
            fault = self._pick_fault()
            if fault == "drop":
                h.close_connection = True
                self._record(method, path, action, 0, request_id, fault)
                return  # no answer at all: the client sees a dropped connection
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
            )
            resp = handlers.API_HANDLERS[action](self.backend, req)
            status, headers, out = resp.status, dict(resp.headers), resp.body
            headers.setdefault("x-fc-request-id", request_id)
            headers.setdefault("x-acs-request-id", request_id)
        except errors.FcError as err:
            status, headers, out = errors.error_response(err, request_id)
        except Exception as exc:  # a bug in the emulator: answer as FC's 500 would
            err = errors.InternalServerError(f"emulator bug: {type(exc).__name__}: {exc}")
            status, headers, out = errors.error_response(err, request_id)
            if self.log is not None:
                import traceback

                traceback.print_exc(file=self.log)
        self._send(h, status, headers, out)
        self._record(method, path, action, status, request_id, fault)

    def _serve_control(self, h, method: str, path: str, raw_query: str, body: bytes,
                       request_id: str) -> None:
        try:
            if not self.allow_remote and not is_loopback(h.client_address[0]):
                raise errors.AccessDenied("control endpoints answer loopback clients only")
            match = routes.match_control(method, path)
            if match is None:
                raise errors.PathNotSupported(f"{method} {path} is not a control endpoint")
            if match.action == "download_code":
                checksum = match.params["checksumZip"].removesuffix(".zip")
                data = self.backend.code_bytes(match.params["functionName"], checksum)
                if data is None:
                    raise errors.NotFound("the code link is stale or unknown")
                status, headers, out = 200, {"Content-Type": "application/zip"}, data
            else:
                data = self._control(match, body)
                status, headers, out = (200, {"Content-Type": "application/json"},
                                        json.dumps(data).encode("utf-8"))
        except errors.FcError as err:
            status, headers, out = errors.error_response(err, request_id)
        self._send(h, status, headers, out)

    def _control(self, match: routes.Match, body: bytes) -> dict:
        if match.action == "health":
            return {"status": "ok", "url": self.url}
        if match.action == "list_requests":
            return {"requests": self.requests()}
        if match.action == "clear_requests":
            self.clear_requests()
            return {"requests": []}
        if match.action == "get_config":
            return self.config()
        if match.action == "put_config":
            try:
                changes = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                raise errors.InvalidArgument("the body must be a JSON object") from None
            if not isinstance(changes, dict):
                raise errors.InvalidArgument("the body must be a JSON object")
            return self.set_config(changes)
        if match.action == "instance_events":
            return self.backend.instance_events(match.params["functionName"])
        raise errors.PathNotSupported(match.action)
