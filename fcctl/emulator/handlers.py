"""HTTP in/out for each FC action (moto's ``responses.py``): parse the request, call the
backend, shape the response. No state lives here.

Each handler is named after its FC action (see :mod:`fcctl.emulator.routes`) and takes
``(backend, request)``, returning a :class:`Response`. Success statuses (policy, docs/fc-facts.md):
200 with a JSON body; 204 for deletes; 202 for async invocations.

Request parsing is strict here, before the backend sees anything: JSON bodies within
:func:`fcctl.emulator.wire.loads`'s limits (depth, 64-bit integers, finite numbers → else 400
InvalidArgument), and every name in the path — percent-decoded first, so ``my%0Afn`` is
``my\nfn`` — matched whole (``re.fullmatch``) against FC's name pattern (400 InvalidArgument).
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from fcctl import fcfacts
from fcctl.emulator import errors, invocation_log, versions, wire
from fcctl.emulator.backend import Backend
from fcctl.emulator.knobs import INVOKE_MS_HEADER, KNOB_INVOKE_ERROR
from fcctl.emulator.routes import API_ROUTES

# Path parameters and the pattern each must match whole (re.fullmatch: "$" would accept a
# trailing newline). versionId: FC's versions are decimal numbers.
PATH_NAME_PATTERNS = {
    "functionName": fcfacts.FUNCTION_NAME_PATTERN,
    "triggerName": fcfacts.TRIGGER_NAME_PATTERN,
    "aliasName": versions.ALIAS_NAME_PATTERN,
    "versionId": r"[0-9]{1,19}",
}


def check_path_names(params: dict[str, str]) -> None:
    """400 InvalidArgument unless every (decoded) path parameter matches its pattern whole."""
    for key, value in params.items():
        pattern = PATH_NAME_PATTERNS.get(key)
        if pattern is not None and re.fullmatch(pattern, value) is None:
            raise errors.InvalidArgument(f"{key} {value[:80]!r} in the path is not a valid name")


@dataclass
class Request:
    """One API request as the handlers see it. ``query`` holds the first value of each key;
    ``headers`` has lowercase names; ``params`` the decoded path parameters."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    region: str
    request_id: str
    base_url: str = ""
    # called with an exception no one can be answered about (an async invocation's); the
    # server logs it as one line
    on_error: Callable[[BaseException], None] | None = None

    def json(self) -> dict:
        if not self.body:
            return {}
        doc = wire.loads(self.body)
        if not isinstance(doc, dict):
            raise errors.InvalidArgument("the request body must be a JSON object")
        return doc


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data, status: int = 200) -> Response:
    return Response(status, json.dumps(data).encode("utf-8"),
                    {"Content-Type": "application/json"})


def no_content() -> Response:
    return Response(204, b"", {})


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in ("true", "1", "yes")


def _json_list(value: str | None) -> list[str] | None:
    # the SDK sends list query parameters as a JSON array ("json" style)
    if not value:
        return None
    try:
        parsed = wire.loads(value, "a query parameter")
    except errors.InvalidArgument:
        return [v for v in value.split(",") if v]
    return [str(v) for v in parsed] if isinstance(parsed, list) else [str(parsed)]


# --- functions --------------------------------------------------------------------------------
def CreateFunction(backend: Backend, req: Request) -> Response:
    return json_response(backend.create_function(req.json(), req.region))


def GetFunction(backend: Backend, req: Request) -> Response:
    return json_response(backend.get_function(req.params["functionName"],
                                              req.query.get("qualifier"), req.region))


def UpdateFunction(backend: Backend, req: Request) -> Response:
    return json_response(backend.update_function(req.params["functionName"], req.json(),
                                                 req.region))


def DeleteFunction(backend: Backend, req: Request) -> Response:
    backend.delete_function(req.params["functionName"])
    return no_content()


def GetFunctionCode(backend: Backend, req: Request) -> Response:
    return json_response(backend.get_function_code(req.params["functionName"],
                                                   req.query.get("qualifier"), req.base_url))


def ListFunctions(backend: Backend, req: Request) -> Response:
    filters = {k: req.query.get(k) for k in ("runtime", "tags", "description", "functionName",
                                             "gpuType", "fcVersion") if req.query.get(k)}
    return json_response(backend.list_functions(req.query.get("prefix"), req.query.get("limit"),
                                                req.query.get("nextToken"), req.region,
                                                filters=filters))


def DisableFunctionInvocation(backend: Backend, req: Request) -> Response:
    return json_response(backend.set_invocation_disabled(req.params["functionName"], True))


