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


def http_call(
    port: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    body: bytes | None = None,
    host: str = "127.0.0.1",
) -> HttpOutcome:
    """One request to ``host:port`` with an overall deadline of ``timeout`` seconds."""
    request_id = headers.get("x-fc-request-id", "")
    start = time.monotonic()
    out = HttpOutcome(method, path, 0.0, timeout, request_id)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers))
        # the socket timeout applies per read; shrink it to what is left of the deadline
        if conn.sock is not None:
            conn.sock.settimeout(max(0.01, timeout - (time.monotonic() - start)))
        resp = conn.getresponse()
        out.status = resp.status
        out.headers = {k.lower(): v for k, v in resp.getheaders()}
        chunks = []
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise socket.timeout()
            if conn.sock is not None:
                conn.sock.settimeout(left)
            chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        out.body = b"".join(chunks)
    except ConnectionRefusedError:
        out.status = None
        out.error = f"connection refused on 127.0.0.1:{port} (nothing listens there)"
    except (socket.timeout, TimeoutError):
        got = f" (status {out.status} arrived, body did not finish)" if out.status else ""
        out.status = None
        out.error = f"no answer within the {secs(timeout)} timeout{got}"
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
            http.client.IncompleteRead) as exc:
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
) -> HttpOutcome:
    """One event invocation: ``POST /invoke`` (or ``path``), the event as an
    ``application/octet-stream`` body, within the function's timeout."""
    control = fcfacts.INVOKE_PATH if path == fcfacts.INVOKE_PATH else "/http-invoke"
    headers = common_headers(cfg, control_path=control, request_id=request_id,
                             credentials=credentials)
    headers["content-type"] = "application/octet-stream"
    headers["x-fc-invocation-type"] = "Sync"
    return http_call(port, fcfacts.INVOKE_METHOD, path, headers=headers, timeout=cfg.timeout,
                     body=data)
