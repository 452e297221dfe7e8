"""``fcctl rollout``: make FC replace a function's running instances without a code change.

FC runs PreStop (``GET /pre-stop``) before it destroys an instance, and the documented way to make
that happen now is to update the function's configuration (FC docs 函数实例生命周期回调: "如需快速触发
PreStop回调，可更新函数配置或者函数代码"; docs/fc-facts.md). A rollout therefore:

1. **record** — ListInstances, one call per qualifier that serves traffic (LATEST, then each alias
   of ListAliases), each with an explicit ``limit`` (the output has no continuation token: a full
   answer is reported as a warning). LATEST instances are recognised by FC's documented marker,
   ``versionId`` "0" ("LATEST" in older examples), before ``qualifier``;
2. **restart** — UpdateFunction that changes only the rollout marker, the environment variable
   ``fcfacts.ROLLOUT_ENV`` set to a new rollout id (kubectl's ``restartedAt`` annotation is the
   analogue). ``plan`` ignores the marker and ``deploy`` preserves it, so a rollout never shows as
   drift and a later deploy does not undo it;
3. **accepted** — wait until ``lastUpdateStatus`` is Successful (``--detach`` stops here);
4. **drained** — wait until none of the recorded instances is still active. FC destroys each
   old instance after its PreStop; ListInstances does not say whether PreStop succeeded, timed
   out or failed, so the rollout never claims it "ran" (the function's logs hold the outcome).
   Old instances may legitimately outlive the update — in-flight requests finish on the old
   configuration, a session may stay bound to its instance, minimum (provisioned) instances are
   destroyed only after their successors are healthy (``fcfacts.OLD_INSTANCE_POLICIES``) — so
   what is still alive at ``--timeout`` is named, with its status (exit 4);
5. **probe** (``--probe``) — one InvokeFunction; a response with ``X-Fc-Error-Type:
   InitializationError`` means the new instances fail their Initializer: the rollout failed.

Scope: the update targets the function's LATEST configuration. Instances serving an alias (it
points at a published version) are not replaced by it; they are listed alias by alias, reported
as ``notRestarted`` and ``aliasesLeft`` and not waited for — and the run exits 5
(``errors.EXIT_PARTIAL``, ``ok: false``) unless ``--latest-only`` says LATEST is all the user
wants. ``fcctl rollout NAME --alias ALIAS`` (``deploy/release.py``) replaces an alias's instances. Instances of a version invoked by number alone serve no
alias and are not listed (what an unqualified ListInstances answers is undocumented).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from fcctl import errors, fcfacts
from fcctl.deploy.kinds import Outcome, PhaseStatus
from fcctl.deploy.waiters import Clock, update_when_free, wait_for_update

# FC's instance states (fc-docs 131.实例级别事件.md): only Destroyed, or a destroyedTimeMs, means
# gone; Creating/Running/Error and any spelling fcctl does not know count as active (policy).
GONE_STATUSES = frozenset(fcfacts.INSTANCE_GONE_STATES)
KNOWN_STATUSES = frozenset(fcfacts.INSTANCE_KNOWN_STATES)
LATEST = fcfacts.LATEST_QUALIFIER
# Drain polling interval cap: the rollout reports within this long of the last old instance going.
DRAIN_POLL_MAX_S = 1.0

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


def is_active(instance: dict) -> bool:
    """True while an instance still runs: not Destroyed and no destroyedTimeMs. An unknown or
    empty ``status`` counts as active (policy: never report an instance gone on a guess)."""
    if instance.get("destroyedTimeMs"):
        return False
    return instance.get("status") not in GONE_STATUSES


def unknown_status(instance: dict) -> str | None:
    """The instance's ``status`` when it is none of FC's documented instance states."""
    status = instance.get("status")
    return None if status in KNOWN_STATUSES or status in (None, "") else str(status)


def serves_latest(instance: dict) -> bool:
    """True for an instance of the LATEST configuration. FC's documented marker first: the SDK's
    InstanceInfo says ``versionId`` is 0 under LATEST (an older API example shows "LATEST");
    only when ``versionId`` is absent does ``qualifier`` decide (FC's example shows "")."""
    version = instance.get("versionId")
    if version not in (None, ""):
        return str(version) in fcfacts.LATEST_VERSION_IDS
    return instance.get("qualifier") in (None, "", LATEST)


def list_qualifier(client: FcApi, name: str, qualifier: str, warnings: list[str]) -> list[dict]:
    """ListInstances of one qualifier with an explicit limit; a full answer may be truncated
    (ListInstances has no continuation token), which is added to ``warnings``."""
    limit = fcfacts.LIST_INSTANCES_LIMIT
    got = client.list_instances(name, qualifier=qualifier, with_all_active=True, limit=limit)
    if len(got) >= limit:
        warnings.append(f"ListInstances of {name} qualifier {qualifier} returned {len(got)} "
                        f"instances, its limit: there may be more than fcctl can see")
    return got


@dataclass
class Phase:
    name: str
    status: PhaseStatus = PhaseStatus.PENDING
    duration_s: float = 0.0
    detail: str | None = None
    started: float = 0.0

    def to_dict(self) -> dict:
        return {"phase": self.name, "status": self.status,
                "durationSeconds": round(self.duration_s, 3), "detail": self.detail}


@dataclass
class RolloutResult:
    """Per-function outcome (ok, failed or timeout); instance ids before, drained,
    still alive, and not restarted (other qualifiers)."""

    name: str
    rollout_id: str
    outcome: Outcome = Outcome.OK
    instances_before: list[str] = field(default_factory=list)
    drained: list[str] = field(default_factory=list)
    still_active: list[str] = field(default_factory=list)
    not_restarted: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)
    still_active_status: dict[str, str] = field(default_factory=dict)
    unknown_statuses: dict[str | None, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
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
            "stillActiveStatus": self.still_active_status,
            "unknownInstanceStatuses": self.unknown_statuses,
            "notRestarted": self.not_restarted,
            "warnings": self.warnings,
            "aliases": self.aliases,
            "phases": [p.to_dict() for p in self.phases],
            "durationSeconds": round(self.duration_s, 3),
            "message": self.message,
            "error": self.error,
        }


