"""pydantic errors reworded for people: what is wrong, the allowed values or range with units,
and how to fix it. Values are echoed only when they cannot be secrets."""

from __future__ import annotations

import difflib
from typing import Any, Iterable, Mapping

from fcctl import fcfacts
from fcctl.spec.locations import PathT

# What a valid value looks like, by field (or "parent.field" for hook timeouts).
RULE_TEXT = {
    "memorySize": f"a multiple of {fcfacts.MEMORY_STEP_MB} MB between {fcfacts.MEMORY_RANGE_MB[0]} "
                  f"and {fcfacts.MEMORY_RANGE_MB[1]} MB (GPU functions: the gpuType's table)",
    "cpu": f"a multiple of {fcfacts.CPU_STEP_VCPU} vCPU between {fcfacts.CPU_RANGE_VCPU[0]} and "
           f"{fcfacts.CPU_RANGE_VCPU[1]:g} (GPU functions: the gpuType's table)",
    "diskSize": " or ".join(str(d) for d in fcfacts.DISK_SIZES_MB) + " (MB; GPU functions: 512, or "
                f"{fcfacts.GPU_DISK_RANGE_MB[0]}-{fcfacts.GPU_DISK_RANGE_MB[1]} in steps of "
                f"{fcfacts.GPU_DISK_STEP_MB})",
    "timeout": f"whole seconds between {fcfacts.TIMEOUT_RANGE_S[0]} and {fcfacts.TIMEOUT_RANGE_S[1]}",
    "initializer.timeout": f"whole seconds between {fcfacts.INITIALIZER_TIMEOUT_RANGE_S[0]} and "
                           f"{fcfacts.INITIALIZER_TIMEOUT_RANGE_S[1]}",
    "preStop.timeout": f"whole seconds between {fcfacts.PRESTOP_TIMEOUT_RANGE_S[0]} and "
                       f"{fcfacts.PRESTOP_TIMEOUT_RANGE_S[1]} (FC's default quota)",
    "instanceConcurrency": f"a whole number between {fcfacts.INSTANCE_CONCURRENCY_RANGE[0]} and "
                           f"{fcfacts.INSTANCE_CONCURRENCY_RANGE[1]}",
    "gpuMemorySize": "a multiple of 1024 MB",
    "port": "a port number between 1 and 65535",
    "failureThreshold": "between 1 and 120",
    "successThreshold": "between 1 and 120",
    "periodSeconds": "whole seconds between 1 and 120",
    "initialDelaySeconds": "whole seconds between 0 and 120",
    "timeoutSeconds": "whole seconds between 1 and 3",
    "idleTimeout": "whole seconds, 0 or more",
    "functionName": "1-64 letters, digits, _ or -, not starting with a digit or -",
    "triggerName": "1-128 letters, digits, _ or -, not starting with a digit or -",
}

# Never echo values found under these keys (they may hold secrets).
_SECRET_PARTS = {"environmentVariables", "authConfig", "envs", "token", "password",
                 "rootCaCertBase64", "sessionAffinityConfig", "params", "triggerConfig"}


def may_echo(path: PathT) -> bool:
    for part in path:
        if isinstance(part, str) and (part in _SECRET_PARTS or fcfacts.is_secret_name(part)):
            return False
    return True


def show(value: Any, path: PathT) -> str:
    """``" (got X)"`` for a value that is safe to print, else ``""``."""
    if not may_echo(path):
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = f"{value:g}" if isinstance(value, float) else str(value)
    elif isinstance(value, str):
        from fcctl.ui.redact import scrub  # mask before cutting: no part of a secret survives

        value = scrub(value)
        text = repr(value if len(value) <= 40 else value[:37] + "...")
    elif isinstance(value, list):
        text = "a list"
    elif isinstance(value, dict):
        text = "a mapping"
    else:
        return ""
    from fcctl.ui.redact import scrub

    return f" (got {scrub(text)})"


def rule_text(path: PathT) -> str | None:
    names = [p for p in path if isinstance(p, str)]
    if len(names) >= 2 and f"{names[-2]}.{names[-1]}" in RULE_TEXT:
        return RULE_TEXT[f"{names[-2]}.{names[-1]}"]
    return RULE_TEXT.get(names[-1]) if names else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean X?)"`` or ``""`` — difflib, case-insensitive, snake_case aware."""
    choices = list(choices)
    lower = {c.lower(): c for c in choices}
    flat = word.replace("_", "").replace("-", "").lower()
    if flat in lower:
        return f" (did you mean {lower[flat]}?)"
    for c in choices:
        if c.lower().replace("_", "") == flat:
            return f" (did you mean {c}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6) or difflib.get_close_matches(
        word.lower(), list(lower), n=1, cutoff=0.6)
    if close:
        best = lower.get(close[0], close[0])
        return f" (did you mean {best}?)"
    return ""


