"""Instances of a function (moto-style records with a transition table): start one and run its
Initializer, pick which instance serves a version, plan and run stops (PreStop, then destruction),
settle idle/replaced/provisioned instances up to the model clock, and answer ListInstances and
the control view of instance events. ``be`` is the :class:`~fcctl.emulator.backend.Backend`.

The record. An instance is stored as one document (kind ``instance``, key
``<function>/<instanceId>``) whose API part is :data:`API_KEYS` — serialised by :func:`to_api`
into FC's InstanceInfo — plus ``invocations`` and ``events`` (the control view,
:func:`instance_events`) and private state under ``_``-prefixed keys that never leave the
emulator: ``_gen`` (LATEST configuration generation), ``_inflight``, ``_lastUsedAt``,
``_concurrency``, ``_idleTimeoutS``, ``_preStop`` (the hook), ``_knobs`` (the test knobs read when
it started), ``_initOk``, ``_readyAt``, ``_initMs`` and, once a stop is planned, ``_stopAt``,
``_stopReason``, ``_preStopResult``, ``_preStopDetail``, ``_destroyAt``.

Events (``events``, appended by :func:`fcctl.emulator.lifecycle.event`): each
``{"event", "time" (ISO ms, model time), "timeMs", ...detail}``; in order ``created``
(resourceType), ``initializer ok`` | ``initializer skipped`` (reason) | ``initializer failed``
(reason, then ``destroyed`` with reason), and when stopped ``pre-stop started`` (trigger) |
``pre-stop skipped`` (reason, trigger), ``pre-stop ok`` | ``pre-stop failed`` (reason?),
``destroyed`` (trigger: update, idle, scale-in, alias-update, version-deleted, …).

Status moves by :data:`fcctl.emulator.lifecycle.INSTANCE_TRANSITIONS`."""

from __future__ import annotations

import uuid
from typing import Callable

from fcctl import fcfacts
from fcctl.emulator import errors, lifecycle, versions
from fcctl.emulator.knobs import (
    KNOB_FAIL_INITIALIZER, KNOB_FAIL_PRESTOP, KNOB_INITIALIZER_MS, KNOB_INVOKE_MS, KNOB_PRESTOP_HANG, KNOB_PRESTOP_MS,
    KNOB_SESSION_S, MAX_KNOB_MS, MAX_KNOB_S, knob_number, knob_on,
)
from fcctl.emulator.lifecycle import (
    INSTANCE_CREATING, INSTANCE_DESTROYED, INSTANCE_RUNNING, INSTANCE_STOPPING, RESOURCE_ON_DEMAND,
    RESOURCE_PROVISIONED,
)
from fcctl.emulator.validation import LATEST, hook_set, page_limit
from fcctl.emulator.versions import LATEST_VERSION_ID

# Destroyed instances kept per function (with their events); older ones are pruned.
DESTROYED_KEEP = 500
# InstanceInfo's fields (SDK alibabacloud_fc20230330 models/_instance_info.py), as stored
API_KEYS = ("instanceId", "versionId", "qualifier", "status", "createdTimeMs", "destroyedTimeMs",
            "resourceType")


def idle_timeout(config: dict) -> float | None:
    """The function's ``idleTimeout`` (seconds) when set, else None (the emulator's
    ``--idle-timeout`` applies)."""
    value = config.get("idleTimeout")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return min(float(value), MAX_KNOB_S)
    return None


def reset_in_flight(be) -> None:
    """Invocations do not survive a restart: nothing is in flight any more."""
    with be.lock:
        for key, inst in be.store.list("instance"):
            if inst.get("_inflight"):
                inst["_inflight"] = 0
                be.store.put("instance", key, inst)


def rows(be, name: str) -> list[tuple[str, dict]]:
    return be.store.list("instance", name + "/")


