"""The embedded emulator behind ``--endpoint local`` / ``FCCTL_ENDPOINT=local``.

The emulator runs in this process on a free loopback port with the built-in local key pair and a
persistent state file, so ``FCCTL_ENDPOINT=local fcctl deploy`` followed by
``FCCTL_ENDPOINT=local fcctl plan`` in a new process sees what the first one deployed.

State file: ``$FCCTL_LOCAL_STATE`` if set, else ``$XDG_STATE_HOME/fcctl/emulator.sqlite3``
(``~/.local/state/fcctl/emulator.sqlite3``). The file is created 0600 and the directories
fcctl creates for it 0700 (:func:`fcctl.emulator.store.create_private_file`): the state holds
function configurations, environment variables included.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

# Built-in local credentials: not secrets, they only open the local emulator.
LOCAL_ACCESS_KEY_ID = "fcctl-local"
LOCAL_ACCESS_KEY_SECRET = "fcctl-local-not-a-secret"

_lock = threading.Lock()
_server = None


def state_path() -> Path:
    """Path of the local emulator's SQLite state file (see module docstring)."""
    explicit = os.environ.get("FCCTL_LOCAL_STATE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fcctl" / "emulator.sqlite3"


def ensure_local_emulator() -> str:
    """Start the in-process emulator once; returns its ``host:port``."""
    global _server
    with _lock:
        if _server is None:
            from fcctl.emulator.server import EmulatorServer

            path = state_path()
            try:
                # the store creates the file 0600 and its missing directories 0700
                srv = EmulatorServer(
                    path,
                    credentials={LOCAL_ACCESS_KEY_ID: LOCAL_ACCESS_KEY_SECRET},
                    host="127.0.0.1",
                    port=0,
                    log=None,  # the local emulator is quiet; `fcctl emulator serve` logs
                )
            except OSError as exc:
                from fcctl import errors

                raise errors.UsageError(
                    f"--endpoint local cannot use its state file {path}: {exc}",
                    hint="set FCCTL_LOCAL_STATE to a writable file path (created if missing)",
                ) from None
            srv.start()
            _server = srv
            atexit.register(srv.stop)
        return f"{_server.host}:{_server.port}"

