"""``fcctl rollout``: make FC replace running instances (FC runs PreStop on each old one) and
report what is gone and what is still alive."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, confirm, merged
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
    logs: bool = typer.Option(False, "--logs", help="Afterwards, per drained instance: did its "
                              "PreStop run and how long (from the function's log)."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Make FC replace a function's instances without a code change: FC runs each old
    instance's PreStop hook before destroying it, new ones run their Initializer. Acts on the
    LATEST configuration; instances still alive at --timeout are named (exit 4)."""
    import time

    from fcctl.deploy.rollout import run_rollout
    from fcctl.deploy.service import Clients, Target
    from fcctl.ui.render import render_rollout

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    console = get_console()
    targets = _targets(names or [], files, region)
    if len(targets) > 1:  # several functions: ask on a terminal, like deploy (before any call)
        confirm(console, f"Roll out {len(targets)} functions ({', '.join(n for n, _ in targets)})?",
                yes=yes, json=console.json_mode)
    started = time.time()
    run = run_rollout(targets, Clients(Target(s.endpoint, s.profile)), timeout_s=timeout,
                      probe=probe, detach=detach, concurrency=concurrency,
                      progress=console.progress)
    doc, reports = run.document(), []
    if logs:  # the report is fcctl/observe/prestop.py
        from fcctl.observe.prestop import rollout_reports
        doc["preStopLogs"] = reports = rollout_reports(run, dict(targets), s, started)

    def show(c) -> None:
        render_rollout(c, run.results)
        if logs:
            from fcctl.observe.prestop import render
            render(c, reports)

    console.result(doc, show)
    if run.exit_code():
        raise errors.ExitStatus(run.exit_code())


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
