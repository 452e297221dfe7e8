"""The one mapping table between spec fields, live (GetFunction) fields and API bodies.

Policy: **the spec is the whole truth** (facts and sources in docs/fc-facts.md, "Updates").

* **Managed fields** are the whole FC input model (``fcfacts.UPDATABLE_FIELDS``). A field the
  spec does not set is *desired empty*: when FC has it set, ``plan`` shows it ``cleared`` and
  deploy sends its explicit empty (``fcfacts.CLEARED_EMPTY``: ``""``, ``[]``, fc3's empty
  objects), because FC keeps every field — and every sub-key of a nested object — that an
  update omits. A live value equal to those empties counts as unset, so the next plan is clean.
  So a field set on the console and absent from fc.yaml is cleared too (README says so).
* **Kept at live value**: scalars FC fills in itself (``fcfacts.KEPT_WHEN_REMOVED``: memorySize,
  timeout, cpu, diskSize, instanceConcurrency, internetAccess, …) and sub-keys FC defaults
  (``fcfacts.DEFAULTED_SUBKEYS``: ``customRuntimeConfig.port``, ``nasConfig.userId``, …) are
  compared only when the spec sets them; a removed one keeps its live value and the plan names
  it ("kept at live value") unless it equals FC's documented default.
* **Nested objects** are compared key by key, recursively; lists, scalars and user-keyed maps
  (``fcfacts.USER_MAPS``: environmentVariables, …) as whole values. An update sends the spec's
  whole top-level object, with explicit empties for the sub-keys it no longer sets.
* **Write-only** fields (``fcfacts.WRITE_ONLY``: ``registryConfig.authConfig``) are never compared;
  they go out on create and with their top-level object whenever something else in it changes.
* **Output-only** fields (``OUTPUT_ONLY``) never take part in a diff and are never sent.
* **Hooks**: a hook is *set* iff ``handler`` or ``command`` is non-empty (FC docs: empty means
  unset); a removed hook is sent as ``fcfacts.cleared_hook()``.
* **Tags** converge through TagResources/UntagResources (``tag_changes``), not UpdateFunction;
  they are managed on every function (no ``tags:`` = no tags), except system tags
  (``fcfacts.SYSTEM_TAG_PREFIXES``). ``functionName`` and ``resourceGroupId`` are never updated.
* **Shape differences**: ``layers`` input = list of ARNs, output = ``[{arn, size}]``; ``tags`` =
  ``[{Key, Value}]`` on the wire, a mapping in the spec.
* **The rollout marker** (``fcfacts.ROLLOUT_ENV``) in ``environmentVariables`` is ignored by the
  diff and preserved by deploy.
* **Secret-looking variables** (``fcfacts.is_secret_name``) are masked in every change shown.
"""

from __future__ import annotations

import copy
from typing import Any, TypeGuard

from fcctl import fcfacts, fcfields

# From the one table of FC's function fields (fcctl/fcfields.py), shared with the emulator.
OUTPUT_ONLY = fcfields.OUTPUT_ONLY
# Never changed by deploy: UpdateFunctionInput has none of them; tags converge through
# TagResources/UntagResources instead (``tag_changes``).
NOT_UPDATABLE = fcfields.NOT_UPDATABLE - {"tags"}
HOOKS = ("initializer", "preStop")
# Compared as whole values by export (not key by key).
WHOLE_VALUE = frozenset({"environmentVariables", "layers", "tags"})
# Fields that are not part of the function body (handled by their own planner steps).
NOT_BODY = frozenset({"code", "triggers", "region", "aliases", "provisionConfig"})


def hook_is_set(hook: dict | None) -> TypeGuard[dict]:
    """The one shared rule: :func:`fcctl.fcfacts.hook_is_set`."""
    return fcfacts.hook_is_set(hook)


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
    """Field-level differences ``(path, live, desired)`` for the keys ``desired`` sets (used for
    triggers). Nested mappings are compared key by key, lists and scalars as whole values."""
    changes: list[tuple[str, Any, Any]] = []
    for key, want in desired.items():
        p = f"{path}.{key}" if path else key
        have = live.get(key) if isinstance(live, dict) else None
        if isinstance(want, dict):
            changes.extend(diff(want, have if isinstance(have, dict) else {}, p))
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


# --- the function diff: the spec is the whole truth ----------------------------------------
_MISSING = object()


def _top(path: str) -> str:
    return path.split(".", 1)[0]


def _defaulted(path: str) -> bool:
    return path in fcfacts.DEFAULTED_SUBKEYS or ("." not in path
                                                 and path in fcfacts.KEPT_WHEN_REMOVED)


def _skipped(path: str) -> bool:
    """Never compared: output-only and write-only fields."""
    return path in OUTPUT_ONLY or path in fcfacts.WRITE_ONLY


