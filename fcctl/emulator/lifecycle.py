"""The function-level status transitions as data: ``lastUpdateStatus`` (InProgress → Successful /
Failed), ``state`` of a custom container (Pending → Active) and its image's
``customContainerConfig.accelerationInfo.status`` (Preparing ⇄ Ready). Each row says which field
moves from which values to which, when (model time, from the function's private timestamps) and
under which guard; :func:`advance` applies the rows in order, so one settle may take several
steps (a new container: Pending → Active, then Preparing → Ready). Each transition happens at
its due time whenever it is observed (lazy settling, :meth:`Backend._settle`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fcctl import fcfacts
from fcctl.emulator.knobs import KNOB_ACCELERATION_S, KNOB_FAIL_UPDATE, MAX_KNOB_S, knob_number

_ABSENT = object()  # the field does not apply (accelerationInfo of a built-in runtime)


def _get(fn: dict, field: str):
    if field == "accelerationInfo.status":
        ccc = fn.get("customContainerConfig")
        if fn.get("runtime") != fcfacts.CONTAINER_RUNTIME or not isinstance(ccc, dict):
            return _ABSENT
        return (ccc.get("accelerationInfo") or {}).get("status")
    return fn.get(field)


def _set(fn: dict, field: str, value: str) -> None:
    if field == "accelerationInfo.status":
        fn["customContainerConfig"]["accelerationInfo"] = {"status": value}
    else:
        fn[field] = value


def _fail_update(fn: dict) -> None:
    reason = fn["_updateFails"]
    fn["lastUpdateStatusReason"] = (
        reason if reason.lower() not in ("1", "true", "yes", "on")
        else f"update failed: {KNOB_FAIL_UPDATE} is set")
    fn["lastUpdateStatusReasonCode"] = "EmulatorInjectedFailure"


def _succeed_update(fn: dict) -> None:
    fn["lastUpdateStatusReason"] = ""
    fn["lastUpdateStatusReasonCode"] = ""
    # a successful update of LATEST replaces every existing instance (a new generation)
    fn["_gen"] = fn.get("_gen", 1) + 1
    fn["_genAt"] = fn["_updateReadyAt"]


def _image_ready_at(fn: dict) -> float:
    """The image (set by the update that made ``state`` Pending) is accelerated this long after
    the container is Active (knob ``FCCTL_EMULATOR_ACCELERATION_S``)."""
    env = fn.get("environmentVariables") or {}
    return fn.get("_stateReadyAt", 0) + knob_number(env, KNOB_ACCELERATION_S, cap=MAX_KNOB_S)


def _now(fn: dict) -> float:
    return float("-inf")  # due at once (when the guard holds)


@dataclass(frozen=True)
class Transition:
    field: str
    source: tuple
    target: str
    due: Callable[[dict], float]
    guard: Callable[[dict, float], bool] = lambda fn, now: True
    effect: Callable[[dict], None] | None = None


FUNCTION_TRANSITIONS: tuple[Transition, ...] = (
    Transition("lastUpdateStatus", (fcfacts.UPDATE_IN_PROGRESS,), fcfacts.UPDATE_FAILED,
               due=lambda fn: fn.get("_updateReadyAt", 0),
               guard=lambda fn, now: bool(fn.get("_updateFails")), effect=_fail_update),
    Transition("lastUpdateStatus", (fcfacts.UPDATE_IN_PROGRESS,), fcfacts.UPDATE_SUCCESSFUL,
               due=lambda fn: fn.get("_updateReadyAt", 0),
               guard=lambda fn, now: not fn.get("_updateFails"), effect=_succeed_update),
    Transition("state", (fcfacts.STATE_PENDING,), fcfacts.STATE_ACTIVE,
               due=lambda fn: fn.get("_stateReadyAt", 0)),
    # a container's image: Preparing from the start, Ready once accelerated, Preparing again
    # while a new image is Pending (or the acceleration time was raised)
    Transition("accelerationInfo.status", (None,), fcfacts.ACCELERATION_PREPARING, due=_now),
    Transition("accelerationInfo.status", (fcfacts.ACCELERATION_PREPARING,),
               fcfacts.ACCELERATION_READY, due=_image_ready_at,
               guard=lambda fn, now: fn.get("state") != fcfacts.STATE_PENDING),
    Transition("accelerationInfo.status", (fcfacts.ACCELERATION_READY,),
               fcfacts.ACCELERATION_PREPARING, due=_now,
               guard=lambda fn, now: fn.get("state") == fcfacts.STATE_PENDING
               or now < _image_ready_at(fn)),
)


def advance(fn: dict, now: float, table: tuple[Transition, ...] = FUNCTION_TRANSITIONS) -> bool:
    """Apply every due transition of ``table`` to ``fn`` in order; True when one changed it."""
    changed = False
    for t in table:
        current = _get(fn, t.field)
        if current is not _ABSENT and current in t.source and t.guard(fn, now) \
                and now >= t.due(fn):
            _set(fn, t.field, t.target)
            if t.effect is not None:
                t.effect(fn)
            changed = True
    return changed
