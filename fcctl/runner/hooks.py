"""Requests FC sends to an instance: lifecycle hooks and invocations, with FC's headers.

Code-type hooks are HTTP calls to the instance's server: ``POST /initialize`` and
``GET /pre-stop`` (FC docs 函数实例生命周期回调（自定义运行时）, fc-docs 04.功能说明/060); invocations are ``POST /invoke`` with the event as the body
(FC docs "Event handlers" of custom runtimes). Command-type Initializers run an argv in the
instance's directory with the instance environment. Every call has a deadline; none raises on
an application failure — each returns an :class:`HttpOutcome` / :class:`CommandOutcome`.
"""

from __future__ import annotations

import http.client
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Mapping

from fcctl import fcfacts
from fcctl.runner.config import InstanceConfig

BODY_START = 300  # characters of a body quoted in failure messages


def secs(value: float | None) -> str:
    """A duration or timeout in seconds for people: ``"3s"``, ``"0.67s"``, ``"12.5s"``,
    ``"600s"``, ``"0.004s"`` — at most 3 significant decimals, never float noise."""
    if value is None:
        return "-"
    v = float(value)
    if v != v or v in (float("inf"), float("-inf")):
        return f"{v}s"
    a = abs(v)
    places = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 0.1 else 3
    text = f"{v:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text) + "s"


def new_request_id() -> str:
    return str(uuid.uuid4())