def EnableFunctionInvocation(backend: Backend, req: Request) -> Response:
    return json_response(backend.set_invocation_disabled(req.params["functionName"], False))


# --- versions and aliases ---------------------------------------------------------------------
def PublishFunctionVersion(backend: Backend, req: Request) -> Response:
    return json_response(backend.publish_version(req.params["functionName"], req.json()))


def ListFunctionVersions(backend: Backend, req: Request) -> Response:
    return json_response(backend.list_versions(
        req.params["functionName"], req.query.get("direction"), req.query.get("limit"),
        req.query.get("nextToken")))


def DeleteFunctionVersion(backend: Backend, req: Request) -> Response:
    backend.delete_version(req.params["functionName"], req.params["versionId"])
    return no_content()


def CreateAlias(backend: Backend, req: Request) -> Response:
    return json_response(backend.create_alias(req.params["functionName"], req.json()))


def GetAlias(backend: Backend, req: Request) -> Response:
    return json_response(backend.get_alias(req.params["functionName"], req.params["aliasName"]))


def UpdateAlias(backend: Backend, req: Request) -> Response:
    return json_response(backend.update_alias(req.params["functionName"],
                                              req.params["aliasName"], req.json()))


def DeleteAlias(backend: Backend, req: Request) -> Response:
    backend.delete_alias(req.params["functionName"], req.params["aliasName"])
    return no_content()


def ListAliases(backend: Backend, req: Request) -> Response:
    return json_response(backend.list_aliases(req.params["functionName"],
                                              req.query.get("prefix"), req.query.get("limit"),
                                              req.query.get("nextToken")))


# --- triggers ---------------------------------------------------------------------------------
def CreateTrigger(backend: Backend, req: Request) -> Response:
    return json_response(backend.create_trigger(req.params["functionName"], req.json(),
                                                req.region))


def GetTrigger(backend: Backend, req: Request) -> Response:
    return json_response(backend.get_trigger(req.params["functionName"],
                                             req.params["triggerName"], req.region))


def UpdateTrigger(backend: Backend, req: Request) -> Response:
    return json_response(backend.update_trigger(req.params["functionName"],
                                                req.params["triggerName"], req.json(),
                                                req.region))


def DeleteTrigger(backend: Backend, req: Request) -> Response:
    backend.delete_trigger(req.params["functionName"], req.params["triggerName"])
    return no_content()


def ListTriggers(backend: Backend, req: Request) -> Response:
    return json_response(backend.list_triggers(req.params["functionName"],
                                               req.query.get("prefix"), req.query.get("limit"),
                                               req.query.get("nextToken"), req.region))


# --- instances, provision config, invocations -------------------------------------------------
def ListInstances(backend: Backend, req: Request) -> Response:
    out = backend.list_instances(
        req.params["functionName"], req.query.get("qualifier"),
        with_all_active=_bool(req.query.get("withAllActive")),
        instance_status=_json_list(req.query.get("instanceStatus")),
        instance_ids=_json_list(req.query.get("instanceIds")),
        limit=req.query.get("limit"),
    )
    out["requestId"] = req.request_id
    return json_response(out)


def PutProvisionConfig(backend: Backend, req: Request) -> Response:
    return json_response(backend.put_provision_config(
        req.params["functionName"], req.query.get("qualifier"), req.json(), req.region))


def GetProvisionConfig(backend: Backend, req: Request) -> Response:
    return json_response(backend.get_provision_config(
        req.params["functionName"], req.query.get("qualifier"), req.region))


def DeleteProvisionConfig(backend: Backend, req: Request) -> Response:
    backend.delete_provision_config(req.params["functionName"], req.query.get("qualifier"))
    return no_content()