def _empty_leaf(path: str) -> Any:
    """The explicit empty of ``path`` in ``fcfacts.CLEARED_EMPTY``, or ``_MISSING``."""
    node: Any = fcfacts.CLEARED_EMPTY
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def is_unset(path: str, value: Any) -> bool:
    """True when FC's value at ``path`` means "not set": ``None``, ``""``, ``[]``, ``{}``,
    ``false``, ``0``, the field's explicit empty (``logBeginRule: "None"``, ``"SHARE"``…), or an
    object whose every non-defaulted, comparable sub-key is unset (FC's read-back of a cleared
    ``vpcConfig``/``nasConfig``/``logConfig``)."""
    if value is None or value is False or value in ("", [], {}):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return True
    empty = _empty_leaf(path)
    if empty is not _MISSING and not isinstance(empty, (dict, list)) and _same(value, empty):
        return True
    if isinstance(value, dict) and path not in fcfacts.USER_MAPS:
        return all(is_unset(f"{path}.{k}", v) for k, v in value.items()
                   if not _skipped(f"{path}.{k}") and f"{path}.{k}" not in fcfacts.DEFAULTED_SUBKEYS)
    return False


def empty_for(path: str, live: Any) -> Any:
    """The explicit empty that clears ``path`` on FC, given its live value: fc3's empty object
    (``fcfacts.CLEARED_EMPTY``) plus an empty for every other set sub-key, or the type's empty
    (``""``, ``[]``, ``{}``, ``false``, ``0``)."""
    base = _empty_leaf(path)
    if isinstance(live, dict) and path not in fcfacts.USER_MAPS:
        out = copy.deepcopy(base) if isinstance(base, dict) else {}
        for k, v in live.items():
            p = f"{path}.{k}"
            if k in out or _skipped(p) or p in fcfacts.DEFAULTED_SUBKEYS or is_unset(p, v):
                continue
            out[k] = empty_for(p, v)
        return out
    if base is not _MISSING:
        return copy.deepcopy(base)
    if isinstance(live, bool):
        return False
    if isinstance(live, (int, float)):
        return 0
    if isinstance(live, list):
        return []
    if isinstance(live, dict):
        return {}
    return ""


class FieldDiff:
    """The outcome of comparing a spec's function with FC's: ``changes`` as
    ``(path, live, desired, cleared)``, ``kept`` as ``(path, live)`` (fields the spec leaves to
    FC, with a live value that is not FC's default), ``tops`` the top-level fields to send."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, Any, Any, bool]] = []
        self.kept: list[tuple[str, Any]] = []

    @property
    def tops(self) -> set[str]:
        return {_top(p) for p, *_ in self.changes}


def function_diff(desired_body: dict, live: dict) -> FieldDiff:
    """Compare a spec's API fields (``FunctionSpec.api_fields()``) with GetFunction's answer
    under the policies of this module's docstring. Tags are left to :func:`tag_changes`."""
    want = desired_comparable(desired_body)
    have = live_comparable(live)
    out = FieldDiff()
    keys = sorted((set(want) | set(have)) & fcfacts.UPDATABLE_FIELDS)
    for key in keys:
        _walk(key, want.get(key, _MISSING), have.get(key), out)
    mem = have.get("memorySize")
    if isinstance(mem, (int, float)) and not isinstance(mem, bool) and mem > 0:
        out.kept = [(p, v) for p, v in out.kept
                    if not (p == "cpu" and _same(v, fcfacts.default_cpu(mem)))]
    return out


def _walk(path: str, want: Any, have: Any, out: FieldDiff, removing: bool = False) -> None:
    if _skipped(path):
        return
    if path.startswith("instanceLifecycleConfig.") and want is _MISSING:
        return  # hooks are normalised on both sides; an omitted timeout is FC's default
    if path in fcfacts.USER_MAPS:
        w = want if isinstance(want, dict) else {}
        h = have if isinstance(have, dict) else {}
        for k in sorted(set(w) | set(h)):
            if k not in w:
                out.changes.append((f"{path}.{k}", h[k], None, True))
            elif k not in h or w[k] != h[k]:
                out.changes.append((f"{path}.{k}", h.get(k), w[k], False))
        return
    if want is _MISSING:
        if _defaulted(path):
            if not removing and have is not None and have not in ("", [], {}):
                default = (fcfacts.DEFAULTED_SUBKEYS.get(path) if "." in path
                           else fcfacts.KEPT_WHEN_REMOVED.get(path))
                if default is None and "." in path:
                    return  # an undocumented sub-key default: FC fills it, nothing to say
                if (not is_unset(path, have)) if default is None else not _same(have, default):
                    out.kept.append((path, have))
            return
        if is_unset(path, have):
            return
        if isinstance(have, dict):
            for k in sorted(have):
                _walk(f"{path}.{k}", _MISSING, have[k], out, removing=True)
        else:
            out.changes.append((path, have, None, True))
        return
    if isinstance(want, dict):
        h = have if isinstance(have, dict) else {}
        for k in sorted(set(want) | set(h)):
            _walk(f"{path}.{k}", want.get(k, _MISSING), h.get(k), out, removing)
        return
    if not _same(want, have):
        # an explicit empty in the spec ("" / []) over a set live value is a clear too
        out.changes.append((path, have, want, want in ("", []) and not is_unset(path, have)))


