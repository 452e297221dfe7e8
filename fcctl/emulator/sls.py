"""Simple Log Service (SLS) emulation: the GetLogs call of the official SLS SDK
(alibabacloud-sls20201230: ``POST /logstores/{logstore}/logs``, project in the Host,
``Authorization: LOG <ak>:<signature>``, SLS signature v1 — SDK alibabacloud-gateway-sls
client.py ``get_signature``/``build_canonicalized_headers``), verified like the FC API.

Log lines are derived at query time from each instance's lifecycle ``events`` (no write path
in instance code): for a function whose ``logConfig`` names ``project``/``logstore``, the
Initializer and PreStop start/end lines in FC's documented text, under topic
``FCLogs:<function>``, and the instance events under ``FCInstanceEvents:/<function>``.

Query syntax (kept small, see docs/emulator.md): whitespace-separated terms ANDed; a term
``field: value`` (or ``field:value``) matches a field exactly, any other term is a
case-insensitive substring of the message. ``*`` or empty matches all. Not supported: OR/NOT,
parentheses, wildcards inside terms, SQL after ``|``, paging by ``offset``/``line`` (all
matching lines are returned, oldest first; ``reverse`` reverses).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid

from fcctl.emulator import invocation_log
from fcctl.fcfacts import (SLS_EVENT_TOPIC, SLS_FUNCTION_TOPIC, SLS_HOOK_LINES,
                           SLS_INSTANCE_EVENT_TYPES)

GETLOGS_PATH = re.compile(r"^/logstores/(?P<logstore>[^/]+)/logs$")


class SlsError(Exception):
    """An SLS error: SLS's JSON body ``{"errorCode", "errorMessage"}`` with its status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_sls_request(method: str, path: str, headers: dict[str, str]) -> bool:
    return (method == "POST" and GETLOGS_PATH.match(path) is not None
            and headers.get("authorization", "").startswith("LOG "))


def _string_to_sign(method: str, path: str, query: dict[str, str],
                    headers: dict[str, str]) -> str:
    canon = f"{headers.get('content-md5', '')}\n{headers.get('content-type', '')}\n" \
            f"{headers.get('date')}\n"
    for key in sorted(headers):
        if "x-log-" in key or "x-acs-" in key:
            canon += f"{key}:{headers[key]}\n"
    resource = path
    sep = "?"
    for k in sorted(query):
        resource += f"{sep}{k}" + (f"={query[k]}" if query[k] is not None else "")
        sep = "&"
    return f"{method}\n{canon}{resource}"


