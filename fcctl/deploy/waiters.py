"""Waiting for FC: a loop with an injected clock, a deadline and a phase callback.

``wait_for_update`` polls GetFunction until ``lastUpdateStatus`` leaves ``InProgress`` and, for
custom-container functions only, ``state`` leaves ``Pending`` (GetFunction payloads in geek-fun/serverlessinsight #219 / PR #224; built-in runtimes may
stay Pending/null forever, so fcctl never waits for Active there).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from fcctl import cancel, errors, fcfacts


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


def update_settled(fn: dict, container: bool) -> bool:
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
    return True


def wait_for_update(
    get: Callable[[], dict | None],
    *,
    name: str,
    container: bool,
    deadline: float | None,
    clock: Clock | None = None,
    interval_s: float = 0.5,
    max_interval_s: float = 5.0,
    on_poll: Callable[[dict], None] | None = None,
) -> dict:
    """Poll ``get()`` (GetFunction) until the update settles; returns the final Function.

    ``deadline`` is a ``clock.now()`` value (``None`` = no limit). Raises
    :class:`fcctl.errors.WaitTimeout` (exit 4) naming the function and its last status, or
    :class:`UpdateFailed` with FC's reason and reason code.
    """
    clock = clock or Clock()
    delay = interval_s
    while True:
        fn = get()
        if fn is None:
            raise errors.OperationFailed(f"function {name} disappeared while fcctl waited for it")
        if on_poll is not None:
            on_poll(fn)
        if update_settled(fn, container):
            return fn
        now = clock.now()
        if deadline is not None and now >= deadline:
            status = fn.get("lastUpdateStatus")
            state = fn.get("state")
            raise errors.WaitTimeout(
                f"timed out waiting for function {name} (lastUpdateStatus={status}, state={state})",
                pending=[name],
                hint="FC may still finish the update: run `fcctl plan` or `fcctl get` later, or "
                "raise --timeout",
            )
        sleep_for = delay if deadline is None else max(0.0, min(delay, deadline - now))
        clock.sleep(sleep_for)
        delay = min(delay * 1.5, max_interval_s)


MAX_CONFLICT_RETRIES = 5


def update_when_free(
    client,
    name: str,
    body: dict,
    *,
    wait: Callable[[], dict],
    progress: Callable[[str], None] = lambda line: None,
    attempts: int = MAX_CONFLICT_RETRIES,
) -> dict:
    """UpdateFunction; on 409 ``ConcurrentUpdateError`` (another update InProgress) call
    ``wait()`` until FC finishes it, then send ours again, at most ``attempts`` more times.
    Raises the last :class:`fcctl.errors.ApiError`, or what ``wait`` raises (timeout, Failed)."""
    for attempt in range(attempts + 1):
        try:
            return client.update_function(name, body)
        except errors.ApiError as exc:
            if exc.code != fcfacts.CONCURRENT_UPDATE_CODE or attempt == attempts:
                raise
            progress(f"{name}: another update is InProgress; waiting for it")
            wait()
    raise AssertionError("unreachable")