@dataclass
class RolloutRun:
    """One ``fcctl rollout``: its id and each function's :class:`RolloutResult` (input order)."""

    rollout_id: str
    results: list[RolloutResult]
    latest_only: bool = False

    @property
    def ok(self) -> bool:
        return all(r.outcome is Outcome.OK for r in self.results) and not self.aliases_left()

    def aliases_left(self) -> list[dict]:
        """``[{functionName, aliasName, instances}]``: aliases whose traffic-serving instances
        this LATEST rollout did not replace (empty with ``--latest-only``)."""
        if self.latest_only:
            return []
        out = []
        for r in self.results:
            counts = Counter(i["qualifier"] for i in r.not_restarted)
            out += [{"functionName": r.name, "aliasName": q, "instances": n}
                    for q, n in sorted(counts.items())]
        return out

    def document(self) -> dict:
        """The ``rollout --output json`` document."""
        return {
            "command": "rollout",
            "rolloutId": self.rollout_id,
            "qualifier": LATEST,
            "ok": self.ok,
            "latestOnly": self.latest_only,
            "aliasesLeft": self.aliases_left(),
            "functions": [r.to_dict() for r in self.results],
        }

    def exit_code(self) -> int:
        """1 if any function failed, else 4 if any timed out, else 5 if instances serving an
        alias were left (unless ``--latest-only``), else 0."""
        outcomes = [r.outcome for r in self.results]
        if Outcome.FAILED in outcomes:
            return errors.EXIT_FAILED
        if Outcome.TIMEOUT in outcomes:
            return errors.EXIT_TIMEOUT
        if self.aliases_left():
            return errors.EXIT_PARTIAL
        return errors.EXIT_OK


def run_rollout(
    targets: list[tuple[str, str | None]],
    client_for: Callable[[str | None], FcApi],
    *,
    timeout_s: float,
    probe: bool = False,
    detach: bool = False,
    concurrency: int = 8,
    clock: Clock | None = None,
    progress: Callable[[str], None] = lambda line: None,
    latest_only: bool = False,
) -> RolloutRun:
    """Roll out every ``(functionName, region)`` of ``targets``, ``concurrency`` at once, under
    one rollout id and one deadline (``timeout_s`` from now). ``client_for(region)`` gives the
    region's client; each region is connected before any write, so credential and endpoint
    problems surface once."""
    from fcctl import cancel

    for region in dict.fromkeys(r for _, r in targets):
        client_for(region)
    clock = clock or Clock()
    deadline = clock.now() + timeout_s
    rollout_id = new_rollout_id()
    progress(f"rollout {rollout_id}: {len(targets)} function(s), LATEST configuration")

    def one(target: tuple[str, str | None]) -> RolloutResult:
        name, region = target
        return rollout_function(client_for(region), name, rollout_id=rollout_id,
                                deadline=deadline, probe=probe, detach=detach, clock=clock,
                                progress=progress)

    return RolloutRun(rollout_id, cancel.map_concurrently(one, targets, concurrency),
                      latest_only=latest_only)


