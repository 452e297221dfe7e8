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
    "release": "release",
    "invoke": "invoke",
    "logs": "logs",
    "list": "functions", "delete": "functions",
    "emulator": "emulator",
    "local": "local",
    "init": "init",
    "doctor": "doctor",
}
# Global options that take a value (so their value is not mistaken for the command).
VALUE_OPTIONS = frozenset({"--endpoint", "--profile", "-o", "--output", "--progress"})


class Invocation:
    """What fcctl needs to know of argv before typer parses it, read in one pass.

    ``command``: the command name (the first positional after the global options), or None;
    ``json``: ``-o json`` / ``--output json`` (or ``FCCTL_OUTPUT=json``) was asked for, so a usage
    error that happens before the console's mode is set still prints JSON.
    """

    __slots__ = ("command", "json")

    def __init__(self, args: list[str], environ=None) -> None:
        import os

        env = os.environ if environ is None else environ
        self.command: str | None = None
        self.json = env.get("FCCTL_OUTPUT") == "json"
        skip = False
        for i, arg in enumerate(args):
            if arg in ("-o", "--output") and i + 1 < len(args) and args[i + 1] == "json":
                self.json = True
            elif arg in ("-o=json", "--output=json", "-ojson"):
                self.json = True
            if skip:
                skip = False
                continue
            if self.command is None:
                if arg in VALUE_OPTIONS:
                    skip = True
                    continue
                if not arg.startswith("-"):
                    self.command = arg


def command_of(args: list[str]) -> str | None:
    """The command name in ``args`` (the first positional after the global options)."""
    return Invocation(args).command


def register(args: "list[str] | Invocation") -> None:
    """Import the command module(s) this run needs; each registers its commands on import.

    ``fcctl --help`` (no command) and unknown commands import them all, for the command list."""
    command = (args if isinstance(args, Invocation) else Invocation(args)).command
    wanted = {MODULES[command]} if command in MODULES else set(MODULES.values())
    for module in dict.fromkeys(MODULES.values()):  # this order is --help's order
        if module in wanted:
            importlib.import_module(f"fcctl.cli.{module}")
