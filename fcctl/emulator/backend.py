"""State and FC semantics of the emulator (moto's ``models.py``): no HTTP here.

The :class:`Backend` is the facade the handlers call: one method per FC action, one lock. It
keeps functions, versions, aliases, triggers, provision configs and instances in a
:class:`~fcctl.emulator.store.Store` and answers in FC 3.0's JSON shapes (the SDK's
``alibabacloud_fc20230330/models`` ``to_map`` keys). Errors are raised as
:mod:`fcctl.emulator.errors` classes. It owns functions and settling; the rest lives in
:mod:`~fcctl.emulator.instances` (instance records, stops, provisioned instances,
ListInstances), :mod:`~fcctl.emulator.invocations`, :mod:`~fcctl.emulator.validation` (input
checks), :mod:`~fcctl.emulator.versions` (versions, aliases, qualifiers), :mod:`~fcctl.emulator.provision`, :mod:`~fcctl.emulator.triggers`,
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
from fcctl.emulator import (
    errors, instances, invocations, lifecycle, provision, tags, triggers, versions,
)
from fcctl.emulator.knobs import KNOB_FAIL_UPDATE, KNOB_UPDATE_DELAY, MAX_KNOB_S, knob_number, knob_on
from fcctl.emulator.lifecycle import iso
from fcctl.emulator.validation import (  # noqa: F401  (CREATE_KEYS, UPDATE_KEYS, crc64: tests)
    CREATE_KEYS, FUNCTION_DEFAULTS, LATEST, UPDATE_KEYS, check_body, check_function_limits, crc64,
    decode_code, fill_hook_timeouts, merge_update, page_limit,
)
from fcctl.emulator.validation import hook_set as _hook_set  # noqa: F401  (a test reads it)
from fcctl.emulator.validation import public_fields as _public

DEFAULT_IDLE_TIMEOUT_S = 300.0


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
        instances.reset_in_flight(self)

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
        instances.settle(self, fn, now)
        return fn

    # --- instances: fcctl.emulator.instances ---------------------------------------------------
    def _instances(self, name: str) -> list[tuple[str, dict]]:
        return instances.rows(self, name)

    def _new_instance(self, fn: dict, config: dict, label: str, version: str,
                      resource_type: str, now: float) -> dict:
        return instances.new_instance(self, fn, config, label, version, resource_type, now)

    _serves = staticmethod(instances.serves)
    render_instance = staticmethod(instances.to_api)

    def stop_instances(self, name: str, which: Callable[[dict], bool], reason: str) -> None:
        instances.stop_instances(self, name, which, reason)

    def list_instances(self, name: str, qualifier: str | None = None,
                       with_all_active=None, instance_status: list[str] | None = None,
                       instance_ids: list[str] | None = None, limit=None) -> dict:
        return instances.list_instances(self, name, qualifier, with_all_active,
                                        instance_status, instance_ids, limit)

    def instance_events(self, name: str) -> dict:
        return instances.instance_events(self, name)

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
