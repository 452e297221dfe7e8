"""fcctl's entry point: the typer app, the global options and the one place where errors
become exit codes (see :mod:`fcctl.errors`).

Start-up budget: this module and the command modules import only the standard library, typer
and fcctl's light modules. The SDK, pydantic, the emulator and rich load inside the commands
that need them (``tests/unit/test_startup.py`` proves ``fcctl --help`` does not import the SDK).
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from fcctl import errors
from fcctl.cli.context import Settings
from fcctl.ui.console import Console, get_console, set_console

def _light_coercion() -> None:
    """Coerce the common CLI values without pydantic (start-up budget).

    typer (>= 0.29) coerces every parameter it processes through a pydantic ``TypeAdapter``
    built on first use; that imports pydantic (~50 ms) even for ``fcctl plan --help``, where
    the only values are the global options' defaults. A value of ``None`` (option not given)
    and a ``str`` value of a ``str`` parameter come out of typer's adapter unchanged, so they
    skip it here; every other value goes through typer's own adapter, built on first need.
    Falls back to typer's behaviour unchanged if its internals differ.
    ``List[str]`` options (``-f a.yaml -f b.yaml``) likewise: typer's adapter makes a list of
    the same strings.
    """
    try:
        from typer import _coercion, core
    except ImportError:  # pragma: no cover - other typer versions
        return
    build = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if build is None or base is None or getattr(build, "_fcctl_light", False):
        return

    import typing

    _STR_LISTS = (typing.List[str], list[str])

    class _LazyParam(base):  # type: ignore[misc, valid-type]
        def __init__(self, descriptor) -> None:
            object.__setattr__(self, "parameter_info", descriptor.parameter_info)
            object.__setattr__(self, "annotation", descriptor.annotation)
            object.__setattr__(self, "_descriptor", descriptor)
            object.__setattr__(self, "_real", None)

        def _coerce_value(self, value, param, ctx):
            kind = self._descriptor.annotation
            if self._descriptor.parameter_info.parser is None:
                if kind is str and type(value) is str:
                    return value
                if (kind in _STR_LISTS and type(value) in (list, tuple)
                        and all(type(v) is str for v in value)):
                    return list(value)
            real = self._real
            if real is None:
                real = build(self._descriptor)
                object.__setattr__(self, "_real", real)
            return real._coerce_value(value, param=param, ctx=ctx)

    def light_build(descriptor):
        if descriptor.file_annotation is not None:
            return build(descriptor)
        return _LazyParam(descriptor)

    light_build._fcctl_light = True  # type: ignore[attr-defined]
    core.build_runtime_param = light_build


_light_coercion()

app = typer.Typer(
    name="fcctl",
    help="Declarative deploys, rollouts and local lifecycle-hook checks for Alibaba Cloud "
    "Function Compute 3.0.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from fcctl import __version__

        sys.stdout.write(f"fcctl {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _global(
    ctx: typer.Context,
    endpoint: Optional[str] = typer.Option(
        None,
        "--endpoint",
        envvar="FCCTL_ENDPOINT",
        metavar="URL|HOST|local",
        help="FC API endpoint: a URL (http://127.0.0.1:9000), a bare host (https), or 'local' "
        "for the embedded emulator. Default: the region's public endpoint.",
    ),
    profile: Optional[str] = typer.Option(
        None, "--profile", envvar="FCCTL_PROFILE", metavar="NAME", help="Credentials profile name."
    ),
    output: str = typer.Option(
        "text", "--output", "-o", envvar="FCCTL_OUTPUT", metavar="text|json",
        help="Result format: text or json."
    ),
    progress: str = typer.Option(
        "text", "--progress", envvar="FCCTL_PROGRESS", metavar="text|ndjson",
        help="Progress on stderr: text lines (a spinner on a terminal) or ndjson, one JSON "
        "object per event."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print fcctl's version and exit."),
) -> None:
    from fcctl.cli.context import check_formats

    check_formats(output, progress)
    ctx.obj = Settings(endpoint=endpoint, profile=profile, output=output, debug=debug,
                       progress=progress)
    set_console(Console(output, debug=debug, progress=progress))


# argv as fcctl read it before typer: set once by main() (see commands.Invocation)
_INVOCATION = None


def _report(exc: errors.FcctlError) -> None:
    console = get_console()
    if console.json_mode:
        from fcctl.ui.console import json_text

        sys.stdout.write(json_text({"error": exc.to_dict()}) + "\n")
        if not isinstance(exc, errors.SpecError):
            return
    if isinstance(exc, errors.SpecError):
        from fcctl.ui.problems import render_problems

        if not console.json_mode:
            render_problems(console, exc.problems)
        return
    console.error(str(exc))
    if exc.hint:
        console.info("hint: " + exc.hint)


def _json_error(error: dict) -> None:
    """In JSON mode every failure still prints one JSON document on stdout. A usage error can
    come before typer's callback set the console's mode: then the pre-typer read of argv
    (``commands.Invocation``, which also reads ``FCCTL_OUTPUT``) says whether JSON was asked."""
    if get_console().json_mode or (_INVOCATION is not None and _INVOCATION.json):
        from fcctl.ui.console import json_text

        sys.stdout.write(json_text({"error": error}) + "\n")
        sys.stdout.flush()


def _interrupted() -> None:
    """Ctrl-C: stop every worker at its next wait, report, and exit without waiting for calls
    still in flight (FC either applied them or not; a rerun converges)."""
    import atexit
    import threading

    from fcctl import cancel

    cancel.CANCELLED.set()
    _json_error({"type": "Interrupted", "message": "interrupted"})
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    for t in others:
        t.join(timeout=0.5)
    if any(t.is_alive() for t in others):
        # Threads blocked in an HTTP call would hold the exit up to the read timeout:
        # run the atexit handlers (e.g. the local runner stops its processes), then leave.
        atexit._run_exitfuncs()
        sys.stdout.flush()
        os._exit(errors.EXIT_INTERRUPTED)


def main(argv: list[str] | None = None) -> int:
    """Run fcctl; returns (and exits with) the process exit code."""
    try:  # typer >= 0.29 vendors click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click_exc

    from fcctl.ui import redact

    if argv is None:  # the real process: mask secret values in everything printed
        redact.install()
    else:  # embedded (tests): the environment's secrets are masked all the same
        redact.register(redact.secret_values())
    global _INVOCATION
    from fcctl.cli import commands

    args = sys.argv[1:] if argv is None else argv
    _INVOCATION = commands.Invocation(args)  # the one pass over argv before typer's
    commands.register(_INVOCATION)
    code = errors.EXIT_OK
    try:
        try:
            # Non-standalone typer returns the code of typer.Exit (and 130 for Ctrl-C) instead of
            # raising it; our commands return None.
            rv = app(args=args, prog_name="fcctl", standalone_mode=False)
            if isinstance(rv, int) and not isinstance(rv, bool):
                code = rv
                if code == errors.EXIT_INTERRUPTED:
                    _interrupted()
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.Abort:
            raise KeyboardInterrupt from None
        except click_exc.ClickException as exc:
            _json_error({"type": "UsageError", "message": exc.format_message()})
            exc.show()
            code = errors.EXIT_USAGE
    except errors.ExitStatus as exc:
        code = exc.exit_code
    except errors.FcctlError as exc:
        if get_console().debug:
            import traceback

            traceback.print_exc()
        _report(exc)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = errors.EXIT_INTERRUPTED
        _interrupted()
    except Exception as exc:  # a bug: say so without a traceback unless --debug
        if get_console().debug or os.environ.get("FCCTL_DEBUG"):
            raise
        _json_error({"type": "InternalError", "message": f"{type(exc).__name__}: {exc}"})
        from fcctl.ui.redact import safe_lines

        sys.stderr.write(
            f"error: internal error: {type(exc).__name__}: {safe_lines(str(exc))}\n"
            "hint: run again with --debug for a traceback and report it\n"
        )
        code = errors.EXIT_FAILED
    if argv is None:
        sys.exit(code)
    return code
