"""The one mapping table between spec fields, live (GetFunction) fields and API bodies.

This is where "no noisy diff" is won or lost (FC-NOTES §2). Rules:

* **Output-only** fields (``OUTPUT_ONLY``) never take part in a diff and are never sent.
* **Compared only when the spec sets them**: every other field. A field the spec omits keeps its
  live value (FC keeps omitted fields on UpdateFunction), so server defaults never show as drift.
  Nested objects are compared key by key, again only for keys the spec sets.
* **Managed even when absent** (``CLEARED_WHEN_ABSENT``): the lifecycle hooks and
  ``environmentVariables``. Removing a hook from the YAML clears it on FC (sent as
  ``fcfacts.cleared_hook()``, since FC keeps omitted fields); removing the last variable sends ``{}``.
* **Shape differences**: ``layers`` input = list of ARNs, output = ``[{arn, size}]``; ``tags`` =
  ``[{Key, Value}]`` on the wire, a mapping in the spec; ``customContainerConfig.resolvedImageUri``
  and ``accelerationInfo`` are output-only; a hook is *set* iff ``handler`` is non-empty or
  ``command`` is non-empty (FC-NOTES §1: empty means unset).
* **Not updatable** through UpdateFunction: ``functionName``, ``tags``, ``resourceGroupId``
  (FC-NOTES §3). fcctl sets them at creation and reports differences as warnings, not changes.
* **The rollout marker** (``fcfacts.ROLLOUT_ENV``) in ``environmentVariables`` is ignored by the
  diff and preserved by deploy.
* **Secret-looking variables** (``fcfacts.is_secret_name``) are masked in every change shown.
"""

from __future__ import annotations

import copy
from typing import Any

from fcctl import fcfacts

OUTPUT_ONLY = frozenset(
    {
        "functionId", "functionArn", "createdTime", "lastModifiedTime", "codeSize",
        "codeChecksum", "state", "stateReason", "stateReasonCode", "lastUpdateStatus",
        "lastUpdateStatusReason", "lastUpdateStatusReasonCode", "lockInfo",
        "invocationRestriction", "accelerationInfo", "instanceLifecycleConfig.initializer.size",
        "customContainerConfig.resolvedImageUri", "customContainerConfig.accelerationInfo",
        "fcVersion", "url",
    }
)
NOT_UPDATABLE = frozenset({"functionName", "tags", "resourceGroupId"})
HOOKS = ("initializer", "preStop")
CLEARED_WHEN_ABSENT = ("instanceLifecycleConfig", "environmentVariables")
# Compared as whole values (not key by key): a key removed from the spec is a change.
WHOLE_VALUE = frozenset({"environmentVariables", "layers", "tags"})
# Fields that are not part of the function body (handled by their own planner steps).
NOT_BODY = frozenset({"code", "triggers", "region"})


def hook_is_set(hook: dict | None) -> bool:
    """FC-NOTES §1: a hook is set iff ``handler`` is non-empty or ``command`` is non-empty."""
    return bool(hook) and bool(hook.get("handler") or hook.get("command"))


def normal_hook(hook: dict | None, *, with_timeout: bool) -> dict:
    """A hook in the comparable form ``{handler, command[, timeout]}`` ("" / [] when unset)."""
    if not hook_is_set(hook):
        return {"handler": "", "command": []}
    out = {"handler": hook.get("handler") or "", "command": list(hook.get("command") or [])}
    if with_timeout and hook.get("timeout") is not None:
        out["timeout"] = hook["timeout"]
    return out


def wire_hook(hook: dict | None) -> dict:
    """The body fcctl sends for a hook: the full object, or the clearing body when unset."""
    if not hook_is_set(hook):
        return fcfacts.cleared_hook()
    return {
        "handler": hook.get("handler") or "",
        "command": list(hook.get("command") or []),
        "timeout": hook.get("timeout") if hook.get("timeout") is not None
        else fcfacts.DEFAULT_HOOK_TIMEOUT_S,
    }


