"""The one console of fcctl: results to stdout, diagnostics and progress to stderr.

* ``result(data, render)`` prints the command's result: in JSON mode one JSON document
  (``data``) on stdout and nothing else; in text mode ``render(console)`` draws it.
* ``info`` / ``warn`` / ``error`` / ``progress`` write to stderr in both modes.
* User strings are never interpreted as rich markup (``markup=False`` by default on every call
  that prints them), so a function named ``[red]x`` prints as written.
* Secrets and terminal control (``fcctl.ui.redact``): the JSON document is scrubbed *before* it
  is serialised; strings, ``Text`` and table cells given to ``print`` are scrubbed and sanitised
  *before* rich lays them out (a wrapped cell never holds half a secret);
  ``info``/``warn``/``error``/``progress`` messages are scrubbed, sanitised, and their lines after
  the first indented (a newline inside a value never starts a fake ``error:`` line). Both rich
  consoles write through ``redact.StdStream``, which scrubs the final text once more.

rich is imported lazily so that ``fcctl --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

from fcctl.ui import redact
from fcctl.ui.redact import StdStream

_current: "Console | None" = None

# The version of every JSON document fcctl prints; bump it when a document changes shape.
SCHEMA_VERSION = 1

# Progress formats (``--progress``): text lines (and a spinner on a terminal), or one JSON
# object per event (NDJSON), both on stderr — stdout holds only the command's result.
PROGRESS_FORMATS = ("text", "ndjson")


def stamp(doc: dict) -> dict:
    """``doc`` with ``schemaVersion`` first — every JSON document and NDJSON event fcctl prints
    goes through here (and nowhere else writes the key)."""
    return {"schemaVersion": SCHEMA_VERSION, **{k: v for k, v in doc.items()
                                                 if k != "schemaVersion"}}


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` (a dict is stamped) scrubbed of secrets, then serialised: what fcctl prints."""
    import json

    if isinstance(data, dict):
        data = stamp(data)
    return json.dumps(redact.scrub_data(data), indent=indent, sort_keys=False, default=str)


class Console:
    """Output front for one fcctl invocation. ``output`` is ``"text"`` or ``"json"`` (the
    result); ``progress`` ``"text"`` or ``"ndjson"`` (the progress stream on stderr)."""

    def __init__(self, output: str = "text", *, debug: bool = False,
                 progress: str = "text") -> None:
        self.output = output
        self.debug = debug
        self.progress_format = progress
        self._out = None
        self._err = None

    # rich consoles are created on first use: importing rich costs start-up time.
    @property
    def out(self):
        if self._out is None:
            from rich.console import Console as RichConsole

            # Piped output (CI logs, files) is not folded at 80 columns.
            width = None if sys.stdout.isatty() else 200
            self._out = RichConsole(file=StdStream("stdout"), highlight=False, emoji=False, soft_wrap=True,
                                    width=width)
        return self._out

    @property
    def err(self):
        if self._err is None:
            from rich.console import Console as RichConsole

            self._err = RichConsole(file=StdStream("stderr"), highlight=False, emoji=False, soft_wrap=True)
        return self._err

    @property
    def json_mode(self) -> bool:
        return self.output == "json"

    @property
    def stderr_is_terminal(self) -> bool:
        return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def result(self, data: Any, render: Callable[["Console"], None] | None = None) -> None:
        """Print the command result. JSON mode: ``data`` as one JSON document on stdout,
        stamped here — the one place — with ``schemaVersion`` (:data:`SCHEMA_VERSION`) first."""
        if self.json_mode or render is None:
            sys.stdout.write(json_text(data) + "\n")
            sys.stdout.flush()
        else:
            render(self)

    def print(self, *objects: Any, markup: bool = False, **kw: Any) -> None:
        """Text-mode output on stdout (tables, lines). Ignored in JSON mode."""
        if not self.json_mode:
            self.out.print(*(clean(o) for o in objects), markup=markup, **kw)

    # With --progress ndjson every stderr line is a JSON object: notes are events too.
    def info(self, message: str) -> None:
        if self.ndjson_progress:
            return self.ndjson({"event": "Info", "message": message})
        self.err.print(redact.safe_lines(message), markup=False)

    def warn(self, message: str) -> None:
        if self.ndjson_progress:
            return self.ndjson({"event": "Warning", "message": message})
        self.err.print("warning: " + redact.safe_lines(message), markup=False, style="yellow")

    def error(self, message: str) -> None:
        if self.ndjson_progress:
            return self.ndjson({"event": "Error", "message": message})
        self.err.print("error: " + redact.safe_lines(message), markup=False, style="red")

    def status(self, message: str):
        """A live spinner on stderr while work runs, on a terminal only (CI logs get the plain
        progress lines alone; none with ``--progress ndjson``, whose stderr is for machines).
        Use as a context manager; ``.update(text)`` changes the text."""
        if not self.stderr_is_terminal or self.ndjson_progress:
            return _NoStatus()
        return _SafeStatus(self.err.status(redact.safe(message), spinner="dots"))

    @property
    def ndjson_progress(self) -> bool:
        return self.progress_format == "ndjson"

    def ndjson(self, record: dict) -> None:
        """One progress event as one JSON line on stderr (stamped, scrubbed)."""
        sys.stderr.write(json_text(record, indent=None) + "\n")  # ASCII: no control chars
        sys.stderr.flush()

    def progress(self, message: str) -> None:
        """One progress line on stderr (plain, so it reads well in CI logs). With ``--progress
        ndjson``: a ``{"event": "Message", "message": ...}`` line (progress not yet typed)."""
        if self.ndjson_progress:
            self.ndjson({"event": "Message", "message": message})
            return
        self.err.print(redact.safe_lines(message), markup=False,
                       style="dim" if self.stderr_is_terminal else None)


def clean(obj: Any) -> Any:
    """``obj`` ready for rich: strings and ``Text`` scrubbed and sanitised (newlines kept), a
    ``Table``'s title and cells likewise, in place — before rich wraps anything."""
    if isinstance(obj, str):
        return redact.safe(obj, newlines=True)
    try:
        from rich.table import Table
        from rich.text import Text
    except ImportError:  # pragma: no cover
        return obj
    if isinstance(obj, Text):
        plain = redact.safe(obj.plain, newlines=True)
        if plain == obj.plain:
            return obj
        return Text(plain, style=obj.style, justify=obj.justify, overflow=obj.overflow,
                    no_wrap=obj.no_wrap, end=obj.end)
    if isinstance(obj, Table):
        if obj.title is not None:
            obj.title = clean(obj.title)
        for column in obj.columns:
            column.header = clean(column.header)
            column._cells = [clean(c) for c in column._cells]
    return obj


class _SafeStatus:
    """A rich status whose ``update(text)`` is sanitised and scrubbed too."""

    def __init__(self, status) -> None:
        self._status = status

    def __enter__(self):
        self._status.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        return self._status.__exit__(*exc)

    def update(self, status=None, **kwargs) -> None:
        if isinstance(status, str):
            status = redact.safe(status)
        self._status.update(status, **kwargs)


class _NoStatus:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, *args, **kwargs) -> None:
        return None


def get_console() -> Console:
    """The console of the running command (a text console if none was set)."""
    global _current
    if _current is None:
        _current = Console()
    return _current


def set_console(console: Console) -> Console:
    global _current
    _current = console
    return console
