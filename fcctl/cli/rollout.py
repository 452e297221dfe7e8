"""``fcctl rollout``: make FC replace running instances (FC runs PreStop on each old one) and
report what is gone and what is still alive."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, ProgressOpt, confirm, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console


@app.command()
def rollout(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(
        None, metavar="[NAME]...", help="Functions to restart (default: every function of the spec)."),
    files: Optional[List[str]] = typer.Option(
        None, "--file", "-f", metavar="FILE", help="Spec file(s); default fc.yaml when it exists."),
    probe: bool = typer.Option(
        False, "--probe", help="After draining, invoke once to check a new instance passes its "
        "Initializer."),
    detach: bool = typer.Option(
        False, "--detach", help="Return once FC accepted the update; do not wait for draining."),
    timeout: float = typer.Option(
        600.0, "--timeout", min=0.0, metavar="SECONDS", help="Seconds to wait in all (exit 4 naming the instances "
        "still alive)."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64, metavar="N",
                                    help="Functions rolled out at once."),
    region: Optional[str] = typer.Option(
        None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
        help="Region for functions named without a spec."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Roll out several functions without "
                             "asking (never asks when stdin is not a terminal)."),
    alias: Optional[str] = typer.Option(
        None, "--alias", metavar="ALIAS", help="Replace the instances serving this alias: "
        "marker on LATEST → publish → move the alias → wait until the old version's instances "
        "are gone. Refused (exit 2) when LATEST has unreleased changes."),
    steps: Optional[str] = typer.Option(None, "--steps", metavar="P,P,100",
                                        help="With --alias: move the alias in probed steps."),
    interval: str = typer.Option("0s", "--interval", metavar="DURATION",
                                 help="With --steps: wait at each step before probing."),
    probe_count: int = typer.Option(5, "--probe-count", min=1, max=1000, metavar="N",
                                    help="With --steps: invocations through the alias per step."),
    latest_only: bool = typer.Option(
        False, "--latest-only", help="Replace LATEST's instances only; instances serving "
        "aliases are left running on purpose (otherwise that exits 5)."),
    logs: bool = typer.Option(False, "--logs", help="Afterwards, per drained instance: did its "
                              "PreStop run and how long (from the function's log)."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
    progress: Optional[str] = ProgressOpt,
) -> None:
    """Make FC replace a function's instances without a code change: FC runs each old
    instance's PreStop hook before destroying it, new ones run their Initializer. Acts on the
    LATEST configuration; instances still alive at --timeout are named (exit 4)."""
    import time

    from fcctl.deploy.rollout import run_rollout
    from fcctl.deploy.service import Clients, Target
    from fcctl.ui.render import render_rollout

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output, progress=progress)
    console = get_console()
    targets = _targets(names or [], files, region)
    if alias is not None:
        _rollout_alias(s, console, targets, alias, steps=steps, interval=interval,
                       probe_count=probe_count, timeout=timeout, logs=logs)
        return
    if steps is not None:
        raise errors.UsageError("--steps needs --alias")
    if len(targets) > 1:  # several functions: ask on a terminal, like deploy (before any call)
        confirm(console, f"Roll out {len(targets)} functions ({', '.join(n for n, _ in targets)})?",
                yes=yes, json=console.json_mode)
    started = time.time()
    run = run_rollout(targets, Clients(Target(s.endpoint, s.profile)), timeout_s=timeout,
                      probe=probe, detach=detach, concurrency=concurrency,
                      progress=console.progress, latest_only=latest_only)
    doc, reports = run.document(), []
    if logs:  # the report is fcctl/observe/prestop.py
        from fcctl.observe.prestop import rollout_reports
        doc["preStopLogs"] = reports = rollout_reports(run, dict(targets), s, started)

    def show(c) -> None:
        render_rollout(c, run.results)
        _render_left(c, run.aliases_left())
        if logs:
            from fcctl.observe.prestop import render
            render(c, reports)

    console.result(doc, show)
    if run.exit_code():
        raise errors.ExitStatus(run.exit_code())


def _render_left(console, left: list) -> None:
    if not left:
        return
    from fcctl.ui import redact

    named = ", ".join(f"{a['functionName']}/{a['aliasName']} ({a['instances']} instance(s))"
                      for a in left)
    console.print(redact.safe(
        f"instances serving aliases were left running: {named}. Roll them out with "
        f"`fcctl rollout NAME --alias ALIAS`, or pass --latest-only (exit 5)"), style="yellow")


def _rollout_alias(s, console, targets, alias, *, steps, interval, probe_count, timeout,
                   logs) -> None:
    """``rollout --alias``: one function at a time (an alias belongs to one function)."""
    import time

    from fcctl.cli.release import parse_duration, render_release
    from fcctl.deploy.release import parse_steps, rollout_alias
    from fcctl.deploy.service import Clients, Target

    from fcctl.cli.release import check_alias_name

    check_alias_name(alias)
    if len(targets) != 1:
        raise errors.UsageError("--alias: name one function")
    step_list = parse_steps(steps) if steps is not None else None
    interval_s = parse_duration(interval)
    (name, region), = targets
    client = Clients(Target(s.endpoint, s.profile))(region)
    started = time.time()
    result = rollout_alias(client, name, alias, steps=step_list, interval_s=interval_s,
                           probe_count=probe_count, timeout_s=timeout,
                           progress=console.progress)
    doc, reports = result.document(), []
    if logs:  # PreStop of each drained instance of the old version, from the function's log
        from fcctl.observe.prestop import drained_report
        doc["preStopLogs"] = reports = [drained_report(name, list(result.drained), region, s,
                                                       started)]

    def show(c) -> None:
        render_release(c, result)
        if logs:
            from fcctl.observe.prestop import render
            render(c, reports)

    console.result(doc, show)
    if result.exit_code():
        raise errors.ExitStatus(result.exit_code())


def _targets(names: list[str], files: Optional[List[str]], region: Optional[str]):
    """``[(functionName, region)]``: from the spec (all, or the named ones), or names alone."""
    spec_files = list(files or [])
    if not spec_files and os.path.exists("fc.yaml"):
        spec_files = ["fc.yaml"]
    from fcctl.cli.inspect import check_name

    for name in names:
        check_name(name)
    if not spec_files:
        if not names:
            raise errors.UsageError(
                "name the functions to roll out, or give a spec with -f (no fc.yaml here)")
        return [(n, region) for n in names]
    from fcctl.spec import load_spec

    loaded = load_spec(spec_files, environ=os.environ)
    by_name = {f.functionName: f.region for f in loaded.spec.functions}
    if not names:
        return list(by_name.items())
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise errors.UsageError(
            f"{', '.join(unknown)}: not in the spec",
            hint="functions in the spec: " + (", ".join(sorted(by_name)) or "none")
            + "; to roll out a function by name alone, run without -f from a directory "
            "without fc.yaml",
        )
    return [(n, by_name[n]) for n in names]
