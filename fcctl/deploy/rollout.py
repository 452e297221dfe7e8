"""``fcctl rollout``: make FC replace a function's running instances without a code change.

FC runs PreStop (``GET /pre-stop``) before it destroys an instance, and the documented way to make
that happen now is to update the function's configuration (FC docs 函数实例生命周期回调: "如需快速触发
PreStop回调，可更新函数配置或者函数代码"; docs/fc-facts.md). A rollout therefore:

1. **record** — ListInstances: the active instances of the function (on-demand and provisioned);
2. **restart** — UpdateFunction that changes only the rollout marker, the environment variable
   ``fcfacts.ROLLOUT_ENV`` set to a new rollout id (kubectl's ``restartedAt`` annotation is the
   analogue). ``plan`` ignores the marker and ``deploy`` preserves it, so a rollout never shows as
   drift and a later deploy does not undo it;
3. **accepted** — wait until ``lastUpdateStatus`` is Successful (``--detach`` stops here);
4. **drained** — wait until none of the recorded instances is still active (each ran PreStop);
5. **probe** (``--probe``) — one InvokeFunction; a response with ``X-Fc-Error-Type:
   InitializationError`` means the new instances fail their Initializer: the rollout failed.

Scope: the update targets the function's LATEST configuration. Instances serving a published
version or an alias that points at one (qualifier other than LATEST) are not replaced by it; they
are reported as ``notRestarted`` and not waited for.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from fcctl import errors, fcfacts
from fcctl.deploy.waiters import Clock, update_when_free, wait_for_update

# Instance statuses that mean "gone" (FC's ListInstances `status`; unverified spellings: the
# policy is to treat these, and any instance with destroyedTimeMs set, as no longer active).
GONE_STATUSES = frozenset({"Destroyed", "Destroying", "Stopped", "Terminated", "Failed"})
LATEST = "LATEST"


def is_active(instance: dict) -> bool:
    """True while an instance still runs (not destroyed, per status and destroyedTimeMs)."""
    if instance.get("destroyedTimeMs"):
        return False
    return instance.get("status") not in GONE_STATUSES


def serves_latest(instance: dict) -> bool:
    """True for an instance of the LATEST configuration. Decided by ``qualifier``: the SDK's
    InstanceInfo docs give ``versionId`` "0" under LATEST, so the version id is not a signal."""
    return instance.get("qualifier") in (None, "", LATEST)


@dataclass
class Phase:
    name: str
    status: str = "pending"  # ok | failed | timeout | skipped | pending
    duration_s: float = 0.0
    detail: str | None = None
    started: float = 0.0

    def to_dict(self) -> dict:
        return {"phase": self.name, "status": self.status,
                "durationSeconds": round(self.duration_s, 3), "detail": self.detail}


@dataclass
class RolloutResult:
    """Per-function outcome: ``outcome`` ok | failed | timeout; instance ids before, drained,
    still alive, and not restarted (other qualifiers)."""

    name: str
    rollout_id: str
    outcome: str = "ok"
    instances_before: list[str] = field(default_factory=list)
    drained: list[str] = field(default_factory=list)
    still_active: list[str] = field(default_factory=list)
    not_restarted: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    message: str | None = None
    error: dict | None = None
    duration_s: float = 0.0

    def to_dict(self) -> dict:
        return {
            "functionName": self.name,
            "rolloutId": self.rollout_id,
            "outcome": self.outcome,
            "instancesBefore": self.instances_before,
            "drainedInstances": self.drained,
            "stillActiveInstances": self.still_active,
            "notRestarted": self.not_restarted,
            "aliases": self.aliases,
            "phases": [p.to_dict() for p in self.phases],
            "durationSeconds": round(self.duration_s, 3),
            "message": self.message,
            "error": self.error,
        }


def new_rollout_id(clock_wall: Callable[[], float] = time.time) -> str:
    """A unique, sortable rollout id: UTC timestamp + a short random suffix."""
    ts = datetime.fromtimestamp(clock_wall(), tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{ts}-{uuid.uuid4().hex[:8]}"


def rollout_function(
    client,
    name: str,
    *,
    rollout_id: str,
    deadline: float | None,
    probe: bool = False,
    detach: bool = False,
    clock: Clock | None = None,
    poll_interval_s: float = 0.5,
    progress: Callable[[str], None] = lambda line: None,
) -> RolloutResult:
    """Run the phases of the module docstring for one function; never raises for FC-side
    failures (they are in the result), only for programming errors."""
    clock = clock or Clock()
    result = RolloutResult(name=name, rollout_id=rollout_id)
    started = clock.now()

    def phase(pname: str):
        p = Phase(pname, started=clock.now())
        result.phases.append(p)
        return p, clock.now()

    try:
        fn = client.get_function(name, missing_ok=False)
        container = fn.get("runtime") == fcfacts.CONTAINER_RUNTIME
        if fn.get("lastUpdateStatus") == fcfacts.UPDATE_IN_PROGRESS:
            progress(f"{name}: another update is InProgress; waiting for it first")
            fn = wait_for_update(lambda: client.get_function(name), name=name, container=container,
                                 deadline=deadline, clock=clock, interval_s=poll_interval_s)

        p, t0 = phase("record")
        instances = [i for i in client.list_instances(name, with_all_active=True) if is_active(i)]
        latest = [i for i in instances if serves_latest(i)]
        result.instances_before = [i["instanceId"] for i in latest]
        result.not_restarted = [
            {"instanceId": i.get("instanceId"), "qualifier": i.get("qualifier"),
             "versionId": i.get("versionId")}
            for i in instances if not serves_latest(i)
        ]
        result.aliases = [
            {"aliasName": a.get("aliasName"), "versionId": a.get("versionId"),
             "additionalVersionWeight": a.get("additionalVersionWeight") or {}}
            for a in client.list_aliases(name)
        ]
        p.status, p.duration_s = "ok", clock.now() - t0
        p.detail = f"{len(latest)} active instance(s) on LATEST"
        progress(f"{name}: recorded {len(latest)} active instance(s)")

        p, t0 = phase("restart")
        env = dict(fn.get("environmentVariables") or {})
        env[fcfacts.ROLLOUT_ENV] = rollout_id
        size, limit = fcfacts.env_size_bytes(env), fcfacts.ENV_TOTAL_MAX_BYTES
        if size > limit:
            # refuse before any write: FC would reject the update (FC docs 配置环境变量, 4 KB)
            raise errors.OperationFailed(
                f"{name}: the rollout marker {fcfacts.ROLLOUT_ENV}={rollout_id} would bring the "
                f"function's environment variables to {size} bytes, over FC's {limit}-byte "
                f"total ({fcfacts.DOC_ENV}: {fcfacts.DOC_LINE_ENV_SIZE}); nothing was changed",
                hint="shorten or remove environment variables (fcctl validate reserves room for "
                     "the marker), deploy, then run the rollout again")
        update_when_free(
            client, name, {"environmentVariables": env}, progress=progress,
            wait=lambda: wait_for_update(lambda: client.get_function(name), name=name,
                                         container=container, deadline=deadline, clock=clock,
                                         interval_s=poll_interval_s),
        )
        p.status, p.duration_s = "ok", clock.now() - t0
        p.detail = f"{fcfacts.ROLLOUT_ENV}={rollout_id}"

        p, t0 = phase("accepted")
        wait_for_update(lambda: client.get_function(name), name=name, container=container,
                        deadline=deadline, clock=clock, interval_s=poll_interval_s)
        p.status, p.duration_s = "ok", clock.now() - t0
        p.detail = "lastUpdateStatus Successful"
        progress(f"{name}: update accepted (lastUpdateStatus Successful)")
        if detach:
            for pname in ("drained", "probe"):
                result.phases.append(Phase(pname, status="skipped", detail="--detach"))
            return _finish(result, clock, started)

        p, t0 = phase("drained")
        if not result.instances_before:
            p.status, p.detail = "ok", "nothing to drain: no instance was running"
            progress(f"{name}: nothing to drain")
        else:
            result.still_active = _wait_drained(client, name, set(result.instances_before),
                                                deadline, clock, poll_interval_s)
            result.drained = [i for i in result.instances_before if i not in result.still_active]
            p.duration_s = clock.now() - t0
            if result.still_active:
                p.status = "timeout"
                p.detail = f"still active: {', '.join(result.still_active)}"
                result.outcome = "timeout"
                result.message = (f"{len(result.still_active)} old instance(s) still active when "
                                  f"--timeout ran out: {', '.join(result.still_active)}")
                return _finish(result, clock, started)
            p.status = "ok"
            p.detail = f"{len(result.drained)} old instance(s) ran PreStop and are gone"
            progress(f"{name}: drained {len(result.drained)} old instance(s)")
        p.duration_s = clock.now() - t0

        if probe:
            p, t0 = phase("probe")
            inv = client.invoke_function(name, b"")
            p.duration_s = clock.now() - t0
            if inv.error_type == "InitializationError":
                p.status = "failed"
                p.detail = f"InitializationError: {inv.error_message()}"
                result.outcome = "failed"
                result.message = (f"the new instance failed its Initializer "
                                  f"(X-Fc-Error-Type: InitializationError, request id "
                                  f"{inv.request_id}): {inv.error_message()}")
                return _finish(result, clock, started)
            p.status = "ok"
            p.detail = (f"HTTP {inv.status}" + (f", {inv.error_type}" if inv.error_type else "")
                        + ": a new instance passed its Initializer")
            progress(f"{name}: probe ok")
        else:
            result.phases.append(Phase("probe", status="skipped", detail="no --probe"))
    except errors.WaitTimeout as exc:
        _mark_current(result, "timeout", exc.message, clock.now())
        result.outcome, result.message, result.error = "timeout", exc.message, exc.to_dict()
    except errors.FcctlError as exc:
        _mark_current(result, "failed", str(exc), clock.now())
        result.outcome, result.message, result.error = "failed", str(exc), exc.to_dict()
    return _finish(result, clock, started)


def _mark_current(result: RolloutResult, status: str, detail: str, now: float) -> None:
    if result.phases and result.phases[-1].status == "pending":
        current = result.phases[-1]
        current.status, current.detail = status, detail
        current.duration_s = now - current.started


def _finish(result: RolloutResult, clock: Clock, started: float) -> RolloutResult:
    result.duration_s = clock.now() - started
    return result


def _wait_drained(client, name: str, old: set[str], deadline: float | None, clock: Clock,
                  interval_s: float) -> list[str]:
    """Poll ListInstances until none of ``old`` is active; returns those still active at the
    deadline (empty when drained)."""
    delay = interval_s
    while True:
        alive = sorted(i["instanceId"] for i in client.list_instances(name, with_all_active=True)
                       if i.get("instanceId") in old and is_active(i))
        if not alive:
            return []
        now = clock.now()
        if deadline is not None and now >= deadline:
            return alive
        clock.sleep(delay if deadline is None else max(0.0, min(delay, deadline - now)))
        delay = min(delay * 1.5, 3.0)
