"""SQLite persistence of the emulator's state: JSON documents keyed by (kind, key).

One connection shared by all threads behind a lock (stdlib ``sqlite3``, WAL journal), so the
state survives restarts of the emulator. Kinds used by the backend: ``function`` (key: name),
``version`` (``<function>/<zero-padded versionId>``), ``alias`` (``<function>/<alias>``),
``trigger`` (``<function>/<trigger>``), ``provision`` (``<function>/<qualifier>``), ``instance``
(``<function>/<instanceId>``), ``code`` (``<function>/<checksum>``: an uploaded zip). Documents
are plain JSON-serialisable dicts; the emulator's private state in them is under ``_``-prefixed
keys, which never reach an API answer. The format has no version: a change must keep reading
the documents of earlier releases.

The state file is created private to its user (0600; the directories the store creates, 0700;
SQLite gives its ``-wal``/``-shm`` files the database's mode). An existing file keeps its mode.

Disk trouble while serving — SQLite's "database or disk is full", "attempt to write a readonly
database", "disk I/O error", or the state file removed, replaced or made unwritable underneath
— raises :class:`StateUnavailable` (503 ServiceUnavailable), never a bare ``sqlite3`` error.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from fcctl.emulator import errors

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


class StateFileError(OSError):
    """The state path cannot hold the emulator's SQLite database."""


class StateUnavailable(errors.ServiceUnavailable):
    """The state file cannot be read or written now; the server answers 503 and logs one
    line."""


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each 0700 (existing ones are left)."""
    missing = []
    d = Path(directory)
    while not d.exists():
        missing.append(d)
        if d.parent == d:
            break
        d = d.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask; 0700 is what we mean


def check_state_path(path: Path | str) -> None:
    """The state path must be a regular file or missing: SQLite would open a device, a FIFO or a
    directory and create ``<path>-journal``/``-wal`` next to it (``/dev/null`` → a world-writable
    ``/dev/null-journal``). Raises :class:`StateFileError` naming the path. Shared by
    ``--endpoint local`` (``FCCTL_LOCAL_STATE``) and ``fcctl emulator serve --state``."""
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateFileError(f"cannot use {path} as the emulator's state: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
                "a FIFO" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise StateFileError(f"{path} is {kind}, not a regular file")


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (its directory made private)."""
    path = Path(path)
    make_private_dirs(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class Store:
    """Thread-safe document store over one SQLite file (``":memory:"`` works for unit tests)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._identity: tuple[int, int] | None = None
        if self.path != ":memory:":
            check_state_path(self.path)
            create_private_file(Path(self.path))
        self._lock = threading.RLock()
        try:
            # timeout: another process (e.g. `--endpoint local` next to `emulator serve`) may
            # hold the write lock for a moment
            self._conn = sqlite3.connect(self.path, check_same_thread=False,
                                         isolation_level=None, timeout=30)
            with self._lock:
                if self.path != ":memory:":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.executescript(SCHEMA)
        except sqlite3.Error as exc:  # a directory, a file that is not SQLite, no permission
            raise StateFileError(f"cannot use {self.path} as the emulator's state: {exc}") from None
        if self.path != ":memory:":
            st = os.stat(self.path)
            self._identity = (st.st_dev, st.st_ino)

    def _check_file(self, write: bool) -> None:
        """The file SQLite has open must still be the state file: SQLite would carry on
        writing to a removed file (lost at the next start) or to a file made read-only."""
        if self._identity is None:
            return
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise StateUnavailable(f"the state file {self.path} is gone ({exc.strerror}); "
                                   "restart the emulator") from None
        if (st.st_dev, st.st_ino) != self._identity:
            raise StateUnavailable(f"the state file {self.path} was replaced; restart the "
                                   "emulator")
        if write and not os.access(self.path, os.W_OK):
            raise StateUnavailable(f"the state file {self.path} is not writable")

    @contextmanager
    def _use(self, write: bool):
        with self._lock:
            self._check_file(write)
            try:
                yield
            except sqlite3.Error as exc:  # full, read-only, I/O error, closed
                raise StateUnavailable(f"the state file {self.path} cannot be "
                                       f"{'written' if write else 'read'}: {exc}") from None

    def get(self, kind: str, key: str) -> dict | None:
        with self._use(False):
            row = self._conn.execute(
                "SELECT value FROM docs WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, doc: dict) -> None:
        data = json.dumps(doc, separators=(",", ":"), sort_keys=True)
        with self._use(True):
            self._conn.execute(
                "INSERT INTO docs(kind, key, value) VALUES(?,?,?) "
                "ON CONFLICT(kind, key) DO UPDATE SET value=excluded.value",
                (kind, key, data),
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._use(True):
            cur = self._conn.execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))
        return cur.rowcount > 0

    def delete_prefix(self, kind: str, prefix: str) -> int:
        with self._use(True):
            cur = self._conn.execute(
                "DELETE FROM docs WHERE kind=? AND substr(key, 1, ?)=?",
                (kind, len(prefix), prefix),
            )
        return cur.rowcount

    def list(self, kind: str, prefix: str = "", *, after: str | None = None,
             limit: int | None = None) -> list[tuple[str, dict]]:
        """``(key, doc)`` pairs of ``kind`` whose key starts with ``prefix``, ordered by key,
        keys strictly greater than ``after`` when given, at most ``limit``."""
        sql = "SELECT key, value FROM docs WHERE kind=? AND substr(key, 1, ?)=?"
        args: list = [kind, len(prefix), prefix]
        if after is not None:
            sql += " AND key > ?"
            args.append(after)
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._use(False):
            rows = self._conn.execute(sql, args).fetchall()
        return [(k, json.loads(v)) for k, v in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
