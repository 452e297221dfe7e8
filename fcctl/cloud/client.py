"""FcClient: fcctl's one seam to FC, over the official SDK ``alibabacloud-fc20230330``.

Methods are named for intentions and take/return plain dicts in the API's JSON shape (the SDK
models' ``to_map()`` keys, camelCase as in FC's API reference). Each SDK call is wrapped so that

* retryable faults (429, 5xx, connection errors) are retried per :mod:`fcctl.cloud.retry`;
* every other SDK or transport failure becomes :class:`fcctl.errors.ApiError` with FC's code,
  request id and a hint; any other exception (a ``TypeError``, ``KeyError``… — a bug in fcctl)
  propagates unchanged and is reported as an internal error, never as "the API failed";
* every call (action, outcome) is counted in :attr:`FcClient.log`.

``FcClient`` implements :class:`fcctl.cloud.api.FcApi`, the protocol the deploy code is written
against (``tests/fakefc.py`` is the in-memory implementation for unit tests).

The SDK client is not documented as thread-safe, so each thread gets its own (cheap) instance.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from fcctl import cancel, errors
from fcctl.cloud import sdkerrors
from fcctl.cloud.api import OnRetry, RetryNotice
from fcctl.cloud.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry

WRITE_ACTIONS = frozenset(
    {"CreateFunction", "UpdateFunction", "DeleteFunction", "CreateTrigger", "UpdateTrigger",
     "DeleteTrigger", "PutProvisionConfig", "DeleteProvisionConfig", "TagResources",
     "UntagResources", "DeleteAlias", "DeleteFunctionVersion"}
)


@dataclass
class CallLog:
    """Counts of API calls made by this client, for results and benchmarks."""

    calls: list[tuple[str, str]] = field(default_factory=list)  # (action, "ok"|"error"|"retry")
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, action: str, outcome: str) -> None:
        with self.lock:
            self.calls.append((action, outcome))

    def writes(self) -> int:
        return sum(1 for a, o in self.calls if a in WRITE_ACTIONS and o != "retry")


@dataclass(frozen=True)
class InvokeResult:
    """Outcome of InvokeFunction: HTTP ``status``, response ``headers`` (lower-cased names) and
    raw ``body`` bytes. ``error_type`` is FC's ``X-Fc-Error-Type`` (e.g. ``InitializationError``)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def error_type(self) -> str | None:
        return self.headers.get("x-fc-error-type")

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-fc-request-id") or self.headers.get("x-acs-request-id")

    @property
    def instance_id(self) -> str | None:
        return self.headers.get("x-fc-instance-id")

    @property
    def log_tail(self) -> str | None:
        """``x-fc-log-result`` base64-decoded (raw text; scrub before showing it)."""
        import base64
        import binascii

        raw = self.headers.get("x-fc-log-result")
        if not raw:
            return None
        try:
            return base64.b64decode(raw, validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return raw

    def error_message(self) -> str:
        try:
            doc = json.loads(self.body.decode("utf-8", "replace"))
            if isinstance(doc, dict):
                return str(doc.get("errorMessage") or doc.get("Message") or doc)
        except ValueError:
            pass
        return self.body[:500].decode("utf-8", "replace")


class FcClient:
    """A client for one FC endpoint and identity.

    ``config_factory`` returns a fresh SDK ``Config`` (one per thread). ``endpoint_label`` is used
    in messages. ``on_retry`` receives a :class:`fcctl.cloud.api.RetryNotice` before each retry.
    """

    def __init__(
        self,
        config_factory: Callable[[], Any],
        *,
        endpoint_label: str,
        region: str | None,
        policy: RetryPolicy = DEFAULT_POLICY,
        on_retry: OnRetry | None = None,
    ) -> None:
        self._config_factory = config_factory
        self._local = threading.local()
        self.endpoint_label = endpoint_label
        self.region = region
        self.policy = policy
        self.on_retry = on_retry
        self.log = CallLog()

    # --- plumbing -------------------------------------------------------------------------
    def _sdk(self):
        client = getattr(self._local, "client", None)
        if client is None:
            from alibabacloud_fc20230330.client import Client

            client = Client(self._config_factory())
            self._local.client = client
        return client

    def _call(self, action: str, fn: Callable[[Any], Any], *, retry: bool = True,
              subject: str | None = None):
        """Run one SDK call with retries; ``subject`` (a function name) labels retry reports."""
        def attempt():
            return fn(self._sdk())

        def on_retry(n: int, exc: BaseException, sleep_s: float) -> None:
            self.log.add(action, "retry")
            if self.on_retry is not None:
                status, code = sdkerrors.status_and_code(exc)
                self.on_retry(RetryNotice(action=action, attempt=n, delay=sleep_s, code=code,
                                          status=status, function=subject))

        policy = self.policy if retry else RetryPolicy(max_attempts=1)
        try:
            result = call_with_retry(
                attempt, policy=policy, classify=sdkerrors.classify, on_retry=on_retry,
                sleep=cancel.sleep,
            )
        except errors.FcctlError:
            raise
        except Exception as exc:
            self.log.add(action, "error")
            if not sdkerrors.is_sdk_error(exc):
                raise  # a bug in fcctl (or in how it calls the SDK): not FC's answer
            raise sdkerrors.to_api_error(exc, action, self.endpoint_label) from None
        self.log.add(action, "ok")
        return result

    def write_calls(self) -> int:
        """Write calls made so far (retries not counted)."""
        return self.log.writes()

    @staticmethod
    def _models():
        from alibabacloud_fc20230330 import models

        return models

    # --- functions ------------------------------------------------------------------------
    def get_function(self, name: str, qualifier: str | None = None, *,
                     missing_ok: bool = True) -> dict | None:
        """GetFunction → the Function as a dict; when FC answers FunctionNotFound, ``None`` (or,
        with ``missing_ok=False``, FC's error with its request id)."""
        m = self._models()
        if not missing_ok:
            resp = self._call(
                "GetFunction",
                lambda c: c.get_function(name, m.GetFunctionRequest(qualifier=qualifier)),
                subject=name,
            )
            return _map(resp)
        try:
            resp = self._call(
                "GetFunction",
                lambda c: c.get_function(name, m.GetFunctionRequest(qualifier=qualifier)),
                subject=name,
            )
        except errors.ApiError as exc:
            if exc.code == "FunctionNotFound":
                return None
            raise
        return _map(resp)

    def _paginate(self, action: str, key: str, call: Callable[[Any, str | None], Any],
                  subject: str | None = None, token_key: str = "nextToken") -> list:
        """Follow ``nextToken`` until FC returns none; concatenates ``body[key]``."""
        out: list[dict] = []
        token = None
        while True:
            resp = self._call(action, lambda c: call(c, token), subject=subject)
            body = _map(resp)
            out.extend(body.get(key) or [])
            token = body.get(token_key)
            if not token:
                return out

    def create_function(self, body: dict) -> dict:
        """CreateFunction with a CreateFunctionInput-shaped ``body`` → the new Function."""
        m = self._models()
        req = m.CreateFunctionRequest(body=m.CreateFunctionInput().from_map(body))
        resp = self._call("CreateFunction", lambda c: c.create_function(req),
                          subject=body.get("functionName"))
        return _map(resp)

    def update_function(self, name: str, body: dict) -> dict:
        """UpdateFunction with a partial UpdateFunctionInput ``body`` (FC keeps omitted fields)."""
        m = self._models()
        req = m.UpdateFunctionRequest(body=m.UpdateFunctionInput().from_map(body))
        resp = self._call("UpdateFunction", lambda c: c.update_function(name, req), subject=name)
        return _map(resp)

    def delete_function(self, name: str) -> None:
        """DeleteFunction. FC refuses it while the function has triggers (FunctionNotEmpty) or a
        provision config (ProvisionConfigExist): :mod:`fcctl.deploy.remove` deletes those first."""
        self._call("DeleteFunction", lambda c: c.delete_function(name), subject=name, retry=False)

    def list_functions(self, prefix: str | None = None) -> list[dict]:
        """ListFunctions, every page (``nextToken``), ``limit`` 100 a page (FC's largest)."""
        from fcctl import fcfacts

        m = self._models()
        return self._paginate(
            "ListFunctions", "functions",
            lambda c, token: c.list_functions(m.ListFunctionsRequest(
                prefix=prefix or None, limit=fcfacts.LIST_FUNCTIONS_PAGE_MAX, next_token=token)))

    def get_function_code(self, name: str, qualifier: str | None = None) -> dict:
        """GetFunctionCode → ``{url, checksum}``: a short-lived download URL of the code zip."""
        m = self._models()
        req = m.GetFunctionCodeRequest(qualifier=qualifier)
        resp = self._call("GetFunctionCode", lambda c: c.get_function_code(name, req),
                          subject=name)
        return _map(resp)

    def download_code(self, name: str) -> tuple[bytes, str | None]:
        """The function's code zip bytes and FC's checksum (GetFunctionCode, then the URL).

        Raises :class:`fcctl.errors.ApiError` when the download fails."""
        import urllib.request

        info = self.get_function_code(name)
        url = info.get("url")
        if not url:
            raise errors.ApiError(f"FC returned no code URL for {name}", action="GetFunctionCode")
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                data = resp.read()
        except OSError as exc:
            raise errors.ApiError(f"downloading the code of {name} failed: {exc}",
                                  code="CodeDownloadFailed", action="GetFunctionCode",
                                  hint="the URL is short-lived; run export again") from None
        return data, info.get("checksum")

    # --- tags (TagResources / UntagResources / ListTagResources, /2023-03-30/tags-v2) --------
    def tag_function(self, arn: str, tags: dict[str, str], *, name: str | None = None) -> None:
        """TagResources: add or overwrite ``tags`` (a mapping) on the function ``arn``."""
        from fcctl import fcfacts

        m = self._models()
        req = m.TagResourcesRequest(body=m.TagResourcesInput(
            resource_id=[arn], resource_type=fcfacts.TAG_RESOURCE_TYPE,
            tag=[m.Tag(key=k, value=v) for k, v in tags.items()]))
        self._call("TagResources", lambda c: c.tag_resources(req), subject=name)

    def untag_function(self, arn: str, keys: list[str], *, name: str | None = None) -> None:
        """UntagResources: remove the tag ``keys`` from the function ``arn``."""
        from fcctl import fcfacts

        m = self._models()
        req = m.UntagResourcesRequest(resource_id=[arn], resource_type=fcfacts.TAG_RESOURCE_TYPE,
                                      tag_key=list(keys))
        self._call("UntagResources", lambda c: c.untag_resources(req), subject=name)

    # --- triggers -------------------------------------------------------------------------
    def list_triggers(self, function_name: str) -> list[dict]:
        """ListTriggers of a function (``triggerConfig`` as FC's JSON string)."""
        m = self._models()
        return self._paginate(
            "ListTriggers", "triggers",
            lambda c, token: c.list_triggers(
                function_name, m.ListTriggersRequest(limit=100, next_token=token)),
            subject=function_name,
        )

    def create_trigger(self, function_name: str, body: dict) -> dict:
        """CreateTrigger; ``body['triggerConfig']`` may be a dict (sent as the JSON string FC wants)."""
        m = self._models()
        req = m.CreateTriggerRequest(body=m.CreateTriggerInput().from_map(_trigger_wire(body)))
        resp = self._call("CreateTrigger", lambda c: c.create_trigger(function_name, req),
                          subject=function_name)
        return _map(resp)

    def update_trigger(self, function_name: str, trigger_name: str, body: dict) -> dict:
        m = self._models()
        req = m.UpdateTriggerRequest(body=m.UpdateTriggerInput().from_map(_trigger_wire(body)))
        resp = self._call(
            "UpdateTrigger", lambda c: c.update_trigger(function_name, trigger_name, req),
            subject=function_name,
        )
        return _map(resp)

    def delete_trigger(self, function_name: str, trigger_name: str) -> None:
        self._call("DeleteTrigger", lambda c: c.delete_trigger(function_name, trigger_name),
                   subject=function_name)

    def list_aliases(self, function_name: str) -> list[dict]:
        """ListAliases → ``[{aliasName, versionId, additionalVersionWeight, ...}]``."""
        m = self._models()
        return self._paginate(
            "ListAliases", "aliases",
            lambda c, token: c.list_aliases(
                function_name, m.ListAliasesRequest(limit=100, next_token=token)),
            subject=function_name,
        )

    def get_alias(self, function_name: str, alias_name: str) -> dict | None:
        """GetAlias → ``{aliasName, versionId, additionalVersionWeight, ...}``; None when FC
        answers AliasNotFound."""
        try:
            resp = self._call("GetAlias", lambda c: c.get_alias(function_name, alias_name),
                              subject=function_name)
        except errors.ApiError as e:
            if e.code == "AliasNotFound":
                return None
            raise
        return _map(resp)

    def create_alias(self, function_name: str, body: dict) -> dict:
        """CreateAlias ``{aliasName, versionId, description, additionalVersionWeight}``. Not
        retried: a lost answer is read back with :meth:`get_alias` by the caller."""
        m = self._models()
        req = m.CreateAliasRequest(body=m.CreateAliasInput().from_map(dict(body)))
        resp = self._call("CreateAlias", lambda c: c.create_alias(function_name, req),
                          subject=function_name, retry=False)
        return _map(resp)

    def update_alias(self, function_name: str, alias_name: str, body: dict) -> dict:
        """UpdateAlias (``versionId``, ``description``, ``additionalVersionWeight``; FC replaces
        the weights map with the one sent). Idempotent, so retried."""
        m = self._models()
        req = m.UpdateAliasRequest(body=m.UpdateAliasInput().from_map(dict(body)))
        resp = self._call("UpdateAlias",
                          lambda c: c.update_alias(function_name, alias_name, req),
                          subject=function_name)
        return _map(resp)

    def delete_alias(self, function_name: str, alias_name: str) -> None:
        self._call("DeleteAlias", lambda c: c.delete_alias(function_name, alias_name),
                   subject=function_name, retry=False)

    def list_versions(self, function_name: str) -> list[dict]:
        """ListFunctionVersions, every page → ``[{versionId, description, ...}]``."""
        m = self._models()
        return self._paginate(
            "ListFunctionVersions", "versions",
            lambda c, token: c.list_function_versions(
                function_name, m.ListFunctionVersionsRequest(limit=100, next_token=token)),
            subject=function_name,
        )

    def publish_version(self, function_name: str, description: str | None = None) -> dict:
        """PublishFunctionVersion of LATEST → ``{versionId, description, createdTime, ...}``.
        Not retried: a retry after a lost answer would publish a second version."""
        m = self._models()
        req = m.PublishFunctionVersionRequest(
            body=m.PublishVersionInput(description=description))
        resp = self._call("PublishFunctionVersion",
                          lambda c: c.publish_function_version(function_name, req),
                          subject=function_name, retry=False)
        return _map(resp)

    def delete_version(self, function_name: str, version_id: str) -> None:
        self._call("DeleteFunctionVersion",
                   lambda c: c.delete_function_version(function_name, version_id),
                   subject=function_name, retry=False)

    # --- instances, invocation, provisioning ------------------------------------------------
    def list_instances(self, function_name: str, qualifier: str | None = None,
                       with_all_active: bool = True, limit: int | None = None) -> list[dict]:
        """ListInstances → ``[{instanceId, versionId, qualifier, status, ...}]``. The output has
        no continuation token, so callers pass an explicit ``limit`` and treat a full answer as
        possibly truncated (``fcfacts.LIST_INSTANCES_LIMIT``)."""
        m = self._models()
        req = m.ListInstancesRequest(qualifier=qualifier, with_all_active=with_all_active,
                                     limit=str(limit) if limit is not None else None)
        resp = self._call("ListInstances", lambda c: c.list_instances(function_name, req),
                          subject=function_name)
        body = _map(resp)
        return list(body.get("instances") or [])

    def invoke_function(self, function_name: str, payload: bytes = b"", *,
                        qualifier: str | None = None, invocation_type: str = "Sync",
                        function_timeout_s: float | None = None,
                        log_tail: bool = False) -> InvokeResult:
        """InvokeFunction (sync by default). Not retried: an invocation is not idempotent.
        ``log_tail`` sends ``x-fc-log-type: Tail``: FC answers the log tail base64-encoded in
        ``x-fc-log-result`` (:attr:`InvokeResult.log_tail`).

        The read timeout is sized from the function's ``timeout`` (``function_timeout_s``, read
        with GetFunction when not given) plus ``fcfacts.INVOKE_READ_TIMEOUT_MARGIN_S``: a sync
        invocation may legitimately run that long, and the client's default read timeout would
        turn it into "cannot reach the endpoint". It is passed as the SDK's ``RuntimeOptions``
        ``read_timeout`` (milliseconds) of ``invoke_function_with_options``."""
        import io

        from fcctl import fcfacts

        m = self._models()
        if function_timeout_s is None and invocation_type == "Sync":
            fn = self.get_function(function_name, qualifier, missing_ok=False) or {}
            function_timeout_s = fn.get("timeout") or fcfacts.DEFAULT_FUNCTION_TIMEOUT_S
        read_timeout_ms = (self.invoke_read_timeout_ms(function_timeout_s)
                           if function_timeout_s is not None else None)
        req = m.InvokeFunctionRequest(body=io.BytesIO(payload), qualifier=qualifier)
        headers = m.InvokeFunctionHeaders(x_fc_invocation_type=invocation_type,
                                          x_fc_log_type="Tail" if log_tail else None)

        def run(c):
            from darabonba.runtime import RuntimeOptions

            return c.invoke_function_with_options(function_name, req, headers,
                                                  RuntimeOptions(read_timeout=read_timeout_ms))

        resp = self._call("InvokeFunction", run, retry=False, subject=function_name)
        raw = resp.body.read() if hasattr(resp.body, "read") else (resp.body or b"")
        if isinstance(raw, str):
            raw = raw.encode()
        hdrs = {str(k).lower(): str(v) for k, v in (resp.headers or {}).items()}
        return InvokeResult(status=int(resp.status_code or 0), headers=hdrs, body=raw)

    @staticmethod
    def invoke_read_timeout_ms(function_timeout_s: float) -> int:
        """The read timeout (ms) fcctl gives a sync InvokeFunction of a function with this
        ``timeout``."""
        from fcctl import fcfacts

        return int((float(function_timeout_s) + fcfacts.INVOKE_READ_TIMEOUT_MARGIN_S) * 1000)

    def put_provision_config(self, function_name: str, body: dict | int,
                             qualifier: str = "LATEST") -> dict:
        """PutProvisionConfig on LATEST or an alias (FC refuses a version number). ``body`` is
        FC's PutProvisionConfigInput (``defaultTarget``, ``alwaysAllocateCPU``,
        ``alwaysAllocateGPU``, ``scheduledActions``, ``targetTrackingPolicies``); an int is
        ``{defaultTarget: n}`` — fcctl never sends ``target``, which the SDK marks "no longer
        recommended"."""
        m = self._models()
        wire = {"defaultTarget": body} if isinstance(body, int) else dict(body)
        req = m.PutProvisionConfigRequest(
            qualifier=qualifier, body=m.PutProvisionConfigInput().from_map(wire))
        resp = self._call("PutProvisionConfig",
                          lambda c: c.put_provision_config(function_name, req),
                          subject=function_name)
        return _map(resp)

    def get_provision_config(self, function_name: str, qualifier: str = "LATEST") -> dict:
        """GetProvisionConfig of a qualifier; ``{}`` when it has none (FC answers an empty body)."""
        m = self._models()
        req = m.GetProvisionConfigRequest(qualifier=qualifier)
        resp = self._call("GetProvisionConfig",
                          lambda c: c.get_provision_config(function_name, req),
                          subject=function_name)
        # the SDK's model of an empty answer still has empty lists: those are no config
        return {k: v for k, v in _map(resp).items() if v not in (None, [], {}, "")}

    def delete_provision_config(self, function_name: str, qualifier: str = "LATEST") -> None:
        m = self._models()
        req = m.DeleteProvisionConfigRequest(qualifier=qualifier)
        self._call("DeleteProvisionConfig",
                   lambda c: c.delete_provision_config(function_name, req),
                   subject=function_name, retry=False)


def _map(resp) -> dict:
    """An SDK response's body as the API's JSON-shaped dict (``{}`` for an empty body)."""
    return resp.body.to_map() if resp.body else {}


def _trigger_wire(body: dict) -> dict:
    out = dict(body)
    cfg = out.get("triggerConfig")
    if isinstance(cfg, (dict, list)):
        out["triggerConfig"] = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
    return out