def _run_invocation(backend: Backend, name: str, qualifier: str | None, body_len: int,
                    header_ms: str | None) -> tuple[dict, dict]:
    """Run one simulated invocation; returns ``(result, extra_headers)``."""
    started = backend.begin_invocation(name, qualifier)
    instance_id = started["instanceId"]
    # FC's invoke response headers (FC 2.0 InvokeFunction doc: X-Fc-Code-Checksum,
    # X-Fc-Invocation-Service-Version — "LATEST" or the version number that served)
    served = {"x-fc-instance-id": instance_id,
              "x-fc-invocation-service-version":
                  "LATEST" if started["versionId"] == "0" else started["versionId"]}
    if started.get("codeChecksum"):
        served["x-fc-code-checksum"] = started["codeChecksum"]
    if started.get("initError"):
        return ({"errorMessage": started["initError"], "errorType": "InitializationError",
                 "instanceId": instance_id},
                {"X-Fc-Error-Type": "InitializationError", **served})
    try:
        duration_ms = started.get("invokeMs", 0)
        if header_ms:
            try:
                value = float(header_ms)
            except ValueError:
                value = math.nan
            if math.isfinite(value):  # "inf", "nan", junk: the function's own duration
                duration_ms = max(0.0, min(value, fcfacts.TIMEOUT_RANGE_S[1] * 1000.0))
        if duration_ms:
            time.sleep(duration_ms / 1000.0)
    finally:
        backend.end_invocation(name, instance_id)
    if started.get("invokeError"):
        kind = started["invokeError"]
        return ({"errorMessage": f"the handler failed: {KNOB_INVOKE_ERROR} is set",
                 "errorType": kind, "instanceId": instance_id},
                {"X-Fc-Error-Type": kind, **served})
    return ({"instanceId": instance_id, "functionName": name,
             "qualifier": qualifier or "LATEST", "versionId": started["versionId"],
             "bodyLength": body_len},
            served)


def InvokeFunction(backend: Backend, req: Request) -> Response:
    """Sync: 200 with a JSON echo ``{instanceId, functionName, qualifier, bodyLength}``; a failed
    Initializer: 200 + ``X-Fc-Error-Type: InitializationError`` + ``{errorMessage, errorType}``.
    Async (``x-fc-invocation-type: Async``): 202 at once, the invocation runs in the background."""
    name = req.params["functionName"]
    qualifier = req.query.get("qualifier")
    header_ms = req.headers.get(INVOKE_MS_HEADER)
    if req.headers.get("x-fc-invocation-type", "Sync").lower() == "async":
        fn = backend.get_function(name, qualifier)  # 404 before accepting
        if (fn.get("invocationRestriction") or {}).get("disable"):
            raise errors.FunctionInvocationDisabled(f"invocation of function '{name}' is disabled")

        def run() -> None:
            try:
                _run_invocation(backend, name, qualifier, len(req.body), header_ms)
            except errors.FcError:
                pass  # an async invocation has no one to answer (deleted/disabled meanwhile)
            except Exception as exc:  # a bug: one log line, not a thread traceback
                if req.on_error is not None:
                    req.on_error(exc)

        threading.Thread(target=run, daemon=True).start()
        return Response(202, b"", {"x-fc-async-task-id": req.request_id})
    t0 = int(backend.clock() * 1000)
    result, headers = _run_invocation(backend, name, qualifier, len(req.body), header_ms)
    invocation_log.record(backend, name, req.request_id, result, headers, t0,
                          int(backend.clock() * 1000))  # for the SLS emulation (sls.py)
    resp = json_response(result)
    resp.headers.update(headers)
    if req.headers.get("x-fc-log-type", "").lower() == "tail":
        # FC returns the invocation's log tail base64-encoded; the emulator has one line
        line = f"FC Invoke Start RequestId: {req.request_id}\nFC Invoke End RequestId: " \
               f"{req.request_id}\n"
        resp.headers["x-fc-log-result"] = base64.b64encode(line.encode()).decode()
    return resp


# --- tags (/tags-v2; list parameters are JSON arrays in the query, as the SDK sends them) -----
def TagResources(backend: Backend, req: Request) -> Response:
    backend.tag_resources(req.json())
    return no_content()


def UntagResources(backend: Backend, req: Request) -> Response:
    backend.untag_resources(_json_list(req.query.get("ResourceId")),
                            req.query.get("ResourceType"), _json_list(req.query.get("TagKey")),
                            bool(_bool(req.query.get("All"))))
    return no_content()


def ListTagResources(backend: Backend, req: Request) -> Response:
    tag_filter = None
    raw = req.query.get("Tag")
    if raw:
        try:
            tag_filter = json.loads(raw)
        except ValueError:
            raise errors.InvalidArgument("Tag must be a JSON list of {Key, Value}") from None
        if not isinstance(tag_filter, list) or not all(isinstance(t, dict) for t in tag_filter):
            raise errors.InvalidArgument("Tag must be a JSON list of {Key, Value}")
    out = backend.list_tag_resources(
        _json_list(req.query.get("ResourceId")), req.query.get("ResourceType"), tag_filter,
        req.query.get("Limit"), req.query.get("NextToken"), req.region)
    out["RequestId"] = req.request_id
    return json_response(out)


API_HANDLERS = {action: globals()[action] for _, _, action in API_ROUTES}
