"""Which module defines which command, and their registration on ``fcctl.cli.main.app``.

One module per command group; each is light at import time (typer + stdlib + fcctl's light
modules) and imports its real work inside the command function. A run imports only the module of
the command it runs (``--help`` and unknown commands import them all), which keeps start-up —
``validate`` above all — small.
"""

from __future__ import annotations

import importlib

MODULES = {
    "validate": "validate", "schema": "validate",
    "plan": "plan_deploy", "deploy": "plan_deploy",
    "get": "inspect", "export": "inspect",
    "rollout": "rollout",
    "emulator": "emulator",
    "local": "local",
    "init": "init",
    "doctor": "doctor",
}
# Global options that take a value (so their value is not mistaken for the command).
VALUE_OPTIONS = frozenset({"--endpoint", "--profile", "-o", "--output"})


def command_of(args: list[str]) -> str | None:
    """The command name in ``args`` (the first positional after the global options)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in VALUE_OPTIONS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def register(args: list[str]) -> None:
    """Import the command module(s) this run needs; each registers its commands on import."""
    command = command_of(args)
    wanted = ({MODULES[command]} if command in MODULES and not _wants_help_only(args)
              else set(MODULES.values()))
    for module in dict.fromkeys(MODULES.values()):  # this order is --help's order
        if module in wanted:
            importlib.import_module(f"fcctl.cli.{module}")


def _wants_help_only(args: list[str]) -> bool:
    # `fcctl --help` lists every command; `fcctl deploy --help` needs only deploy's module.
    return command_of(args) is None
