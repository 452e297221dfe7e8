"""Input checks of the emulator's function API, before any state changes: field types of a
CreateFunction/UpdateFunction body, FC's limits on the resulting function (shared with ``fcctl
validate`` through :mod:`fcctl.limits`), the ``code`` object, UpdateFunction's merge, and list
``limit`` parameters. Every problem is a 400 :class:`~fcctl.emulator.errors.InvalidArgument`."""

from __future__ import annotations

import base64
import binascii
import io
import re
import zipfile

from fcctl import fcfacts, fcfields, limits
from fcctl.emulator import errors

LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT = 20, 100
LATEST = "LATEST"  # the qualifier of the function's current configuration

# Keys of CreateFunctionInput / UpdateFunctionInput, from the one field table (fcctl/fcfields.py,
# SDK 4.8 models). Unknown keys are ignored.
CREATE_KEYS = fcfields.CREATE_INPUT
UPDATE_KEYS = fcfields.UPDATE_INPUT

# Filled in on CreateFunction when absent (policy: the values FC documents as defaults).
FUNCTION_DEFAULTS = {
    "description": "",
    "timeout": 3,
    "memorySize": 128,
    "diskSize": 512,
    "instanceConcurrency": 1,
    "internetAccess": True,
    "environmentVariables": {},
    "layers": [],
}

# CRC-64/ECMA as OSS computes it (FC's codeChecksum), from crcmod-plus.
_crc64 = None


def crc64(data: bytes) -> str:
    """CRC-64/ECMA-182 as OSS uses it, as a decimal string (FC's ``codeChecksum``)."""
    global _crc64
    if _crc64 is None:
        import crcmod

        _crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF,
                                 rev=True)
    return str(_crc64(data))