def _name(path: PathT) -> str:
    """How a message names the value: its key, with trailing list indexes (``layers[1]``)."""
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return "the value"
    if len(names) >= 2 and names[-2] in ("initializer", "preStop") and names[-1] == "timeout":
        return f"{names[-2]} timeout"
    tail = ""
    for part in reversed(path):
        if not isinstance(part, int):
            break
        tail = f"[{part}]" + tail
    return names[-1] + tail


_MISSING_HINTS = {
    "functionName": "name the function, e.g. functionName: orders-api",
    "runtime": "e.g. runtime: python3.10, custom.debian12 or custom-container",
    "handler": "e.g. handler: index.handler (custom runtimes and containers take any placeholder, "
               "e.g. index.handler)",
    "functions": "add a `functions:` list",
    "triggerName": "name the trigger",
    "triggerType": "one of http, timer, oss, log, tablestore, cdn_events, mns_topic, eventbridge",
}


def reword(err: Mapping[str, Any], path: PathT, text: str | None = None) -> str:
    """A person-readable message for one pydantic error at ``path`` (the error's data path);
    ``text`` is the scalar as written, when YAML read it as a number or boolean."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    name = _name(path)
    rule = rule_text(path)
    if kind == "missing":
        field = path[-1] if path else "value"
        hint = _MISSING_HINTS.get(str(field))
        return f"{field} is required" + (f"; {hint}" if hint else "")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, float) and value.is_integer():
            what = f"an integer ({int(value)}, not {value!r})"
        elif isinstance(value, float):
            what = "a whole number, not a fraction"
        elif isinstance(value, str):
            what = "a plain number without quotes or units"
        elif isinstance(value, bool):
            what = "a number, not true/false"
        else:
            what = "a whole number"
        return f"{name} must be {what}" + (f": {rule}" if rule else "") + show(value, path)
    if kind in ("float_type", "float_parsing"):
        return f"{name} must be a number" + (f": {rule}" if rule else "") + show(value, path)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than", "multiple_of"):
        if rule:
            return f"{name} must be {rule}" + show(value, path)
        bound = {"greater_than_equal": "at least", "less_than_equal": "at most",
                 "greater_than": "more than", "less_than": "less than",
                 "multiple_of": "a multiple of"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"{name} must be {bound} {limit}" + show(value, path)
    if kind in ("string_type", "string_unicode"):
        hint = ""
        if isinstance(value, (int, float, bool)) and text is not None and may_echo(path):
            kind = "boolean" if isinstance(value, bool) else "number"
            return f"{name} must be a string; quote it: \"{text}\" (unquoted, YAML reads it as a {kind})"
        if isinstance(value, (int, float, bool)) and not isinstance(value, bool) and may_echo(path):
            hint = f"; quote it: \"{value}\""
        elif isinstance(value, bool) and may_echo(path):
            hint = f"; quote it: \"{'true' if value else 'false'}\""
        elif isinstance(value, (int, float, bool)):
            hint = "; quote the value"
        return f"{name} must be a string{hint}" + show(value, path)
    if kind in ("bool_type", "bool_parsing"):
        return f"{name} must be true or false (without quotes)" + show(value, path)
    if kind in ("list_type", "tuple_type"):
        if name == "command" or name in ("args", "entrypoint"):
            return (f"{name} must be a list of strings; write it as an argv list, e.g. "
                    "[/bin/sh, -c, \"echo hi\"]")
        return f"{name} must be a list (one `- item` per line, or [a, b])" + show(value, path)
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"{name} must be a mapping (`key: value` lines)" + show(value, path)
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return f"{name} must be one of {', '.join(choices)}" + show(value, path) + hint
    if kind == "string_pattern_mismatch":
        return f"{name} must be {rule or 'in the documented pattern ' + str(ctx.get('pattern'))}" + show(value, path)
    if kind == "string_too_long":
        return f"{name} must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return f"{name} must not be empty"
    if kind == "extra_forbidden":
        return f"unknown key {path[-1] if path else ''}"
    msg = err.get("msg", "invalid value")
    return f"{name}: {msg}"
