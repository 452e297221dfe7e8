"""Rendering of spec problems (``fcctl.errors.Problem``) on stderr.

On a terminal: a rich table (location, severity, path, message). Otherwise (CI logs, tests,
pipes): one plain line per problem, ``file:line:col: severity: path: message``. User text is
never interpreted as rich markup.
"""

from __future__ import annotations

import sys
from typing import Sequence


def plain_line(p) -> str:
    """``file:line:col: severity: path: message`` (path omitted when empty), one line: secrets
    scrubbed, control characters made visible (``fcctl.ui.redact.safe``)."""
    from fcctl.ui.redact import safe

    path = f"{p.path}: " if p.path else ""
    return safe(f"{p.location()}: {p.severity}: {path}{p.message}")


TABLE_MIN_WIDTH = 100  # columns; below this the table folds every message into a narrow strip


def render_problems(console, problems: Sequence) -> None:
    """Print ``problems`` to stderr: a table on a terminal, plain lines otherwise."""
    if not problems:
        return
    # a table only on a terminal wide enough for it; a narrow one gets the plain lines
    if console.stderr_is_terminal and console.err.width >= TABLE_MIN_WIDTH:
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("location", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("message", overflow="fold")
        for p in problems:
            style = "red" if p.severity == "error" else "yellow"
            table.add_row(Text(p.location()), Text(p.severity, style=style), Text(p.path or "-"),
                          Text(p.message))
        from fcctl.ui.console import clean

        console.err.print(clean(table))
        return
    sys.stderr.write("".join(plain_line(p) + "\n" for p in problems))
    sys.stderr.flush()


def summary(files: Sequence[str], problems: Sequence, valid: bool, functions: int) -> str:
    """One closing line: ``fc.yaml: valid, 2 functions, 1 warning`` / ``fc.yaml: 3 errors, …``."""
    from fcctl.ui.redact import safe

    names = safe(" + ".join(files)) if files else "fc.yaml"
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    if valid:
        return f"{names}: valid, {n(functions, 'function')}, {n(warnings, 'warning')}"
    return f"{names}: invalid, {n(errors, 'error')}, {n(warnings, 'warning')}"