def _fill_clears(path: str, want: dict, have: Any) -> None:
    """Add to ``want`` (the spec's object at ``path``) the explicit empty of every sub-key FC
    has set and the spec no longer sets, recursively (FC merges objects key by key)."""
    if not isinstance(have, dict) or path in fcfacts.USER_MAPS:
        return
    for k, v in have.items():
        p = f"{path}.{k}"
        if _skipped(p) or p in fcfacts.DEFAULTED_SUBKEYS:
            continue
        if k not in want:
            if not is_unset(p, v):
                want[k] = empty_for(p, v)
        elif isinstance(want[k], dict):
            _fill_clears(p, want[k], v)


def _same(a: Any, b: Any) -> bool:
    if a in (None, "", [], {}) and b in (None, "", [], {}):
        return True  # FC answers null for an empty list/map/string
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_same_item(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def _same_item(a: Any, b: Any) -> bool:
    """List items (mount points, DNS options): objects compare key by key, a key one side lacks
    equal to an empty or false value on the other (FC fills ``enableTLS: false``, …)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            x, y = a.get(k), b.get(k)
            if (x in (None, "", [], {}) or x is False) and (y in (None, "", [], {}) or y is False):
                continue
            if not _same(x, y):
                return False
        return True
    return _same(a, b)


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


def update_body(desired_body: dict, live: dict, tops: set[str] | list[str]) -> dict:
    """The UpdateFunction body for the top-level fields ``tops``.

    A field the spec sets goes whole, with explicit empties for the sub-keys FC still has and
    the spec no longer sets; a field the spec does not set goes as its explicit empty
    (:func:`empty_for`); hooks go as full objects or as the clearing body; the live rollout
    marker is kept in the variables.
    """
    have = live_comparable(live)
    body: dict = {}
    for top in sorted({_top(p) for p in tops}):
        if top in NOT_BODY or top not in fcfacts.UPDATABLE_FIELDS:
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
        elif top in desired_body:
            value = copy.deepcopy(desired_body[top])
            if isinstance(value, dict):
                _fill_clears(top, value, have.get(top))
            body[top] = value
        else:
            body[top] = empty_for(top, have.get(top))
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


def is_system_tag(key: str) -> bool:
    """Tags FC or Alibaba Cloud set themselves (``acs:``/``aliyun`` keys): never removed."""
    return key.lower().startswith(fcfacts.SYSTEM_TAG_PREFIXES)


def tag_changes(desired_body: dict, live: dict) -> tuple[dict[str, str], list[str],
                                                          list[tuple[str, Any, Any, bool]]]:
    """``(to_set, to_remove, changes)``: the tags TagResources must set (new or changed values),
    the keys UntagResources must remove (on FC, not in the spec, not system tags), and the
    plan's field changes (``tags.KEY``)."""
    want = tags_map(desired_body.get("tags"))
    have = tags_map(live.get("tags"))
    to_set = {k: v for k, v in want.items() if have.get(k) != v}
    to_remove = sorted(k for k in have if k not in want and not is_system_tag(k))
    changes: list[tuple[str, str | None, str | None, bool]] = [
        (f"tags.{k}", have.get(k), v, False) for k, v in sorted(to_set.items())]
    changes += [(f"tags.{k}", have[k], None, True) for k in to_remove]
    return to_set, to_remove, sorted(changes, key=lambda c: c[0])


def _defaults_only(path: str, value: Any) -> bool:
    """No defaulted sub-key of ``value`` differs from its documented default."""
    if not isinstance(value, dict):
        return True
    for k, v in value.items():
        p = f"{path}.{k}"
        default = fcfacts.DEFAULTED_SUBKEYS.get(p)
        if p in fcfacts.DEFAULTED_SUBKEYS and default is not None and v is not None \
                and not _same(v, default):
            return False
        if not _defaults_only(p, v):
            return False
    return True


def export_fields(live: dict) -> dict:
    """A live Function as spec fields (for ``fcctl export``): output-only fields and unset
    hooks dropped, tags as a mapping, layers as ARNs, the rollout marker removed."""
    comp = live_comparable(live)
    out: dict = {}
    for key, value in comp.items():
        if value in (None, "", [], {}):
            continue
        if (key in fcfacts.UPDATABLE_FIELDS and key not in fcfacts.KEPT_WHEN_REMOVED
                and key not in HOOKS and is_unset(key, value) and _defaults_only(key, value)):
            continue  # FC's read-back of an unset field (logBeginRule "None", "SHARE", …)
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
