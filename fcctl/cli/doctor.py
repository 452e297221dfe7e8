"""``fcctl doctor``: which identity, endpoint and region fcctl would use, and (``--check``)
whether FC accepts them.

Without ``--check`` it makes no FC API call: it resolves credentials through
``alibabacloud-credentials`` (the same chain every command uses, :mod:`fcctl.cloud.credentials`;
for an OIDC role or the ECS RAM role that is the library's own STS / metadata request) and the
endpoint (:mod:`fcctl.cloud.endpoint`). ``--check`` makes one cheap call, ListFunctions
with limit 1. Exit 2 when no credentials are found; 1 when the check call fails. The secret and
token are never shown; the access key id is masked (``LTAI****abcd``).
"""

from __future__ import annotations

from typing import Optional

import typer

from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

DEFAULT_REGION = "cn-hangzhou"  # what connect() uses when neither spec nor --region names one


@app.command()
def doctor(
    ctx: typer.Context,
    check: bool = typer.Option(False, "--check", help="Also make one cheap API call "
                               "(ListFunctions, limit 1) to prove FC accepts the identity."),
    region: Optional[str] = typer.Option(
        None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
        help=f"Region to check (default: {DEFAULT_REGION})."),
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Say which credentials provider supplied the identity (environment, profile file and
    name, OIDC role, ECS RAM role), and the endpoint and region in effect. No API call unless
    --check."""
    from fcctl import __version__
    from fcctl.cloud.endpoint import resolve_endpoint

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    console = get_console()
    reg = region or DEFAULT_REGION
    ep = resolve_endpoint(s.endpoint, reg)
    if ep.local:
        ident = {"provider": "local-emulator", "source": "built-in local key pair"}
        endpoint_text = "local (the embedded emulator, started on a free loopback port)"
    else:
        from fcctl.cloud.credentials import credential_client, identity

        credential_client(s.profile)  # exit 2 when none is found, naming what to set
        ident = identity() or {"provider": "unknown"}
        endpoint_text = ep.url
    doc = {  # schemaVersion: stamped by console.result
        "command": "doctor",
        "fcctlVersion": __version__,
        "credentials": ident,
        "endpoint": endpoint_text,
        "region": reg,
        "regionFrom": "--region or ALIBABA_CLOUD_REGION_ID" if region else "default",
    }
    if check:
        from fcctl.cloud import connect

        client = connect(s.endpoint, s.profile, reg)
        m = client._models()
        client._call("ListFunctions", lambda c: c.list_functions(
            m.ListFunctionsRequest(limit=1)), retry=False)  # a failure: exit 1 with FC's code
        doc["check"] = {"action": "ListFunctions", "ok": True}

    def render(c):
        from fcctl.cloud.credentials import describe_identity

        c.print(f"fcctl      {__version__}")
        c.print(f"identity   {describe_identity(ident)}")
        c.print(f"endpoint   {endpoint_text}")
        c.print(f"region     {reg} (from {doc['regionFrom']})")
        if check:
            c.print("check      ListFunctions: OK (FC accepted the identity)")
        else:
            c.print("check      not run (pass --check to make one ListFunctions call)")

    console.result(doc, render)
