"""``fcctl emulator serve``: run the local FC 3.0 API emulator in the foreground.

Light at import time (stdlib + typer + fcctl.errors); the emulator loads inside the command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from fcctl import errors
from fcctl.cli.main import app

emulator_app = typer.Typer(
    name="emulator",
    help="Local Function Compute 3.0 API emulator (see docs/emulator.md).",
    no_args_is_help=True,
)
app.add_typer(emulator_app, name="emulator")

ENV_AK_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_AK_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"


@emulator_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback)."),
    port: Optional[int] = typer.Option(
        None, "--port", min=0, max=65535, show_default=False,
        help="Port to listen on (0: a free port). Default 9100 (fcfacts.EMULATOR_DEFAULT_PORT): "
        "not FC's custom-runtime port 9000, which apps use."),
    state: Path = typer.Option(
        Path(".fcctl/emulator.db"), "--state", help="SQLite file holding the emulator's state."
    ),
    access_key_id: Optional[str] = typer.Option(
        None, "--access-key-id", help=f"Accepted access key id (default: ${ENV_AK_ID})."
    ),
    access_key_secret: Optional[str] = typer.Option(
        None, "--access-key-secret",
        help=f"Its secret (default: ${ENV_AK_SECRET}; prefer the variable: arguments show "
        "in `ps`). Never printed.",
    ),
    latency_ms: float = typer.Option(0, "--latency-ms", min=0, max=60_000, help="Delay added to every API "
                                     "call, in milliseconds."),
    fault_rate: float = typer.Option(0.0, "--fault-rate", min=0.0, max=1.0,
                                     help="Share of API calls answered with 429/500/503 or a "
                                     "dropped connection (0..1)."),
    fault_kinds: str = typer.Option("429,500,503,drop", "--fault-kinds",
                                    help="Comma-separated faults to draw from."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the fault RNG."),
    update_delay: float = typer.Option(0.0, "--update-delay", min=0.0, max=86_400.0,
                                       help="Seconds an update stays InProgress."),
    idle_timeout: float = typer.Option(300.0, "--idle-timeout", min=0.0, max=86_400.0,
                                       help="Seconds before an idle instance is reclaimed."),
    region: str = typer.Option("cn-hangzhou", "--region", help="Region used in ARNs when the "
                               "Host header does not name one."),
    account_id: str = typer.Option("1234567890123456", "--account-id",
                                   help="Account id used in ARNs."),
    allow_remote: bool = typer.Option(False, "--allow-remote",
                                      help="Allow a non-loopback --host."),
) -> None:
    """Serve FC's 2023-03-30 REST API on HOST:PORT until Ctrl-C (exit 130)."""
    ak_id = access_key_id or os.environ.get(ENV_AK_ID)
    ak_secret = access_key_secret or os.environ.get(ENV_AK_SECRET)
    if not ak_id or not ak_secret:
        raise errors.UsageError(
            "the emulator needs an access key pair to verify request signatures",
            hint=f"pass --access-key-id and --access-key-secret, or set {ENV_AK_ID} and "
            f"{ENV_AK_SECRET}",
        )
    from fcctl.emulator.server import FAULT_KINDS, EmulatorServer, is_loopback
    from fcctl.fcfacts import EMULATOR_DEFAULT_PORT

    if port is None:
        port = EMULATOR_DEFAULT_PORT

    if not is_loopback(host) and not allow_remote:
        raise errors.UsageError(
            f"--host {host} is not a loopback address",
            hint="the emulator listens on loopback only; add --allow-remote to listen on "
            f"{host} (anyone who can reach it can use the API with the key pair)",
        )
    kinds = tuple(k.strip() for k in fault_kinds.split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad or not kinds:
        raise errors.UsageError(f"--fault-kinds takes a comma-separated list of "
                                f"{', '.join(FAULT_KINDS)}")
    import sys

    try:
        srv = EmulatorServer(
            state, {ak_id: ak_secret}, host=host, port=port, latency_ms=latency_ms,
            fault_rate=fault_rate, update_delay_s=update_delay, seed=seed, log=sys.stderr,
            idle_timeout_s=idle_timeout, region=region, account_id=account_id,
            fault_kinds=kinds, allow_remote=allow_remote,
        )
    except OSError as exc:
        raise errors.UsageError(f"cannot open the state file {state}: {exc}",
                                hint="--state must name a file (it is created if missing)") from None
    try:
        srv.bind()
    except OSError as exc:
        srv.stop()
        raise errors.UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sys.stderr.write(f"fcctl emulator listening on {srv.url} (state: {state}, "
                     f"access key id: {ak_id})\n")
    sys.stderr.flush()
    import signal

    def _terminate(signum, frame):  # SIGTERM stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        srv.serve_forever()
    finally:
        signal.signal(signal.SIGTERM, previous)
        srv.stop()