def public_fields(doc: dict) -> dict:
    """A stored document without the emulator's private (``_``-prefixed) keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def merge_update(stored: dict, patch: dict, path: str = "") -> dict:
    """UpdateFunction's merge (fcfacts "updates" section): each key the patch gives replaces the
    stored one, except objects, merged key by key, recursively, so a sub-key the body omits is
    kept (Serverless Devs fc3 sends explicit empties to clear one). Lists, scalars and the maps
    whose keys are the user's (``fcfacts.USER_MAPS``: environmentVariables, …) are replaced
    whole. Mutates and returns ``stored``."""
    for key, value in patch.items():
        p = f"{path}.{key}" if path else key
        have = stored.get(key)
        if isinstance(value, dict) and isinstance(have, dict) and p not in fcfacts.USER_MAPS:
            merge_update(have, value, p)
        else:
            stored[key] = value
    return stored


def hook_set(hook: dict | None) -> bool:
    """The one shared rule: :func:`fcctl.fcfacts.hook_is_set`."""
    return isinstance(hook, dict) and fcfacts.hook_is_set(hook)


def _limits_view(fn: dict) -> dict:
    """The function as :func:`fcctl.limits.check_function` reads it: a cleared hook (``handler
    ""``, ``command []``) is unset, so its leftover timeout is not checked."""
    ilc = fn.get("instanceLifecycleConfig")
    if not isinstance(ilc, dict):
        return fn
    view = dict(fn)
    view["instanceLifecycleConfig"] = {k: v for k, v in ilc.items() if hook_set(v)}
    return view


def _check_types(body: dict, problems: list[str]) -> None:
    ints = ("timeout", "memorySize", "diskSize", "instanceConcurrency")
    for key in ints:
        if key in body and (not isinstance(body[key], int) or isinstance(body[key], bool)):
            problems.append(f"{key} must be an integer")
    if "cpu" in body and (not isinstance(body["cpu"], (int, float))
                          or isinstance(body["cpu"], bool)):
        problems.append("cpu must be a number")
    for key in ("handler", "runtime", "description", "role"):
        if key in body and not isinstance(body[key], str):
            problems.append(f"{key} must be a string")
    env = body.get("environmentVariables")
    if "environmentVariables" in body and not (
        isinstance(env, dict) and all(isinstance(v, str) for v in env.values())
    ):
        problems.append("environmentVariables must be an object of string values")
    if "layers" in body and not (
        isinstance(body["layers"], list) and all(isinstance(x, str) for x in body["layers"])
    ):
        problems.append("layers must be a list of layer ARNs")
    if "tags" in body and not (
        isinstance(body["tags"], list)
        and all(isinstance(t, dict) and isinstance(t.get("Key"), str) for t in body["tags"])
    ):
        problems.append("tags must be a list of {Key, Value}")
    if "internetAccess" in body and not isinstance(body["internetAccess"], bool):
        problems.append("internetAccess must be a boolean")
    ilc = body.get("instanceLifecycleConfig")
    if "instanceLifecycleConfig" in body:
        if not isinstance(ilc, dict):
            problems.append("instanceLifecycleConfig must be an object")
        else:
            for hook_name in ("initializer", "preStop"):
                hook = ilc.get(hook_name)
                if hook is None:
                    continue
                where = f"instanceLifecycleConfig.{hook_name}"
                if not isinstance(hook, dict):
                    problems.append(f"{where} must be an object")
                    continue
                if "handler" in hook and not isinstance(hook["handler"], str):
                    problems.append(f"{where}.handler must be a string")
                if "command" in hook and not (
                    isinstance(hook["command"], list)
                    and all(isinstance(c, str) for c in hook["command"])
                ):
                    problems.append(f"{where}.command must be a list of strings")
                if "timeout" in hook and (not isinstance(hook["timeout"], int)
                                          or isinstance(hook["timeout"], bool)):
                    problems.append(f"{where}.timeout must be an integer")

def _check_limits(fn: dict, problems: list[str]) -> None:
    name = fn.get("functionName")
    if not isinstance(name, str) or not re.fullmatch(fcfacts.FUNCTION_NAME_PATTERN, name):
        problems.append(
            "functionName must be 1-64 letters, digits, '_' or '-', not starting with a "
            f"digit or '-' (got {name!r})"
        )
    runtime = fn.get("runtime")
    if not runtime:
        problems.append("runtime is required")
    elif runtime not in fcfacts.RUNTIMES:
        problems.append(f"runtime {runtime!r} is not supported")
    if not fn.get("handler"):
        problems.append("handler is required (custom runtimes take a placeholder)")
    lo, hi = fcfacts.TIMEOUT_RANGE_S
    t = fn.get("timeout")
    if isinstance(t, int) and not lo <= t <= hi:
        problems.append(f"timeout must be between {lo} and {hi} seconds (got {t})")
    conc = fn.get("instanceConcurrency")
    lo, hi = fcfacts.INSTANCE_CONCURRENCY_RANGE
    if isinstance(conc, int) and not lo <= conc <= hi:
        problems.append(f"instanceConcurrency must be between {lo} and {hi} (got {conc})")
    image = (fn.get("customContainerConfig") or {}).get("image") if isinstance(
        fn.get("customContainerConfig"), dict) else None
    if runtime == fcfacts.CONTAINER_RUNTIME:
        if fn.get("_code"):
            problems.append("code cannot be used with runtime custom-container; use "
                            "customContainerConfig.image")
        if not image:
            problems.append("customContainerConfig.image is required for custom-container")
    elif runtime and fn.get("customContainerConfig"):
        problems.append("customContainerConfig is only for runtime custom-container")
    gpu = fn.get("gpuConfig")
    has_gpu = isinstance(gpu, dict) and bool(gpu.get("gpuType") or gpu.get("gpuMemorySize"))
    ilc = fn.get("instanceLifecycleConfig") or {}
    if isinstance(ilc, dict):
        for hook_name in ("initializer", "preStop"):
            hook = ilc.get(hook_name)
            if not isinstance(hook, dict):
                continue
            where = f"instanceLifecycleConfig.{hook_name}"
            if hook_name == "preStop" and hook.get("command"):
                problems.append(f"{where}.command is not supported: PreStop takes a "
                                "handler only")
            elif hook.get("handler") and hook.get("command"):
                problems.append(f"{where} sets both handler and command; use one "
                                "Initializer type")
            elif hook.get("command") and not has_gpu:
                problems.append(f"{where}.command is only supported for GPU functions "
                                "(gpuConfig)")
            t = hook.get("timeout")
            if isinstance(t, int) and hook_set(hook) and t < 1:
                problems.append(f"{where}.timeout must be at least 1 second (got {t})")
    # FC's documented limits, shared with `fcctl validate` (fcctl.limits): CPU or GPU sizes,
    # hook maxima, instanceConcurrency by runtime, environment variables. The emulator
    # models an account with the default quotas: a "quota" finding (PreStop > 90 s) is a 400
    # too; "warning" findings (off-table GPU sizes FC has accepted) pass.
    for finding in limits.check_function(_limits_view(fn)):
        if finding.severity != "warning":
            problems.append(f"{'.'.join(map(str, finding.path))}: {finding.message}")


def check_body(body) -> None:
    """400 InvalidArgument for a body that is not an object or has fields of wrong types."""
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    problems: list[str] = []
    _check_types(body, problems)
    if problems:
        raise errors.InvalidArgument("; ".join(problems))

def check_function_limits(fn: dict) -> None:
    """400 InvalidArgument naming every limit the resulting function breaks."""
    problems: list[str] = []
    _check_limits(fn, problems)
    if problems:
        raise errors.InvalidArgument("; ".join(problems))


def decode_code(code) -> dict:
    """``code`` of the body → private code record with size and checksum."""
    if not isinstance(code, dict):
        raise errors.InvalidArgument("code must be an object with zipFile or "
                                     "ossBucketName/ossObjectName")
    if code.get("zipFile"):
        if code.get("ossBucketName") or code.get("ossObjectName"):
            raise errors.InvalidArgument("code takes either zipFile or "
                                         "ossBucketName/ossObjectName, not both")
        try:
            data = base64.b64decode(code["zipFile"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise errors.InvalidArgument("code.zipFile is not valid base64") from None
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise errors.InvalidArgument("code.zipFile is not a zip archive")
        return {"kind": "zip", "size": len(data), "checksum": crc64(data),
                "data": code["zipFile"]}
    if code.get("ossBucketName") and code.get("ossObjectName"):
        # Policy: the emulator cannot read OSS; size 0, checksum of nothing known ("").
        return {"kind": "oss", "bucket": code["ossBucketName"],
                "object": code["ossObjectName"], "size": 0, "checksum": ""}
    raise errors.InvalidArgument("code needs zipFile, or both ossBucketName and "
                                 "ossObjectName")


def fill_hook_timeouts(fn: dict) -> None:
    ilc = fn.get("instanceLifecycleConfig")
    if isinstance(ilc, dict):
        for hook in ilc.values():
            if isinstance(hook, dict) and "timeout" not in hook:
                hook["timeout"] = fcfacts.DEFAULT_HOOK_TIMEOUT_S


def page_limit(limit) -> int:
    if limit in (None, ""):
        return LIST_DEFAULT_LIMIT
    try:
        if isinstance(limit, str) and not (limit.isascii() and limit.isdigit()):
            raise ValueError(limit)  # int() also takes "５" and " 5 "
        value = int(limit)
    except (TypeError, ValueError):
        raise errors.InvalidArgument(f"limit must be an integer (got {limit!r})") from None
    if not 1 <= value <= LIST_MAX_LIMIT:
        raise errors.InvalidArgument(f"limit must be between 1 and {LIST_MAX_LIMIT}")
    return value
