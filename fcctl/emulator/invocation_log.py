"""The emulator's record of sync invocations for its Simple Log Service emulation (sls.py):
``FC Invoke Start/End RequestId: …`` per invocation, kept in memory per backend, bounded
(``MAX_PER_FUNCTION`` most recent per function; not persisted across restarts)."""

from __future__ import annotations

import threading
import weakref
from collections import deque

MAX_PER_FUNCTION = 1000

_lock = threading.Lock()
_by_backend: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def record(backend, name: str, request_id: str, result: dict, headers: dict,
           start_ms: int, end_ms: int) -> None:
    """Remember one finished sync invocation of ``name``."""
    entry = {"requestId": request_id, "instanceId": result.get("instanceId") or "",
             "versionId": str(result.get("versionId") or ""),
             "qualifier": result.get("qualifier") or "LATEST",
             "errorType": headers.get("X-Fc-Error-Type"),
             "errorMessage": result.get("errorMessage"), "startMs": start_ms, "endMs": end_ms}
    with _lock:
        per = _by_backend.setdefault(backend, {})
        per.setdefault(name, deque(maxlen=MAX_PER_FUNCTION)).append(entry)


def invocations(backend, name: str) -> list[dict]:
    with _lock:
        return list((_by_backend.get(backend) or {}).get(name, ()))


def forget(backend, name: str) -> None:
    with _lock:
        (_by_backend.get(backend) or {}).pop(name, None)