def new_instance(be, fn: dict, config: dict, label: str, version: str,
                  resource_type: str, now: float) -> dict:
    """Start an instance of ``config`` (the function's, or a version's snapshot) and run its
    Initializer. ``label`` is the qualifier it was started for, ``version`` its versionId."""
    env = config.get("environmentVariables") or {}
    ilc = config.get("instanceLifecycleConfig") or {}
    pre_stop = ilc.get("preStop") if hook_set(ilc.get("preStop")) else None
    initializer = ilc.get("initializer") if hook_set(ilc.get("initializer")) else None
    inst = {
        "instanceId": "c-" + uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:12],
        "functionName": fn["functionName"],
        "qualifier": label,
        "versionId": version,
        "resourceType": resource_type,
        "status": INSTANCE_RUNNING,
        "createdTimeMs": int(round(now * 1000)),
        "events": [],
        "invocations": 0,
        # LATEST instances belong to a configuration generation: an update replaces them.
        # Instances of a published version are never replaced by updates.
        "_gen": fn.get("_gen", 1) if version == LATEST_VERSION_ID else None,
        "_inflight": 0,
        "_lastUsedAt": now,
        "_concurrency": int(config.get("instanceConcurrency") or 1),
        # the function's idleTimeout (seconds) when set, else the emulator's --idle-timeout
        "_idleTimeoutS": idle_timeout(config),
        "_preStop": pre_stop,
        "_knobs": {
            "prestopMs": knob_number(env, KNOB_PRESTOP_MS, cap=MAX_KNOB_MS),
            "prestopHang": knob_on(env, KNOB_PRESTOP_HANG),
            "failPrestop": knob_on(env, KNOB_FAIL_PRESTOP),
            "invokeMs": knob_number(env, KNOB_INVOKE_MS, cap=MAX_KNOB_MS),
            "sessionS": knob_number(env, KNOB_SESSION_S, cap=MAX_KNOB_S),
        },
    }
    lifecycle.event(inst, "created", now, resourceType=resource_type)
    init_ok = True
    if initializer is None:
        lifecycle.event(inst, "initializer skipped", now, reason="no Initializer configured")
    elif knob_on(env, KNOB_FAIL_INITIALIZER):
        init_ok = False
        lifecycle.event(inst, "initializer failed", now,
                    reason=f"{KNOB_FAIL_INITIALIZER} is set")
    else:
        timeout_ms = float(initializer.get("timeout") or fcfacts.DEFAULT_HOOK_TIMEOUT_S) * 1000
        init_ms = min(knob_number(env, KNOB_INITIALIZER_MS, cap=MAX_KNOB_MS), timeout_ms)
        if init_ms and resource_type == RESOURCE_PROVISIONED:
            # Creating until the Initializer has passed (INSTANCE_TRANSITIONS)
            inst["status"] = INSTANCE_CREATING
            inst["_readyAt"] = now + init_ms / 1000.0
        else:
            inst["_initMs"] = init_ms  # the first invocation waits for it
            lifecycle.event(inst, "initializer ok", now + init_ms / 1000.0)
    if not init_ok:
        # FC 3.0: a failed Initializer discards the instance (docs/fc-facts.md, Local runner)
        inst["status"] = INSTANCE_DESTROYED
        inst["destroyedTimeMs"] = inst["createdTimeMs"]
        lifecycle.event(inst, "destroyed", now, reason="initializer failed")
    inst["_initOk"] = init_ok
    be.store.put("instance", f"{fn['functionName']}/{inst['instanceId']}", inst)
    return inst


def serves(inst: dict, fn: dict, version: str | None) -> bool:
    """True when a running instance serves ``version`` of the current configuration."""
    if inst["status"] != INSTANCE_RUNNING or inst.get("_stopAt") is not None:
        return False
    if inst.get("versionId") != version:
        return False
    return version != LATEST_VERSION_ID or inst.get("_gen") == fn.get("_gen", 1)


def stop_instances(be, name: str, which: Callable[[dict], bool], reason: str) -> None:
    """Start stopping (PreStop, then destruction) every running instance ``which`` picks."""
    now = be.clock()
    for key, inst in rows(be, name):
        if which(inst) and inst["status"] == INSTANCE_RUNNING and inst.get("_stopAt") is None:
            stop_now(be, key, inst, now, reason)


def stop_now(be, key: str, inst: dict, now: float, reason: str) -> None:
    plan_stop(inst, now, reason)
    lifecycle.advance(inst, now, lifecycle.INSTANCE_TRANSITIONS)
    be.store.put("instance", key, inst)


def discard(be, key: str, inst: dict, now: float, reason: str) -> None:
    """Destroy an instance whose Initializer has not finished: it never served, so it runs no
    PreStop (policy, fcfacts.CREATING_INSTANCE_DISCARD_POLICY)."""
    inst["status"] = INSTANCE_DESTROYED
    inst["destroyedTimeMs"] = int(round(now * 1000))
    lifecycle.event(inst, "destroyed", now, trigger=reason, reason="Initializer not finished")
    be.store.put("instance", key, inst)


def plan_stop(inst: dict, at: float, reason: str) -> None:
    """Decide PreStop's outcome and the destruction time for a stop starting at ``at``."""
    inst["_stopAt"] = at
    inst["_stopReason"] = reason
    hook = inst.get("_preStop")
    knobs = inst.get("_knobs") or {}
    if hook is None:
        inst["_preStopResult"] = "skipped"
        inst["_destroyAt"] = at
        return
    timeout_s = float(hook.get("timeout") or fcfacts.DEFAULT_HOOK_TIMEOUT_S)
    if knobs.get("prestopHang"):
        inst["_preStopResult"] = "failed"
        inst["_preStopDetail"] = f"timed out after {timeout_s:g} s"
        inst["_destroyAt"] = at + timeout_s
        return
    duration = min(knobs.get("prestopMs", 0) / 1000.0, timeout_s)
    inst["_preStopResult"] = "failed" if knobs.get("failPrestop") else "ok"
    if knobs.get("failPrestop"):
        inst["_preStopDetail"] = f"{KNOB_FAIL_PRESTOP} is set"
    inst["_destroyAt"] = at + duration


