"""``fcctl local``: run a function's server on this machine and drive its lifecycle hooks as FC
would (``start``, ``invoke``, ``check``). The work lives in :mod:`fcctl.runner`; see
``docs/local.md``. Light at import time: the runner and rich load inside the commands.
"""

from __future__ import annotations

from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import FilesOpt, OutputOpt, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

local_app = typer.Typer(
    help="Run a function locally and check its lifecycle hooks (Initializer, PreStop) as FC "
    "would.",
    no_args_is_help=True,
)
app.add_typer(local_app, name="local")

FunctionOpt = typer.Option(None, "--function", help="Function name (needed when the spec has several).")
CommandOpt = typer.Option(
    None, "--command",
    help="Command that starts the server instead of the spec's (for custom containers on "
    "machines without Docker), e.g. 'python3 app.py'.",
)
CredsOpt = typer.Option(
    False, "--pass-credentials",
    help="Pass ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN from this environment to the "
    "instance (FC's x-fc-access-key-* headers and variables). Off by default; never printed.",
)
ReadyOpt = typer.Option(120.0, "--ready-timeout",
                        help="Seconds to wait for the server's port (a number > 0; default 120, "
                        "FC's start-up health-check window).")
PortOpt = typer.Option(
    None, "--port", min=1, max=65535,
    help="Run on this port instead of the spec's (sets FC_SERVER_PORT; for servers that read "
    "it, e.g. when the spec's port is taken here).",
)
DataOpt = typer.Option(None, "--data", "-d", help="Event body to send (text).")
DataFileOpt = typer.Option(None, "--data-file", help="Read the event body from this file.")
PathOpt = typer.Option(
    "/invoke", "--path",
    help="Request path of the invocation: /invoke (event function, FC's default) or an HTTP "
    "path such as / for a web function (starts with /, no spaces).",
)


def _check_options(*, command: Optional[str] = None, ready_timeout: Optional[float] = None,
                   path: Optional[str] = None) -> None:
    """Usage errors (exit 2) for option values the runner cannot use: ``--command`` empty or
    not parseable as shell words, ``--ready-timeout`` not a finite number of seconds > 0,
    ``--path`` not starting with "/" or containing whitespace."""
    import math

    if command is not None:
        from fcctl.runner.config import parse_command

        parse_command(command)
    if ready_timeout is not None and not (math.isfinite(ready_timeout) and ready_timeout > 0):
        raise errors.UsageError(
            f"--ready-timeout must be a finite number of seconds greater than 0, not "
            f"{ready_timeout!r}", hint="e.g. --ready-timeout 10")
    if path is not None:
        if not path.startswith("/"):
            raise errors.UsageError(f"--path must start with '/', not {path!r}",
                                    hint="e.g. --path /invoke (event function) or --path / "
                                    "(HTTP function)")
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in path):
            raise errors.UsageError(f"--path must not contain spaces or control characters: "
                                    f"{path!r}", hint="percent-encode them, e.g. /x%20y")


def _kill_leftovers(console) -> None:
    """Kill tagged processes left by an earlier fcctl local that was killed (SIGKILL) before it
    could stop its instance; say so on stderr."""
    from fcctl.runner.process import kill_leftovers

    found = kill_leftovers()
    if found:
        console.warn(f"killed {len(found)} leftover process(es) of an earlier `fcctl local` run "
                     f"that was killed before it could stop its instance (pids "
                     f"{', '.join(map(str, found))})")


def _load(files: List[str], function: Optional[str], command: Optional[str],
          port: Optional[int] = None):
    """Load the spec, pick one function, build the runner's InstanceConfig."""
    import dataclasses

    from fcctl.runner.config import instance_config_from_function

    fn, spec_dir, state_dir = _pick(files, function)
    cfg = instance_config_from_function(fn, spec_dir=spec_dir, command_override=command)
    if port is not None:
        cfg = dataclasses.replace(cfg, port=port)
    return cfg, state_dir