def verify(method: str, path: str, query: dict[str, str], headers: dict[str, str],
           body: bytes, credentials: dict[str, str]) -> None:
    """SLS signature v1 (hmac-sha256). Headers are lower-cased, as the SDK signs them."""
    auth = headers.get("authorization", "")
    ak, _, sig = auth[len("LOG "):].partition(":")
    secret = credentials.get(ak)
    if secret is None:
        raise SlsError(401, "Unauthorized", f"AccessKeyId not found: {ak}")
    if headers.get("content-md5", ""):
        if hashlib.md5(body).hexdigest().upper() != headers["content-md5"].upper():
            raise SlsError(400, "InvalidContentMD5", "the content-md5 does not match the body")
    expected = base64.b64encode(hmac.new(
        secret.encode(), _string_to_sign(method, path, query, headers).encode(),
        hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, sig):
        raise SlsError(401, "SignatureNotMatch",
                       "signature " + sig + " not match")


def records(instances: list[dict], function: str, with_events: bool = True) -> list[dict]:
    """Log records of one function, derived from its instances' lifecycle events. Instance
    events are delivered only with instance-level metrics on (fc-docs 131.实例级别事件.md)."""
    fn_topic = SLS_FUNCTION_TOPIC.format(function=function)
    ev_topic = SLS_EVENT_TOPIC.format(function=function)
    out: list[dict] = []
    for inst in instances:
        iid = inst.get("instanceId", "")
        base = {"functionName": function, "instanceID": iid,
                "qualifier": inst.get("qualifier") or "LATEST",
                "versionId": str(inst.get("versionId") or "")}
        hook_rid: dict[str, str] = {}

        def rid(hook: str) -> str:
            return hook_rid.setdefault(hook, str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                            f"{function}/{iid}/{hook}")).upper())

        def line(ts_ms: int, message: str, request_id: str = "", topic: str = fn_topic,
                 **extra) -> None:
            rec = {"__time__": str(ts_ms // 1000), "__topic__": topic, "timeMs": str(ts_ms),
                   **base, "message": message, **{k: str(v) for k, v in extra.items()}}
            if request_id:
                rec["requestId"] = request_id
            out.append(rec)

        def event(ts_ms: int, kind: str, **extra) -> None:
            if with_events:
                line(ts_ms, kind, topic=ev_topic, eventType=kind, **extra)

        created_ms: int | None = None
        for ev in inst.get("events") or []:
            name, ts = ev.get("event"), int(ev.get("timeMs", 0))
            if name == "created":
                created_ms = ts
                event(ts, SLS_INSTANCE_EVENT_TYPES["creating"])
            elif name in ("initializer ok", "initializer failed"):
                r = rid("init")
                # the Initializer starts as the instance is created; its event is stamped when
                # it ends (FCCTL_EMULATOR_INITIALIZER_MS makes that later)
                line(min(created_ms, ts) if created_ms is not None else ts,
                     SLS_HOOK_LINES["initialize_start"].format(rid=r), r)
                if name == "initializer failed":
                    line(ts, f"Initializer failed: {ev.get('reason', '')}", r, level="ERROR")
                    event(ts, SLS_INSTANCE_EVENT_TYPES["init_failed"])
                else:
                    event(ts, SLS_INSTANCE_EVENT_TYPES["init_ok"])
                # a failed Initializer still ends (its error is logged before the End line)
                line(ts, SLS_HOOK_LINES["initialize_end"].format(rid=r), r)
            elif name == "pre-stop started":
                r = rid("prestop")
                line(ts, SLS_HOOK_LINES["prestop_start"].format(rid=r), r)
            elif name == "pre-stop ok":
                r = rid("prestop")
                line(ts, SLS_HOOK_LINES["prestop_end"].format(rid=r), r)
            elif name == "pre-stop failed":
                r = rid("prestop")
                reason = str(ev.get("reason", ""))
                line(ts, f"PreStop failed: {reason}", r, level="ERROR")
                if "timed out" not in reason and "timeout" not in reason:
                    # a hook that ran to its timeout was killed: no End line
                    line(ts, SLS_HOOK_LINES["prestop_end"].format(rid=r), r)
            elif name == "destroyed":
                event(ts, SLS_INSTANCE_EVENT_TYPES["destroyed"])
    out.sort(key=lambda r: int(r["timeMs"]))
    return out


def invocation_records(invocations: list[dict], function: str) -> list[dict]:
    """``FC Invoke Start/End RequestId: …`` per sync invocation (invocation_log.py); a function
    error adds its message before the End line."""
    topic = SLS_FUNCTION_TOPIC.format(function=function)
    out = []
    for inv in invocations:
        base = {"__topic__": topic, "functionName": function, "instanceID": inv["instanceId"],
                "qualifier": inv["qualifier"], "versionId": inv["versionId"],
                "requestId": inv["requestId"]}
        lines = [(inv["startMs"], f"FC Invoke Start RequestId: {inv['requestId']}", {})]
        if inv.get("errorType"):
            lines.append((inv["endMs"], f"{inv['errorType']}: {inv.get('errorMessage') or ''}",
                          {"level": "ERROR"}))
        lines.append((inv["endMs"], f"FC Invoke End RequestId: {inv['requestId']}", {}))
        for ts, msg, extra in lines:
            out.append({"__time__": str(ts // 1000), "timeMs": str(ts), **base, "message": msg,
                        **extra})
    return out


_FIELD_TERM = re.compile(r"^(?P<field>[A-Za-z_][\w.]*):(?P<value>.*)$")


def _terms(query: str) -> list[tuple[str | None, str]]:
    # "field: value" is one term: glue a trailing-colon token to the next one
    tokens, out = query.split(), []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.endswith(":") and i + 1 < len(tokens):
            tok += tokens[i + 1]
            i += 1
        i += 1
        if tok in ("*", "and", "AND"):
            continue
        m = _FIELD_TERM.match(tok)
        out.append((m.group("field"), m.group("value").strip('"')) if m else
                   (None, tok.strip('"')))
    return out


def matches(rec: dict, terms: list[tuple[str | None, str]]) -> bool:
    for field, value in terms:
        if field is None:
            if value.lower() not in rec.get("message", "").lower():
                return False
        elif rec.get(field) != value:
            return False
    return True


def _seconds(body: dict, key: str) -> int:
    """``from``/``to``: whole Unix seconds (an int, or digits); anything else → 400."""
    value = body.get(key, 0)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2 ** 40:
        raise SlsError(400, "ParameterInvalid", f"{key} must be Unix seconds (an integer)")
    return value


def get_logs(all_records: list[dict], body: dict) -> list[dict]:
    frm, to = _seconds(body, "from"), _seconds(body, "to")
    topic = body.get("topic")
    terms = _terms(str(body.get("query") or ""))
    out = [r for r in all_records
           if frm <= int(r["__time__"]) < to and (not topic or r["__topic__"] == topic)
           and matches(r, terms)]
    if body.get("reverse"):
        out.reverse()
    return out


def answer(backend, credentials: dict[str, str], method: str, path: str, host: str,
           query: dict[str, str], headers: dict[str, str], body: bytes
           ) -> tuple[int, dict[str, str], bytes]:
    """One GetLogs call: (status, headers, body) in SLS's shapes."""
    rid = uuid.uuid4().hex.upper()[:24]
    try:
        verify(method, path, query, headers, body, credentials)
        logstore = GETLOGS_PATH.match(path).group("logstore")
        project = (host or "").split(":", 1)[0].split(".", 1)[0]
        try:
            req = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            raise SlsError(400, "ParameterInvalid", "the body is not JSON") from None
        if not isinstance(req, dict):
            raise SlsError(400, "ParameterInvalid", "the body must be a JSON object")
        recs: list[dict] = []
        found = False
        for _, fn in backend.store.list("function", ""):
            lc = fn.get("logConfig") or {}
            if lc.get("project") == project and lc.get("logstore") == logstore:
                found = True
                recs += records(backend.instance_events(fn["functionName"])["instances"],
                                fn["functionName"], bool(lc.get("enableInstanceMetrics")))
                recs += invocation_records(invocation_log.invocations(backend,
                                                                      fn["functionName"]),
                                           fn["functionName"])
        if not found:
            raise SlsError(404, "LogStoreNotExist", f"logstore {logstore} does not exist")
        recs.sort(key=lambda r: int(r["timeMs"]))
        data = get_logs(recs, req)
        out = {"meta": {"count": len(data), "progress": "Complete", "processedRows": len(recs)},
               "data": data}
        return 200, {"Content-Type": "application/json", "x-log-requestid": rid}, \
            json.dumps(out).encode()
    except SlsError as err:
        return err.status, {"Content-Type": "application/json", "x-log-requestid": rid}, \
            json.dumps({"errorCode": err.code, "errorMessage": err.message}).encode()
