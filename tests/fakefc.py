"""An in-memory :class:`fcctl.cloud.api.FcApi` for fast unit tests of deploy and rollout.

It follows the emulator's rules (``fcctl/emulator/backend.py``) on a model clock, not HTTP:

* CreateFunction: 409 ``FunctionAlreadyExists`` when the name is taken; a built-in runtime is
  ``lastUpdateStatus`` Successful at once, ``state`` null.
* UpdateFunction: 404 ``FunctionNotFound``; while an update is InProgress, the "update busy"
  answer (``busy_code``, one of ``fcfacts.UPDATE_BUSY_CODES``: 409 ``ConcurrentUpdateError`` as
  the emulator answers, or 412 ``PreconditionFailed``); otherwise the body is merged by the
  emulator's own :func:`fcctl.emulator.backend.merge_update`, and the function is InProgress
  for ``update_delay_s`` model seconds, then Successful — or Failed when ``fail_updates`` is set.
  A successful update of LATEST replaces its instances: the old ones become Destroyed
  ``drain_after_s`` model seconds later (``None``: they never go).
* Triggers: 409 ``TriggerAlreadyExists``, 404 ``TriggerNotFound``, and FC's one HTTP trigger
  per function (a second one is refused with 400 ``InvalidArgument``).
* ListInstances: instances of LATEST carry ``versionId`` "0", as FC's example shows.

``calls`` records ``(action, functionName)`` of every call, in order.
"""

from __future__ import annotations

import copy
import random
import json
from dataclasses import dataclass

from fcctl import errors, fcfacts
from fcctl.cloud.client import InvokeResult
from fcctl.emulator.backend import merge_update

WRITES = {"CreateFunction", "UpdateFunction", "CreateTrigger", "UpdateTrigger", "DeleteTrigger",
          "TagResources", "UntagResources", "CreateAlias", "UpdateAlias",
          "PublishFunctionVersion", "PutProvisionConfig"}