def _pick(files: List[str], function: Optional[str], prefer_running: bool = False):
    """Load the spec and pick one function → (function, its base dir, the state-file dir).
    ``prefer_running``: without ``--function`` in a spec with several functions, the only one
    with a running local instance (``local start``) is chosen."""
    from pathlib import Path

    from fcctl.cli.context import check_name
    from fcctl.spec import load_spec

    if function is not None:
        check_name(function)
    loaded = load_spec(list(files))
    for w in getattr(loaded, "warnings", []) or []:
        get_console().warn(f"{w.location()}: {w.message}")
    fns = list(loaded.spec.functions)
    if not fns:
        raise errors.UsageError(f"{files[0]} defines no functions")
    state_dir = Path(files[0]).resolve().parent
    if function is None:
        if len(fns) > 1:
            names = ", ".join(f.functionName for f in fns)
            running = []
            if prefer_running:
                from fcctl.runner import state

                running = [f for f in fns
                           if state.read_state(state.state_path(state_dir, f.functionName))]
            if len(running) == 1:
                fn = running[0]
            else:
                which = (f"; {len(running)} of them run locally "
                         f"({', '.join(f.functionName for f in running)})" if running else "")
                raise errors.UsageError(f"the spec has several functions ({names}){which}",
                                        hint="choose one with --function NAME")
        else:
            fn = fns[0]
    else:
        match = [f for f in fns if f.functionName == function]
        if not match:
            names = ", ".join(f.functionName for f in fns)
            raise errors.UsageError(f"no function named {function!r} in the spec (it has: {names})")
        fn = match[0]
    spec_dir = Path(getattr(fn, "base_dir", None) or state_dir)
    return fn, spec_dir, state_dir


