"""Settings shared by every command (global options), and small helpers for command modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import typer


@dataclass
class Settings:
    """Global options. ``endpoint`` is raw (``None``, ``local``, a URL or a host)."""

    endpoint: Optional[str] = None
    profile: Optional[str] = None
    output: str = "text"
    debug: bool = False
    progress: str = "text"


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def merged(ctx: typer.Context, *, endpoint: Optional[str] = None, profile: Optional[str] = None,
           output: Optional[str] = None, progress: Optional[str] = None) -> Settings:
    """Global settings with per-command overrides applied (a command may repeat
    ``--endpoint``/``--profile``/``--output``/``--progress`` after its name)."""
    from fcctl.ui.console import Console, set_console

    base = settings(ctx)
    out = Settings(
        endpoint=endpoint if endpoint is not None else base.endpoint,
        profile=profile if profile is not None else base.profile,
        output=output if output is not None else base.output,
        debug=base.debug,
        progress=progress if progress is not None else base.progress,
    )
    check_formats(out.output, out.progress)
    if (out.output, out.progress) != (base.output, base.progress):
        set_console(Console(out.output, debug=out.debug, progress=out.progress))
    return out


def check_formats(output: str, progress: str) -> None:
    """``--output`` and ``--progress`` values, or a usage error (exit 2)."""
    from fcctl import errors
    from fcctl.ui.console import PROGRESS_FORMATS

    if output not in ("text", "json"):
        raise errors.UsageError(f"--output must be 'text' or 'json', not {output!r}")
    if progress not in PROGRESS_FORMATS:
        raise errors.UsageError(f"--progress must be 'text' or 'ndjson', not {progress!r}")


# Per-command copies of the global options, so `fcctl deploy --endpoint local` works as well as
# `fcctl --endpoint local deploy`. Environment variables are read by the global callback only.
EndpointOpt = typer.Option(None, "--endpoint", metavar="URL|HOST|local",
                           help="FC API endpoint (URL, host or 'local').")
ProfileOpt = typer.Option(None, "--profile", metavar="NAME", help="Credentials profile name.")
OutputOpt = typer.Option(None, "--output", "-o", metavar="text|json",
                         help="Result format: text or json.")
PROGRESS_HELP = ("Progress on stderr: text lines (a spinner on a terminal) or ndjson, one JSON "
                 "object per event (schemaVersion, event, function, its fields).")
ProgressOpt = typer.Option(None, "--progress", metavar="text|ndjson", help=PROGRESS_HELP)
FilesOpt = typer.Option(
    ["fc.yaml"], "--file", "-f", metavar="FILE",
    help="Spec file; repeat to overlay files in order (later wins).",
)


def check_name(name: str, what: str = "function") -> None:
    """A name FC could hold, checked before loading anything or calling the API: the whole
    string must match FC's pattern (``re.fullmatch``: ``$`` would accept a trailing newline),
    so a name with a newline or another control character is a usage error (exit 2)."""
    import re

    from fcctl import errors
    from fcctl.fcfacts import FUNCTION_NAME_PATTERN, TRIGGER_NAME_PATTERN

    pattern, longest = {"function": (FUNCTION_NAME_PATTERN, 64),
                        "trigger": (TRIGGER_NAME_PATTERN, 128)}[what]
    if re.fullmatch(pattern, name) is None:
        odd = [c for c in name if ord(c) < 32 or ord(c) == 127 or c in "\u0085\u2028\u2029"]
        why = f" (it holds the control character U+{ord(odd[0]):04X})" if odd else ""
        raise errors.UsageError(
            f"{name!r} is not a {what} name{why}: letters, digits, '_' and '-', 1-{longest} "
            "characters, not starting with a digit or '-'")


# --- confirmation before changing live state -------------------------------------------------
# One rule for every command that changes live state (deploy, rollout of several functions):
# whether to ask is decided by stdin alone — the terminal the answer would come from. Where
# stdout or stderr go (a file, `-o json`) does not matter; a pipeline (stdin not a terminal)
# is never asked and proceeds, as `--yes` does. `-o json` on a terminal without --yes is refused
# (exit 2), like `terraform apply -json` without `-auto-approve`: a JSON consumer cannot answer.

def must_ask(*, yes: bool, json: bool) -> bool:
    """Whether a change needs the user's answer: stdin is a terminal and ``--yes`` was not given.
    Raises :class:`fcctl.errors.UsageError` (exit 2) for ``-o json`` on a terminal without
    ``--yes`` — call it before any API call."""
    from fcctl import errors

    if yes or not _stdin_is_terminal():
        return False
    if json:
        raise errors.UsageError(
            "--output json on a terminal needs --yes: fcctl will not ask a question whose "
            "answer a JSON reader cannot give",
            hint="pass --yes to apply without asking (run `plan -o json` first to review), or "
            "drop -o json to review and answer here")
    return True


def confirm(console, question: str, *, yes: bool, json: bool, show=None) -> None:
    """Ask ``question`` on the terminal stdin is on, when :func:`must_ask` says so; ``show``
    (called with a console writing to that terminal) prints what would change first. A "no"
    (or end of input) raises :class:`fcctl.errors.OperationFailed` (exit 1): nothing changed."""
    import sys

    from fcctl import errors

    if not must_ask(yes=yes, json=json):
        return
    term, close = _terminal_stream()
    try:
        if show is not None:
            show(_console_on(term, console))
        answer = None
        for _ in range(3):
            term.write(f"{question} [y/N]: ")
            term.flush()
            line = sys.stdin.readline()
            if not line:  # end of input: no answer is a no
                term.write("\n")
                break
            reply = line.strip().lower()
            if reply in ("y", "yes"):
                answer = True
                break
            if reply in ("", "n", "no"):
                answer = False
                break
            term.write("please answer y or n\n")
        if not answer:
            raise errors.OperationFailed("cancelled; nothing was changed")
    finally:
        if close:
            term.close()


def _stdin_is_terminal() -> bool:
    import sys

    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdin
        return False


class _Scrubbed:
    """Writes to a terminal stream with fcctl's secret scrubbing (like ``redact.StdStream``)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from fcctl.ui.redact import scrub

        return self._stream.write(scrub(text))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True

    def close(self) -> None:
        self._stream.close()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _terminal_stream():
    """``(stream, close?)``: stderr when it is a terminal, else the terminal stdin is on (so the
    question is seen even with ``2>log``)."""
    import os
    import sys

    try:
        if sys.stderr.isatty():
            return _Scrubbed(sys.stderr), False
    except (AttributeError, ValueError):
        pass
    try:
        return _Scrubbed(open(os.ttyname(sys.stdin.fileno()), "w", encoding="utf-8",
                              errors="replace")), True
    except OSError:  # no terminal device to open: stderr all the same
        return _Scrubbed(sys.stderr), False


def _console_on(term, base):
    """An fcctl console whose stderr side is ``term`` (for the plan shown before the question)."""
    from rich.console import Console as RichConsole

    from fcctl.ui.console import Console

    c = Console("text", debug=getattr(base, "debug", False))
    c._err = RichConsole(file=term, highlight=False, soft_wrap=True)
    return c
