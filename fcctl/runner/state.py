"""The state file of a running ``fcctl local start``: how ``fcctl local invoke`` finds it.

``<spec dir>/.fcctl/local/<functionName>.json`` holds ``{"pid", "ownerPid", "port",
"instanceId", "initialized", "functionName", "startedAt"}`` and, once ``local invoke`` ran
the Initializer, ``"initializerFailed"`` (then the owner skips PreStop at the stop) — no secrets. It is written by the
process that owns the instance, removed when that process stops, and updated under an exclusive
``flock`` when another process runs the Initializer (Initializer-first rule of ``local invoke``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Iterator

from fcctl.runner.process import _proc_stat


def state_path(spec_dir: Path, function_name: str) -> Path:
    return spec_dir / ".fcctl" / "local" / f"{function_name}.json"


def _alive(pid: int) -> bool:
    st = _proc_stat(pid)
    if st is not None:
        return st[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def write_state(path: Path, data: dict) -> None:
    """Write atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def update_state(path: Path, data: dict) -> bool:
    """Rewrite the state file (under :func:`locked`) only while it still exists for the same
    owner — never re-create the file of an instance that stopped meanwhile. True if written."""
    try:
        current = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if current.get("ownerPid") != data.get("ownerPid"):
        return False
    write_state(path, data)
    return True


def read_state(path: Path) -> dict | None:
    """The state of a live instance, or None (no file, unreadable, or its owner is gone —
    then the stale file is removed)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    owner, pid = data.get("ownerPid"), data.get("pid")
    if not isinstance(owner, int) or not isinstance(pid, int) or not (_alive(owner) and _alive(pid)):
        with contextlib.suppress(OSError):
            path.unlink()
        _drop_lock(path)
        return None
    return data


def _drop_lock(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.with_suffix(".lock").unlink()


def remove_state(path: Path, owner_pid: int | None = None) -> None:
    """Remove the file and its ``.lock`` if it belongs to ``owner_pid`` (default: this process).
    When the state file is already gone (dropped as stale by another process while the owner
    was stopping), the lock file is removed all the same."""
    owner_pid = os.getpid() if owner_pid is None else owner_pid
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        _drop_lock(path)
        return
    except (OSError, ValueError):
        return
    if data.get("ownerPid") == owner_pid:
        with contextlib.suppress(OSError):
            path.unlink()
        _drop_lock(path)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Exclusive lock for read-modify-write of one state file (a sibling ``.lock`` file).

    The lock file is removed on the way out when the state file no longer exists (its instance
    stopped meanwhile), so no ``.lock`` outlives the instance."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if not path.exists():
                _drop_lock(path)
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_state(*, pid: int, port: int, instance_id: str, function_name: str,
              initialized: bool) -> dict:
    return {
        "functionName": function_name,
        "pid": pid,
        "ownerPid": os.getpid(),
        "port": port,
        "instanceId": instance_id,
        "initialized": initialized,
        "startedAt": time.time(),
    }
