"""SQLite persistence of the emulator's state: JSON documents keyed by (kind, key).

One connection shared by all threads behind a lock (stdlib ``sqlite3``, WAL journal), so the
state survives restarts of the emulator. Kinds used by the backend: ``function`` (key: name),
``trigger`` (``<function>/<trigger>``), ``provision`` (``<function>/<qualifier>``), ``instance``
(``<function>/<instanceId>``). Documents are plain JSON-serialisable dicts.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

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


class Store:
    """Thread-safe document store over one SQLite file (``":memory:"`` works for unit tests)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
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

    def get(self, kind: str, key: str) -> dict | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM docs WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, doc: dict) -> None:
        data = json.dumps(doc, separators=(",", ":"), sort_keys=True)
        with self._lock:
            self._conn.execute(
                "INSERT INTO docs(kind, key, value) VALUES(?,?,?) "
                "ON CONFLICT(kind, key) DO UPDATE SET value=excluded.value",
                (kind, key, data),
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))
        return cur.rowcount > 0

    def delete_prefix(self, kind: str, prefix: str) -> int:
        with self._lock:
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
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [(k, json.loads(v)) for k, v in rows]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
