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


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def merged(ctx: typer.Context, *, endpoint: Optional[str] = None, profile: Optional[str] = None,
           output: Optional[str] = None) -> Settings:
    """Global settings with per-command overrides applied (a command may repeat
    ``--endpoint``/``--profile``/``--output`` after its name)."""
    from fcctl import errors
    from fcctl.ui.console import Console, set_console

    base = settings(ctx)
    out = Settings(
        endpoint=endpoint if endpoint is not None else base.endpoint,
        profile=profile if profile is not None else base.profile,
        output=output if output is not None else base.output,
        debug=base.debug,
    )
    if out.output not in ("text", "json"):
        raise errors.UsageError(f"--output must be 'text' or 'json', not {out.output!r}")
    if out.output != base.output:
        set_console(Console(out.output, debug=out.debug))
    return out


# Per-command copies of the global options, so `fcctl deploy --endpoint local` works as well as
# `fcctl --endpoint local deploy`. Environment variables are read by the global callback only.
EndpointOpt = typer.Option(None, "--endpoint", metavar="URL|HOST|local",
                           help="FC API endpoint (URL, host or 'local').")
ProfileOpt = typer.Option(None, "--profile", metavar="NAME", help="Credentials profile name.")
OutputOpt = typer.Option(None, "--output", "-o", metavar="text|json",
                         help="Result format: text or json.")
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