def common_headers(
    cfg: InstanceConfig,
    *,
    control_path: str,
    request_id: str | None = None,
    credentials: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """FC's common request headers for a request to the instance (FC custom runtime spec).

    The initializer / pre-stop headers are sent only when those hooks are configured (policy:
    FC sends the configured handler; an unconfigured hook has none). ``credentials`` (only when
    the user opted in) adds ``x-fc-access-key-id`` / ``-secret`` / ``x-fc-security-token``.
    """
    h = {
        "x-fc-request-id": request_id or new_request_id(),
        "x-fc-function-name": cfg.function_name,
        "x-fc-function-handler": cfg.handler,
        "x-fc-function-memory": str(cfg.memory_size),
        "x-fc-region": cfg.region,
        "x-fc-account-id": cfg.account_id,
        "x-fc-qualifier": cfg.qualifier,
        "x-fc-version-id": cfg.version_id,
        "x-fc-control-path": control_path,
    }
    if cfg.initializer is not None:
        if cfg.initializer.handler:  # a command-type Initializer has no handler to name
            h["x-fc-function-initializer"] = cfg.initializer.handler
        h["x-fc-initialization-timeout"] = str(int(cfg.initializer.timeout))
    if cfg.pre_stop is not None:
        h["x-fc-instance-lifecycle-pre-stop-handler"] = cfg.pre_stop.handler
    if credentials:
        if credentials.get("ALIBABA_CLOUD_ACCESS_KEY_ID"):
            h["x-fc-access-key-id"] = credentials["ALIBABA_CLOUD_ACCESS_KEY_ID"]
        if credentials.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
            h["x-fc-access-key-secret"] = credentials["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
        if credentials.get("ALIBABA_CLOUD_SECURITY_TOKEN"):
            h["x-fc-security-token"] = credentials["ALIBABA_CLOUD_SECURITY_TOKEN"]
    return h


@dataclass
class HttpOutcome:
    """Result of one HTTP request to the instance. ``status`` is None when no answer came;
    ``error`` then says why (refused, closed, timed out). ``elapsed`` and ``timeout`` in seconds."""

    method: str
    path: str
    elapsed: float
    timeout: float
    request_id: str
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def body_start(self) -> str:
        text = self.body.decode("utf-8", "replace").strip()
        return text[:BODY_START] + ("…" if len(text) > BODY_START else "")

    def describe(self) -> str:
        """One line for a person: what happened, against the limit."""
        took = f"after {secs(self.elapsed)} (limit {secs(self.timeout)})"
        if self.status is None:
            return f"{self.method} {self.path}: {self.error} {took}"
        text = f"{self.method} {self.path} answered {self.status} {took}"
        if not self.ok and self.body:
            text += f"; body starts: {self.body_start()!r}"
        return text


class _Deadline(Exception):
    """The exchange's deadline passed (raised by :class:`_DeadlineSocket`)."""


class _DeadlineSocket(socket.socket):
    """A connected socket whose every send and receive gets the time left before one monotonic
    deadline as its timeout — so a server trickling one byte at a time cannot stretch the
    exchange past the deadline (a plain socket timeout applies per operation)."""

    deadline: float = 0.0

    def _arm(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Deadline()
        self.settimeout(left)

    def recv_into(self, *args, **kwargs):  # used by http.client's buffered reader
        self._arm()
        return super().recv_into(*args, **kwargs)

    def recv(self, *args, **kwargs):
        self._arm()
        return super().recv(*args, **kwargs)

    def sendall(self, data, *args, **kwargs):
        view = memoryview(data).cast("B")
        while view:  # in pieces, so a server that does not read cannot hold us past the deadline
            self._arm()
            sent = super().send(view[:65536], *args, **kwargs)
            view = view[sent:]

    def send(self, *args, **kwargs):
        self._arm()
        return super().send(*args, **kwargs)


class _DeadlineConnection(http.client.HTTPConnection):
    """``http.client`` (request writing and response parsing) over a :class:`_DeadlineSocket`."""

    def __init__(self, host: str, port: int, deadline: float) -> None:
        super().__init__(host, port, timeout=max(0.001, deadline - time.monotonic()))
        self.deadline = deadline

    def connect(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Deadline()
        raw = socket.create_connection((self.host, self.port), timeout=left)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = _DeadlineSocket(raw.family, raw.type, raw.proto, fileno=raw.detach())
        sock.deadline = self.deadline
        self.sock = sock


def http_call(
    port: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    body: bytes | None = None,
    host: str = "127.0.0.1",
    max_body: int | None = None,
) -> HttpOutcome:
    """One request to ``host:port`` within ONE deadline of ``timeout`` seconds for the whole
    exchange: connect, send, status line, headers and every read of the body until the full
    response (each socket operation's timeout is what is left of it).

    A response cut short (``Content-Length`` not reached, a chunked stream cut) is a failure
    ("the server closed the connection after N bytes of the body"). ``max_body``: read at most
    that many body bytes; a longer body is a failure (FC's payload limit).
    """
    request_id = headers.get("x-fc-request-id", "")
    start = time.monotonic()
    deadline = start + timeout
    out = HttpOutcome(method, path, 0.0, timeout, request_id)
    conn = _DeadlineConnection(host, port, deadline)
    got = 0
    declared = None
    try:
        conn.request(method, path, body=body, headers=dict(headers))
        resp = conn.getresponse()
        out.status = resp.status
        out.headers = {k.lower(): v for k, v in resp.getheaders()}
        declared = resp.length  # Content-Length, None when chunked or read to the close
        chunks = []
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                break
            got += len(chunk)
            if max_body is not None and got > max_body:
                out.status = None
                size = (f"{max_body // (1024 * 1024)} MB" if max_body % (1024 * 1024) == 0
                        else f"{max_body} bytes")
                out.error = (f"the response body is larger than {size} (FC's payload limit); "
                             "fcctl stopped reading it")
                return out
            chunks.append(chunk)
        if resp.length:  # http.client returns b"" when the peer closes before Content-Length
            raise http.client.IncompleteRead(b"", resp.length)
        out.body = b"".join(chunks)
    except ConnectionRefusedError:
        out.status = None
        out.error = f"connection refused on {host}:{port} (nothing listens there)"
    except (socket.timeout, TimeoutError, _Deadline):
        if out.status:
            what = f"status {out.status} arrived, the body did not finish ({got} bytes read)"
        else:
            what = "no complete status line and headers"
        out.status = None
        out.error = (f"no answer within the {secs(timeout)} timeout ({what}); fcctl closed "
                     "the connection")
    except http.client.IncompleteRead:
        status = out.status
        expected = f" (Content-Length: {declared})" if declared else ""
        out.status = None
        out.error = (f"truncated response: status {status} arrived, then the server closed the "
                     f"connection when {got} bytes of the body had arrived{expected}")
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
        out.status = None
        out.error = f"the server closed the connection without a complete answer ({type(exc).__name__})"
    except (OSError, http.client.HTTPException) as exc:
        out.status = None
        out.error = f"request failed: {type(exc).__name__}: {exc}"
    finally:
        conn.close()
        out.elapsed = time.monotonic() - start
    return out


def initialize_call(cfg: InstanceConfig, port: int, *, credentials=None) -> HttpOutcome:
    """Code-type Initializer: ``POST /initialize``, no body, within the hook's timeout."""
    assert cfg.initializer is not None
    headers = common_headers(cfg, control_path=fcfacts.INITIALIZE_PATH, credentials=credentials)
    headers["content-length"] = "0"
    return http_call(port, fcfacts.INITIALIZE_METHOD, fcfacts.INITIALIZE_PATH, headers=headers,
                     timeout=cfg.initializer.timeout, body=b"")


def pre_stop_call(cfg: InstanceConfig, port: int, *, credentials=None) -> HttpOutcome:
    """PreStop: ``GET /pre-stop`` within the hook's timeout."""
    assert cfg.pre_stop is not None
    headers = common_headers(cfg, control_path=fcfacts.PRESTOP_PATH, credentials=credentials)
    return http_call(port, fcfacts.PRESTOP_METHOD, fcfacts.PRESTOP_PATH, headers=headers,
                     timeout=cfg.pre_stop.timeout)


def invoke_call(
    cfg: InstanceConfig,
    port: int,
    data: bytes,
    *,
    path: str = fcfacts.INVOKE_PATH,
    credentials=None,
    request_id: str | None = None,
    method: str = fcfacts.INVOKE_METHOD,
    extra_headers: Mapping[str, str] | None = None,
) -> HttpOutcome:
    """One event invocation: ``POST /invoke`` (or ``method`` ``path``), the event as an
    ``application/octet-stream`` body, within the function's timeout. ``extra_headers`` (the
    user's ``--header``; never ``x-fc-*``, checked by the CLI) are added, and may set
    ``content-type``."""
    control = fcfacts.INVOKE_PATH if path == fcfacts.INVOKE_PATH else "/http-invoke"
    headers = common_headers(cfg, control_path=control, request_id=request_id,
                             credentials=credentials)
    headers["content-type"] = "application/octet-stream"
    headers["x-fc-invocation-type"] = "Sync"
    for name, value in (extra_headers or {}).items():
        headers[name.lower()] = value
    return http_call(port, method, path, headers=headers, timeout=cfg.timeout,
                     body=data, max_body=fcfacts.LOCAL_RESPONSE_MAX_BYTES)