def tags_map(tags: Any) -> dict[str, str]:
    """Tags as a mapping, from the wire's ``[{Key, Value}]`` (or ``{key, value}``) or a mapping."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out = {}
    for item in tags:
        if isinstance(item, dict):
            key = item.get("Key", item.get("key"))
            if key is not None:
                out[str(key)] = str(item.get("Value", item.get("value", "")))
    return out


def live_comparable(live: dict) -> dict:
    """The live Function (GetFunction's dict) reshaped to the spec's shape, output-only fields
    removed."""
    out = {}
    for key, value in live.items():
        if key in OUTPUT_ONLY or value is None:
            continue
        if key == "layers":
            value = [x.get("arn") if isinstance(x, dict) else x for x in value or []]
        elif key == "tags":
            value = tags_map(value)
        elif isinstance(value, dict):
            value = {k: v for k, v in value.items() if f"{key}.{k}" not in OUTPUT_ONLY}
        out[key] = value
    env = dict(out.get("environmentVariables") or {})
    env.pop(fcfacts.ROLLOUT_ENV, None)
    out["environmentVariables"] = env
    ilc = out.get("instanceLifecycleConfig") or {}
    out["instanceLifecycleConfig"] = {
        h: normal_hook(ilc.get(h), with_timeout=True) for h in HOOKS
    }
    return out


def desired_comparable(body: dict) -> dict:
    """The spec's API fields reshaped for comparison (hooks normalised, tags as a mapping)."""
    out = {k: copy.deepcopy(v) for k, v in body.items() if k not in NOT_BODY}
    if "tags" in out:
        out["tags"] = tags_map(out["tags"])
    ilc = out.get("instanceLifecycleConfig") or {}
    out["instanceLifecycleConfig"] = {
        h: normal_hook(ilc.get(h), with_timeout=True) for h in HOOKS
    }
    out["environmentVariables"] = dict(out.get("environmentVariables") or {})
    return out


def diff(desired: dict, live: dict, path: str = "") -> list[tuple[str, Any, Any]]:
    """Field-level differences ``(path, live, desired)`` for the keys ``desired`` sets.

    Nested mappings are compared key by key, except ``WHOLE_VALUE`` fields; lists and scalars as
    whole values. Numbers compare by value (``1 == 1.0``)."""
    changes: list[tuple[str, Any, Any]] = []
    for key, want in desired.items():
        p = f"{path}.{key}" if path else key
        have = live.get(key) if isinstance(live, dict) else None
        if p in NOT_UPDATABLE:
            continue
        if isinstance(want, dict) and p not in WHOLE_VALUE and p != "environmentVariables":
            changes.extend(diff(want, have if isinstance(have, dict) else {}, p))
        elif isinstance(want, dict):  # whole mappings: report per key for readability
            have = have if isinstance(have, dict) else {}
            for k in sorted(set(want) | set(have)):
                if want.get(k) != have.get(k) or (k in want) != (k in have):
                    changes.append((f"{p}.{k}", have.get(k), want.get(k)))
        elif not _same(want, have):
            changes.append((p, have, want))
    return changes


def dropped_keys(desired: Any, live: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Keys that ``live`` holds (non-empty, not output-only) and ``desired`` does not set, as
    ``(path, live, None)``, recursively: what replacing the whole object at ``path`` removes."""
    if not isinstance(desired, dict) or not isinstance(live, dict):
        return []
    out: list[tuple[str, Any, Any]] = []
    for key in sorted(live):
        p = f"{path}.{key}"
        value = live[key]
        if p in OUTPUT_ONLY or value in (None, "", [], {}, False):
            continue
        if key not in desired:
            out.append((p, value, None))
        else:
            out.extend(dropped_keys(desired[key], value, p))
    return out


def replaced_objects(desired: dict, live: dict, changed_paths: list[str]) -> list[tuple[str, Any, Any]]:
    """For each top-level object that an update will send whole (because something in it
    changed), the live keys the replacement drops — so the plan shows all that deploy does."""
    out: list[tuple[str, Any, Any]] = []
    tops = {p.split(".", 1)[0] for p in changed_paths if "." in p}
    for top in sorted(tops):
        if top in ("instanceLifecycleConfig", "environmentVariables", "tags") or top in NOT_BODY:
            continue
        out.extend(dropped_keys(desired.get(top), live.get(top), top))
    return out


def _same(a: Any, b: Any) -> bool:
    if a in (None, "", [], {}) and b in (None, "", [], {}):
        return True  # FC answers null for an empty list/map/string
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


# API fields that hold credentials (customContainerConfig.registryConfig.authConfig.password,
# juiceFsConfig.token, …), matched on the last path segment.
SECRET_FIELD_WORDS = ("password", "token", "secret", "privatekey", "credential")


def is_secret_field(path: str) -> bool:
    """True for an API field that holds a credential, or a secret-looking environment variable
    (by name, ``fcfacts.is_secret_name``, or marked ``x-fcctl-sensitive`` in the spec)."""
    from fcctl.ui import redact

    if path.startswith("environmentVariables."):
        return redact.is_sensitive_name(path.split(".", 1)[1])
    last = path.rsplit(".", 1)[-1].lower()
    return any(word in last for word in SECRET_FIELD_WORDS)


def mask(path: str, value: Any) -> Any:
    """The value to show for ``path``: credentials and secret variables masked whole (any
    length); a string that is a secret by its shape (an AccessKey secret, a bearer header, a
    token) masked whole; in other strings the registered secrets and the secret parts of
    URLs/DSNs (``postgres://u:***@h``) masked — also inside mappings and lists shown whole."""
    from fcctl.ui import redact

    if value is None:
        return None
    if is_secret_field(path):
        return fcfacts.MASK
    if isinstance(value, dict):
        return {k: mask(f"{path}.{k}", v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(path, v) for v in value]
    if isinstance(value, str) and redact.looks_secret(value):
        return fcfacts.MASK
    return redact.scrub_data(value)


def mask_function(fn: dict) -> dict:
    """A Function dict (GetFunction's shape) with every credential masked, for display."""
    out = {}
    for key, value in fn.items():
        if key == "environmentVariables" and isinstance(value, dict):
            out[key] = {k: mask(f"{key}.{k}", v) for k, v in value.items()}
        else:
            out[key] = mask(key, value)
    return out


def secrets_of(fn: dict) -> list:
    """The secret values a Function body (spec or live, API shape) holds: secret and sensitive
    variables, credential fields, and the shaped secrets in any of its strings — to register
    with ``fcctl.ui.redact`` so they are scrubbed wherever else they appear."""
    from fcctl.ui import redact

    found: list = []

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{path}.{k}" if path else str(k), v)
        elif isinstance(value, list):
            for v in value:
                walk(path, v)
        elif value is not None and not isinstance(value, bool):
            if is_secret_field(path) or (isinstance(value, str) and redact.looks_secret(value)):
                found.append(value)
            if isinstance(value, str):
                found.extend(redact.shaped_secrets(value))

    walk("", fn)
    return found


def update_body(desired_body: dict, live: dict, changed_paths: list[str]) -> dict:
    """The UpdateFunction body for the changed top-level fields.

    Whole top-level objects are sent (FC replaces a nested object given in the body); hooks go as
    full objects or as the clearing body; the live rollout marker is kept in the variables.
    """
    tops = {p.split(".", 1)[0] for p in changed_paths}
    body: dict = {}
    for top in sorted(tops):
        if top in NOT_BODY or top in NOT_UPDATABLE:
            continue
        if top == "instanceLifecycleConfig":
            ilc = desired_body.get("instanceLifecycleConfig") or {}
            body[top] = {h: wire_hook(ilc.get(h)) for h in HOOKS}
        elif top == "environmentVariables":
            env = dict(desired_body.get("environmentVariables") or {})
            marker = (live.get("environmentVariables") or {}).get(fcfacts.ROLLOUT_ENV)
            if marker is not None:
                env[fcfacts.ROLLOUT_ENV] = marker
            body[top] = env
        else:
            body[top] = copy.deepcopy(desired_body.get(top))
    return body


def create_body(desired_body: dict) -> dict:
    """The CreateFunction body: the spec's fields with hooks in wire form (unset hooks omitted)."""
    body = {k: copy.deepcopy(v) for k, v in desired_body.items() if k not in NOT_BODY}
    ilc = body.get("instanceLifecycleConfig")
    if ilc is not None:
        hooks = {h: wire_hook(ilc.get(h)) for h in HOOKS if hook_is_set(ilc.get(h))}
        if hooks:
            body["instanceLifecycleConfig"] = hooks
        else:
            body.pop("instanceLifecycleConfig")
    if "tags" in body:
        body["tags"] = [{"Key": k, "Value": v} for k, v in tags_map(body["tags"]).items()]
    return body


def export_fields(live: dict) -> dict:
    """A live Function as spec fields (for ``fcctl export``): output-only fields and unset
    hooks dropped, tags as a mapping, layers as ARNs, the rollout marker removed."""
    comp = live_comparable(live)
    out: dict = {}
    for key, value in comp.items():
        if value in (None, "", [], {}):
            continue
        if key == "instanceLifecycleConfig":
            hooks = {}
            for h in HOOKS:
                hook = value.get(h) or {}
                if hook_is_set(hook):
                    hooks[h] = {k: v for k, v in hook.items() if v not in ("", [], None)}
            if hooks:
                out[key] = hooks
            continue
        if isinstance(value, dict) and key not in WHOLE_VALUE and key != "environmentVariables":
            value = {k: v for k, v in value.items() if v not in (None, "", [], {})}
            if not value:
                continue
        out[key] = value  # variables keep empty values: "" is a value the spec can hold
    return out
