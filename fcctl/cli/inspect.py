"""``fcctl get`` and ``fcctl export``: read live functions (read-only API calls); export's work is
:func:`fcctl.deploy.export.export_functions`."""

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


def _client(ctx, endpoint, profile, output, region):
    from fcctl.cloud import connect

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    return connect(s.endpoint, s.profile, region)


def _printable(value) -> str:
    """FC values shown as text: secrets scrubbed, control characters made visible (no terminal
    escapes, no fake lines) — ``fcctl.ui.redact.safe``."""
    from fcctl.ui.redact import safe

    return safe(value)


def _fetch(client, name: str) -> dict:
    return client.get_function(name, missing_ok=False)


# The spec's x-fcctl-sensitive names mask those variables here too (default ./fc.yaml if present).
SensitiveFilesOpt = typer.Option(
    None, "--file", "-f", metavar="FILE",
    help="Spec file whose x-fcctl-sensitive names to mask (default: ./fc.yaml when present).")


@app.command()
def get(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Function name."),
    region: Optional[str] = RegionOpt,
    files: Optional[List[str]] = SensitiveFilesOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Show a live function: its lifecycle hooks, state, lastUpdateStatus, container image/GPU,
    triggers (with HTTP trigger URLs) and aliases."""
    from fcctl.deploy.fields import HOOKS, hook_is_set, mask_function
    from fcctl.spec.sensitive import mark_from_files

    check_name(name)
    mark_from_files(files)
    client = _client(ctx, endpoint, profile, output, region)
    from fcctl.deploy.export import guard_secrets

    fn = _fetch(client, name)
    guard_secrets(fn)
    shown = mask_function(fn)
    env = shown.get("environmentVariables") or {}
    triggers = [{"triggerName": t.get("triggerName"), "triggerType": t.get("triggerType"),
                 "qualifier": t.get("qualifier"),
                 **({"httpTrigger": t["httpTrigger"]} if t.get("httpTrigger") else {})}
                for t in client.list_triggers(name)]
    aliases = [{"aliasName": a.get("aliasName"), "versionId": a.get("versionId"),
                "additionalVersionWeight": a.get("additionalVersionWeight") or {}}
               for a in client.list_aliases(name)]

    def render(console):
        ilc = fn.get("instanceLifecycleConfig") or {}
        lines = [
            ("function", fn.get("functionName")),
            ("arn", fn.get("functionArn")),
            ("runtime", fn.get("runtime")),
            ("state", fn.get("state")),
            ("lastUpdateStatus", fn.get("lastUpdateStatus")),
        ]
        if fn.get("lastUpdateStatusReason"):
            lines.append(("lastUpdateStatusReason",
                          f"{fn.get('lastUpdateStatusReasonCode')}: {fn.get('lastUpdateStatusReason')}"))
        lines += [
            ("memorySize", f"{fn.get('memorySize')} MB"),
            ("cpu", f"{fn.get('cpu')} vCPU"),
            ("timeout", f"{fn.get('timeout')} s"),
            ("lastModifiedTime", fn.get("lastModifiedTime")),
            ("codeChecksum", fn.get("codeChecksum")),
        ]
        for h in HOOKS:
            hook = ilc.get(h) or {}
            if not hook_is_set(hook):
                lines.append((h, "not set"))
            elif hook.get("command"):
                lines.append((h, f"command {hook.get('command')} (timeout {hook.get('timeout')} s)"))
            else:
                lines.append((h, f"handler {hook.get('handler')!r} (timeout {hook.get('timeout')} s)"))
        image = (fn.get("customContainerConfig") or {}).get("image")
        if image:
            lines.append(("image", image))
        gpu = fn.get("gpuConfig") or {}
        if gpu.get("gpuType") or gpu.get("gpuMemorySize"):
            lines.append(("gpuConfig", f"{gpu.get('gpuType')} ({gpu.get('gpuMemorySize')} MB)"))
        for k, v in sorted(env.items()):
            lines.append((f"env {_printable(k)}", v))
        for t in triggers:
            lines.append((f"trigger {_printable(t['triggerName'])}",
                          f"{t['triggerType']} (qualifier {t.get('qualifier') or 'LATEST'})"))
            http = t.get("httpTrigger") or {}
            if http.get("urlInternet"):
                lines.append(("  urlInternet", http["urlInternet"]))
            if http.get("urlIntranet"):
                lines.append(("  urlIntranet", http["urlIntranet"]))
        for a in aliases:
            weights = ", ".join(f"{v}: {w}" for v, w in sorted(
                a["additionalVersionWeight"].items()))
            lines.append((f"alias {_printable(a['aliasName'])}",
                          f"version {a['versionId']}" + (f" (+ {weights})" if weights else "")))
        width = max(len(k) for k, _ in lines)
        for k, v in lines:
            console.print(f"{k.ljust(width)}  {_printable('' if v is None else v)}")

    get_console().result({"function": shown, "triggers": triggers, "aliases": aliases}, render)


@app.command()
def export(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., metavar="NAME...", help="Function names."),
    code_dir: str = typer.Option(
        "code", "--code-dir", metavar="DIR",
        help="Where to save each function's code zip (<dir>/<name>.zip); the spec refers to it "
        "relative to the current directory, so save the spec here."),
    no_code: bool = typer.Option(False, "--no-code", help="Do not download code."),
    region: Optional[str] = RegionOpt,
    files: Optional[List[str]] = SensitiveFilesOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Print live functions as fc.yaml (planning the exported file shows no changes).

    Each function's code zip is downloaded (GetFunctionCode) to --code-dir and referenced as
    code: DIR/NAME.zip; a ready zip is sent as is, so its checksum equals FC's and the plan stays
    clean. Secret-looking environment values are written as ${env:NAME}: set them before
    planning.
    """
    from pathlib import Path

    from fcctl.deploy.export import export_functions
    from fcctl.spec.sensitive import mark_from_files

    mark_from_files(files)

    for name in names:
        check_name(name)
    client = _client(ctx, endpoint, profile, output, region)  # sets the console's output mode
    console = get_console()
    exported = export_functions(client, names, code_dir=None if no_code else Path(code_dir),
                                region=region, warn=console.warn, progress=console.progress)
    doc = exported.spec

    def render(console):
        import sys

        from fcctl.ui import yamltext
        from fcctl.ui.redact import scrub_data

        # scrubbed before YAML folds a long line (a fold would split a secret); no folding;
        # bidi and zero-width characters escaped, not written raw
        sys.stdout.write(yamltext.dump(scrub_data(doc)))

    console.result({"spec": doc}, render)