def settle(be, fn: dict, now: float) -> None:
    name = fn["functionName"]
    gen = fn.get("_gen", 1)
    records = rows(be, name)
    destroyed = [(i.get("destroyedTimeMs", 0), k) for k, i in records
                 if i["status"] == INSTANCE_DESTROYED]
    if len(destroyed) > DESTROYED_KEEP:
        for _, key in sorted(destroyed)[: len(destroyed) - DESTROYED_KEEP]:
            be.store.delete("instance", key)
    for key, inst in records:
        if inst["status"] == INSTANCE_DESTROYED:
            continue
        changed = False
        if inst["status"] == INSTANCE_RUNNING and inst.get("_stopAt") is None and \
                not inst.get("_inflight"):
            candidates = []
            # old-instance policies (fcfacts.OLD_INSTANCE_POLICIES): "in-flight" — not while
            # a request runs (the check above); "session-affinity" — not before the session
            # ends; "rotation" — provisioned instances go in _settle_provisioned, once their
            # successors are healthy
            if inst.get("_gen") is not None and inst["_gen"] < gen and \
                    inst["resourceType"] != RESOURCE_PROVISIONED:
                session_end = inst["_lastUsedAt"] + \
                    (inst.get("_knobs") or {}).get("sessionS", 0) if inst.get(
                        "invocations") else inst["_lastUsedAt"]
                candidates.append((max(fn["_genAt"], session_end), "update"))
            if inst["resourceType"] == RESOURCE_ON_DEMAND:
                idle_s = inst.get("_idleTimeoutS")
                candidates.append((inst["_lastUsedAt"] + (
                    be.idle_timeout_s if idle_s is None else idle_s), "idle"))
            due = [c for c in candidates if c[0] <= now]
            if due:
                at, reason = min(due)
                plan_stop(inst, at, reason)
                changed = True
        if lifecycle.advance(inst, now, lifecycle.INSTANCE_TRANSITIONS) or changed:
            be.store.put("instance", key, inst)
    settle_provisioned(be, fn, now)


def settle_provisioned(be, fn: dict, now: float) -> None:
    name = fn["functionName"]
    gen = fn.get("_gen")
    for pkey, prov in be.store.list("provision", name + "/"):
        before = dict(prov)
        label = prov["_qualifier"]
        try:
            config, version = versions.config_for(be, fn, label)
        except (errors.VersionNotFound, errors.AliasNotFound):
            config, version = None, None  # the alias or version is gone: nothing to serve
        mine = [(k, i) for k, i in rows(be, name)
                if i["resourceType"] == RESOURCE_PROVISIONED and i["qualifier"] == label]
        live = [(k, i) for k, i in mine if serves(i, fn, version)]
        # an alias now points elsewhere: its old version's instances are released only
        # once the new version's are Running (fcfacts.PROVISIONED_ALIAS_MOVE_POLICY)
        moved = [(k, i) for k, i in mine
                 if i["status"] == INSTANCE_RUNNING and i.get("_stopAt") is None
                 and i.get("versionId") != version and i.get("_gen") is None]
        # started for the current version/configuration, Initializer still running
        pending = [(k, i) for k, i in mine if i["status"] == INSTANCE_CREATING
                   and i.get("versionId") == version
                   and (version != LATEST_VERSION_ID or i.get("_gen") == gen)]
        target = int(prov.get("target") or 0) if config is not None else 0
        for key, inst in live[target:]:  # scale-in
            stop_now(be, key, inst, now, "scale-in")
        for key, inst in [(k, i) for k, i in mine if i["status"] == INSTANCE_CREATING
                          and (k, i) not in pending] + pending[max(0, target - len(live)):]:
            discard(be, key, inst, now, "scale-in")  # not needed any more (or out of date)
        pending = pending[:max(0, target - len(live))]
        # an Initializer that failed is not retried until the next update or Put (or until
        # the alias points at another version): remembered per configuration and version
        attempt = f"{gen}:{version}"
        if config is not None and prov.get("_failedGen") != attempt:
            for _ in range(target - len(live) - len(pending)):
                inst = new_instance(be, fn, config, label, version, RESOURCE_PROVISIONED,
                                          now)
                if not inst["_initOk"]:
                    prov["_failedGen"] = attempt
                    prov["currentError"] = (f"the Initializer of a provisioned instance of "
                                            f"version {version} failed")
                    break
        # "rotation" policy: an update replaces provisioned instances of LATEST only once
        # their successors are healthy (FunArt: "新实例健康检查通过后销毁旧实例"); when the new
        # instances fail to start, the old ones stay (rotation stalls)
        healthy = len([1 for _, i in rows(be, name)
                       if i["resourceType"] == RESOURCE_PROVISIONED
                       and i["qualifier"] == label and serves(i, fn, version)])
        stale = [(k, i) for k, i in rows(be, name)
                 if i["resourceType"] == RESOURCE_PROVISIONED and i["qualifier"] == label
                 and i["status"] == INSTANCE_RUNNING and i.get("_stopAt") is None
                 and i.get("_gen") is not None and i["_gen"] < (gen or 1)
                 and not i.get("_inflight")]
        keep = max(0, target - healthy) if config is not None else 0
        for key, inst in stale[keep:]:
            stop_now(be, key, inst, max(now, fn.get("_genAt", now)), "update")
        for key, inst in moved[keep:]:
            stop_now(be, key, inst, now, "alias-update")
        prov["current"] = len([1 for _, i in rows(be, name)
                               if i["resourceType"] == RESOURCE_PROVISIONED
                               and i["qualifier"] == label and serves(i, fn, version)])
        if prov.get("_failedGen") != attempt:
            prov.pop("currentError", None)  # the failure was of another version/configuration
        if prov != before:
            be.store.put("provision", pkey, prov)


