"""Waiting for FC: a loop with an injected clock, a deadline and a phase callback.

``wait_for_update`` polls GetFunction until ``lastUpdateStatus`` leaves ``InProgress`` and, for
custom-container functions only, ``state`` leaves ``Pending`` (built-in runtimes report ``state``
null, so fcctl never waits for Active there) and image acceleration
(``customContainerConfig.accelerationInfo.status``) is no longer ``Preparing`` (policy
``fcfacts.ACCELERATION_PREPARING``: while it prepares, FC serves the unaccelerated image, so a
new instance would start slowly; bounded by ``--timeout`` like every wait). ``update_settled``
also judges the Create/UpdateFunction answer itself: when it is already settled, deploy makes no
GetFunction call at all (``executor.needs_wait``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from fcctl import cancel, errors, fcfacts

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


@dataclass
class Clock:
    """Time source for waits; tests pass a fake one. ``now()`` in seconds, ``sleep(s)``."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = cancel.sleep  # returns at once on Ctrl-C


class UpdateFailed(errors.OperationFailed):
    """FC reported ``lastUpdateStatus: Failed`` (or ``state: Failed``) with a reason."""

    def __init__(self, name: str, reason: str | None, reason_code: str | None) -> None:
        msg = f"FC reports the update of function {name} Failed"
        if reason_code:
            msg += f" [{reason_code}]"
        if reason:
            msg += f": {reason}"
        super().__init__(msg, hint="fix the cause FC names, then deploy again")
        self.reason = reason
        self.reason_code = reason_code


def update_settled(fn: dict[str, Any], container: bool) -> bool:
    """True when FC has finished applying the last change (raises :class:`UpdateFailed`)."""
    status = fn.get("lastUpdateStatus")
    name = fn.get("functionName", "?")
    if status == fcfacts.UPDATE_FAILED:
        raise UpdateFailed(name, fn.get("lastUpdateStatusReason"), fn.get("lastUpdateStatusReasonCode"))
    if status == fcfacts.UPDATE_IN_PROGRESS:
        return False
    if container:
        state = fn.get("state")
        if state == fcfacts.STATE_FAILED:
            raise UpdateFailed(name, fn.get("stateReason"), fn.get("stateReasonCode"))
        if state == fcfacts.STATE_PENDING:
            return False
        if acceleration_status(fn) == fcfacts.ACCELERATION_PREPARING:
            return False
    return True


def acceleration_status(fn: dict[str, Any]) -> str | None:
    """``customContainerConfig.accelerationInfo.status`` (Preparing | Ready), or None."""
    info = (fn.get("customContainerConfig") or {}).get("accelerationInfo") or {}
    return info.get("status") if isinstance(info, dict) else None


def wait_for_update(
    get: Callable[[], dict[str, Any] | None],
    *,
    name: str,
    container: bool,
    deadline: float | None,
    clock: Clock | None = None,
    interval_s: float = 0.5,
    max_interval_s: float = 5.0,
    known_pending: bool = False,
) -> dict[str, Any]:
    """Poll ``get()`` (GetFunction) until the update settles; returns the final Function.

    ``known_pending``: the caller already saw FC answer InProgress (the write's response), so
    the first poll waits one interval instead of asking again at once.

    ``deadline`` is a ``clock.now()`` value (``None`` = no limit). Raises
    :class:`fcctl.errors.WaitTimeout` (exit 4) naming the function and its last status, or
    :class:`UpdateFailed` with FC's reason and reason code.
    """
    clock = clock or Clock()
    delay = interval_s
    if known_pending:
        now = clock.now()
        clock.sleep(delay if deadline is None else max(0.0, min(delay, deadline - now)))
        delay = min(delay * 1.5, max_interval_s)
    while True:
        fn = get()
        if fn is None:
            raise errors.OperationFailed(f"function {name} disappeared while fcctl waited for it")
        if update_settled(fn, container):
            return fn
        now = clock.now()
        if deadline is not None and now >= deadline:
            status = fn.get("lastUpdateStatus")
            state = fn.get("state")
            accel = acceleration_status(fn) if container else None
            what = f"lastUpdateStatus={status}, state={state}" + (
                f", accelerationInfo.status={accel}" if accel else "")
            raise errors.WaitTimeout(
                f"timed out waiting for function {name} ({what})",
                pending=[name],
                hint="FC may still finish the update: run `fcctl plan` or `fcctl get` later, or "
                "raise --timeout",
            )
        sleep_for = delay if deadline is None else max(0.0, min(delay, deadline - now))
        clock.sleep(sleep_for)
        delay = min(delay * 1.5, max_interval_s)


MAX_CONFLICT_RETRIES = 5


def update_when_free(
    client: FcApi,
    name: str,
    body: dict[str, Any],
    *,
    wait: Callable[[], dict[str, Any]],
    on_busy: Callable[[], None] = lambda: None,
    attempts: int = MAX_CONFLICT_RETRIES,
) -> dict[str, Any]:
    """UpdateFunction; on an "update busy" answer (``fcfacts.UPDATE_BUSY_CODES``: 409
    ``ConcurrentUpdateError`` or 412 ``PreconditionFailed`` — which one FC sends while the last
    update is InProgress is undocumented, policy) call ``on_busy()`` then ``wait()`` until FC
    finishes it, then send ours again, at most ``attempts`` more times.
    Raises the last :class:`fcctl.errors.ApiError`, or what ``wait`` raises (timeout, Failed)."""
    for attempt in range(attempts + 1):
        try:
            return client.update_function(name, body)
        except errors.ApiError as exc:
            if exc.code not in fcfacts.UPDATE_BUSY_CODES or attempt == attempts:
                raise
            on_busy()
            wait()
    raise AssertionError("unreachable")
