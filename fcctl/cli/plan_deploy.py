"""``fcctl plan`` and ``fcctl deploy``: thin wrappers around :mod:`fcctl.deploy.service`."""

from __future__ import annotations

from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import (EndpointOpt, FilesOpt, OutputOpt, ProfileOpt, ProgressOpt,
                               check_name, confirm, merged, must_ask)
from fcctl.cli.main import app
from fcctl.ui.console import get_console

FunctionOpt = typer.Option(None, "--function", metavar="NAME",
                           help="Limit to this function (repeatable).")
ConcurrencyOpt = typer.Option(8, "--concurrency", min=1, max=64, metavar="N",
                              help="Functions observed/applied at once.")


def _retry_reporter(notice) -> None:
    """Show a :class:`fcctl.cloud.api.RetryNotice` as the deploy progress renderer does."""
    from fcctl.deploy.events import RetryScheduled
    from fcctl.ui.render import emit

    emit(get_console(), RetryScheduled(notice))


def _show_warnings(prepared) -> None:
    console = get_console()
    for p in prepared.warnings:
        console.warn(f"{p.location()}: {p.path}: {p.message}")


def _check_saved(path: str, saved_doc: dict, deployment, function) -> None:
    """Refuse (exit 1) unless the plan recomputed now is the saved one."""
    import json

    from fcctl.deploy import saved
    from fcctl.ui import redact

    now = json.loads(json.dumps(redact.scrub_data(deployment.saved_plan(function)), default=str))
    moved = saved.differences(saved_doc, now)
    if moved:
        raise errors.OperationFailed(
            f"the plan saved in {path} is not the plan fcctl would apply now; nothing was "
            "changed:\n  " + "\n  ".join(moved),
            hint=f"review again: fcctl plan --out {path}, then deploy --plan {path}")


@app.command()
def plan(
    ctx: typer.Context,
    files: List[str] = FilesOpt,
    function: Optional[List[str]] = FunctionOpt,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode",
        help="Exit 0 when nothing would change, 3 when something would.",
    ),
    out_file: Optional[str] = typer.Option(
        None, "--out", metavar="FILE",
        help="Save the plan (masked, mode 0600) for `deploy --plan FILE`.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Text mode: list unchanged functions too."),
    concurrency: int = ConcurrencyOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="text|json|markdown",
                                         help="Result format: text, json, or markdown (a "
                                         "PR-comment-ready summary)."),
) -> None:
    """Show what deploy would change on FC, field by field. Makes no write call."""
    import os

    from fcctl.deploy import service
    from fcctl.ui.render import plan_markdown, render_plan

    markdown = output == "markdown"
    s = merged(ctx, endpoint=endpoint, profile=profile, output="text" if markdown else output)
    for name in function or []:
        check_name(name)
    deployment = service.make_plan(
        files, service.Target(s.endpoint, s.profile), only=function, concurrency=concurrency,
        on_retry=_retry_reporter,
    )
    console = get_console()
    _show_warnings(deployment.prepared)
    if out_file:
        from fcctl.deploy import saved

        saved.write(out_file, deployment.saved_plan(function))
        console.info(f"plan saved to {out_file}; apply it with `fcctl deploy --plan {out_file}`")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if markdown or summary:
        text = plan_markdown(deployment.plan)
        if summary:  # GitHub Actions: the job summary shows the plan, whatever -o is
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(text)
    if markdown:
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        console.result(deployment.plan_document(),
                       lambda c: render_plan(c, deployment.plan, verbose=verbose))
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
    plan_file: Optional[str] = typer.Option(
        None, "--plan", metavar="FILE",
        help="Apply the plan saved by `plan --out FILE`, only if the spec and FC still give "
        "exactly that plan (else exit 1 naming what moved).",
    ),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help="Apply without asking (never asks when stdin is not a terminal; needed with -o json on a terminal)."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
    progress: Optional[str] = ProgressOpt,
) -> None:
    """Create missing functions and update changed ones; unchanged ones get no write call."""
    from fcctl.deploy import service
    from fcctl.deploy.executor import ExecOptions
    from fcctl.ui.render import DeployProgress, render_deploy, render_plan

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output, progress=progress)
    for name in function or []:
        check_name(name)
    console = get_console()
    asking = must_ask(yes=yes, json=console.json_mode)  # -o json on a terminal needs --yes
    target = service.Target(s.endpoint, s.profile)
    saved_doc = None
    if plan_file:
        from fcctl.deploy import saved

        saved_doc = saved.read(plan_file)
        files = [f["path"] for f in saved_doc.get("files") or []] or files
        function = saved_doc.get("only") or function
    deployment = service.make_plan(
        files, target, only=function, concurrency=concurrency, on_retry=_retry_reporter
    )
    the_plan = deployment.plan
    _show_warnings(deployment.prepared)
    if saved_doc is not None:
        _check_saved(plan_file, saved_doc, deployment, function)
    if the_plan.has_changes:
        if not asking and not console.json_mode and not console.ndjson_progress:
            # no prompt (CI): the log shows what is applied, field by field, secrets masked
            console.info("applying this plan:")
            render_plan(console, the_plan, stream="err")
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