def new_rollout_id(clock_wall: Callable[[], float] = time.time) -> str:
    """A unique, sortable rollout id: UTC timestamp + a short random suffix."""
    ts = datetime.fromtimestamp(clock_wall(), tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{ts}-{uuid.uuid4().hex[:8]}"


def rollout_function(
    client: FcApi,
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
        assert fn is not None  # missing_ok=False raises FC's FunctionNotFound instead of None
        container = fn.get("runtime") == fcfacts.CONTAINER_RUNTIME
        if fn.get("lastUpdateStatus") == fcfacts.UPDATE_IN_PROGRESS:
            progress(f"{name}: another update is InProgress; waiting for it first")
            fn = wait_for_update(lambda: client.get_function(name), name=name, container=container,
                                 deadline=deadline, clock=clock, interval_s=poll_interval_s)

        p, t0 = phase("record")
        result.aliases = [
            {"aliasName": a.get("aliasName"), "versionId": a.get("versionId"),
             "additionalVersionWeight": a.get("additionalVersionWeight") or {}}
            for a in client.list_aliases(name)
        ]
        latest: list[dict] = []
        seen: set[str | None] = set()  # FC's instances all have an instanceId; None is kept as is
        for qualifier in [LATEST] + [a["aliasName"] for a in result.aliases]:
            for inst in list_qualifier(client, name, qualifier, result.warnings):
                iid = inst.get("instanceId")
                if iid in seen or not is_active(inst):
                    continue
                seen.add(iid)
                odd = unknown_status(inst)
                if odd is not None:
                    result.unknown_statuses[iid] = odd
                if serves_latest(inst):
                    latest.append(inst)
                else:
                    result.not_restarted.append(
                        {"instanceId": iid, "qualifier": inst.get("qualifier") or qualifier,
                         "versionId": inst.get("versionId")})
        result.instances_before = [i["instanceId"] for i in latest]
        for line in result.warnings:
            progress(f"{name}: warning: {line}")
        if result.unknown_statuses:
            progress(f"{name}: instance status(es) fcctl does not know, counted as active: "
                     + ", ".join(f"{i} ({s})" for i, s in result.unknown_statuses.items()))
        p.status, p.duration_s = PhaseStatus.OK, clock.now() - t0
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
            client, name, {"environmentVariables": env},
            on_busy=lambda: progress(f"{name}: another update is InProgress; waiting for it"),
            wait=lambda: wait_for_update(lambda: client.get_function(name), name=name,
                                         container=container, deadline=deadline, clock=clock,
                                         interval_s=poll_interval_s),
        )
        p.status, p.duration_s = PhaseStatus.OK, clock.now() - t0
        p.detail = f"{fcfacts.ROLLOUT_ENV}={rollout_id}"

        p, t0 = phase("accepted")
        wait_for_update(lambda: client.get_function(name), name=name, container=container,
                        deadline=deadline, clock=clock, interval_s=poll_interval_s)
        p.status, p.duration_s = PhaseStatus.OK, clock.now() - t0
        p.detail = "lastUpdateStatus Successful"
        progress(f"{name}: update accepted (lastUpdateStatus Successful)")
        if detach:
            for pname in ("drained", "probe"):
                result.phases.append(Phase(pname, status=PhaseStatus.SKIPPED, detail="--detach"))
            return _finish(result, clock, started)

        p, t0 = phase("drained")
        if not result.instances_before:
            p.status, p.detail = PhaseStatus.OK, "nothing to drain: no instance was running"
            progress(f"{name}: nothing to drain")
        else:
            alive = _wait_drained(client, name, set(result.instances_before), deadline, clock,
                                  poll_interval_s, result.warnings, progress)
            result.still_active = sorted(alive)
            result.still_active_status = dict(sorted(alive.items()))
            for iid, status in alive.items():
                if iid not in result.unknown_statuses and unknown_status({"status": status}):
                    result.unknown_statuses[iid] = status
            result.drained = [i for i in result.instances_before if i not in alive]
            p.duration_s = clock.now() - t0
            if result.still_active:
                named = ", ".join(f"{i} ({alive[i] or 'no status'})" for i in result.still_active)
                p.status = PhaseStatus.TIMEOUT
                p.detail = f"still active: {named}"
                result.outcome = Outcome.TIMEOUT
                result.message = (
                    f"{len(result.still_active)} old instance(s) still active when --timeout ran "
                    f"out: {named}. FC keeps an old instance while a request runs on it, while "
                    f"a session is bound to it, or (minimum instances) until its successor is "
                    f"healthy; a PreStop that hangs holds it until the PreStop timeout")
                return _finish(result, clock, started)
            p.status = PhaseStatus.OK
            p.detail = (f"{len(result.drained)} old instance(s) gone (Destroyed); FC's API does "
                        f"not report their PreStop outcome — see the function's logs")
            progress(f"{name}: drained {len(result.drained)} old instance(s)")
        p.duration_s = clock.now() - t0

        if probe:
            p, t0 = phase("probe")
            inv = client.invoke_function(name, b"", function_timeout_s=fn.get("timeout")
                                         or fcfacts.DEFAULT_FUNCTION_TIMEOUT_S)
            p.duration_s = clock.now() - t0
            if inv.error_type == "InitializationError":
                p.status = PhaseStatus.FAILED
                p.detail = f"InitializationError: {inv.error_message()}"
                result.outcome = Outcome.FAILED
                result.message = (f"the new instance failed its Initializer "
                                  f"(X-Fc-Error-Type: InitializationError, request id "
                                  f"{inv.request_id}): {inv.error_message()}")
                return _finish(result, clock, started)
            p.status = PhaseStatus.OK
            p.detail = (f"HTTP {inv.status}" + (f", {inv.error_type}" if inv.error_type else "")
                        + ": a new instance passed its Initializer")
            progress(f"{name}: probe ok")
        else:
            result.phases.append(Phase("probe", status=PhaseStatus.SKIPPED, detail="no --probe"))
    except errors.WaitTimeout as exc:
        _mark_current(result, PhaseStatus.TIMEOUT, exc.message, clock.now())
        result.outcome, result.message, result.error = Outcome.TIMEOUT, exc.message, exc.to_dict()
    except errors.FcctlError as exc:
        _mark_current(result, PhaseStatus.FAILED, str(exc), clock.now())
        result.outcome, result.message, result.error = Outcome.FAILED, str(exc), exc.to_dict()
    return _finish(result, clock, started)


def _mark_current(result: RolloutResult, status: PhaseStatus, detail: str, now: float) -> None:
    if result.phases and result.phases[-1].status == PhaseStatus.PENDING:
        current = result.phases[-1]
        current.status, current.detail = status, detail
        current.duration_s = now - current.started


def _finish(result: RolloutResult, clock: Clock, started: float) -> RolloutResult:
    result.duration_s = clock.now() - started
    return result


def _wait_drained(client: FcApi, name: str, old: set[str], deadline: float | None, clock: Clock,
                  interval_s: float, warnings: list[str],
                  progress: Callable[[str], None] | None = None) -> dict[str, str]:
    """Poll ListInstances (qualifier LATEST) until none of ``old`` is active; returns
    ``{instanceId: status}`` of those still active at the deadline (empty when drained). Polls
    at most :data:`DRAIN_POLL_MAX_S` apart, so the end is reported within that of happening.
    ``progress`` gets a line whenever the count of old instances still active, by status,
    changes ("2 old instance(s) still active: Running 2")."""
    delay = min(interval_s, DRAIN_POLL_MAX_S)
    shown = None
    while True:
        found: list[str] = []
        listed = list_qualifier(client, name, LATEST, found)
        alive = {i["instanceId"]: str(i.get("status") or "") for i in listed
                 if i.get("instanceId") in old and is_active(i)}
        if not alive:
            return {}
        counts = tuple(sorted(Counter(s or "no status" for s in alive.values()).items()))
        if progress is not None and counts != shown:
            shown = counts
            progress(f"{name}: {len(alive)} old instance(s) still active: "
                     + ", ".join(f"{s} {n}" for s, n in counts))
        now = clock.now()
        if deadline is not None and now >= deadline:
            for line in found:
                if line not in warnings:
                    warnings.append(line)
            return alive
        clock.sleep(delay if deadline is None else max(0.0, min(delay, deadline - now)))
        delay = min(delay * 1.5, DRAIN_POLL_MAX_S)
