"""Invocations (InvokeFunction's state side): pick a running instance of the qualifier's version
(provisioned first, then the oldest with a free concurrency slot) or start one, and count it in
flight until the invocation ends. The HTTP side (sync/async, simulated duration, headers) is
``handlers.InvokeFunction``. ``be`` is the :class:`~fcctl.emulator.backend.Backend`."""

from __future__ import annotations

from fcctl.emulator import errors, instances, versions
from fcctl.emulator.knobs import (
    KNOB_FAIL_INITIALIZER, KNOB_INVOKE_ERROR, KNOB_INVOKE_ERROR_RATE, knob_number, knob_on,
)
from fcctl.emulator.lifecycle import RESOURCE_ON_DEMAND, RESOURCE_PROVISIONED


def begin_invocation(be, name: str, qualifier: str | None) -> dict:
    """Pick (or start) an instance for one invocation and count it in flight.

    An alias with ``additionalVersionWeight`` sends the invocation to one of its versions,
    drawn by weight. Returns ``{"instanceId", "versionId", "initError"?, "invokeMs"}``. A new
    instance runs the Initializer first; when it fails the instance is discarded and
    ``initError`` is set (the caller answers 200 with ``X-Fc-Error-Type:
    InitializationError``)."""
    with be.lock:
        fn = be._settle(name)
        if fn.get("_invocationDisabled"):
            raise errors.FunctionInvocationDisabled(
                f"invocation of function '{name}' is disabled")
        label, _ = versions.resolve(be, name, qualifier)
        config, version = versions.config_for(be, fn, qualifier, pick=True)
        now = be.clock()
        candidates = [
            (k, i) for k, i in instances.rows(be, name)
            if instances.serves(i, fn, version)
            and i.get("_inflight", 0) < i.get("_concurrency", 1)
        ]
        # provisioned instances first, then the oldest
        candidates.sort(key=lambda ki: (ki[1]["resourceType"] != RESOURCE_PROVISIONED,
                                        ki[1]["createdTimeMs"]))
        if candidates:
            key, inst = candidates[0]
        else:
            inst = instances.new_instance(be, fn, config, label, version, RESOURCE_ON_DEMAND,
                                          now)
            key = f"{name}/{inst['instanceId']}"
            if not inst["_initOk"]:
                return {"instanceId": inst["instanceId"], "versionId": version,
                        "codeChecksum": config.get("codeChecksum") or "",
                        "initError": f"Initializer failed: {KNOB_FAIL_INITIALIZER} is set",
                        "invokeMs": 0}
        init_ms = inst.pop("_initMs", 0)  # a new on-demand instance: its Initializer first
        inst["_inflight"] = inst.get("_inflight", 0) + 1
        inst["_lastUsedAt"] = now
        be.store.put("instance", key, inst)
        env = config.get("environmentVariables") or {}
        failure = None
        # knobs are read from the configuration that serves (a version's snapshot), so a knob
        # set on LATEST and then published makes only that version fail
        rate = knob_number(env, KNOB_INVOKE_ERROR_RATE, 1.0, cap=1.0)
        if knob_on(env, KNOB_INVOKE_ERROR) and (rate >= 1.0 or be.rng.random() < rate):
            failure = str(env[KNOB_INVOKE_ERROR]).strip()
            if failure not in ("UnhandledInvocationError", "HandledInvocationError"):
                failure = "UnhandledInvocationError"
        return {"instanceId": inst["instanceId"], "versionId": version,
                "codeChecksum": config.get("codeChecksum") or "",
                "invokeMs": (inst.get("_knobs") or {}).get("invokeMs", 0) + init_ms,
                **({"invokeError": failure} if failure else {})}


def end_invocation(be, name: str, instance_id: str) -> None:
    with be.lock:
        key = f"{name}/{instance_id}"
        inst = be.store.get("instance", key)
        if inst is None:  # the function was deleted meanwhile
            return
        inst["_inflight"] = max(0, inst.get("_inflight", 0) - 1)
        inst["_lastUsedAt"] = be.clock()
        inst["invocations"] = inst.get("invocations", 0) + 1
        be.store.put("instance", key, inst)
