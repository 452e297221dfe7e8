"""State and FC semantics of the emulator (moto's ``models.py``): no HTTP here.

The :class:`Backend` is the facade the handlers call: one method per FC action, one lock. It
keeps functions, versions, aliases, triggers, provision configs and instances in a
:class:`~fcctl.emulator.store.Store` and answers in FC 3.0's JSON shapes (the SDK's
``alibabacloud_fc20230330/models`` ``to_map`` keys). Errors are raised as
:mod:`fcctl.emulator.errors` classes. It owns functions, settling, instances and invocations;
the rest lives in :mod:`~fcctl.emulator.validation` (input checks), :mod:`~fcctl.emulator.versions`
(versions, aliases, qualifiers), :mod:`~fcctl.emulator.provision`, :mod:`~fcctl.emulator.triggers`,
:mod:`~fcctl.emulator.tags` and :mod:`~fcctl.emulator.lifecycle` (the transition tables).

Time-based transitions (``lastUpdateStatus`` InProgress → Successful/Failed, container ``state``
Pending → Active, PreStop and destruction of replaced or idle instances, provisioned instances)
are evaluated lazily: every call that touches a function first *settles* it up to ``clock()``.
Each transition is stamped with the model time at which it happened, not the time it was
noticed, so events read the same whenever they are observed.

Test knobs read from a function's ``environmentVariables`` live in :mod:`fcctl.emulator.knobs`
(documented in ``docs/emulator.md``).
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from typing import Callable
from urllib.parse import quote

from fcctl import fcfacts
from fcctl.emulator import errors, invocations, lifecycle, provision, tags, triggers, versions
from fcctl.emulator.knobs import (
    KNOB_FAIL_INITIALIZER, KNOB_FAIL_PRESTOP, KNOB_FAIL_UPDATE, KNOB_INVOKE_MS, KNOB_PRESTOP_HANG,
    KNOB_PRESTOP_MS, KNOB_SESSION_S, KNOB_UPDATE_DELAY, MAX_KNOB_MS, MAX_KNOB_S, knob_number,
    knob_on,
)
from fcctl.emulator.lifecycle import (
    INSTANCE_DESTROYED, INSTANCE_RUNNING, INSTANCE_STOPPING, RESOURCE_ON_DEMAND,
    RESOURCE_PROVISIONED, iso,
)
from fcctl.emulator.validation import (  # noqa: F401  (CREATE_KEYS, UPDATE_KEYS, crc64: tests)
    CREATE_KEYS, FUNCTION_DEFAULTS, LATEST, UPDATE_KEYS, check_body, check_function_limits, crc64,
    decode_code, fill_hook_timeouts, merge_update, page_limit,
)
from fcctl.emulator.validation import hook_set as _hook_set  # noqa: F401  (a test reads it)
from fcctl.emulator.validation import public_fields as _public
from fcctl.emulator.versions import LATEST_VERSION_ID

DEFAULT_IDLE_TIMEOUT_S = 300.0
# Destroyed instances kept per function (with their events); older ones are pruned.
DESTROYED_KEEP = 500


def _idle_timeout(config: dict) -> float | None:
    value = config.get("idleTimeout")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return min(float(value), MAX_KNOB_S)
    return None


class Backend:
    """FC semantics over a store. Thread-safe: one re-entrant lock serialises state changes.

    ``update_delay_s`` (seconds) is how long an update stays InProgress (and a container
    Pending); ``idle_timeout_s`` (seconds) how long an idle on-demand instance lives;
    ``clock`` returns UNIX seconds (injectable for unit tests).
    """

    def __init__(
        self,
        store,
        *,
        account_id: str = "1234567890123456",
        region: str = "cn-hangzhou",
        update_delay_s: float = 0.0,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.rng = rng or random.Random()
        self.account_id = account_id
        self.region = region
        self.update_delay_s = float(update_delay_s)
        self.idle_timeout_s = float(idle_timeout_s)
        self.clock = clock
        self.lock = threading.RLock()
        self._reset_in_flight()

    def _reset_in_flight(self) -> None:
        # Invocations do not survive a restart: nothing is in flight any more.
        with self.lock:
            for key, inst in self.store.list("instance"):
                if inst.get("_inflight"):
                    inst["_inflight"] = 0
                    self.store.put("instance", key, inst)

    # --- rendering -----------------------------------------------------------------------------
    def function_arn(self, name: str, region: str | None = None) -> str:
        return f"acs:fc:{region or self.region}:{self.account_id}:functions/{name}"

    def now_iso(self) -> str:
        """The model time as FC's createdTime/lastModifiedTime."""
        return iso(self.clock())

    def render_function(self, doc: dict, region: str | None = None) -> dict:
        out = _public(doc)
        out["functionArn"] = self.function_arn(doc["functionName"], region)
        return out

    # --- validation ----------------------------------------------------------------------------
    def _apply_code(self, fn: dict, code_rec: dict | None) -> None:
        """Record code size/checksum on the function; the zip itself goes to kind ``code``."""
        if code_rec and "data" in code_rec:
            code_rec = dict(code_rec)
            self.store.put("code", f"{fn['functionName']}/{code_rec['checksum']}",
                           {"zipFile": code_rec.pop("data"), "checksum": code_rec["checksum"]})
        fn["_code"] = code_rec
        fn["codeSize"] = code_rec["size"] if code_rec else 0
        fn["codeChecksum"] = code_rec["checksum"] if code_rec else ""

    def get_function_code(self, name: str, qualifier: str | None, base_url: str) -> dict:
        """GetFunctionCode → ``{"url", "checksum"}`` of the qualifier's code. The URL is an
        unsigned download link served by the emulator under ``/_fcctl/code/`` (FC returns a
        short-lived OSS URL). Code given as an OSS location has no bytes here: ``url`` is then
        ``""`` (policy)."""
        with self.lock:
            fn = self._settle(name)
            config, _ = versions.config_for(self, fn, qualifier)
        checksum = config.get("codeChecksum", "")
        if not checksum or self.store.get("code", f"{name}/{checksum}") is None:
            return {"url": "", "checksum": checksum}
        return {"url": f"{base_url}/_fcctl/code/{quote(name)}/{checksum}.zip",
                "checksum": checksum}

    def code_bytes(self, name: str, checksum: str) -> bytes | None:
        """A stored zip of function ``name`` by checksum (None when unknown)."""
        code = self.store.get("code", f"{name}/{checksum}")
        return None if code is None else base64.b64decode(code["zipFile"])

    def _update_delay(self, fn: dict) -> float:
        env = fn.get("environmentVariables") or {}
        if KNOB_UPDATE_DELAY in env:
            return knob_number(env, KNOB_UPDATE_DELAY, self.update_delay_s, cap=MAX_KNOB_S)
        return self.update_delay_s

    # --- functions -----------------------------------------------------------------------------
    def _get_fn(self, name: str) -> dict:
        fn = self.store.get("function", name)
        if fn is None:
            raise errors.FunctionNotFound(f"function '{name}' does not exist")
        return fn

    def create_function(self, body: dict, region: str | None = None) -> dict:
        check_body(body)
        fn = {k: json.loads(json.dumps(v)) for k, v in body.items() if k in CREATE_KEYS}
        code = fn.pop("code", None)
        for key, value in FUNCTION_DEFAULTS.items():
            fn.setdefault(key, json.loads(json.dumps(value)))
        if "cpu" not in fn and isinstance(fn.get("memorySize"), int):
            fn["cpu"] = fcfacts.default_cpu(fn["memorySize"])
        fill_hook_timeouts(fn)
        code_rec = decode_code(code) if code is not None else None
        fn["_code"] = code_rec
        check_function_limits(fn)
        if "layers" in fn:
            fn["layers"] = [{"arn": arn, "size": 0} for arn in fn["layers"]]
        with self.lock:
            if self.store.get("function", fn["functionName"]) is not None:
                raise errors.FunctionAlreadyExists(
                    f"function '{fn['functionName']}' already exists"
                )
            now = self.clock()
            self._apply_code(fn, code_rec)
            fn["functionId"] = str(uuid.uuid4())
            fn["createdTime"] = fn["lastModifiedTime"] = iso(now)
            fn["lastUpdateStatus"] = fcfacts.UPDATE_SUCCESSFUL
            fn["lastUpdateStatusReason"] = ""
            fn["lastUpdateStatusReasonCode"] = ""
            if fn["runtime"] == fcfacts.CONTAINER_RUNTIME:
                fn["state"] = fcfacts.STATE_PENDING
                fn["_stateReadyAt"] = now + self._update_delay(fn)
                fn["customContainerConfig"].setdefault(
                    "resolvedImageUri", fn["customContainerConfig"]["image"])
            else:
                # FC reports state null for built-in runtimes (real GetFunction payloads,
                # serverlessinsight PR #224); only custom containers have Pending → Active
                fn["state"] = None
            fn["stateReason"] = ""
            fn["stateReasonCode"] = ""
            fn["_gen"] = 1
            fn["_genAt"] = now
            fn["_invocationDisabled"] = False
            self.store.put("function", fn["functionName"], fn)
            fn = self._settle(fn["functionName"])
            return self.render_function(fn, region)

    def get_function(self, name: str, qualifier: str | None = None,
                     region: str | None = None) -> dict:
        """The function's configuration (of a version, or an alias's main version, when
        ``qualifier`` names one)."""
        with self.lock:
            fn = self._settle(name)
            config, _ = versions.config_for(self, fn, qualifier)
            return self.render_function(config, region)

    def update_function(self, name: str, body: dict, region: str | None = None) -> dict:
        """Merge a partial body as FC does (:func:`merge_update`): omitted keys are kept, also
        inside nested objects; lists, scalars and user-keyed maps given replace the stored ones.
        Raises 404 FunctionNotFound, 409 ConcurrentUpdateError while InProgress, 400."""
        check_body(body)
        with self.lock:
            fn = self._settle(name)
            if fn["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS:
                raise errors.ConcurrentUpdateError(
                    f"function '{name}' is being updated (lastUpdateStatus InProgress); "
                    "wait until it is Successful or Failed"
                )
            merged = json.loads(json.dumps(fn))
            changes = {k: json.loads(json.dumps(v)) for k, v in body.items() if k in UPDATE_KEYS}
            code = changes.pop("code", None)
            merge_update(merged, changes)
            fill_hook_timeouts(merged)
            if "layers" in changes:
                merged["layers"] = [{"arn": arn, "size": 0} for arn in changes["layers"]]
            if code is not None:
                merged["_code"] = decode_code(code)
            check_function_limits(merged)
            now = self.clock()
            self._apply_code(merged, merged.get("_code"))
            merged["lastModifiedTime"] = iso(now)
            env = merged.get("environmentVariables") or {}
            merged["lastUpdateStatus"] = fcfacts.UPDATE_IN_PROGRESS
            merged["lastUpdateStatusReason"] = "the function is being updated"
            merged["lastUpdateStatusReasonCode"] = "Updating"
            merged["_updateReadyAt"] = now + self._update_delay(merged)
            merged["_updateFails"] = env.get(KNOB_FAIL_UPDATE) if knob_on(
                env, KNOB_FAIL_UPDATE) else None
            if merged["runtime"] == fcfacts.CONTAINER_RUNTIME:
                old_image = (fn.get("customContainerConfig") or {}).get("image")
                new_image = merged["customContainerConfig"].get("image")
                merged["customContainerConfig"]["resolvedImageUri"] = new_image
                if new_image != old_image:
                    merged["state"] = fcfacts.STATE_PENDING
                    merged["_stateReadyAt"] = merged["_updateReadyAt"]
            self.store.put("function", name, merged)
            return self.render_function(self._settle(name), region)

    def delete_function(self, name: str) -> None:
        """Deletes the function with its versions, aliases and instances. Refused, as FC does,
        while it has triggers (FunctionNotEmpty "function '%s' has active triggers") or a
        provision config (ProvisionConfigExist); statuses are ``fcfacts`` policy. 409
        ConcurrentUpdateError while an update is InProgress (policy)."""
        with self.lock:
            fn = self._settle(name)
            if fn["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS:
                raise errors.ConcurrentUpdateError(
                    f"function '{name}' is being updated (lastUpdateStatus InProgress); "
                    "delete it when the update has finished"
                )
            if self.store.list("trigger", name + "/", limit=1):
                raise errors.FunctionNotEmpty(f"function '{name}' has active triggers")
            provs = [p["_qualifier"] for _, p in self.store.list("provision", name + "/")]
            if provs:
                raise errors.ProvisionConfigExist(
                    f"function '{name}' has provision config(s) for qualifier(s) "
                    f"{', '.join(provs)}; delete them first")
            self.store.delete("function", name)
            for kind in ("trigger", "provision", "instance", "version", "alias", "code"):
                self.store.delete_prefix(kind, name + "/")

    def list_functions(self, prefix: str | None = None, limit=None,
                       next_token: str | None = None, region: str | None = None,
                       filters: dict | None = None) -> dict:
        """``{"functions": [...], "nextToken"?}``; ``limit`` 1-100, default 20. ``filters`` are
        ListFunctionsRequest's (SDK): ``runtime``, ``gpuType`` (``gpuConfig.gpuType``) and
        ``fcVersion`` (v3: every emulated function; v2: none) match exactly;
        ``functionName`` and ``description`` as substrings (policy: FC documents no match
        mode); ``tags`` (a JSON list of ``{Key, Value}``) — every tag given must be on the
        function."""
        limit = page_limit(limit)
        match = self._function_filter(filters or {})
        with self.lock:
            out_rows: list[dict] = []
            after = next_token or None
            more = False
            while True:
                rows = self.store.list("function", prefix or "", after=after, limit=limit + 1)
                for key, _ in rows:
                    if len(out_rows) == limit:
                        more = True
                        break
                    fn = self._settle(key)
                    after = key
                    if match(fn):
                        out_rows.append(fn)
                if more or len(rows) <= limit:
                    break
            out = {"functions": [self.render_function(fn, region) for fn in out_rows]}
            if more:
                out["nextToken"] = out_rows[-1]["functionName"]
            return out

    @staticmethod
    def _function_filter(filters: dict) -> Callable[[dict], bool]:
        tags = filters.get("tags")
        if isinstance(tags, str) and tags:
            try:
                tags = json.loads(tags)
            except ValueError:
                raise errors.InvalidArgument("tags must be a JSON list of {Key, Value}") from None
        wanted_tags = []
        for tag in tags or []:
            if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str):
                raise errors.InvalidArgument("tags must be a JSON list of {Key, Value}")
            wanted_tags.append((tag["Key"], tag.get("Value")))
        fc_version = filters.get("fcVersion")
        if fc_version not in (None, "", "v2", "v3"):
            raise errors.InvalidArgument("fcVersion must be v2 or v3")

        def fn_tags(fn: dict) -> dict:
            raw = fn.get("tags") or []
            if isinstance(raw, dict):
                return raw
            return {t.get("Key"): t.get("Value") for t in raw if isinstance(t, dict)}

        def match(fn: dict) -> bool:
            if fc_version == "v2":
                return False
            if filters.get("runtime") and fn.get("runtime") != filters["runtime"]:
                return False
            if filters.get("gpuType") and \
                    (fn.get("gpuConfig") or {}).get("gpuType") != filters["gpuType"]:
                return False
            if filters.get("functionName") and \
                    filters["functionName"] not in fn.get("functionName", ""):
                return False
            if filters.get("description") and \
                    filters["description"] not in (fn.get("description") or ""):
                return False
            have = fn_tags(fn)
            return all(k in have and (v is None or have[k] == v) for k, v in wanted_tags)

        return match

    def set_invocation_disabled(self, name: str, disabled: bool) -> dict:
        with self.lock:
            fn = self._settle(name)
            fn["_invocationDisabled"] = disabled
            fn["invocationRestriction"] = (
                {"disable": True, "reason": "DisableFunctionInvocation",
                 "lastModifiedTime": iso(self.clock())} if disabled else {"disable": False}
            )
            self.store.put("function", name, fn)
            return {"success": True}

    # --- settling (lazy time-based transitions) -------------------------------------------------
    def _settle(self, name: str) -> dict:
        """Advance a function and its instances to ``clock()``; returns the function document.
        Raises FunctionNotFound."""
        fn = self._get_fn(name)
        now = self.clock()
        if lifecycle.advance(fn, now):  # lastUpdateStatus, state, accelerationInfo
            self.store.put("function", name, fn)
        self._settle_instances(fn, now)
        return fn

    # --- instances ------------------------------------------------------------------------------
    def _instances(self, name: str) -> list[tuple[str, dict]]:
        return self.store.list("instance", name + "/")

    def _new_instance(self, fn: dict, config: dict, label: str, version: str,
                      resource_type: str, now: float) -> dict:
        """Start an instance of ``config`` (the function's, or a version's snapshot) and run its
        Initializer. ``label`` is the qualifier it was started for, ``version`` its versionId."""
        env = config.get("environmentVariables") or {}
        ilc = config.get("instanceLifecycleConfig") or {}
        pre_stop = ilc.get("preStop") if _hook_set(ilc.get("preStop")) else None
        initializer = ilc.get("initializer") if _hook_set(ilc.get("initializer")) else None
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
            "_idleTimeoutS": _idle_timeout(config),
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
            lifecycle.event(inst, "initializer ok", now)
        if not init_ok:
            # FC 3.0: a failed Initializer discards the instance (docs/fc-facts.md, Local runner)
            inst["status"] = INSTANCE_DESTROYED
            inst["destroyedTimeMs"] = inst["createdTimeMs"]
            lifecycle.event(inst, "destroyed", now, reason="initializer failed")
        inst["_initOk"] = init_ok
        self.store.put("instance", f"{fn['functionName']}/{inst['instanceId']}", inst)
        return inst

    @staticmethod
    def _serves(inst: dict, fn: dict, version: str | None) -> bool:
        """True when a running instance serves ``version`` of the current configuration."""
        if inst["status"] != INSTANCE_RUNNING or inst.get("_stopAt") is not None:
            return False
        if inst.get("versionId") != version:
            return False
        return version != LATEST_VERSION_ID or inst.get("_gen") == fn.get("_gen", 1)

    def stop_instances(self, name: str, which: Callable[[dict], bool], reason: str) -> None:
        """Start stopping (PreStop, then destruction) every running instance ``which`` picks."""
        now = self.clock()
        for key, inst in self._instances(name):
            if which(inst) and inst["status"] == INSTANCE_RUNNING and inst.get("_stopAt") is None:
                self._stop_now(key, inst, now, reason)

    def _stop_now(self, key: str, inst: dict, now: float, reason: str) -> None:
        self._plan_stop(inst, now, reason)
        lifecycle.advance(inst, now, lifecycle.INSTANCE_TRANSITIONS)
        self.store.put("instance", key, inst)

    def _plan_stop(self, inst: dict, at: float, reason: str) -> None:
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

    def _settle_instances(self, fn: dict, now: float) -> None:
        name = fn["functionName"]
        gen = fn.get("_gen", 1)
        rows = self._instances(name)
        destroyed = [(i.get("destroyedTimeMs", 0), k) for k, i in rows
                     if i["status"] == INSTANCE_DESTROYED]
        if len(destroyed) > DESTROYED_KEEP:
            for _, key in sorted(destroyed)[: len(destroyed) - DESTROYED_KEEP]:
                self.store.delete("instance", key)
        for key, inst in rows:
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
                        self.idle_timeout_s if idle_s is None else idle_s), "idle"))
                due = [c for c in candidates if c[0] <= now]
                if due:
                    at, reason = min(due)
                    self._plan_stop(inst, at, reason)
                    changed = True
            if lifecycle.advance(inst, now, lifecycle.INSTANCE_TRANSITIONS) or changed:
                self.store.put("instance", key, inst)
        self._settle_provisioned(fn, now)

    def _settle_provisioned(self, fn: dict, now: float) -> None:
        name = fn["functionName"]
        gen = fn.get("_gen")
        for pkey, prov in self.store.list("provision", name + "/"):
            before = dict(prov)
            label = prov["_qualifier"]
            try:
                config, version = versions.config_for(self, fn, label)
            except (errors.VersionNotFound, errors.AliasNotFound):
                config, version = None, None  # the alias or version is gone: nothing to serve
            mine = [(k, i) for k, i in self._instances(name)
                    if i["resourceType"] == RESOURCE_PROVISIONED and i["qualifier"] == label]
            live = [(k, i) for k, i in mine if self._serves(i, fn, version)]
            # an alias now points elsewhere: its old version's instances are released only
            # once the new version's are Running (fcfacts.PROVISIONED_ALIAS_MOVE_POLICY)
            moved = [(k, i) for k, i in mine
                     if i["status"] == INSTANCE_RUNNING and i.get("_stopAt") is None
                     and i.get("versionId") != version and i.get("_gen") is None]
            target = int(prov.get("target") or 0) if config is not None else 0
            for key, inst in live[target:]:  # scale-in
                self._stop_now(key, inst, now, "scale-in")
            # an Initializer that failed is not retried until the next update or Put
            if config is not None and prov.get("_failedGen") != gen:
                for _ in range(target - len(live)):
                    inst = self._new_instance(fn, config, label, version, RESOURCE_PROVISIONED,
                                              now)
                    if not inst["_initOk"]:
                        prov["_failedGen"] = gen
                        prov["currentError"] = "the Initializer of a provisioned instance failed"
                        break
            # "rotation" policy: an update replaces provisioned instances of LATEST only once
            # their successors are healthy (FunArt: "新实例健康检查通过后销毁旧实例"); when the new
            # instances fail to start, the old ones stay (rotation stalls)
            healthy = len([1 for _, i in self._instances(name)
                           if i["resourceType"] == RESOURCE_PROVISIONED
                           and i["qualifier"] == label and self._serves(i, fn, version)])
            stale = [(k, i) for k, i in self._instances(name)
                     if i["resourceType"] == RESOURCE_PROVISIONED and i["qualifier"] == label
                     and i["status"] == INSTANCE_RUNNING and i.get("_stopAt") is None
                     and i.get("_gen") is not None and i["_gen"] < (gen or 1)
                     and not i.get("_inflight")]
            keep = max(0, target - healthy) if config is not None else 0
            for key, inst in stale[keep:]:
                self._stop_now(key, inst, max(now, fn.get("_genAt", now)), "update")
            for key, inst in moved[keep:]:
                self._stop_now(key, inst, now, "alias-update")
            prov["current"] = len([1 for _, i in self._instances(name)
                                   if i["resourceType"] == RESOURCE_PROVISIONED
                                   and i["qualifier"] == label and self._serves(i, fn, version)])
            if prov != before:
                self.store.put("provision", pkey, prov)

    @staticmethod
    def render_instance(inst: dict) -> dict:
        """InstanceInfo as FC's ListInstances example shows it: ``versionId`` "0" and
        ``qualifier`` "" for LATEST. ``status`` uses FC's instance-event states (Creating,
        Running, Destroyed, Error): an instance running PreStop is still Running (policy)."""
        keys = ("instanceId", "versionId", "qualifier", "status", "createdTimeMs",
                "destroyedTimeMs", "resourceType")
        out = {k: inst[k] for k in keys if k in inst}
        if out.get("qualifier") == LATEST:
            out["qualifier"] = ""
        if out.get("status") == INSTANCE_STOPPING:
            out["status"] = INSTANCE_RUNNING
        return out

    def list_instances(self, name: str, qualifier: str | None = None,
                       with_all_active=None, instance_status: list[str] | None = None,
                       instance_ids: list[str] | None = None, limit=None) -> dict:
        """``{"instances": [InstanceInfo]}``: live instances of the qualifier's versions —
        LATEST: versionId "0"; a version: its own; an alias: its version and its
        additionalVersionWeight versions — (every instance without a qualifier, policy);
        destroyed ones only when ``instance_status`` asks for ``Destroyed`` (policy)."""
        with self.lock:
            self._settle(name)
            wanted = None
            if qualifier not in (None, ""):
                label, version = versions.resolve(self, name, qualifier)
                wanted = {version}
                if label != LATEST and not str(label).isdigit():
                    wanted |= set(versions.alias_doc(self, name, label).get(
                        "additionalVersionWeight") or {})
            out = []
            for _, inst in self._instances(name):
                if wanted is not None and inst.get("versionId") not in wanted:
                    continue
                if instance_status:
                    if self.render_instance(inst)["status"] not in instance_status:
                        continue
                elif inst["status"] == INSTANCE_DESTROYED:
                    continue
                if instance_ids and inst["instanceId"] not in instance_ids:
                    continue
                out.append(inst)
            out.sort(key=lambda i: (i["createdTimeMs"], i["instanceId"]))
            if limit not in (None, ""):
                out = out[: page_limit(limit)]
            return {"instances": [self.render_instance(i) for i in out]}

    def instance_events(self, name: str) -> dict:
        """Control view: every instance (destroyed too) with its lifecycle events."""
        with self.lock:
            self._settle(name)
            rows = [inst for _, inst in self._instances(name)]
        rows.sort(key=lambda i: (i["createdTimeMs"], i["instanceId"]))
        out = []
        for inst in rows:
            item = self.render_instance(inst)
            item["invocations"] = inst.get("invocations", 0)
            item["events"] = inst.get("events", [])
            out.append(item)
        return {"functionName": name, "instances": out}

    # --- invocations: fcctl.emulator.invocations ----------------------------------------------
    def begin_invocation(self, name: str, qualifier: str | None) -> dict:
        return invocations.begin_invocation(self, name, qualifier)

    def end_invocation(self, name: str, instance_id: str) -> None:
        invocations.end_invocation(self, name, instance_id)

    # --- provision config: fcctl.emulator.provision ---------------------------------------------
    def put_provision_config(self, name: str, qualifier: str | None, body: dict,
                             region: str | None = None) -> dict:
        return provision.put_provision_config(self, name, qualifier, body, region)

    def get_provision_config(self, name: str, qualifier: str | None,
                             region: str | None = None) -> dict:
        return provision.get_provision_config(self, name, qualifier, region)

    def delete_provision_config(self, name: str, qualifier: str | None) -> None:
        provision.delete_provision_config(self, name, qualifier)

    # --- versions and aliases: fcctl.emulator.versions -------------------------------------------
    def resolve(self, name: str, qualifier: str | None, *, pick: bool = False) -> tuple[str, str]:
        return versions.resolve(self, name, qualifier, pick=pick)

    def publish_version(self, name: str, body: dict) -> dict:
        return versions.publish_version(self, name, body)

    def list_versions(self, name: str, direction: str | None = None, limit=None,
                      next_token: str | None = None) -> dict:
        return versions.list_versions(self, name, direction, limit, next_token)

    def delete_version(self, name: str, version_id: str) -> None:
        versions.delete_version(self, name, version_id)

    def create_alias(self, name: str, body: dict) -> dict:
        return versions.create_alias(self, name, body)

    def get_alias(self, name: str, alias_name: str) -> dict:
        return versions.get_alias(self, name, alias_name)

    def update_alias(self, name: str, alias_name: str, body: dict) -> dict:
        return versions.update_alias(self, name, alias_name, body)

    def delete_alias(self, name: str, alias_name: str) -> None:
        versions.delete_alias(self, name, alias_name)

    def list_aliases(self, name: str, prefix: str | None = None, limit=None,
                     next_token: str | None = None) -> dict:
        return versions.list_aliases(self, name, prefix, limit, next_token)

    # --- triggers: fcctl.emulator.triggers ------------------------------------------------------
    def create_trigger(self, name: str, body: dict, region: str | None = None) -> dict:
        return triggers.create_trigger(self, name, body, region)

    def get_trigger(self, name: str, tname: str, region: str | None = None) -> dict:
        return triggers.get_trigger(self, name, tname, region)

    def update_trigger(self, name: str, tname: str, body: dict,
                       region: str | None = None) -> dict:
        return triggers.update_trigger(self, name, tname, body, region)

    def delete_trigger(self, name: str, tname: str) -> None:
        triggers.delete_trigger(self, name, tname)

    def list_triggers(self, name: str, prefix: str | None = None, limit=None,
                      next_token: str | None = None, region: str | None = None) -> dict:
        return triggers.list_triggers(self, name, prefix, limit, next_token, region)

    # --- tags (TagResources / UntagResources / ListTagResources on /tags-v2): fcctl.emulator.tags
    def tag_resources(self, body: dict) -> None:
        tags.tag_resources(self, body)

    def untag_resources(self, resource_ids, resource_type, tag_keys, remove_all) -> None:
        tags.untag_resources(self, resource_ids, resource_type, tag_keys, remove_all)

    def list_tag_resources(self, resource_ids, resource_type, tag_filter, limit=None,
                           next_token: str | None = None, region: str | None = None) -> dict:
        return tags.list_tag_resources(self, resource_ids, resource_type, tag_filter, limit,
                                       next_token, region)
