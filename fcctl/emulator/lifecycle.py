"""The status transitions of functions and instances, as data (one table each).

Functions (:data:`FUNCTION_TRANSITIONS`): ``lastUpdateStatus`` (InProgress → Successful /
Failed), ``state`` of a custom container (Pending → Active) and its image's
``customContainerConfig.accelerationInfo.status`` (Preparing ⇄ Ready). Each row says which field
moves from which values to which, when (model time, from the function's private timestamps) and
under which guard; :func:`advance` applies the rows in order, so one settle may take several
steps (a new container: Pending → Active, then Preparing → Ready). Each transition happens at
its due time whenever it is observed (lazy settling, :meth:`Backend._settle`).

Instances (:data:`INSTANCE_TRANSITIONS`): (Creating → Running once a provisioned instance's
Initializer has passed, ``_readyAt``,) Running → (PreStop) Stopping → Destroyed, at the times
:meth:`Backend._plan_stop` decided (``_stopAt``, ``_destroyAt``), each step logged as an event
with its model time. An instance whose Initializer fails is Destroyed when it is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from fcctl import fcfacts
from fcctl.emulator.knobs import KNOB_ACCELERATION_S, KNOB_FAIL_UPDATE, MAX_KNOB_S, knob_number

# Policy (unverified): instance status names. Stopping is internal (PreStop running);
# ListInstances renders it Running (FC's instance-event states have no Stopping).
INSTANCE_RUNNING, INSTANCE_STOPPING, INSTANCE_DESTROYED = "Running", "Stopping", "Destroyed"
# a provisioned instance whose Initializer is still running (FC's instance-event state Creating)
INSTANCE_CREATING = "Creating"
RESOURCE_ON_DEMAND, RESOURCE_PROVISIONED = "OnDemand", "Provisioned"  # an instance's resourceType


def iso(ts: float) -> str:
    """ISO 8601 UTC with a Z, seconds precision (FC's createdTime/lastModifiedTime)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


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


# --- instances -------------------------------------------------------------------------------
def event(inst: dict, name: str, ts: float, **detail) -> None:
    """Log a lifecycle event of an instance at model time ``ts``."""
    entry = {"event": name, "time": iso_ms(ts), "timeMs": int(round(ts * 1000))}
    entry.update(detail)
    inst.setdefault("events", []).append(entry)


def _prestop_starts(inst: dict) -> None:
    if inst.get("_preStopResult") == "skipped":
        event(inst, "pre-stop skipped", inst["_stopAt"], reason="no PreStop hook",
              trigger=inst["_stopReason"])
    else:
        event(inst, "pre-stop started", inst["_stopAt"], trigger=inst["_stopReason"])


def _destroyed(inst: dict) -> None:
    if inst.get("_preStopResult") in ("ok", "failed"):
        detail = {"reason": inst["_preStopDetail"]} if inst.get("_preStopDetail") else {}
        event(inst, f"pre-stop {inst['_preStopResult']}", inst["_destroyAt"], **detail)
    inst["destroyedTimeMs"] = int(round(inst["_destroyAt"] * 1000))
    event(inst, "destroyed", inst["_destroyAt"], trigger=inst["_stopReason"])


def _initialized(inst: dict) -> None:
    event(inst, "initializer ok", inst["_readyAt"])


INSTANCE_TRANSITIONS: tuple[Transition, ...] = (
    Transition("status", (INSTANCE_CREATING,), INSTANCE_RUNNING,
               due=lambda inst: inst["_readyAt"], effect=_initialized),
    Transition("status", (INSTANCE_RUNNING,), INSTANCE_STOPPING,
               due=lambda inst: inst["_stopAt"],
               guard=lambda inst, now: inst.get("_stopAt") is not None, effect=_prestop_starts),
    Transition("status", (INSTANCE_STOPPING,), INSTANCE_DESTROYED,
               due=lambda inst: inst["_destroyAt"], effect=_destroyed),
)