class FakeClock:
    """A model clock: ``sleep`` advances ``now`` at once."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def api_error(status: int, code: str, message: str, action: str) -> errors.ApiError:
    return errors.ApiError(message, code=code, status=status, action=action,
                           request_id="fake-request")


@dataclass
class _Fn:
    doc: dict
    ready_at: float = 0.0
    fails: bool = False


class FakeFc:
    endpoint_label = "fake FC"

    def __init__(self, clock: FakeClock | None = None, *, region: str | None = "cn-hangzhou",
                 update_delay_s: float = 2.0, busy_code: str = "ConcurrentUpdateError",
                 drain_after_s: float | None = 3.0, seed: int = 0) -> None:
        assert busy_code in fcfacts.UPDATE_BUSY_CODES
        self.clock = clock or FakeClock()
        self.region = region
        self.update_delay_s = update_delay_s
        self.busy_code = busy_code
        self.drain_after_s = drain_after_s
        self.fail_updates: str | None = None  # a reason: updates end Failed with it
        self.invoke_error_type: str | None = None
        # versionId → X-Fc-Error-Type of every invocation that version serves (through an alias)
        self.version_error_type: dict[str, str] = {}
        self.rng = random.Random(seed)
        self._invocations = 0
        self.functions: dict[str, _Fn] = {}
        self.triggers: dict[str, dict[str, dict]] = {}
        self.aliases: dict[str, list[dict]] = {}
        self.versions: dict[str, list[dict]] = {}
        self.provision: dict[str, dict[str, dict]] = {}  # function → qualifier → config
        self.instances: dict[str, list[dict]] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, str | None]] = []
        self._next_instance = 0
        self._last_version: dict[str, int] = {}  # version ids are never reused

    # --- test set-up ------------------------------------------------------------------------
    def seed(self, body: dict, *, status: str = fcfacts.UPDATE_SUCCESSFUL,
             ready_in: float = 0.0) -> dict:
        """Put a function in place without a call (``status`` InProgress for ``ready_in``)."""
        doc = self._new_doc(body)
        doc["lastUpdateStatus"] = status
        self.functions[body["functionName"]] = _Fn(doc, ready_at=self.clock.now() + ready_in)
        return copy.deepcopy(doc)

    def start_instance(self, name: str, qualifier: str = "LATEST", version: str = "0") -> str:
        self._next_instance += 1
        iid = f"i-{self._next_instance}"
        self.instances.setdefault(name, []).append(
            {"instanceId": iid, "versionId": version,
             "qualifier": "" if qualifier == "LATEST" else qualifier, "status": "Running",
             "_gone_at": None})
        return iid

    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]

    def write_calls(self) -> int:
        return sum(1 for a, _ in self.calls if a in WRITES)

    # --- model ------------------------------------------------------------------------------
    def _new_doc(self, body: dict) -> dict:
        doc = {k: copy.deepcopy(v) for k, v in body.items() if k != "code"}
        name = doc["functionName"]
        doc.setdefault("runtime", "python3.10")
        doc["functionArn"] = f"acs:fc:cn-hangzhou:123:functions/{name}"
        doc["state"] = None
        doc["lastUpdateStatusReason"] = ""
        doc["lastUpdateStatusReasonCode"] = ""
        return doc

    def _settle(self, name: str, action: str) -> _Fn:
        fn = self.functions.get(name)
        if fn is None:
            raise api_error(404, "FunctionNotFound", f"function '{name}' does not exist", action)
        doc = fn.doc
        if doc["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS and \
                self.clock.now() >= fn.ready_at:
            if fn.fails:
                doc["lastUpdateStatus"] = fcfacts.UPDATE_FAILED
                doc["lastUpdateStatusReason"] = self.fail_updates or "failed"
                doc["lastUpdateStatusReasonCode"] = "FakeInjectedFailure"
            else:
                doc["lastUpdateStatus"] = fcfacts.UPDATE_SUCCESSFUL
                doc["lastUpdateStatusReason"] = doc["lastUpdateStatusReasonCode"] = ""
                self._replace_instances(name, fn.ready_at)
        for inst in self.instances.get(name, []):
            if inst["_gone_at"] is not None and self.clock.now() >= inst["_gone_at"]:
                inst["status"] = "Destroyed"
        return fn

    def _replace_instances(self, name: str, at: float) -> None:
        for inst in self.instances.get(name, []):
            if inst["versionId"] == "0" and inst["status"] == "Running" and \
                    inst["_gone_at"] is None and self.drain_after_s is not None:
                inst["_gone_at"] = at + self.drain_after_s

    # --- FcApi ------------------------------------------------------------------------------
    def get_function(self, name, qualifier=None, *, missing_ok=True):
        self.calls.append(("GetFunction", name))
        try:
            doc = self._settle(name, "GetFunction").doc
            if qualifier not in (None, "", "LATEST"):
                version = self._served_version(name, str(qualifier), "GetFunction")
                doc = next(v["_config"] for v in self.versions.get(name, [])
                           if v["versionId"] == version)
            return copy.deepcopy(doc)
        except errors.ApiError:
            if missing_ok:
                return None
            raise

    def _served_version(self, name, qualifier, action, pick=False):
        """A version number → itself (must exist); an alias → its version (``pick``: drawn by
        ``additionalVersionWeight`` with the fake's seeded random)."""
        if qualifier.isdigit():
            if not any(v["versionId"] == qualifier for v in self.versions.get(name, [])):
                raise api_error(404, "VersionNotFound", f"version '{qualifier}' does not exist",
                                action)
            return qualifier
        alias = self._alias(name, qualifier, action)
        version = alias["versionId"]
        if pick:
            draw = self.rng.random()
            for other, weight in sorted((alias.get("additionalVersionWeight") or {}).items()):
                if draw < weight:
                    return other
                draw -= weight
        return version

    def delete_function(self, name):
        self.calls.append(("DeleteFunction", name))
        self._settle(name, "DeleteFunction")
        if self.triggers.get(name):
            raise api_error(409, "FunctionNotEmpty", f"function '{name}' has active triggers",
                            "DeleteFunction")
        if self.provision.get(name):
            raise api_error(409, "ProvisionConfigExist",
                            f"function '{name}' has provision config(s)", "DeleteFunction")
        del self.functions[name]
        for kind in (self.aliases, self.versions, self.instances, self.triggers):
            kind.pop(name, None)

    def list_functions(self, prefix=None):
        self.calls.append(("ListFunctions", None))
        return [copy.deepcopy(f.doc) for n, f in sorted(self.functions.items())
                if n.startswith(prefix or "")]

    def create_function(self, body):
        name = body["functionName"]
        self.calls.append(("CreateFunction", name))
        if name in self.functions:
            raise api_error(409, "FunctionAlreadyExists", f"function '{name}' already exists",
                            "CreateFunction")
        doc = self._new_doc(body)
        doc["lastUpdateStatus"] = fcfacts.UPDATE_SUCCESSFUL
        self.functions[name] = _Fn(doc)
        return copy.deepcopy(doc)

    def update_function(self, name, body):
        self.calls.append(("UpdateFunction", name))
        fn = self._settle(name, "UpdateFunction")
        if fn.doc["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS:
            status = 409 if self.busy_code == "ConcurrentUpdateError" else 412
            raise api_error(status, self.busy_code, f"function '{name}' is being updated "
                            "(lastUpdateStatus InProgress)", "UpdateFunction")
        merge_update(fn.doc, {k: copy.deepcopy(v) for k, v in body.items() if k != "code"})
        fn.doc["lastUpdateStatus"] = fcfacts.UPDATE_IN_PROGRESS
        fn.doc["lastUpdateStatusReason"] = "the function is being updated"
        fn.doc["lastUpdateStatusReasonCode"] = "Updating"
        fn.ready_at = self.clock.now() + self.update_delay_s
        fn.fails = self.fail_updates is not None
        if self.update_delay_s <= 0:
            self._settle(name, "UpdateFunction")
        return copy.deepcopy(fn.doc)

    def get_function_code(self, name, qualifier=None):
        self._settle(name, "GetFunctionCode")
        return {"url": f"fake://{name}.zip", "checksum": "0"}

    def download_code(self, name):
        return b"PK\x05\x06" + b"\0" * 18, "0"

    def tag_function(self, arn, tags, *, name=None):
        self.calls.append(("TagResources", name))
        self.tags.setdefault(arn, {}).update(tags)

    def untag_function(self, arn, keys, *, name=None):
        self.calls.append(("UntagResources", name))
        for k in keys:
            self.tags.get(arn, {}).pop(k, None)

    def list_triggers(self, function_name):
        self.calls.append(("ListTriggers", function_name))
        self._settle(function_name, "ListTriggers")
        return [copy.deepcopy(t) for t in self.triggers.get(function_name, {}).values()]

    def create_trigger(self, function_name, body):
        self.calls.append(("CreateTrigger", function_name))
        self._settle(function_name, "CreateTrigger")
        have = self.triggers.setdefault(function_name, {})
        name = body["triggerName"]
        if name in have:
            raise api_error(409, "TriggerAlreadyExists", f"trigger '{name}' already exists",
                            "CreateTrigger")
        if body.get("triggerType") == "http" and any(
                t.get("triggerType") == "http" for t in have.values()):
            raise api_error(400, "InvalidArgument", "a function has at most one HTTP trigger",
                            "CreateTrigger")
        doc = dict(body)
        if isinstance(doc.get("triggerConfig"), (dict, list)):
            doc["triggerConfig"] = json.dumps(doc["triggerConfig"], sort_keys=True)
        have[name] = doc
        return copy.deepcopy(doc)

    def update_trigger(self, function_name, trigger_name, body):
        self.calls.append(("UpdateTrigger", function_name))
        have = self.triggers.get(function_name, {})
        if trigger_name not in have:
            raise api_error(404, "TriggerNotFound", f"trigger '{trigger_name}' does not exist",
                            "UpdateTrigger")
        have[trigger_name].update(body)
        return copy.deepcopy(have[trigger_name])

    def delete_trigger(self, function_name, trigger_name):
        self.calls.append(("DeleteTrigger", function_name))
        if self.triggers.get(function_name, {}).pop(trigger_name, None) is None:
            raise api_error(404, "TriggerNotFound", f"trigger '{trigger_name}' does not exist",
                            "DeleteTrigger")

    def list_aliases(self, function_name):
        self.calls.append(("ListAliases", function_name))
        return copy.deepcopy(self.aliases.get(function_name, []))

    def _alias(self, function_name, alias_name, action):
        for a in self.aliases.get(function_name, []):
            if a["aliasName"] == alias_name:
                return a
        raise api_error(404, "AliasNotFound", f"alias '{alias_name}' does not exist", action)

    def _check_alias_versions(self, function_name, body, action):
        known = {v["versionId"] for v in self.versions.get(function_name, [])}
        main = str(body.get("versionId", ""))
        for vid in [main, *(body.get("additionalVersionWeight") or {})]:
            if vid and vid not in known:
                raise api_error(404, "VersionNotFound", f"version '{vid}' does not exist", action)
        if main in (body.get("additionalVersionWeight") or {}):
            raise api_error(400, "InvalidArgument",
                            "additionalVersionWeight must not name the alias's own version",
                            action)

    def get_alias(self, function_name, alias_name):
        self.calls.append(("GetAlias", function_name))
        self._settle(function_name, "GetAlias")
        try:
            return copy.deepcopy(self._alias(function_name, alias_name, "GetAlias"))
        except errors.ApiError:
            return None

    def create_alias(self, function_name, body):
        self.calls.append(("CreateAlias", function_name))
        self._settle(function_name, "CreateAlias")
        name = body["aliasName"]
        if any(a["aliasName"] == name for a in self.aliases.get(function_name, [])):
            raise api_error(409, "AliasAlreadyExists", f"alias '{name}' already exists",
                            "CreateAlias")
        self._check_alias_versions(function_name, body, "CreateAlias")
        doc = {"aliasName": name, "versionId": str(body["versionId"]),
               "description": body.get("description", ""),
               "additionalVersionWeight": dict(body.get("additionalVersionWeight") or {})}
        self.aliases.setdefault(function_name, []).append(doc)
        return copy.deepcopy(doc)

    def update_alias(self, function_name, alias_name, body):
        self.calls.append(("UpdateAlias", function_name))
        self._settle(function_name, "UpdateAlias")
        doc = self._alias(function_name, alias_name, "UpdateAlias")
        merged = {**doc, **{k: v for k, v in body.items() if v is not None}}
        self._check_alias_versions(function_name, merged, "UpdateAlias")
        serving = {merged["versionId"], *(merged.get("additionalVersionWeight") or {})}
        for inst in self.instances.get(function_name, []):  # the old version's go after a drain
            if inst["qualifier"] == alias_name and inst["versionId"] not in serving and \
                    inst["_gone_at"] is None and self.drain_after_s is not None:
                inst["_gone_at"] = self.clock.now() + self.drain_after_s
        doc.update(merged)
        return copy.deepcopy(doc)

    def delete_alias(self, function_name, alias_name):
        self.calls.append(("DeleteAlias", function_name))
        have = self.aliases.get(function_name, [])
        if not any(a["aliasName"] == alias_name for a in have):
            raise api_error(404, "AliasNotFound", f"alias '{alias_name}' does not exist",
                            "DeleteAlias")
        self.aliases[function_name] = [a for a in have if a["aliasName"] != alias_name]

    def list_versions(self, function_name):
        self.calls.append(("ListFunctionVersions", function_name))
        self._settle(function_name, "ListFunctionVersions")
        return [{k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}
                for doc in self.versions.get(function_name, [])]

    def publish_version(self, function_name, description=None):
        self.calls.append(("PublishFunctionVersion", function_name))
        fn = self._settle(function_name, "PublishFunctionVersion")
        if fn.doc["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS:
            raise api_error(409, self.busy_code, f"function '{function_name}' is being updated",
                            "PublishFunctionVersion")
        have = self.versions.setdefault(function_name, [])
        self._last_version[function_name] = self._last_version.get(function_name, 0) + 1
        doc = {"versionId": str(self._last_version[function_name]),
               "description": description or "", "_config": copy.deepcopy(fn.doc)}
        have.append(doc)
        return {k: v for k, v in doc.items() if not k.startswith("_")}

    def delete_version(self, function_name, version_id):
        self.calls.append(("DeleteFunctionVersion", function_name))
        have = self.versions.get(function_name, [])
        if not any(v["versionId"] == version_id for v in have):
            raise api_error(404, "VersionNotFound", f"version '{version_id}' does not exist",
                            "DeleteFunctionVersion")
        self.versions[function_name] = [v for v in have if v["versionId"] != version_id]

    def put_provision_config(self, function_name, body, qualifier="LATEST"):
        self.calls.append(("PutProvisionConfig", function_name))
        self._settle(function_name, "PutProvisionConfig")
        if str(qualifier).isdigit():
            raise api_error(400, "InvalidArgument",
                            "provision config is supported only on LATEST or an alias",
                            "PutProvisionConfig")
        if qualifier != "LATEST":
            self._alias(function_name, qualifier, "PutProvisionConfig")
        wire = {"defaultTarget": body} if isinstance(body, int) else dict(body)
        doc = {**wire, "current": wire.get("defaultTarget", 0),
               "functionArn": f"acs:fc:cn-hangzhou:123:functions/{function_name}/{qualifier}"}
        self.provision.setdefault(function_name, {})[qualifier] = doc
        return copy.deepcopy(doc)

    def get_provision_config(self, function_name, qualifier="LATEST"):
        self.calls.append(("GetProvisionConfig", function_name))
        self._settle(function_name, "GetProvisionConfig")
        return copy.deepcopy(self.provision.get(function_name, {}).get(qualifier, {}))

    def delete_provision_config(self, function_name, qualifier="LATEST"):
        self.calls.append(("DeleteProvisionConfig", function_name))
        if self.provision.get(function_name, {}).pop(qualifier, None) is None:
            raise api_error(404, "ProvisionConfigNotFound",
                            f"function '{function_name}' has no provision config for qualifier "
                            f"{qualifier}", "DeleteProvisionConfig")

    def list_instances(self, function_name, qualifier=None, with_all_active=True, limit=None):
        self.calls.append(("ListInstances", function_name))
        self._settle(function_name, "ListInstances")
        want = "" if qualifier in (None, "LATEST") else qualifier
        rows = [{k: v for k, v in i.items() if not k.startswith("_")}
                for i in self.instances.get(function_name, []) if i["qualifier"] == want]
        return rows[:limit] if limit is not None else rows

    def invoke_function(self, function_name, payload=b"", *, qualifier=None,
                        invocation_type="Sync", function_timeout_s=None, log_tail=False):
        self.calls.append(("InvokeFunction", function_name))
        self._settle(function_name, "InvokeFunction")
        self._invocations += 1
        headers = {"x-fc-request-id": f"fake-invoke-{self._invocations}"}
        if qualifier not in (None, "", "LATEST"):
            version = self._served_version(function_name, str(qualifier), "InvokeFunction",
                                           pick=True)
            headers["x-fc-invocation-service-version"] = version
            error = self.version_error_type.get(version)
            if error:
                headers["x-fc-error-type"] = error
                return InvokeResult(200, headers, b'{"errorMessage": "failed"}')
            self.start_instance(function_name, str(qualifier), version)
            return InvokeResult(200, headers, b"ok")
        if self.invoke_error_type:
            headers["x-fc-error-type"] = self.invoke_error_type
            return InvokeResult(200, headers, b'{"errorMessage": "init failed"}')
        self.start_instance(function_name)
        return InvokeResult(200, headers, b"ok")
