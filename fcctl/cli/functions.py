"""``fcctl list`` and ``fcctl delete``: live functions; the work is :mod:`fcctl.deploy.functions`.
fcctl never deletes during ``deploy``: ``delete`` is the one command that removes functions."""

from __future__ import annotations

from typing import List, Optional

import typer

from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, check_name, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

RegionOpt = typer.Option(
    None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
    help="Region of the function(s), e.g. cn-hangzhou (needed for the public endpoint).",
)


def _managed_names(files: Optional[List[str]]) -> "set[str] | None":
    """Function names of the spec given with -f, or of ./fc.yaml when it exists; else None."""
    import os

    if not files:
        if not os.path.exists("fc.yaml"):
            return None
        files = ["fc.yaml"]
    from fcctl.spec import load_spec

    return {f.functionName for f in load_spec(list(files), environ=os.environ).spec.functions}


@app.command("list")
def list_(
    ctx: typer.Context,
    prefix: Optional[str] = typer.Option(None, "--prefix", metavar="P",
                                         help="Only functions whose name starts with P."),
    files: Optional[List[str]] = typer.Option(
        None, "--file", "-f", metavar="FILE",
        help="Spec file (default ./fc.yaml when present): marks the functions it manages."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """List live functions: runtime, memorySize, lastUpdateStatus (and whether the spec manages
    each)."""
    from fcctl.cloud import connect
    from fcctl.deploy.functions import list_functions

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    managed = _managed_names(files)  # a bad spec: exit 2 before any call
    client = connect(s.endpoint, s.profile, region)
    rows = list_functions(client, prefix, managed)

    def render(c) -> None:
        from rich.table import Table

        from fcctl.ui.redact import safe

        table = Table(box=None, pad_edge=False)
        cols = ["function", "runtime", "memorySize", "lastUpdateStatus"]
        if managed is not None:
            cols.append("in spec")
        for col in cols:
            table.add_column(col)
        for r in rows:
            cells = [r["functionName"], r["runtime"], f"{r['memorySize']} MB",
                     r["lastUpdateStatus"]]
            if managed is not None:
                cells.append("yes" if r["managed"] else "no")
            table.add_row(*(safe("" if v is None else v) for v in cells))
        c.print(table)
        c.info(f"{len(rows)} function(s)")

    get_console().result({"functions": rows}, render)


@app.command()
def delete(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., metavar="NAME...", help="Function names."),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help="Delete without asking (required when stdin is not a "
                             "terminal, and with -o json)."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Delete functions with their triggers, provision configs, aliases and versions."""
    from fcctl import errors
    from fcctl.cli.context import confirm, must_ask
    from fcctl.cloud import connect
    from fcctl.deploy.functions import plan_removal, remove

    for name in names:
        check_name(name)
    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    console = get_console()
    # Deleting is never done unasked: without a terminal to ask on, --yes is required.
    if not yes and not must_ask(yes=yes, json=console.json_mode):
        raise errors.UsageError(
            "delete needs --yes when standard input is not a terminal: nothing was deleted",
            hint="run it on a terminal to review and answer, or pass --yes")
    client = connect(s.endpoint, s.profile, region)
    removals = plan_removal(client, names)

    def show(c) -> None:
        for r in removals:
            parts = r.describe()
            c.info(f"- function {r.function}" + (f" with {'; '.join(parts)}" if parts else ""))

    confirm(console, f"Delete {len(removals)} function(s)?", yes=yes, json=console.json_mode,
            show=show)
    for r in removals:
        remove(client, r, progress=console.progress)

    def render(c) -> None:
        for r in removals:
            c.print(f"deleted {r.function}")

    console.result({"deleted": [r.document() for r in removals]}, render)
