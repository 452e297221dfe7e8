"""``fcctl invoke``: call a live function once (InvokeFunction); the work is
:mod:`fcctl.deploy.invoke`. The response body goes to stdout; status, request id, instance id and
the log tail go to stderr. A function error (HTTP 200 with ``X-Fc-Error-Type``) exits 1."""

from __future__ import annotations

from typing import Optional

import typer

from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, check_name, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

RegionOpt = typer.Option(
    None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
    help="Region of the function(s), e.g. cn-hangzhou (needed for the public endpoint).",
)


def _write_body(body: bytes) -> None:
    """The body on stdout, secrets masked; on a terminal, control characters made visible and a
    binary body summarised rather than dumped."""
    import sys

    from fcctl.ui.redact import safe, scrub

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if sys.stdout.isatty():
        if text is None:
            sys.stdout.write(f"<binary body, {len(body)} bytes: redirect stdout or use -o json>\n")
        else:
            sys.stdout.write(safe(text, newlines=True) + ("" if text.endswith("\n") else "\n"))
    else:
        out = scrub(text).encode("utf-8") if text is not None else \
            scrub(body.decode("latin-1")).encode("latin-1")  # byte-preserving except secrets
        sys.stdout.flush()
        sys.stdout.buffer.write(out)
    sys.stdout.flush()


@app.command()
def invoke(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Function name."),
    stdin_dash: Optional[str] = typer.Argument(
        None, metavar="[-]", help="'-': read the request body from standard input."),
    qualifier: Optional[str] = typer.Option(None, "--qualifier", metavar="Q",
                                            help="Version or alias (default LATEST)."),
    payload: Optional[str] = typer.Option(None, "--payload", metavar="TEXT",
                                          help="The request body."),
    payload_file: Optional[str] = typer.Option(
        None, "--payload-file", metavar="FILE",
        help="Read the request body from a regular file ('-': standard input)."),
    asynchronous: bool = typer.Option(False, "--async",
                                      help="Asynchronous invocation (FC answers 202 at once)."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Invoke a live function once and show its answer and log tail."""
    import sys

    from fcctl import errors
    from fcctl.cloud import connect
    from fcctl.deploy.invoke import invoke as run_invoke
    from fcctl.deploy.invoke import read_payload

    check_name(name)
    if stdin_dash is not None:
        if stdin_dash != "-":
            raise errors.UsageError(f"unexpected argument {stdin_dash!r}: only '-' (standard "
                                    "input) may follow the function name")
        if payload_file is not None:
            raise errors.UsageError("give --payload-file or '-', not both")
        payload_file = "-"
    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    body = read_payload(text=payload, file=payload_file,
                        stdin=getattr(sys.stdin, "buffer", None),
                        invocation_type="Async" if asynchronous else "Sync")
    client = connect(s.endpoint, s.profile, region)
    result = run_invoke(client, name, body, qualifier=qualifier, asynchronous=asynchronous)
    console = get_console()

    def render(c) -> None:
        if result.body:
            _write_body(result.body)
        facts = [f"status {result.status}", f"requestId {result.request_id or '-'}"]
        if result.instance_id:
            facts.append(f"instanceId {result.instance_id}")
        c.info(" · ".join(facts))
        if result.log_tail:
            c.info("log tail:\n" + result.log_tail.rstrip("\n"))

    console.result(result.document(name, qualifier), render)
    if result.failed:
        if not console.json_mode:
            console.error(f"{name}: {result.error_type}: {result.error_message or ''}".rstrip(": ")
                          + f" (request id {result.request_id or '-'})")
        raise errors.ExitStatus(errors.EXIT_FAILED)
