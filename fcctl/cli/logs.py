"""``fcctl logs``: a function's log from Simple Log Service (the project/logstore in its
``logConfig``); the work is :mod:`fcctl.observe.logs`. Secrets are masked in every line."""

from __future__ import annotations

from typing import Optional

import typer

from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, check_name, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

RegionOpt = typer.Option(
    None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
    help="Region of the function, e.g. cn-hangzhou (needed for the public endpoints).",
)


@app.command()
def logs(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Function name."),
    since: str = typer.Option("10m", "--since", help="Start: 10m, 2h, 1d ago, or epoch seconds."),
    until: Optional[str] = typer.Option(None, "--until", help="End (default now)."),
    instance: Optional[str] = typer.Option(None, "--instance", metavar="ID",
                                           help="Only this instance's lines."),
    request_id: Optional[str] = typer.Option(None, "--request-id", metavar="ID",
                                             help="Only this request's lines."),
    hooks: bool = typer.Option(False, "--hooks",
                               help="Per instance: Initializer and PreStop runs and events."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep polling for new lines."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Show a function's log lines (Simple Log Service), or with --hooks its hook runs."""
    import time

    from fcctl.cloud import connect
    from fcctl.fcfacts import SLS_FOLLOW_MAX_POLLS, SLS_FOLLOW_POLL_S
    from fcctl.observe import logs as obs

    check_name(name)
    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    now = time.time()
    frm = obs.parse_since(since, now)
    to = obs.parse_since(until, now) if until else int(now) + 1
    client = connect(s.endpoint, s.profile, region)
    fn = client.get_function(name)
    obs.log_config(fn, name)  # the clear message before any SLS call
    reader = obs.connect_sls(s.endpoint, s.profile, region)
    console = get_console()
    rows = obs.mask(fn, obs.fetch(reader, fn, name, frm, to, instance=instance,
                                  request_id=request_id))

    if hooks:
        per = obs.hooks_by_instance(rows)
        doc = {"functionName": name, "instances": [
            {"instanceId": i["instanceId"], "hooks": [h.document() for h in i["hooks"]],
             "events": i["events"]} for i in per.values()]}

        def render(c) -> None:
            if not per:
                c.info(f"{name}: no Initializer or PreStop lines in this time range")
            def say(text: str) -> None:  # stdout, one line each: `fcctl logs … | grep` works
                c.print(text, soft_wrap=True, highlight=False)

            for i in per.values():
                say(f"instance {i['instanceId']}")
                for h in i["hooks"]:
                    d = h.document()
                    dur = f"{d['durationMs']} ms" if d["durationMs"] is not None else "-"
                    line = f"  {h.kind:<11} {d['outcome']:<20} {dur:>8}  requestId {h.request_id}"
                    if d["outcome"] == "started, never ended":
                        line += "  ← started and never ended (killed at its timeout?)"
                    say(line)
                    for e in h.errors:
                        say(f"    {e}")
                for e in i["events"]:
                    say(f"  event {e['event']}")

        console.result(doc, render)
        return

    def show(batch) -> None:
        def render(c) -> None:
            for r in batch:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(r.get("__time__", 0))))
                c.print(f"{stamp} {r.get('instanceID', '-')} {r.get('message', '')}",
                        soft_wrap=True, highlight=False)

        console.result({"functionName": name, "lines": batch}, render)

    show(rows)
    if not follow:
        return
    seen = {(r.get("timeMs"), r.get("message"), r.get("instanceID")) for r in rows}
    try:
        for _ in range(SLS_FOLLOW_MAX_POLLS):
            time.sleep(SLS_FOLLOW_POLL_S)
            new = [r for r in obs.mask(fn, obs.fetch(reader, fn, name, frm,
                                                     int(time.time()) + 1, instance=instance,
                                                     request_id=request_id))
                   if (r.get("timeMs"), r.get("message"), r.get("instanceID")) not in seen]
            for r in new:
                seen.add((r.get("timeMs"), r.get("message"), r.get("instanceID")))
            if new:
                show(new)
    except KeyboardInterrupt:
        return
