"""Rules for values FC would refuse (or accept and then fail on) that the models cannot see:
an empty function handler, empty items in command lists, a role that is not a full RAM role ARN,
and handlers the code package does not define. Called by :mod:`fcctl.spec.rules` for each
function, with its checker (``error``/``warn`` at a path). Sources: docs/fc-facts.md, "Spec
validation".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fcctl import fcfacts
from fcctl.spec.locations import PathT

# argv lists whose items FC passes to exec: an empty item is never what a person meant
# (`command: ["", "x"]` runs a program named "").
_ARGV_LISTS = (
    ("customRuntimeConfig", "command"),
    ("customContainerConfig", "command"),
    ("customContainerConfig", "entrypoint"),
    ("instanceLifecycleConfig", "initializer", "command"),
    ("instanceLifecycleConfig", "preStop", "command"),
)

_ROLE_ARN_RE = re.compile(fcfacts.ROLE_ARN_PATTERN)


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def function(checker, fn: dict, path: PathT, runtime: str | None) -> None:
    """Every check of this module for one function (``runtime`` None when unknown/invalid)."""
    handler = fn.get("handler")
    if isinstance(handler, str) and not handler.strip():
        checker.error(path + ("handler",), (
            "handler is empty; FC requires one: file.function for built-in runtimes (e.g. "
            "index.handler), any placeholder for custom runtimes and containers (e.g. index.handler)"))
    for rel in _ARGV_LISTS:
        argv = _get(fn, rel)
        if not isinstance(argv, list):
            continue
        for j, item in enumerate(argv):
            if isinstance(item, str) and not item.strip():
                what = ".".join(rel)
                first = " (the program to run)" if j == 0 else ""
                checker.error(path + rel + (j,), (
                    f"{what}[{j}] is empty{first}; every item of an argv list is passed to the "
                    "program as is — remove the empty item"))
    triggers = fn.get("triggers")
    for i, trigger in enumerate(triggers if isinstance(triggers, list) else []):
        qualifier = trigger.get("qualifier") if isinstance(trigger, dict) else None
        if isinstance(qualifier, str) and not qualifier.strip():
            checker.error(path + ("triggers", i, "qualifier"), (
                "qualifier is empty: name a version or an alias (e.g. LATEST, 1, prod), or remove "
                "it (the trigger then invokes LATEST)"))
    role = fn.get("role")
    if isinstance(role, str) and role and not _ROLE_ARN_RE.fullmatch(role):
        name = role.rsplit("/", 1)[-1].strip() or "<role-name>"
        checker.warn(path + ("role",), (
            f"role {role!r} is not a full RAM role ARN; FC does not expand role names — write "
            f"role: acs:ram::<your-account-id>:role/{name.lower()}"))
    if isinstance(runtime, str) and runtime.startswith(fcfacts.HANDLER_CHECKED_RUNTIME_PREFIXES):
        _handlers(checker, fn, path, runtime)


def _handlers(checker, fn: dict, path: PathT, runtime: str) -> None:
    code = fn.get("code")
    if not isinstance(code, str) or not code.strip() or fn.get("layers"):
        return  # OSS code, no code, or layers that may provide the module: cannot tell
    cpath = path + ("code",)
    base = checker.dirs.get(checker.plain.loc(cpath).file, Path.cwd())
    try:
        code_dir = (base / code).resolve()
        if not code_dir.is_dir():
            return  # a .zip, or missing (reported by the code check)
    except (OSError, RuntimeError, ValueError):
        return
    from fcctl.spec import handlers

    targets = [(path + ("handler",), fn.get("handler"), "handler")]
    ilc = fn.get("instanceLifecycleConfig")
    if isinstance(ilc, dict):
        for hook in ("initializer", "preStop"):
            spec = ilc.get(hook)
            if isinstance(spec, dict):
                targets.append((path + ("instanceLifecycleConfig", hook, "handler"), spec.get("handler"),
                                f"{hook} handler"))
    from fcctl.spec.rules import PLACEHOLDER_HANDLERS

    for hpath, value, what in targets:
        if not isinstance(value, str) or not value.strip() or hpath in checker.reported:
            continue
        if what != "handler" and value.strip().lower() in PLACEHOLDER_HANDLERS:
            continue  # the placeholder warning says it
        found = handlers.find(code_dir, runtime, value, what)
        if found is None:
            continue
        severity, message = found
        if severity == "error":
            checker.error(hpath, message)
        else:
            checker.warn(hpath, message)


def cron(checker, value: str, cpath: PathT) -> None:
    """A timer trigger's cronExpression (see :mod:`fcctl.cron`)."""
    from fcctl.cron import check_cron

    error, warning = check_cron(value)
    if error:
        checker.error(cpath, f"cronExpression {value!r}: {error}")
    elif warning:
        checker.warn(cpath, f"cronExpression {value!r}: {warning}")