def _data(data: Optional[str], data_file: Optional[str]) -> bytes:
    """The event body. ``--data-file`` must be a regular file (checked with stat before it is
    opened, and again on the opened descriptor: a FIFO or device is never opened for a blocking
    read) no larger than FC's synchronous payload limit; ``--data`` has the same limit."""
    import os
    import stat as stat_mod

    from fcctl import fcfacts

    limit = fcfacts.SYNC_INVOKE_PAYLOAD_MAX_BYTES
    too_big = (f"FC's synchronous invocation payload limit is {limit // (1024 * 1024)} MB "
               "(FC docs 配额与使用限制)")
    if data is not None and data_file is not None:
        raise errors.UsageError("give --data or --data-file, not both")
    if data_file is not None:
        def check(st, where: str) -> None:
            if not stat_mod.S_ISREG(st.st_mode):
                kind = ("a FIFO" if stat_mod.S_ISFIFO(st.st_mode) else
                        "a directory" if stat_mod.S_ISDIR(st.st_mode) else
                        "a device" if stat_mod.S_ISCHR(st.st_mode) or stat_mod.S_ISBLK(st.st_mode)
                        else "a socket" if stat_mod.S_ISSOCK(st.st_mode) else "not a regular file")
                raise errors.UsageError(f"--data-file {data_file} is {kind}{where}; give a regular file",
                                        hint="e.g. save the event to event.json first")
            if st.st_size > limit:
                raise errors.UsageError(f"--data-file {data_file} has {st.st_size} bytes; {too_big}",
                                        hint="put large inputs in OSS and send a reference")
        try:
            check(os.stat(data_file), "")
            fd = os.open(data_file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        except OSError as exc:
            raise errors.UsageError(f"cannot read --data-file {data_file}: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as fh:
            check(os.fstat(fd), " (it changed after it was checked)")
            body = fh.read(limit + 1)
        if len(body) > limit:
            raise errors.UsageError(f"--data-file {data_file} is larger than {limit} bytes; {too_big}")
        return body
    body = (data or "").encode()
    if len(body) > limit:
        raise errors.UsageError(f"--data has {len(body)} bytes; {too_big}")
    return body


_HOP_HEADERS = ("host", "content-length", "transfer-encoding", "connection", "expect", "upgrade")


def _request_options(method: Optional[str], headers: Optional[List[str]]):
    """``--method`` (an HTTP token, upper-cased; default POST) and ``--header 'Name: value'``
    (not FC's own ``x-fc-*``, not the ones fcctl's HTTP client sets) → (method, {name: value})."""
    import re

    token = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
    verb = "POST" if method is None else method.strip().upper()
    if not token.match(verb):
        raise errors.UsageError(f"--method {method!r} is not an HTTP method",
                                hint="e.g. --method GET")
    out: dict = {}
    for item in headers or []:
        name, sep, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not token.match(name):
            raise errors.UsageError(f"--header {item!r} is not 'Name: value'",
                                    hint="e.g. --header 'content-type: application/json'")
        if any(ch in value for ch in "\r\n\0"):
            raise errors.UsageError(f"--header {name}: the value contains a line break")
        low = name.lower()
        if low.startswith("x-fc-"):
            raise errors.UsageError(f"--header {name}: x-fc-* headers are FC's own; fcctl sets "
                                    "them as FC does")
        if low in _HOP_HEADERS:
            raise errors.UsageError(f"--header {name}: fcctl sets this header itself")
        out[low] = value
    return verb, out


def _fmt_seconds(v) -> str:
    from fcctl.runner.hooks import secs

    return secs(v)


def _render_steps(console, steps, title: str) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for col in ("step", "status", "duration", "limit", "detail"):
        table.add_column(col, overflow="fold")
    styles = {"ok": "green", "failed": "red", "skipped": "dim"}
    for s in steps:
        table.add_row(Text(s.name), Text(s.status, style=styles.get(s.status, "")),
                      Text(_fmt_seconds(s.duration)),
                      Text(_fmt_seconds(s.limit)),
                      Text(s.detail))
    console.print(table)


@local_app.command("check")
def check(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[str] = FunctionOpt,
    command: Optional[str] = CommandOpt,
    data: Optional[str] = DataOpt,
    data_file: Optional[str] = DataFileOpt,
    path: str = PathOpt,
    ready_timeout: float = ReadyOpt,
    port: Optional[int] = PortOpt,
    pass_credentials: bool = CredsOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Run the whole lifecycle once: start, ready, Initializer, one invocation, PreStop, stop.

    Prints each step with its status and duration against its limit; exits 0 only when every
    step succeeded, 1 otherwise (naming the failed step).
    """
    merged(ctx, output=output)
    console = get_console()
    _check_options(command=command, ready_timeout=ready_timeout, path=path)
    cfg, _ = _load(files, function, command, port)
    body = _data(data, data_file)

    from fcctl.runner.instance import LocalInstance, run_check
    from fcctl.runner.process import install_signal_handlers

    install_signal_handlers()
    _kill_leftovers(console)
    inst = LocalInstance(cfg, pass_credentials=pass_credentials, ready_timeout=ready_timeout)
    console.progress(f"local check of {cfg.function_name} (port {cfg.port})")
    try:
        report = run_check(inst, body, path=path, progress=console.progress)
    finally:
        inst.close()
    doc = report.to_dict()

    def render(c):
        _render_steps(c, report.steps, f"fcctl local check: {cfg.function_name}")
        if report.ok:
            c.print("all steps succeeded")
        elif report.server_output:
            c.print("server output (last lines):")
            for line in report.server_output.splitlines()[-20:]:
                c.print("  | " + line)

    console.result(doc, render)
    failed = report.failed_step
    if failed is not None:
        if not console.json_mode:
            first = failed.detail.splitlines()[0] if failed.detail else ""
            first = first.removesuffix("; last output:")
            console.error(f"local check failed at step '{failed.name}': {first}")
        raise errors.ExitStatus(errors.EXIT_FAILED)


@local_app.command("start")
def start(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[str] = FunctionOpt,
    command: Optional[str] = CommandOpt,
    ready_timeout: float = ReadyOpt,
    port: Optional[int] = PortOpt,
    lazy_init: bool = typer.Option(
        False, "--lazy-init",
        help="Do not run the Initializer at start; the first `fcctl local invoke` runs it.",
    ),
    pass_credentials: bool = CredsOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not show the server's output."),
) -> None:
    """Run one instance in the foreground until Ctrl-C (then PreStop, then stop).

    Writes .fcctl/local/<function>.json next to the spec so `fcctl local invoke` finds it.
    """
    merged(ctx)
    console = get_console()
    _check_options(command=command, ready_timeout=ready_timeout)
    cfg, spec_dir = _load(files, function, command, port)

    import time

    from fcctl.runner import state
    from fcctl.runner.instance import LocalInstance
    from fcctl.runner.process import install_signal_handlers

    install_signal_handlers()
    _kill_leftovers(console)
    spath = state.state_path(spec_dir, cfg.function_name)
    existing = state.read_state(spath)
    if existing is not None:
        raise errors.UsageError(
            f"{cfg.function_name} already runs locally (pid {existing['pid']}, port "
            f"{existing['port']})", hint="stop it with Ctrl-C in its terminal first")
    inst = LocalInstance(cfg, pass_credentials=pass_credentials, ready_timeout=ready_timeout)

    def show(step) -> None:
        line = f"{step.name}: {step.status}"
        if step.duration is not None:
            line += f" in {_fmt_seconds(step.duration)}"
            if step.limit is not None:
                line += f" (limit {_fmt_seconds(step.limit)})"
        if step.detail:
            line += f" — {step.detail}"
        (console.error if step.status == "failed" else console.info)(line)

    import sys

    def pump() -> None:
        # the server's own output, as it comes (secrets masked), prefixed so it stands apart
        if inst.proc is not None and not quiet:
            from fcctl.ui.redact import safe

            for line in inst.proc.read_new().replace("\r\n", "\n").split("\n")[:-1]:
                sys.stderr.write(f"[{cfg.function_name}] {safe(line)}\n")
            sys.stderr.flush()

    failed = None
    interrupted = False
    try:
        for step_fn in (inst.start, inst.wait_ready):
            step = step_fn()
            pump()
            show(step)
            if step.status == "failed":
                failed = step
                break
        if failed is None and not lazy_init:
            step = inst.initialize()
            pump()
            show(step)
            if step.status == "failed":
                failed = step
        if failed is None:
            state.write_state(spath, state.new_state(
                pid=inst.pid, port=cfg.port, instance_id=cfg.instance_id,
                function_name=cfg.function_name, initialized=inst.initialized))
            console.info(f"{cfg.function_name} is running on http://127.0.0.1:{cfg.port} "
                         f"(instance {cfg.instance_id}); `fcctl local invoke` sends it an event; "
                         "Ctrl-C stops it")
            try:
                ticks = 0
                while inst.alive():
                    pump()
                    ticks += 1
                    if ticks % 10 == 0 and inst.proc is not None:
                        inst.proc.reap_strays()  # exited orphans re-parented to fcctl
                    time.sleep(0.2)
                pump()
                code = inst.proc.poll() if inst.proc else None
                from fcctl.runner.instance import exit_text, with_tail

                if quiet:
                    console.error(with_tail(f"the server exited ({exit_text(code)})",
                                             inst.proc.tail() if inst.proc else ""))
                else:  # its output is already on screen
                    console.error(f"the server exited ({exit_text(code)})")
                failed = True
            except KeyboardInterrupt:
                interrupted = True  # exit 130 after the clean stop, like every command
                console.info("stopping (PreStop, then SIGTERM)")
                cur = state.read_state(spath) or {}  # `local invoke` may have run the Initializer
                inst.initialized = inst.initialized or bool(cur.get("initialized"))
                if cur.get("initializerFailed") and not inst.initialized:
                    inst.initializer_failed = True  # then PreStop is skipped, as on FC
                step = inst.pre_stop()
                pump()
                show(step)
                if step.status == "failed":  # reported (exit 1), and the stop goes on
                    failed = step
    finally:
        try:
            step = inst.stop()
            pump()
            show(step)
        finally:
            inst.close()
            state.remove_state(spath)
    if failed is not None:
        raise errors.ExitStatus(errors.EXIT_FAILED)
    if interrupted:
        raise errors.ExitStatus(errors.EXIT_INTERRUPTED)


@local_app.command("invoke")
def invoke(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[str] = FunctionOpt,
    data: Optional[str] = DataOpt,
    data_file: Optional[str] = DataFileOpt,
    path: str = PathOpt,
    command: Optional[str] = CommandOpt,
    ready_timeout: float = ReadyOpt,
    port: Optional[int] = PortOpt,
    pass_credentials: bool = CredsOpt,
    method: Optional[str] = typer.Option(
        None, "--method", "-X",
        help="HTTP method of the request (default POST; e.g. GET with --path / for a web "
        "function)."),
    header: Optional[List[str]] = typer.Option(
        None, "--header", "-H",
        help="Extra request header 'Name: value' (repeatable); x-fc-* headers are FC's own."),
    output: Optional[str] = OutputOpt,
) -> None:
    """Send one invocation to the running local instance (`fcctl local start`; without
    --function, the only one that runs), or start one for the call. Runs the Initializer first if it has not succeeded; a failed Initializer
    gives FC's InitializationError outcome (exit 1). The response body goes to stdout."""
    merged(ctx, output=output)
    console = get_console()
    _check_options(command=command, ready_timeout=ready_timeout, path=path)
    body = _data(data, data_file)
    verb, extra = _request_options(method, header)

    import dataclasses

    from fcctl.runner import state
    from fcctl.runner.config import instance_config_from_function
    from fcctl.runner.instance import LocalInstance
    from fcctl.runner.process import install_signal_handlers

    install_signal_handlers()
    _kill_leftovers(console)
    fn, base_dir, spec_dir = _pick(files, function, prefer_running=True)
    spath = state.state_path(spec_dir, fn.functionName)
    running = state.read_state(spath)
    # a running instance needs no start command (a container started with --command)
    cfg = instance_config_from_function(
        fn, spec_dir=base_dir, command_override=command if command is not None else ("true" if running else None),
        docker=False if running else None)
    if port is not None and running is None:
        cfg = dataclasses.replace(cfg, port=port)
    if running is not None:
        cfg = dataclasses.replace(cfg, port=int(running["port"]),
                                  instance_id=str(running["instanceId"]))
        inst = LocalInstance(cfg, pass_credentials=pass_credentials)
        inst.is_ready = True
        console.progress(f"invoking the local instance {cfg.instance_id} (pid {running['pid']})")
        result = None
        with state.locked(spath):
            current = state.read_state(spath) or running
            inst.initialized = bool(current.get("initialized"))
            if cfg.initializer is not None and not inst.initialized:
                # Initializer-first: once per instance, before its first invocation
                init = inst.initialize()
                console.progress(f"initializer: {init.status} — {init.detail}")
                current["initialized"] = init.status == "ok"
                current["initializerFailed"] = init.status != "ok"
                state.update_state(spath, current)  # not if the instance stopped meanwhile
                if init.status != "ok":
                    from fcctl.runner.hooks import new_request_id
                    from fcctl.runner.instance import initialization_error

                    result = initialization_error(new_request_id(), init.detail)
        if result is None:
            step, result = inst.invoke(body, path=path, method=verb, headers=extra)
    else:
        console.progress(f"no running local instance of {cfg.function_name}; starting one for "
                         "this call")
        inst = LocalInstance(cfg, pass_credentials=pass_credentials, ready_timeout=ready_timeout)
        try:
            for step_fn in (inst.start, inst.wait_ready):
                s = step_fn()
                console.progress(f"{s.name}: {s.status}" + (f" — {s.detail}" if s.detail else ""))
                if s.status == "failed":
                    raise errors.OperationFailed(f"the local instance did not start: {s.detail}")
            step, result = inst.invoke(body, path=path, method=verb, headers=extra)
            s = inst.pre_stop()
            if s.status == "failed":
                console.warn(f"preStop failed — {s.detail}")
        finally:
            inst.stop()
            inst.close()

    def render(c):
        import sys

        meta = f"status {result['status']}, request id {result['requestId']}"
        if result.get("errorType"):
            meta += f", x-fc-error-type: {result['errorType']}"
        c.info(meta)
        from fcctl.ui.redact import safe

        # the app's answer: secrets masked, terminal controls made visible (lines kept)
        sys.stdout.write(safe((result.get("body") or "").replace("\r\n", "\n"), newlines=True))
        if result.get("body") and not str(result["body"]).endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()

    console.result(result, render)
    if result.get("errorType"):
        console.error(f"{result['errorType']}: {result.get('errorMessage')}")
        raise errors.ExitStatus(errors.EXIT_FAILED)
