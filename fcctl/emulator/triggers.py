"""Triggers of a function (CreateTrigger … ListTriggers). A :class:`Trigger` record keeps the
API fields apart from the emulator's private state (the random host suffix of an HTTP trigger's
URLs); it is stored as one document, the private part under ``_``-prefixed keys (the format state
files have always had). ``be`` is the :class:`~fcctl.emulator.backend.Backend`."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from fcctl import fcfacts
from fcctl.emulator import errors
from fcctl.emulator.validation import LATEST, page_limit

CREATE_TRIGGER_KEYS = frozenset({
    "triggerName", "triggerType", "triggerConfig", "qualifier", "sourceArn", "invocationRole",
    "description",
})
UPDATE_TRIGGER_KEYS = frozenset({"triggerConfig", "qualifier", "invocationRole", "description"})


@dataclass
class Trigger:
    """One trigger: ``api`` holds its TriggerInfo fields as stored; ``suffix`` (private) makes
    an HTTP trigger's host unique."""

    api: dict
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @classmethod
    def from_doc(cls, doc: dict) -> "Trigger":
        return cls({k: v for k, v in doc.items() if not k.startswith("_")},
                   doc.get("_suffix", ""))

    def to_doc(self) -> dict:
        return {**self.api, "_suffix": self.suffix}

    def to_api(self, function_name: str, target_arn: str, region: str) -> dict:
        """TriggerInfo: the stored fields, ``targetArn`` and, for HTTP, ``httpTrigger`` URLs."""
        out = dict(self.api)
        out["targetArn"] = target_arn
        if self.api.get("triggerType") == "http":
            host = f"{function_name}-{self.api['triggerName']}-{self.suffix}".lower().replace(
                "_", "-")
            out["httpTrigger"] = {
                "urlInternet": f"https://{host}.{region}.fcapp.run",
                "urlIntranet": f"https://{host}.{region}-vpc.fcapp.run",
            }
        return out


def _render(be, name: str, trig: Trigger, region: str | None) -> dict:
    return trig.to_api(name, be.function_arn(name, region), region or be.region)


def _check_trigger_config(value) -> None:
    if not isinstance(value, str):
        raise errors.InvalidArgument("triggerConfig must be a JSON string")
    try:
        json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        raise errors.InvalidArgument("triggerConfig is not valid JSON") from None


def _check_timer(kind, config: str) -> None:
    """A timer trigger's cronExpression, by the same rules as ``fcctl validate``
    (:mod:`fcctl.cron`, FC docs 定时触发器)."""
    if kind != "timer":
        return
    parsed = json.loads(config) if config else None
    expr = parsed.get("cronExpression") if isinstance(parsed, dict) else None
    if not isinstance(expr, str):
        raise errors.InvalidArgument("a timer trigger needs triggerConfig.cronExpression")
    from fcctl.cron import check_cron

    problem, _ = check_cron(expr)
    if problem:
        raise errors.InvalidArgument(f"cronExpression {expr!r}: {problem}")


def _trigger_qualifier(qualifier) -> str:
    """Policy: a trigger may name any qualifier (it is not checked against the function's
    versions and aliases); default LATEST."""
    if qualifier in (None, ""):
        return LATEST
    if not isinstance(qualifier, str):
        raise errors.InvalidArgument("qualifier must be a string")
    return qualifier


def _get(be, name: str, tname: str) -> Trigger:
    be._settle(name)
    doc = be.store.get("trigger", f"{name}/{tname}")
    if doc is None:
        raise errors.TriggerNotFound(f"trigger '{tname}' of function '{name}' does not exist")
    return Trigger.from_doc(doc)


def create_trigger(be, name: str, body: dict, region: str | None = None) -> dict:
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    api = {k: v for k, v in body.items() if k in CREATE_TRIGGER_KEYS}
    tname = api.get("triggerName")
    if not isinstance(tname, str) or not re.fullmatch(fcfacts.TRIGGER_NAME_PATTERN, tname):
        raise errors.InvalidArgument(
            "triggerName must be 1-128 letters, digits, '_' or '-', not starting with a "
            f"digit or '-' (got {tname!r})")
    if api.get("triggerType") not in fcfacts.TRIGGER_TYPES:
        raise errors.InvalidArgument(
            f"triggerType must be one of {', '.join(fcfacts.TRIGGER_TYPES)} "
            f"(got {api.get('triggerType')!r})")
    _check_trigger_config(api.get("triggerConfig"))
    _check_timer(api.get("triggerType"), api.get("triggerConfig"))
    api["qualifier"] = _trigger_qualifier(api.get("qualifier"))
    with be.lock:
        be._settle(name)
        key = f"{name}/{tname}"
        if be.store.get("trigger", key) is not None:
            raise errors.TriggerAlreadyExists(
                f"trigger '{tname}' of function '{name}' already exists")
        now = be.now_iso()
        api.setdefault("description", "")
        api.update({"triggerId": str(uuid.uuid4()), "createdTime": now,
                    "lastModifiedTime": now, "status": "Ready"})
        trig = Trigger(api)
        be.store.put("trigger", key, trig.to_doc())
        return _render(be, name, trig, region)


def get_trigger(be, name: str, tname: str, region: str | None = None) -> dict:
    with be.lock:
        return _render(be, name, _get(be, name, tname), region)


def update_trigger(be, name: str, tname: str, body: dict, region: str | None = None) -> dict:
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    changes = {k: v for k, v in body.items() if k in UPDATE_TRIGGER_KEYS}
    if "triggerConfig" in changes:
        _check_trigger_config(changes["triggerConfig"])
    if "qualifier" in changes:
        changes["qualifier"] = _trigger_qualifier(changes["qualifier"])
    with be.lock:
        trig = _get(be, name, tname)
        if "triggerConfig" in changes:
            _check_timer(trig.api.get("triggerType"), changes["triggerConfig"])
        trig.api.update(changes)
        trig.api["lastModifiedTime"] = be.now_iso()
        be.store.put("trigger", f"{name}/{tname}", trig.to_doc())
        return _render(be, name, trig, region)


def delete_trigger(be, name: str, tname: str) -> None:
    with be.lock:
        _get(be, name, tname)
        be.store.delete("trigger", f"{name}/{tname}")


def list_triggers(be, name: str, prefix: str | None = None, limit=None,
                  next_token: str | None = None, region: str | None = None) -> dict:
    limit = page_limit(limit)
    with be.lock:
        be._settle(name)
        base = name + "/"
        after = base + next_token if next_token else None
        rows = be.store.list("trigger", base + (prefix or ""), after=after, limit=limit + 1)
        out = {"triggers": [_render(be, name, Trigger.from_doc(t), region)
                            for _, t in rows[:limit]]}
        if len(rows) > limit:
            out["nextToken"] = rows[limit - 1][0][len(base):]
        return out
