"""Test knobs: environment variables on a function that steer the emulator (``docs/emulator.md``
"Test knobs"). Numbers are bounded like the server's own knobs: a non-finite or unparsable value
is the default, a negative one 0, and each is capped (:data:`MAX_KNOB_S`, :data:`MAX_KNOB_MS`) so
``inf``/``1e300`` cannot wedge a worker thread in ``time.sleep``."""

from __future__ import annotations

import math

from fcctl import fcfacts

KNOB_FAIL_UPDATE = "FCCTL_EMULATOR_FAIL_UPDATE"  # an update ends Failed (value: the reason)
KNOB_UPDATE_DELAY = "FCCTL_EMULATOR_UPDATE_DELAY_S"  # per-function InProgress duration, seconds
KNOB_FAIL_INITIALIZER = "FCCTL_EMULATOR_FAIL_INITIALIZER"  # the Initializer fails
# the Initializer takes this long (ms, capped by its timeout): a provisioned instance is Creating
# until it has passed; an on-demand one's first invocation waits for it
KNOB_INITIALIZER_MS = "FCCTL_EMULATOR_INITIALIZER_MS"
# every invocation fails with this X-Fc-Error-Type (UnhandledInvocationError: the handler raised;
# HandledInvocationError: it answered an error); any other value → UnhandledInvocationError
KNOB_INVOKE_ERROR = "FCCTL_EMULATOR_INVOKE_ERROR"
# the share (0..1) of invocations that fail with KNOB_INVOKE_ERROR's type (default 1: all of
# them), drawn from the emulator's seeded RNG (`--seed`)
KNOB_INVOKE_ERROR_RATE = "FCCTL_EMULATOR_INVOKE_ERROR_RATE"
KNOB_INVOKE_MS = "FCCTL_EMULATOR_INVOKE_MS"  # simulated invocation duration, ms
KNOB_PRESTOP_MS = "FCCTL_EMULATOR_PRESTOP_MS"  # simulated PreStop duration, ms (capped by timeout)
KNOB_PRESTOP_HANG = "FCCTL_EMULATOR_PRESTOP_HANG"  # PreStop hangs until its timeout (failed)
KNOB_FAIL_PRESTOP = "FCCTL_EMULATOR_FAIL_PRESTOP"  # PreStop answers an error (failed)
# an instance keeps its session this many seconds after its last invocation: an update does not
# replace it before then (the "session-affinity" policy of fcfacts.OLD_INSTANCE_POLICIES)
KNOB_SESSION_S = "FCCTL_EMULATOR_SESSION_AFFINITY_S"
# a container's image acceleration stays Preparing this many seconds after state is Active
KNOB_ACCELERATION_S = "FCCTL_EMULATOR_ACCELERATION_S"
INVOKE_MS_HEADER = "x-fcctl-invoke-ms"  # per-request invocation duration, ms

# Caps: FC's longest function timeout (one day), the same bound as the x-fcctl-invoke-ms header
# and the server's --update-delay / --idle-timeout (server.MAX_DELAY_S).
MAX_KNOB_S = float(fcfacts.TIMEOUT_RANGE_S[1])
MAX_KNOB_MS = MAX_KNOB_S * 1000.0


def knob_on(env: dict, name: str) -> bool:
    """A flag knob: on for any value except empty, ``0``, ``false``, ``no``, ``off``."""
    value = str((env or {}).get(name, "")).strip().lower()
    return value not in ("", "0", "false", "no", "off")


def knob_number(env: dict, name: str, default: float = 0.0, *, cap: float) -> float:
    """A number knob in ``[0, cap]``; absent, unparsable or non-finite (``inf``, ``nan``) →
    ``default``."""
    try:
        value = float((env or {}).get(name, default))
    except (TypeError, ValueError):
        return default
    if not math.isfinite(value):
        return default
    return min(max(0.0, value), cap)
