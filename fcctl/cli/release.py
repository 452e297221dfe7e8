"""``fcctl release``: publish a version from LATEST and move an alias to it (at once, as a
canary, or in probed steps with automatic rollback); ``--promote`` / ``--rollback``."""

from __future__ import annotations

import re
from typing import Optional

import typer

from fcctl import errors
from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, check_name, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console



def parse_duration(text: str) -> float:
    """``30`` / ``30s`` / ``5m`` / ``1h`` / ``500ms`` → seconds (:mod:`fcctl.durations`)."""
    from fcctl.durations import seconds

    value = seconds(text)
    if value is None:
        raise errors.UsageError(f"--interval {text}: give a duration such as 30s, 5m or 1h")
    return value


@app.command()
def release(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="Function to release."),
    alias: str = typer.Option(..., "--alias", metavar="ALIAS", help="Alias to move (created "
                              "when missing)."),
    canary: Optional[int] = typer.Option(None, "--canary", min=1, max=100, metavar="PERCENT",
                                         help="Send this share to the new version; the rest "
                                         "stays on the alias's version."),
    steps: Optional[str] = typer.Option(None, "--steps", metavar="P,P,100",
                                        help="Walk these percentages, probing between them; "
                                        "100 promotes."),
    interval: str = typer.Option("0s", "--interval", metavar="DURATION",
                                 help="Wait this long at each step before probing."),
    probe_count: int = typer.Option(5, "--probe-count", min=1, max=1000, metavar="N",
                                    help="Invocations through the alias per step."),
    payload: Optional[str] = typer.Option(None, "--payload", metavar="TEXT",
                                          help="Probe payload."),
    max_error_rate: float = typer.Option(0.0, "--max-error-rate", min=0.0, max=1.0,
                                         metavar="RATE", help="Failed share of the new "
                                         "version's probes tolerated (0..1)."),
    promote: bool = typer.Option(False, "--promote", help="Finish a running canary."),
    rollback: bool = typer.Option(False, "--rollback", help="Return the alias to its previous "
                                  "version at once."),
    description: Optional[str] = typer.Option(None, "--description", metavar="TEXT",
                                              help="Version description (fcctl records the "
                                              "previous version in it)."),
    timeout: float = typer.Option(600.0, "--timeout", min=0.0, metavar="SECONDS",
                                  help="Seconds to wait for LATEST and minimum instances."),
    region: Optional[str] = typer.Option(None, "--region", envvar="ALIBABA_CLOUD_REGION_ID",
                                         metavar="REGION", help="Region of the function."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Publish a version from LATEST when it differs from the alias's version (configuration
    and code checksum; no empty versions) and move the alias to it. Probe failures during
    --steps roll the alias back to the old version (exit 1)."""
    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)  # -o json for errors too
    check_name(name)
    check_alias_name(alias)
    modes = [m for m, on in (("--canary", canary is not None), ("--steps", steps is not None),
                             ("--promote", promote), ("--rollback", rollback)) if on]
    if len(modes) > 1:
        raise errors.UsageError(f"give one of {', '.join(modes)}")
    from fcctl.deploy.release import parse_steps, run_release
    from fcctl.deploy.service import Clients, Target

    step_list = parse_steps(steps) if steps is not None else None
    interval_s = parse_duration(interval)
    console = get_console()
    client = Clients(Target(s.endpoint, s.profile))(region)
    result = run_release(client, name, alias, canary=canary, steps=step_list,
                         interval_s=interval_s, probe_count=probe_count,
                         payload=(payload or "").encode("utf-8"), max_error_rate=max_error_rate,
                         promote=promote, rollback=rollback, description=description,
                         timeout_s=timeout, progress=console.progress)
    console.result(result.document(), lambda c: render_release(c, result))
    if result.exit_code():
        raise errors.ExitStatus(result.exit_code())


def check_alias_name(alias: str) -> None:
    """FC's alias-name rule, as validate applies it to ``aliases:`` — before any API call, so a
    typo never publishes a version that no alias can then point at (exit 2)."""
    from fcctl import fcfacts
    from fcctl.ui import redact

    if alias == fcfacts.LATEST_QUALIFIER or not re.fullmatch(fcfacts.ALIAS_NAME_PATTERN, alias):
        raise errors.UsageError(
            f"--alias {redact.safe(alias)!r}: not an alias name (FC: a letter or _, then letters, "
            "digits, _ or -, at most 128; LATEST is FC's own qualifier)")


def render_release(console, r) -> None:
    from fcctl.ui import redact

    def say(text: str, **kw) -> None:
        console.print(redact.safe(text), **kw)

    style = {"ok": "green", "failed": "red", "timeout": "yellow"}.get(str(r.outcome))
    say(f"function {r.name} alias {r.alias}: {r.action} {r.outcome}", style=style)
    a = r.alias_after or {}
    weights = a.get("additionalVersionWeight") or {}
    say(f"    previous version: {r.previous_version or '-'}  new version: "
        f"{r.new_version or '-'}  published: {'yes' if r.published else 'no'}")
    if a:
        say(f"    alias {r.alias} → version {a.get('versionId')}"
            + (" + " + ", ".join(f"version {v} {w:.0%}" for v, w in weights.items())
               if weights else ""))
    if r.differences:
        say("    differences: " + ", ".join(r.differences))
    for step in r.steps:
        say(f"    step {step['percent']:>3}%  {step.get('status', '')}"
            + (f"  probes {step['probes']} (new version {step['countedForNew']}, failed "
               f"{step['failed']})" if "probes" in step else ""))
    for f in r.failures:
        say(f"    failed probe: request {f['requestId']} {f['errorType']} (version "
            f"{f.get('version') or 'unknown'})", style="red")
    if r.action == "rollout" and (r.instances_before or r.drained or r.still_active):
        say(f"    instances of version {r.previous_version} before: {len(r.instances_before)}"
            f"  gone: {len(r.drained)}"
            + ("  still active: " + ", ".join(f"{i} ({st or 'no status'})"
                                                for i, st in r.still_active.items())
               if r.still_active else ""))
    if r.provision_ready_s is not None:
        say(f"    minimum instances ready in {r.provision_ready_s:.1f}s")
    if r.message:
        console.print("    " + redact.safe_lines(r.message), style=style)
