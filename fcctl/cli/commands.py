"""Imports every command module so that each registers its commands on ``fcctl.cli.main.app``.

One module per command group; each is light at import time (typer + stdlib + fcctl's light
modules) and imports its real work inside the command function.
"""

from fcctl.cli import (  # noqa: F401  (imported for their registrations)
    validate,
    plan_deploy,
    inspect,
    rollout,
    emulator,
    local,
    init,
)
