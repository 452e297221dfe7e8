"""``fcctl plan`` and ``fcctl deploy``: thin wrappers around :mod:`fcctl.deploy.service`."""

from __future__ import annotations

from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import (EndpointOpt, FilesOpt, OutputOpt, ProfileOpt, check_name, confirm,
                               merged, must_ask)
from fcctl.cli.main import app
from fcctl.ui.console import get_console

FunctionOpt = typer.Option(None, "--function", metavar="NAME",
                           help="Limit to this function (repeatable).")
ConcurrencyOpt = typer.Option(8, "--concurrency", min=1, max=64, metavar="N",
                              help="Functions observed/applied at once.")


def _retry_reporter(notice) -> None:
    """Show a :class:`fcctl.cloud.api.RetryNotice` as the deploy progress renderer does."""
    from fcctl.deploy.events import RetryScheduled
    from fcctl.ui.render import progress_line

    get_console().progress(progress_line(RetryScheduled(notice)))


def _show_warnings(prepared) -> None:
    console = get_console()
    for p in prepared.warnings:
        console.warn(f"{p.location()}: {p.path}: {p.message}")


@app.command()
def plan(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[List[str]] = FunctionOpt,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode",
        help="Exit 0 when nothing would change, 3 when something would.",
    ),
    concurrency: int = ConcurrencyOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Show what deploy would change on FC, field by field. Makes no write call."""
    from fcctl.deploy import service
    from fcctl.ui.render import render_plan

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    for name in function or []:
        check_name(name)
    deployment = service.make_plan(
        files, service.Target(s.endpoint, s.profile), only=function, concurrency=concurrency,
        on_retry=_retry_reporter,
    )
    console = get_console()
    _show_warnings(deployment.prepared)
    console.result(deployment.plan_document(), lambda c: render_plan(c, deployment.plan))
    if detailed_exitcode and deployment.plan.has_changes:
        raise errors.ExitStatus(errors.EXIT_CHANGES)


@app.command()
def deploy(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[List[str]] = FunctionOpt,
    wait: bool = typer.Option(True, "--wait/--no-wait",
                              help="Wait until FC reports lastUpdateStatus Successful."),
    timeout: float = typer.Option(600.0, "--timeout", min=0.0, metavar="SECONDS",
                                  help="Seconds to wait for FC in all (exit 4 when exceeded)."),
    concurrency: int = ConcurrencyOpt,
    yes: bool = typer.Option(False, "--yes", "-y",
                             help="Apply without asking (never asks when stdin is not a terminal; needed with -o json on a terminal)."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Create missing functions and update changed ones; unchanged ones get no write call."""
    from fcctl.deploy import service
    from fcctl.deploy.executor import ExecOptions
    from fcctl.ui.render import DeployProgress, render_deploy, render_plan

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    for name in function or []:
        check_name(name)
    console = get_console()
    must_ask(yes=yes, json=console.json_mode)  # -o json on a terminal needs --yes (exit 2)
    target = service.Target(s.endpoint, s.profile)
    deployment = service.make_plan(
        files, target, only=function, concurrency=concurrency, on_retry=_retry_reporter
    )
    the_plan = deployment.plan
    _show_warnings(deployment.prepared)
    if the_plan.has_changes:
        confirm(console, "Apply these changes?", yes=yes, json=console.json_mode,
                show=lambda c: render_plan(c, the_plan, stream="err"))
    options = ExecOptions(wait=wait, timeout_s=timeout, concurrency=concurrency)
    total = sum(1 for f in the_plan.functions if f.writes)

    with console.status(f"applying {total} function(s)") as status:
        progress = DeployProgress(console, status, len(the_plan.functions))
        service.execute(deployment, options, progress=progress)
    console.result(deployment.deploy_document(), lambda c: render_deploy(c, deployment.results))
    code = deployment.exit_code()
    if code:
        raise errors.ExitStatus(code)
