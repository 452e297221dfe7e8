"""Saved plans: ``plan --out FILE`` and ``deploy --plan FILE``.

A plan you reviewed is the plan you apply. The saved file records what the plan was computed
from — the spec files' SHA-256 digests and, per function, a digest of the live function as
GetFunction returned it (plus its ListTriggers when the spec manages triggers), with its
``lastModifiedTime`` and ``codeChecksum`` for the reader — and the planned changes and bodies,
**masked** (credentials and secret values as plan output shows them: ``fields.mask``, then
``redact.scrub_data``). A masked body cannot be sent, so ``deploy --plan`` recomputes the plan
from the spec and live state and applies it only when it is identical to the saved one (same
spec digests, same live digests, same masked plan); otherwise it refuses (exit 1) naming what
moved. The file is written with mode 0600.

Policy (documented in docs/architecture.md, "Saved plans"): a value that reaches the spec through
``${VAR}`` interpolation is compared only as the masked plan shows it — a changed secret value
read from the environment shows as "(sensitive value changed)" in both plans, so it is not
detected as a difference; the spec files and the live functions are.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from fcctl import errors

SAVED_PLAN_SCHEMA = 1
KIND = "fcctl-plan"


def _digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                      default=str).encode()


def file_digests(files) -> list[dict]:
    out = []
    for f in files:
        with open(f, "rb") as fh:
            out.append({"path": str(f), "digest": _digest_bytes(fh.read())})
    return out


def _live_state(live) -> dict:
    """What the digest covers: the function and its triggers, plus its aliases and provision
    configs when the spec manages any (so a function without them digests as before)."""
    state = {"function": live.function, "triggers": list(live.triggers)}
    if live.aliases or live.provisions:
        state["aliases"] = list(live.aliases)
        state["provisionConfigs"] = {q: {k: v for k, v in p.items() if k != "current"}
                                     for q, p in live.provisions.items()}
    return state


def live_record(live) -> dict:
    """What one function's plan was computed from: ``exists``, the digest of the GetFunction
    answer (and ListTriggers), ``lastModifiedTime`` and ``codeChecksum`` as FC reported them."""
    fn = live.function if live is not None else None
    if fn is None:
        return {"exists": False, "digest": None, "lastModifiedTime": None, "codeChecksum": None}
    return {
        "exists": True,
        "digest": _digest_bytes(_canonical(_live_state(live))),
        "lastModifiedTime": fn.get("lastModifiedTime"),
        "codeChecksum": fn.get("codeChecksum"),
    }


def _masked(value: Any) -> Any:
    from fcctl.deploy import fields as F
    from fcctl.ui import redact

    if isinstance(value, dict):
        value = F.mask_function(value)
    return redact.scrub_data(value)


def _function_plan(fa) -> dict:
    """One function's planned action, changes and (masked) bodies."""
    doc = fa.to_dict()
    doc["sendCode"] = fa.send_code
    doc["body"] = _masked(fa.body) if fa.body is not None else None
    doc["triggerBodies"] = {t.name: _masked(t.body) for t in fa.triggers if t.body is not None}
    doc["tagsSet"] = _masked(dict(fa.tags_set))
    doc["tagsRemove"] = list(fa.tags_remove)
    return _masked(doc)


def document(deployment, only=None) -> dict:
    """The saved-plan document of a :class:`fcctl.deploy.service.Deployment`."""
    live = deployment.live
    return {
        "schemaVersion": SAVED_PLAN_SCHEMA,
        "kind": KIND,
        "files": file_digests(deployment.prepared.files),
        "only": list(only) if only else None,
        "functions": [
            {"functionName": fa.name, "live": live_record(live.get(fa.name)),
             "plan": _function_plan(fa)}
            for fa in deployment.plan.functions
        ],
    }


def write(path: str, doc: dict) -> None:
    """Write ``doc`` to ``path`` with mode 0600 (created so, or narrowed if it existed)."""
    from fcctl.ui import redact

    text = json.dumps(redact.scrub_data(doc), indent=2, ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def read(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise errors.UsageError(f"--plan {path}: cannot read it: {exc.strerror}") from None
    except ValueError as exc:
        raise errors.UsageError(f"--plan {path}: not a saved plan (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise errors.UsageError(f"--plan {path}: not a plan saved by `fcctl plan --out`")
    if doc.get("schemaVersion") != SAVED_PLAN_SCHEMA:
        raise errors.UsageError(
            f"--plan {path}: schemaVersion {doc.get('schemaVersion')!r} is not the one this fcctl "
            f"reads ({SAVED_PLAN_SCHEMA})", hint="run `fcctl plan --out` again with this fcctl")
    return doc


def differences(saved: dict, now: dict) -> list[str]:
    """What moved between the saved plan and the one recomputed now (empty: identical)."""
    moved: list[str] = []
    old_files = {f["path"]: f["digest"] for f in saved.get("files") or []}
    new_files = {f["path"]: f["digest"] for f in now["files"]}
    for p in sorted(set(old_files) | set(new_files)):
        if old_files.get(p) != new_files.get(p):
            moved.append(f"spec file {p} changed since the plan was saved")
    old_fns = {f["functionName"]: f for f in saved.get("functions") or []}
    new_fns = {f["functionName"]: f for f in now["functions"]}
    for name in list(dict.fromkeys([*old_fns, *new_fns])):
        a, b = old_fns.get(name), new_fns.get(name)
        if a is None or b is None:
            moved.append(f"function {name}: {'not in' if a is None else 'no longer in'} "
                         "the saved plan's selection")
            continue
        la, lb = a.get("live") or {}, b["live"]
        if la.get("digest") != lb["digest"]:
            if not la.get("exists"):
                what = "was created on FC"
            elif not lb["exists"]:
                what = "was deleted from FC"
            else:
                what = (f"changed on FC (lastModifiedTime {la.get('lastModifiedTime')} → "
                        f"{lb['lastModifiedTime']})")
            moved.append(f"function {name}: live state {what} since the plan was saved")
        elif a.get("plan") != b["plan"]:
            moved.append(f"function {name}: the plan computed now differs from the saved one")
    return moved
