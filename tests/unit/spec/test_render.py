"""Problem rendering: plain lines for logs and tests, a rich table on a terminal; user text is
never rich markup."""

from __future__ import annotations

import io

from fcctl.errors import Problem
from fcctl.ui.problems import plain_line, render_problems, summary

P = [
    Problem("fc.yaml", 14, 7, "functions[0].instanceLifecycleConfig.preStopp",
            "unknown key preStopp (did you mean preStop?)"),
    Problem("fc.yaml", 20, 18, "functions[0].x", "[red]not markup[/red]", "warning"),
]


class _TerminalConsole:
    stderr_is_terminal = True

    def __init__(self):
        from rich.console import Console

        self.buf = io.StringIO()
        self.err = Console(file=self.buf, width=200, color_system=None, force_terminal=False)


class _PlainConsole:
    stderr_is_terminal = False


def test_plain_lines(capsys):
    render_problems(_PlainConsole(), P)
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "fc.yaml:14:7: error: functions[0].instanceLifecycleConfig.preStopp: unknown key preStopp "
        "(did you mean preStop?)",
        "fc.yaml:20:18: warning: functions[0].x: [red]not markup[/red]",
    ]
    assert plain_line(Problem("f", 1, 1, "", "m")) == "f:1:1: error: m"


def test_table_on_a_terminal():
    console = _TerminalConsole()
    render_problems(console, P)
    text = console.buf.getvalue()
    assert "fc.yaml:14:7" in text and "did you mean preStop?" in text
    assert "[red]not markup[/red]" in text  # printed as written


def test_plain_lines_on_a_narrow_terminal(capsys):
    console = _TerminalConsole()
    console.err.width = 60
    render_problems(console, P)
    assert console.buf.getvalue() == ""  # no table
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("fc.yaml:14:7: error: functions[0].instanceLifecycleConfig.preStopp")


def test_summary():
    assert summary(["a.yaml", "b.yaml"], P, False, 0) == "a.yaml + b.yaml: invalid, 1 error, 1 warning"
    assert summary(["fc.yaml"], [], True, 2) == "fc.yaml: valid, 2 functions, 0 warnings"