def to_api(inst: dict) -> dict:
    """InstanceInfo as FC's ListInstances example shows it: ``versionId`` "0" and
    ``qualifier`` "" for LATEST. ``status`` uses FC's instance-event states (Creating,
    Running, Destroyed, Error): an instance running PreStop is still Running (policy)."""
    out = {k: inst[k] for k in API_KEYS if k in inst}
    if out.get("qualifier") == LATEST:
        out["qualifier"] = ""
    if out.get("status") == INSTANCE_STOPPING:
        out["status"] = INSTANCE_RUNNING
    return out


def list_instances(be, name: str, qualifier: str | None = None,
                   with_all_active=None, instance_status: list[str] | None = None,
                   instance_ids: list[str] | None = None, limit=None) -> dict:
    """``{"instances": [InstanceInfo]}``: live instances of the qualifier's versions —
    LATEST: versionId "0"; a version: its own; an alias: its version and its
    additionalVersionWeight versions — (every instance without a qualifier, policy);
    destroyed ones only when ``instance_status`` asks for ``Destroyed`` (policy)."""
    with be.lock:
        be._settle(name)
        wanted = None
        if qualifier not in (None, ""):
            label, version = versions.resolve(be, name, qualifier)
            wanted = {version}
            if label != LATEST and not str(label).isdigit():
                wanted |= set(versions.alias_doc(be, name, label).get(
                    "additionalVersionWeight") or {})
        out = []
        for _, inst in rows(be, name):
            # an alias's provisioned instances of the version it left stay until the new
            # version's are Running (make-before-break, fcfacts.PROVISIONED_ALIAS_MOVE_POLICY):
            # they are listed under the alias until then (policy: FC does not document which
            # instances ListInstances answers for an alias mid-move); invocations already go to
            # the version the alias names
            kept = (qualifier not in (None, "") and inst.get("qualifier") == qualifier
                    and inst["resourceType"] == RESOURCE_PROVISIONED
                    and inst["status"] == INSTANCE_RUNNING and inst.get("_stopAt") is None)
            if wanted is not None and inst.get("versionId") not in wanted and not kept:
                continue
            if instance_status:
                if to_api(inst)["status"] not in instance_status:
                    continue
            elif inst["status"] == INSTANCE_DESTROYED:
                continue
            if instance_ids and inst["instanceId"] not in instance_ids:
                continue
            out.append(inst)
        out.sort(key=lambda i: (i["createdTimeMs"], i["instanceId"]))
        if limit not in (None, ""):
            out = out[: page_limit(limit)]
        return {"instances": [to_api(i) for i in out]}


def instance_events(be, name: str) -> dict:
    """Control view: every instance (destroyed too) with its lifecycle events."""
    with be.lock:
        be._settle(name)
        records = [inst for _, inst in rows(be, name)]
    records.sort(key=lambda i: (i["createdTimeMs"], i["instanceId"]))
    out = []
    for inst in records:
        item = to_api(inst)
        item["invocations"] = inst.get("invocations", 0)
        item["events"] = inst.get("events", [])
        out.append(item)
    return {"functionName": name, "instances": out}
